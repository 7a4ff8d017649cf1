"""The interface every hypervisor driver implements, and the lookup of a
driver by hypervisor name.

A driver connects to a host given its URL and credentials and reports the
host's facts; later issues add instance, volume, snapshot, console and
network-rule operations to the same interface. Drivers raise
HostUnreachable or HostAuthenticationFailed, never a bare exception, so the
services can tell the operator what to fix."""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from cloudstack_ui.errors import InvalidParameter, ResourceUnavailable


class HostUnreachable(ResourceUnavailable):
    """The host could not be reached (refused, timed out, unknown name)."""

    def __init__(self, message: str):
        super().__init__(message, field="url")


class HostAuthenticationFailed(InvalidParameter):
    """The host answered but refused the credentials."""

    def __init__(self, message: str):
        super().__init__(message, field="password")


@dataclass(frozen=True)
class HostFacts:
    """What a driver reports about a host."""

    name: str
    ip_address: str
    cpu_sockets: int
    cpu_number: int
    cpu_speed: int  # MHz
    cpu_model: str
    cpu_flags: str
    memory: int  # bytes
    hypervisor_version: str
    running_vms: int
    # The guest types the host can run: "kvm" (hardware acceleration),
    # "qemu" (software emulation), "test".
    accelerations: tuple[str, ...] = ()


class HypervisorDriver(ABC):
    hypervisor: str

    @abstractmethod
    def connect(self, url: str, username: str, password: str) -> HostFacts:
        """Connect to the host at `url` and answer its facts."""

    @abstractmethod
    def ping(self, url: str, username: str, password: str) -> bool:
        """Whether the host answers now."""


def get_driver(hypervisor: str) -> HypervisorDriver:
    from infrastructure.hypervisors.kvm import KVMDriver
    from infrastructure.hypervisors.simulator import SimulatorDriver

    drivers = {"Simulator": SimulatorDriver, "KVM": KVMDriver}
    try:
        return drivers[hypervisor]()
    except KeyError:
        raise InvalidParameter(
            f"hypervisor: hosts of {hypervisor} cannot be added yet: its driver is not available in this version",
            field="hypervisor",
        )
