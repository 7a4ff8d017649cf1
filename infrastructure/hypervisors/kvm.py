"""The KVM hypervisor through libvirt.

Hosts are libvirt URLs: qemu:///system (a host on the management server
itself, guide 1.3), qemu+tcp://host/system, qemu+ssh://root@host/system,
qemu+tls://host/system; qemu:///embed?root=DIR (libvirt's QEMU driver
inside this process, no daemon: single-machine trials and tests); and
libvirt's test:/// driver. Connection failures become HostUnreachable, refused credentials
HostAuthenticationFailed; hosts below the guide's minimums (8.1.1: libvirt
0.9.4, QEMU 1.0) are refused."""
import threading
import xml.etree.ElementTree as ET
from contextlib import contextmanager
from urllib.parse import urlsplit

from cloudstack_ui.errors import InvalidParameter
from infrastructure.hypervisors.base import HostAuthenticationFailed, HostFacts, HostUnreachable, HypervisorDriver

SCHEMES = ("qemu", "qemu+tcp", "qemu+ssh", "qemu+tls", "qemu+unix", "test")
MIN_LIBVIRT = 9004  # 0.9.4
MIN_QEMU = 1_000_000  # 1.0


def _version_text(number: int) -> str:
    return f"{number // 1_000_000}.{number // 1000 % 1000}.{number % 1000}"


_event_loop_started = threading.Lock()
_event_loop_running = False


def ensure_event_loop() -> None:
    """qemu:///embed (libvirt's QEMU driver inside this process, no daemon)
    needs libvirt's event loop running in the process: start it once, in a
    daemon thread."""
    global _event_loop_running
    import libvirt

    with _event_loop_started:
        if _event_loop_running:
            return
        libvirt.virEventRegisterDefaultImpl()

        def run():
            while True:
                libvirt.virEventRunDefaultImpl()

        threading.Thread(target=run, name="libvirt-events", daemon=True).start()
        _event_loop_running = True


def check_url(url: str) -> str:
    scheme = urlsplit(url).scheme.lower()
    if scheme not in SCHEMES:
        raise InvalidParameter(f"url: a KVM host is a libvirt URL such as qemu+ssh://root@host/system or "
                               f"qemu:///system, not '{url}'", field="url")
    return url


class KVMDriver(HypervisorDriver):
    hypervisor = "KVM"

    @contextmanager
    def _connection(self, url: str, username: str, password: str):
        import libvirt

        def credentials(creds, _data):
            for cred in creds:
                if cred[0] == libvirt.VIR_CRED_AUTHNAME:
                    cred[4] = username or "root"
                elif cred[0] == libvirt.VIR_CRED_PASSPHRASE:
                    cred[4] = password
            return 0

        auth = [[libvirt.VIR_CRED_AUTHNAME, libvirt.VIR_CRED_PASSPHRASE], credentials, None]
        host = urlsplit(url).hostname or "localhost"
        if urlsplit(url).path.startswith("/embed"):
            ensure_event_loop()
        try:
            connection = libvirt.openAuth(check_url(url), auth, 0)
        except libvirt.libvirtError as exc:
            if exc.get_error_code() == libvirt.VIR_ERR_AUTH_FAILED:
                raise HostAuthenticationFailed(f"Unable to log in to host {host} as {username or 'root'}: "
                                               f"{exc.get_error_message()}")
            raise HostUnreachable(f"Unable to connect to host {host}: {exc.get_error_message()}")
        try:
            yield connection
        finally:
            connection.close()

    def connect(self, url: str, username: str, password: str) -> HostFacts:
        with self._connection(url, username, password) as connection:
            kind = connection.getType()
            lib_version, hypervisor_version = connection.getLibVersion(), connection.getVersion()
            if lib_version < MIN_LIBVIRT:
                raise InvalidParameter(f"url: the host runs libvirt {_version_text(lib_version)}; at least 0.9.4 is "
                                       f"needed", field="url")
            if kind == "QEMU" and hypervisor_version < MIN_QEMU:
                raise InvalidParameter(f"url: the host runs QEMU {_version_text(hypervisor_version)}; at least 1.0 "
                                       f"is needed", field="url")
            model, memory_mb, _cpus, mhz, _nodes, sockets, cores, threads = connection.getInfo()
            capabilities = ET.fromstring(connection.getCapabilities())
            cpu_model = capabilities.findtext("host/cpu/model") or model
            flags = sorted(f.get("name") for f in capabilities.findall("host/cpu/feature"))
            accelerations = sorted({d.get("type") for d in capabilities.iter("domain") if d.get("type")})
            return HostFacts(
                name=connection.getHostname(), ip_address=urlsplit(url).hostname or "",
                cpu_sockets=sockets, cpu_number=sockets * cores * threads, cpu_speed=mhz, cpu_model=cpu_model,
                cpu_flags=" ".join(flags), memory=memory_mb * 1024 * 1024,
                hypervisor_version=f"{kind} {_version_text(hypervisor_version)}, libvirt {_version_text(lib_version)}",
                running_vms=len(connection.listDomainsID()), accelerations=tuple(accelerations),
            )

    def ping(self, url: str, username: str, password: str) -> bool:
        try:
            with self._connection(url, username, password) as connection:
                return connection.isAlive() == 1
        except (HostUnreachable, HostAuthenticationFailed):
            return False
