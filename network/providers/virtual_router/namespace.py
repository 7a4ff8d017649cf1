"""The KVM virtual router: a network namespace on the host (cs-<router
name>) with a veth on the guest bridge (eth0, the guest gateway) and one on
the public bridge (eth2, every public address), iptables rules loaded
atomically with iptables-restore, dnsmasq for static DHCP leases and the
network's names, and the metadata/password server. Everything it runs is
under <ROUTER_STATE_DIR>/<name>/ (mode 0700).

Only hosts this management server reaches at qemu:///system (this
machine) can run one: commands run here with subprocess."""
from __future__ import annotations

import hashlib
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

from django.conf import settings

from infrastructure.hypervisors.base import HostAccess, HypervisorOperationFailed, UnsupportedOperation

from .config import RouterConfig, RouterInterface
from .render import GUEST_DEVICE, METADATA_PORT, PASSWORD_PORT, PUBLIC_DEVICE, RenderedRouter, render

logger = logging.getLogger(__name__)
PROJECT_ROOT = Path(__file__).resolve().parents[3]
PROCESS_START_TIMEOUT = 10.0


def _run(*argv: str, input: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
    try:
        result = subprocess.run(list(argv), input=input, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise HypervisorOperationFailed(f"{argv[0]}: {error}") from error
    if check and result.returncode != 0:
        raise HypervisorOperationFailed(f"{' '.join(argv[:6])}: {result.stderr.strip() or result.stdout.strip()}")
    return result


def _link_exists(device: str, namespace: str | None = None) -> bool:
    netns = ["-n", namespace] if namespace else []
    return _run("ip", *netns, "link", "show", "dev", device, check=False).returncode == 0


def _require_local(host: HostAccess) -> None:
    url = urlparse(host.url)
    if url.scheme != "qemu" or url.netloc not in ("", "localhost") or url.path != "/system":
        raise UnsupportedOperation(
            "virtual routers run on KVM hosts this management server reaches at qemu:///system; "
            f"host {host.url} is remote")


def _short_hash(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()[:10]


def namespace_name(router_name: str) -> str:
    return f"cs-{router_name}"


def host_veth(router_name: str, side: str) -> str:
    """The host end of the router's guest ("g") or public ("p") veth:
    12 characters, within Linux's 15."""
    return f"v{side}{_short_hash(router_name)}"


def vlan_device(iface: RouterInterface) -> str:
    name = f"{iface.parent}.{iface.vlan}"
    return name if len(name) <= 15 else f"vl{_short_hash(iface.parent)[:8]}.{iface.vlan}"


def _makes_bridge(iface: RouterInterface) -> bool:
    return bool(iface.parent) and iface.vlan != "untagged"


def state_dir(router_name: str) -> Path:
    return Path(settings.ROUTER_STATE_DIR) / router_name


def _write_atomically(path: Path, content: bytes, mode: int = 0o600) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(f".{path.name}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(descriptor, "wb") as file:
        file.write(content)
    temporary.rename(path)


def _pid_alive(pid_file: Path, marker: str) -> int | None:
    """The pid in pid_file when that process runs and its command line
    contains marker (a reused pid is not ours)."""
    try:
        pid = int(pid_file.read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except (OSError, ValueError):
        return None
    return pid if marker in cmdline else None


def _kill(pid: int | None) -> None:
    if pid is None:
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        # a child we started ourselves would stay a zombie until reaped
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)


class NamespaceRouterBackend:
    """Virtual routers as network namespaces on this machine. Every
    operation is idempotent: start and apply converge the router onto its
    config, stop of a gone router succeeds."""

    # bridges

    def prepare_bridge(self, host: HostAccess, iface: RouterInterface) -> None:
        """The bridge exists afterwards: a VLAN bridge is made on its parent
        when missing; a traffic label's bridge must exist already."""
        _require_local(host)
        if not _makes_bridge(iface):
            if not _link_exists(iface.bridge):
                raise HypervisorOperationFailed(
                    f"bridge {iface.bridge} does not exist on the host: create the traffic label's bridge first")
            return
        if not _link_exists(iface.parent):
            raise HypervisorOperationFailed(f"bridge {iface.parent} (parent of VLAN {iface.vlan}) does not exist")
        vlan = vlan_device(iface)
        if not _link_exists(iface.bridge):
            _run("ip", "link", "add", iface.bridge, "type", "bridge")
        if not _link_exists(vlan):
            made = _run("ip", "link", "add", "link", iface.parent, "name", vlan, "type", "vlan", "id", iface.vlan,
                        check=False)
            if made.returncode != 0:
                # A kernel without 802.1Q (no 8021q module) cannot carry the
                # VLAN off the host: the bridge then joins this host's
                # instances and router only, which is what a one-host
                # cloud needs; a multi-host zone needs the module.
                logger.warning("VLAN %s on %s: %s; bridge %s serves this host only (load the kernel's 8021q "
                               "module to carry the VLAN to other hosts)", iface.vlan, iface.parent,
                               made.stderr.strip(), iface.bridge)
                _run("ip", "link", "set", iface.bridge, "up")
                return
        _run("ip", "link", "set", vlan, "master", iface.bridge)
        _run("ip", "link", "set", vlan, "up")
        _run("ip", "link", "set", iface.bridge, "up")

    def release_bridge(self, host: HostAccess, iface: RouterInterface) -> None:
        """A VLAN bridge we made goes (with its VLAN device) once only that
        device is plugged in; traffic label bridges are never removed."""
        _require_local(host)
        if not _makes_bridge(iface) or not _link_exists(iface.bridge):
            return
        vlan = vlan_device(iface)
        ports = {entry.name for entry in Path(f"/sys/class/net/{iface.bridge}/brif").iterdir()}
        if ports - {vlan}:
            return
        if vlan in ports:
            _run("ip", "link", "del", vlan)
        _run("ip", "link", "del", iface.bridge)

    # the router

    def start(self, host: HostAccess, config: RouterConfig) -> dict:
        """The router runs its config afterwards (a running one is re-applied)."""
        _require_local(host)
        self.prepare_bridge(host, config.guest)
        if config.public is not None:
            self.prepare_bridge(host, config.public)
        namespace = namespace_name(config.name)
        if not Path(f"/run/netns/{namespace}").exists():
            # processes left from a namespace deleted by hand hold that one, not the new one
            self._kill_processes(config.name)
            _run("ip", "netns", "add", namespace)
        _run("ip", "-n", namespace, "link", "set", "lo", "up")
        self._plug(config.name, namespace, "g", GUEST_DEVICE, config.guest, [config.guest.address])
        if config.public is not None:
            self._plug(config.name, namespace, "p", PUBLIC_DEVICE, config.public, list(config.public_ips))
            if config.public_gateway:
                _run("ip", "-n", namespace, "route", "replace", "default", "via", config.public_gateway,
                     "dev", PUBLIC_DEVICE)
        _run("ip", "netns", "exec", namespace, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1")
        return self._apply_files(config, namespace)

    def apply(self, host: HostAccess, config: RouterConfig) -> dict:
        """The running router enforces config; rules change atomically, so
        established connections survive (conntrack is never flushed). A
        router whose namespace is gone (host restarted) is started again."""
        _require_local(host)
        namespace = namespace_name(config.name)
        if not Path(f"/run/netns/{namespace}").exists():
            return self.start(host, config)
        if config.public is not None:
            self._sync_addresses(namespace, PUBLIC_DEVICE, config.public.prefixlen, list(config.public_ips))
        return self._apply_files(config, namespace)

    def stop(self, host: HostAccess, name: str) -> None:
        """Nothing of the router is left: processes, namespace, veths and its
        state directory; bridges stay."""
        _require_local(host)
        directory = state_dir(name)
        self._kill_processes(name)
        namespace = namespace_name(name)
        if Path(f"/run/netns/{namespace}").exists():
            _run("ip", "netns", "del", namespace)
        for side in ("g", "p"):
            if _link_exists(host_veth(name, side)):
                _run("ip", "link", "del", host_veth(name, side))
        if directory.exists():
            for path in sorted(directory.rglob("*"), reverse=True):
                path.rmdir() if path.is_dir() else path.unlink()
            directory.rmdir()

    def is_running(self, host: HostAccess, name: str) -> bool:
        _require_local(host)
        directory = state_dir(name)
        return (Path(f"/run/netns/{namespace_name(name)}").exists()
                and _pid_alive(directory / "dnsmasq.pid", str(directory)) is not None
                and _pid_alive(directory / "metadata.pid", str(directory)) is not None)

    def save_password(self, host: HostAccess, name: str, guest_ip: str, password: str) -> None:
        """The next send_my_password from guest_ip answers password (once the
        guest says saved_password it is gone)."""
        _require_local(host)
        _write_atomically(state_dir(name) / "passwords" / guest_ip, password.encode(), mode=0o600)

    # internals

    def _kill_processes(self, name: str) -> None:
        directory = state_dir(name)
        for pid_file in ("dnsmasq.pid", "metadata.pid"):
            _kill(_pid_alive(directory / pid_file, str(directory)))
            (directory / pid_file).unlink(missing_ok=True)

    def _plug(self, router: str, namespace: str, side: str, device: str, iface: RouterInterface,
              addresses: list[str]) -> None:
        outer = host_veth(router, side)
        if not _link_exists(device, namespace):
            if _link_exists(outer):
                _run("ip", "link", "del", outer)
            _run("ip", "link", "add", outer, "type", "veth", "peer", "name", device, "netns", namespace)
        _run("ip", "link", "set", outer, "master", iface.bridge)
        _run("ip", "link", "set", outer, "up")
        _run("ip", "-n", namespace, "link", "set", device, "address", iface.mac)
        _run("ip", "-n", namespace, "link", "set", device, "up")
        self._sync_addresses(namespace, device, iface.prefixlen, addresses)

    def _sync_addresses(self, namespace: str, device: str, prefixlen: int, addresses: list[str]) -> None:
        wanted = {f"{address}/{prefixlen}" for address in addresses}
        listed = _run("ip", "-n", namespace, "-o", "-4", "addr", "show", "dev", device).stdout.split()
        present = {listed[index + 1] for index, word in enumerate(listed) if word == "inet"}
        for address in sorted(present - wanted):
            _run("ip", "-n", namespace, "addr", "del", address, "dev", device)
        for address in addresses:  # in order: the first (source NAT) one is the primary
            if f"{address}/{prefixlen}" not in present:
                _run("ip", "-n", namespace, "addr", "add", f"{address}/{prefixlen}", "dev", device)

    def _apply_files(self, config: RouterConfig, namespace: str) -> dict:
        directory = state_dir(config.name)
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        directory.chmod(0o700)
        rendered = render(config, str(directory))
        _run("ip", "netns", "exec", namespace, "iptables-restore", input=rendered.rules)
        _write_atomically(directory / "iptables.rules", rendered.rules.encode())
        self._write_metadata(directory, rendered)
        self._ensure_dnsmasq(directory, namespace, rendered)
        self._ensure_metadata_server(directory, namespace, config.guest.address)
        return {"digest": _digest(rendered), "rules": rendered.rule_count(),
                "dhcp_hosts": len(config.dhcp_hosts), "namespace": namespace}

    def _write_metadata(self, directory: Path, rendered: RenderedRouter) -> None:
        root = directory / "metadata"
        for relative, content in rendered.metadata.items():
            _write_atomically(directory / relative, content)
        wanted = {directory / relative for relative in rendered.metadata}
        if root.exists():
            for path in sorted(root.rglob("*"), reverse=True):
                if path.is_file() and path not in wanted:
                    path.unlink()
                elif path.is_dir() and not any(path.iterdir()):
                    path.rmdir()

    def _ensure_dnsmasq(self, directory: Path, namespace: str, rendered: RenderedRouter) -> None:
        conf = directory / "dnsmasq.conf"
        conf_changed = not conf.exists() or conf.read_text() != rendered.dnsmasq_conf
        _write_atomically(directory / "dhcp-hosts", rendered.dhcp_hosts.encode())
        _write_atomically(directory / "hosts", rendered.hosts.encode())
        _write_atomically(conf, rendered.dnsmasq_conf.encode())
        pid_file = directory / "dnsmasq.pid"
        pid = _pid_alive(pid_file, str(directory))
        if pid is not None and not conf_changed:
            os.kill(pid, signal.SIGHUP)  # re-reads dhcp-hostsfile and addn-hosts
            return
        _kill(pid)
        pid_file.unlink(missing_ok=True)
        _run("ip", "netns", "exec", namespace, "dnsmasq", f"--conf-file={conf}", f"--pid-file={pid_file}")
        self._wait_for(pid_file, str(directory), "dnsmasq")

    def _ensure_metadata_server(self, directory: Path, namespace: str, address: str) -> None:
        pid_file = directory / "metadata.pid"
        if _pid_alive(pid_file, str(directory)) is not None:
            return
        pid_file.unlink(missing_ok=True)
        log = open(directory / "metadata.log", "ab")  # noqa: SIM115 - handed to the child
        with log:
            subprocess.Popen(
                ["ip", "netns", "exec", namespace, sys.executable, "-m",
                 "network.providers.virtual_router.metadata_server", "--state-dir", str(directory),
                 "--address", address, "--metadata-port", str(METADATA_PORT),
                 "--password-port", str(PASSWORD_PORT)],
                cwd=PROJECT_ROOT, env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
        self._wait_for(pid_file, str(directory), "the metadata server", log_file=directory / "metadata.log")

    @staticmethod
    def _wait_for(pid_file: Path, marker: str, what: str, log_file: Path | None = None) -> None:
        deadline = time.monotonic() + PROCESS_START_TIMEOUT
        while time.monotonic() < deadline:
            if _pid_alive(pid_file, marker) is not None:
                return
            time.sleep(0.05)
        reason = log_file.read_text()[-500:].strip() if log_file and log_file.exists() else "no pid file"
        raise HypervisorOperationFailed(f"{what} did not start in the router namespace: {reason}")


def _digest(rendered: RenderedRouter) -> str:
    digest = hashlib.sha256()
    for part in (rendered.rules, rendered.dnsmasq_conf, rendered.dhcp_hosts, rendered.hosts):
        digest.update(part.encode())
        digest.update(b"\0")
    for relative in sorted(rendered.metadata):
        digest.update(relative.encode() + b"\0" + rendered.metadata[relative] + b"\0")
    return digest.hexdigest()
