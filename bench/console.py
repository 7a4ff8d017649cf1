"""Console proxy cost: 50 concurrent console sessions through one
`manage.py consoleproxy` process against real QEMU VNC servers.

Builds a KVM zone on this machine's libvirtd (TCG), deploys BENCH_VMS
instances of the built-in template through the services, and opens
BENCH_SESSIONS sessions (spread over the instances; QEMU shares a display
between clients) with tokens from createConsoleEndpoint. Every session
then asks for the same screen region BENCH_UPDATES times
(FramebufferUpdateRequest, non-incremental, raw encoding) and times each
answer. The same is measured straight against QEMU (the proxy's own VNC
authentication, no proxy), with the same number of concurrent clients.

Reports the median and p95 time per frame update through the proxy and
direct, their difference (the latency the proxy adds), and the proxy's CPU
time (its process and its per-session children) per session, while busy
and while idle. Needs root and libvirtd (bin/test installs it); run by hand:

    .venv/bin/python bench/console.py
    BENCH_VMS=10 BENCH_SESSIONS=50 BENCH_UPDATES=40 .venv/bin/python bench/console.py
"""
import os
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("CSUI_VAR_DIR", tempfile.mkdtemp(prefix="csui-bench-console-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cloudstack_ui.settings")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
VMS = int(os.environ.get("BENCH_VMS", "10"))
SESSIONS = int(os.environ.get("BENCH_SESSIONS", "50"))
UPDATES = int(os.environ.get("BENCH_UPDATES", "40"))
PROXY_PORT = int(os.environ.get("BENCH_PROXY_PORT", "16080"))
REGION = (0, 0, 320, 200)  # x, y, width, height: 250 KB of raw 32-bit pixels

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from accounts.models import User  # noqa: E402
from compute.console import rfb  # noqa: E402
from compute.console.tokens import open_console_session  # noqa: E402
from compute.models import Template, VirtualMachine  # noqa: E402
from compute.services.offerings import create_service_offering  # noqa: E402
from tests.compute.conftest import call  # noqa: E402
from tests.compute.test_console import WebSocketClient  # noqa: E402
from tests.conftest import Libvirtd, build_kvm_zone, remove_pool  # noqa: E402


class Stream:
    """Exact reads over a proxied WebSocket or a plain socket."""

    def __init__(self, read, write):
        self.read, self.write = read, write


def _socket_reader(sock):
    def read(count):
        data = b""
        while len(data) < count:
            chunk = sock.recv(count - len(data))
            if not chunk:
                raise ConnectionError("closed")
            data += chunk
        return data
    return read


def proxied_stream(token: str) -> Stream:
    client = WebSocketClient(PROXY_PORT, token, record=False)
    assert client.accepted, "the proxy refused a fresh token"
    assert client.read(12) == rfb.VERSION_3_8
    client.send(rfb.VERSION_3_8)
    assert client.read(2) == bytes([1, rfb.SECURITY_NONE])
    client.send(bytes([rfb.SECURITY_NONE]))
    assert client.read(4) == b"\0\0\0\0"
    # WebSocketClient frames up to 125 bytes; the RFB messages sent here are smaller.
    return Stream(client.read, client.send)


def direct_stream(host: str, port: int, password: str) -> Stream:
    sock = socket.create_connection((host, port), timeout=30)
    read = _socket_reader(sock)
    rfb.authenticate_to_server(read, sock.sendall, password)
    return Stream(read, sock.sendall)


def time_updates(stream: Stream, latencies: list, start: threading.Barrier):
    stream.write(b"\x01")  # ClientInit: share the display
    stream.read(4)
    stream.read(16)
    (length,) = struct.unpack(">I", stream.read(4))
    stream.read(length)
    stream.write(struct.pack(">BxHi", 2, 1, 0))  # SetEncodings: raw only
    x, y, width, height = REGION
    start.wait()
    for _ in range(UPDATES):
        began = time.perf_counter()
        stream.write(struct.pack(">BBHHHH", 3, 0, x, y, width, height))
        kind, _pad, rectangles = struct.unpack(">BBH", stream.read(4))
        assert kind == 0, f"expected a FramebufferUpdate, got message {kind}"
        for _ in range(rectangles):
            _x, _y, w, h, encoding = struct.unpack(">HHHHi", stream.read(12))
            if encoding == 0:
                stream.read(w * h * 4)
        latencies.append(time.perf_counter() - began)


def run_sessions(streams: list[Stream]) -> list[float]:
    latencies, start = [], threading.Barrier(len(streams))
    threads = [threading.Thread(target=time_updates, args=(stream, latencies, start)) for stream in streams]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies


def cpu_seconds(pid: int) -> float:
    """CPU time of a process and of its live children."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    for each in [str(pid), *children]:
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def summary(name: str, latencies: list[float]) -> tuple[float, float]:
    ordered = sorted(latencies)
    median, p95 = statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.95)] * 1000
    print(f"{name:>8}: {len(ordered)} updates, median {median:.2f} ms, p95 {p95:.2f} ms")
    return median, p95


def main():
    call_command("migrate", verbosity=0)
    daemon = Libvirtd()
    if not daemon.answers():
        daemon.start()
    admin = User.objects.get(username="admin", domain__parent=None)
    zone, pool_dir = build_kvm_zone(admin, Path(os.environ["CSUI_VAR_DIR"]) / "secondary")
    offering = create_service_offering(admin, name="bench-console", display_text="bench", cpu_number=1,
                                       cpu_speed=100, memory=128)
    template = Template.objects.get(template_type="BUILTIN", hypervisor="KVM")
    vms = []
    proxy = None
    try:
        for n in range(VMS):
            answer = call(admin, "deployVirtualMachine", zoneid=zone.uuid, templateid=template.uuid,
                          serviceofferingid=offering.uuid, name=f"console-{n}")
            vms.append(VirtualMachine.objects.get(uuid=answer["virtualmachine"]["id"]))
        print(f"{VMS} QEMU instances running; letting them boot")
        time.sleep(15)
        proxy = subprocess.Popen([sys.executable, "manage.py", "consoleproxy", "--port", str(PROXY_PORT)],
                                 cwd=ROOT, env=os.environ.copy(), stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(2)

        # Direct: the proxy's VNC authentication straight to QEMU, no proxy.
        targets = [open_console_session(call(admin, "createConsoleEndpoint", virtualmachineid=vm.uuid)
                                        ["websocket"]["token"]) for vm in vms]
        direct = run_sessions([direct_stream(t.host, t.port, t.password)
                               for t in (targets[n % VMS] for n in range(SESSIONS))])

        tokens = [call(admin, "createConsoleEndpoint", virtualmachineid=vms[n % VMS].uuid)["websocket"]["token"]
                  for n in range(SESSIONS)]
        opened = time.perf_counter()
        streams = [proxied_stream(token) for token in tokens]
        print(f"{SESSIONS} sessions opened through the proxy in {time.perf_counter() - opened:.2f} s")
        cpu_before, wall_before = cpu_seconds(proxy.pid), time.perf_counter()
        proxied = run_sessions(streams)
        busy_cpu, busy_wall = cpu_seconds(proxy.pid) - cpu_before, time.perf_counter() - wall_before
        cpu_before = cpu_seconds(proxy.pid)
        time.sleep(10)
        idle_cpu = cpu_seconds(proxy.pid) - cpu_before

        direct_median, direct_p95 = summary("direct", direct)
        proxied_median, proxied_p95 = summary("proxied", proxied)
        frame_kb = REGION[2] * REGION[3] * 4 / 1024
        print(f"added by the proxy: median {proxied_median - direct_median:+.2f} ms, "
              f"p95 {proxied_p95 - direct_p95:+.2f} ms per {frame_kb:.0f} KB frame update "
              f"({SESSIONS} sessions at once over {VMS} QEMU VNC servers)")
        print(f"proxy CPU while busy: {busy_cpu:.2f} s over {busy_wall:.2f} s wall = "
              f"{busy_cpu / busy_wall / SESSIONS * 100:.2f}% of a core per session "
              f"({busy_cpu / len(proxied) * 1000:.2f} ms per update)")
        print(f"proxy CPU while idle: {idle_cpu / 10 / SESSIONS * 100:.3f}% of a core per open session")
    finally:
        if proxy is not None:
            os.killpg(proxy.pid, signal.SIGTERM)
            proxy.wait(10)
        for vm in vms:
            call(admin, "destroyVirtualMachine", id=vm.uuid, expunge=True)
        remove_pool(Libvirtd.URL, pool_dir)


if __name__ == "__main__":
    main()
