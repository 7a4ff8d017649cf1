"""How long the KVM virtual router takes to apply port forwarding rules.

A router namespace (the real backend) on a public bridge with an
"internet" namespace, and a "guest" namespace on its guest bridge running a
TCP echo server. Measures: render of 500 port forwarding rules (pure),
start with them (render + namespace + dnsmasq + metadata server +
iptables-restore), apply of the same 500 again, and apply of one rule
added among them; and checks that a TCP connection opened through a
forwarded port before the change still carries data after it (the rules
are replaced atomically; conntrack keeps the connection). Needs root and
`ip netns`; everything it makes is removed at the end. Run by hand:

    .venv/bin/python bench/router_rules.py"""
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("CSUI_VAR_DIR", tempfile.mkdtemp(prefix="csui-bench-"))
os.environ.setdefault("CSUI_ROUTER_STATE_DIR", tempfile.mkdtemp(prefix="csui-bench-routers-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cloudstack_ui.settings")

import django  # noqa: E402

django.setup()

from infrastructure.hypervisors.base import HostAccess  # noqa: E402
from network.providers.virtual_router.config import PortForward, RouterConfig, RouterInterface  # noqa: E402
from network.providers.virtual_router.namespace import NamespaceRouterBackend  # noqa: E402
from network.providers.virtual_router.render import render  # noqa: E402

RULES = 500
RUNS = 5
SUFFIX = secrets.token_hex(2)
PUBLIC, GUEST_BRIDGE, INTERNET, GUEST = f"bpb{SUFFIX}", f"bgb{SUFFIX}", f"binet{SUFFIX}", f"bgst{SUFFIX}"
LOCAL = HostAccess(url="qemu:///system")
PUBLIC_IP, INTERNET_IP, GUEST_IP = "198.51.100.10", "198.51.100.1", "10.1.1.21"
ECHO = ("import socket\ns = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
        "s.bind(('0.0.0.0', 7000)); s.listen(5)\nimport threading\n"
        "def serve(c):\n    while (d := c.recv(100)):\n        c.sendall(d)\n"
        "while True:\n    c, _ = s.accept(); threading.Thread(target=serve, args=(c,), daemon=True).start()\n")


def sh(*argv, check=True):
    return subprocess.run(list(argv), capture_output=True, text=True, check=check)


def topology():
    for bridge in (PUBLIC, GUEST_BRIDGE):
        sh("ip", "link", "add", bridge, "type", "bridge")
        sh("ip", "link", "set", bridge, "up")
    for namespace, bridge, address, veth in ((INTERNET, PUBLIC, f"{INTERNET_IP}/24", f"bv{SUFFIX}i"),
                                             (GUEST, GUEST_BRIDGE, f"{GUEST_IP}/24", f"bv{SUFFIX}g")):
        sh("ip", "netns", "add", namespace)
        sh("ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", namespace)
        sh("ip", "link", "set", veth, "master", bridge, "up")
        sh("ip", "-n", namespace, "link", "set", "lo", "up")
        sh("ip", "-n", namespace, "link", "set", "eth0", "up")
        sh("ip", "-n", namespace, "addr", "add", address, "dev", "eth0")
    sh("ip", "-n", GUEST, "route", "add", "default", "via", "10.1.1.1")
    return subprocess.Popen(["ip", "netns", "exec", GUEST, sys.executable, "-c", ECHO])


def cleanup(echo):
    echo.kill()
    for namespace in (INTERNET, GUEST):
        sh("ip", "netns", "del", namespace, check=False)
    for device in (PUBLIC, GUEST_BRIDGE):
        sh("ip", "link", "del", device, check=False)


def config(rules: int) -> RouterConfig:
    forwards = tuple(PortForward(protocol="tcp", public_ip=PUBLIC_IP, public_start=10000 + n, public_end=10000 + n,
                                 private_ip=GUEST_IP, private_start=7000, private_end=7000) for n in range(rules))
    return RouterConfig(
        name=f"r-b{SUFFIX}-VM", guest=RouterInterface(bridge=GUEST_BRIDGE, mac="02:00:00:00:b0:01",
                                                      address="10.1.1.1", prefixlen=24),
        guest_cidr="10.1.1.0/24", network_domain="bench.internal", dns_servers=("8.8.8.8",),
        link_local_ip="169.254.0.1", public=RouterInterface(bridge=PUBLIC, mac="02:00:00:00:b0:02",
                                                            address=PUBLIC_IP, prefixlen=24),
        public_gateway=INTERNET_IP, public_ips=(PUBLIC_IP,), source_nat_ip=PUBLIC_IP, port_forwards=forwards)


def timed(fn, runs=RUNS):
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), max(samples)


def connection_through(port: int) -> subprocess.Popen:
    """A TCP connection from the internet namespace to PUBLIC_IP:port, held
    by a child process that sends each line of its stdin through it and
    prints what comes back."""
    code = (f"import socket, sys\nc = socket.create_connection(('{PUBLIC_IP}', {port}), timeout=5)\n"
            "for line in sys.stdin:\n    c.sendall(line.encode()); print(c.recv(100).decode().strip(), flush=True)\n")
    return subprocess.Popen(["ip", "netns", "exec", INTERNET, sys.executable, "-c", code], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)


def echoes(link: subprocess.Popen, text: str) -> bool:
    link.stdin.write(text + "\n")
    link.stdin.flush()
    return link.stdout.readline().strip() == text


def main():
    if os.geteuid() != 0:
        sys.exit("needs root (network namespaces)")
    backend = NamespaceRouterBackend()
    echo = topology()
    full = config(RULES)
    try:
        median, worst = timed(lambda: render(full, "/tmp/unused"))
        print(f"render {RULES} rules           median {median:8.1f} ms   max {worst:8.1f} ms")
        start = time.perf_counter()
        backend.start(LOCAL, full)
        print(f"start with {RULES} rules       {(time.perf_counter() - start) * 1000:8.1f} ms")
        median, worst = timed(lambda: backend.apply(LOCAL, full))
        print(f"apply {RULES} rules again      median {median:8.1f} ms   max {worst:8.1f} ms")
        time.sleep(0.5)
        link = connection_through(10000)
        assert echoes(link, "before"), "the forwarded port answers"
        one_more = replace(full, port_forwards=full.port_forwards + (PortForward(
            protocol="tcp", public_ip=PUBLIC_IP, public_start=20000, public_end=20000, private_ip=GUEST_IP,
            private_start=7000, private_end=7000),))
        changes = [one_more, full] * ((RUNS + 1) // 2)
        median, worst = timed(lambda: backend.apply(LOCAL, changes.pop()), runs=len(changes))
        print(f"apply one rule changed ({RULES + 1})  median {median:8.1f} ms   max {worst:8.1f} ms")
        survived = echoes(link, "after")
        print(f"a connection opened before the changes still carries data after them: {survived}")
        link.stdin.close()
        link.wait(timeout=10)
    finally:
        backend.stop(LOCAL, full.name)
        cleanup(echo)


if __name__ == "__main__":
    main()
