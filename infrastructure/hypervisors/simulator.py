"""The Simulator hypervisor: hosts are `simulator://NAME`, simulated
machines whose profile lives in the database (SimulatedMachine), so every
process sees the same hosts. Operations take the machine's configured time
and fail the way the machine is told to."""
import time
from urllib.parse import urlsplit

from cloudstack_ui.errors import InvalidParameter
from infrastructure.hypervisors.base import HostAuthenticationFailed, HostFacts, HostUnreachable, HypervisorDriver
from infrastructure.models import SimulatedMachine


def machine_name(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme.lower() != "simulator" or not parts.netloc:
        raise InvalidParameter("url: a Simulator host is written simulator://NAME", field="url")
    return parts.netloc


class SimulatorDriver(HypervisorDriver):
    hypervisor = "Simulator"

    def _machine(self, url: str) -> SimulatedMachine:
        name = machine_name(url)
        return SimulatedMachine.objects.filter(name=name).first() or SimulatedMachine(name=name)

    def connect(self, url: str, username: str, password: str) -> HostFacts:
        machine = self._machine(url)
        time.sleep(machine.operation_seconds)
        if machine.refuse_connection:
            raise HostUnreachable(f"Unable to connect to host {machine.name}: connection refused")
        if machine.password and password != machine.password:
            raise HostAuthenticationFailed(
                f"Unable to log in to host {machine.name} as {username or 'root'}: the username or password is wrong"
            )
        return HostFacts(
            name=machine.name, ip_address=machine.ip_address, cpu_sockets=machine.cpu_sockets,
            cpu_number=machine.cpu_number, cpu_speed=machine.cpu_speed, cpu_model=machine.cpu_model,
            cpu_flags=machine.cpu_flags, memory=machine.memory, hypervisor_version=machine.hypervisor_version,
            running_vms=machine.running_vms, accelerations=("kvm", "qemu"),
        )

    def ping(self, url: str, username: str, password: str) -> bool:
        return not self._machine(url).refuse_connection
