"""The interface every hypervisor driver implements, and the lookup of a
driver by hypervisor name.

A driver reaches a host through a HostAccess (URL and credentials), reports
its facts, and runs instances, volumes, snapshots, the console address and
security-group rules on it. Drivers raise HostUnreachable,
HostAuthenticationFailed, UnsupportedOperation or HypervisorOperationFailed,
never a bare library exception, so the services can tell the operator what
to fix. Every operation is idempotent where the hypervisor allows it:
destroying a gone instance or deleting a gone volume succeeds."""
from __future__ import annotations

import enum
from abc import ABC, abstractmethod
from dataclasses import dataclass, field

from cloudstack_ui.errors import CloudStackError, InvalidParameter, ResourceUnavailable


class HostUnreachable(ResourceUnavailable):
    """The host could not be reached (refused, timed out, unknown name)."""

    def __init__(self, message: str):
        super().__init__(message, field="url")


class HostAuthenticationFailed(InvalidParameter):
    """The host answered but refused the credentials."""

    def __init__(self, message: str):
        super().__init__(message, field="password")


class UnsupportedOperation(CloudStackError):
    """The hypervisor cannot do this (e.g. migration on libvirt's test driver)."""

    errorcode = 432
    cserrorcode = 4370
    http_status = 409


class HypervisorOperationFailed(CloudStackError):
    """The hypervisor refused or failed an operation; the message is its reason."""

    errorcode = 530
    cserrorcode = 4250
    http_status = 502


class PowerState(enum.StrEnum):
    """An instance's power state as the hypervisor reports it (CloudStack's
    PowerOn/PowerOff/PowerUnknown; Missing when the hypervisor has no such
    instance)."""

    ON = "PowerOn"
    OFF = "PowerOff"
    UNKNOWN = "PowerUnknown"
    MISSING = "PowerReportMissing"


@dataclass(frozen=True)
class HostAccess:
    """How to reach a host: its URL and credentials."""

    url: str
    username: str = "root"
    password: str = ""


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


@dataclass(frozen=True)
class PoolSpec:
    """A primary storage pool as the host must see it: `uuid` names it on
    the hypervisor; protocol, server and path say where it lives."""

    uuid: str
    protocol: str
    server: str = ""
    path: str = ""


@dataclass(frozen=True)
class VolumeRef:
    """A volume (or snapshot, or template copy) by its name inside a pool."""

    pool: PoolSpec
    name: str


@dataclass(frozen=True)
class VolumeInfo:
    name: str
    path: str
    size: int  # virtual size, bytes
    allocation: int  # bytes on disk
    format: str
    backing: str = ""


@dataclass(frozen=True)
class DiskSpec:
    volume: VolumeRef
    device_id: int  # 0 = root disk; CloudStack's deviceid of data disks from 1
    read_only: bool = False


@dataclass(frozen=True)
class NicSpec:
    mac: str
    network: str = ""  # bridge or port group / network name-label on the host; "" = no host network
    security_filter: str = ""  # name of the rule set applied to this NIC ("" = none)


@dataclass(frozen=True)
class InstanceSpec:
    """What a driver needs to define an instance. `name` is CloudStack's
    internal name (i-<account>-<id>-VM), unique on the host."""

    name: str
    uuid: str
    vcpus: int
    cpu_speed: int  # MHz, for the CPU shares
    memory: int  # bytes
    vnc_password: str  # VNC authentication uses the first 8 characters
    disks: tuple[DiskSpec, ...] = ()
    nics: tuple[NicSpec, ...] = ()
    # Direct kernel boot (a template recorded as kernel + initrd), or "" to boot the root disk.
    kernel: str = ""
    initrd: str = ""
    cmdline: str = ""
    iso: str = ""  # path of an ISO on the host, attached as a CD-ROM and booted first
    acceleration: str = "kvm"  # KVM only: "kvm" (hardware) or "qemu" (TCG)


@dataclass(frozen=True)
class ConsoleAddress:
    """Where the console proxy finds an instance's VNC server."""

    host: str
    port: int
    password: str
    # XenServer: the VNC stream is reached by an HTTP CONNECT to this path
    # (XAPI's console location) on host:port, not by a plain TCP connection.
    tunnel_path: str = ""


@dataclass(frozen=True)
class SecurityRule:
    """One security-group rule as the host enforces it."""

    direction: str  # "ingress" or "egress"
    protocol: str  # "tcp", "udp", "icmp", "all"
    cidr: str
    start_port: int | None = None
    end_port: int | None = None
    icmp_type: int | None = None
    icmp_code: int | None = None


@dataclass(frozen=True)
class SecurityRuleSet:
    """The rules of one NIC: `name` is the NicSpec.security_filter."""

    name: str
    mac: str
    rules: tuple[SecurityRule, ...] = field(default_factory=tuple)


class HypervisorDriver(ABC):
    hypervisor: str

    # --- hosts -------------------------------------------------------------------
    @abstractmethod
    def connect(self, host: HostAccess) -> HostFacts:
        """Connect to the host and answer its facts."""

    @abstractmethod
    def ping(self, host: HostAccess) -> bool:
        """Whether the host answers now. A driver that knows why a host does
        not answer raises HostUnreachable with the reason instead of
        answering False; HostAuthenticationFailed when the host answers but
        refuses the credentials."""

    # --- instances ---------------------------------------------------------------
    @abstractmethod
    def define_instance(self, host: HostAccess, spec: InstanceSpec) -> None:
        """Define the instance on the host, stopped. Refused if the name exists."""

    @abstractmethod
    def start_instance(self, host: HostAccess, name: str) -> None:
        """Power the instance on; a running instance stays running."""

    @abstractmethod
    def stop_instance(self, host: HostAccess, name: str, *, forced: bool = False, timeout: float = 60) -> None:
        """Ask the guest to shut down and wait up to `timeout` seconds, then
        power it off; `forced` powers it off at once."""

    @abstractmethod
    def reboot_instance(self, host: HostAccess, name: str) -> None:
        """Restart a running instance."""

    @abstractmethod
    def destroy_instance(self, host: HostAccess, name: str) -> None:
        """Power off and remove the instance's definition (its volumes stay)."""

    @abstractmethod
    def migrate_instance(self, host: HostAccess, name: str, destination: HostAccess) -> None:
        """Move a running instance to `destination` without stopping it."""

    @abstractmethod
    def instance_power_state(self, host: HostAccess, name: str) -> PowerState:
        """The instance's power state (MISSING when the host has no such instance)."""

    @abstractmethod
    def instance_power_states(self, host: HostAccess) -> dict[str, PowerState]:
        """The power state of every instance on the host, by name."""

    # --- storage -----------------------------------------------------------------
    @abstractmethod
    def prepare_storage_pool(self, host: HostAccess, pool: PoolSpec) -> tuple[int, int]:
        """Make the pool usable from the host (mount or define it);
        answers (capacity bytes, available bytes)."""

    def remove_storage_pool(self, host: HostAccess, pool: PoolSpec) -> None:
        """Undo prepare_storage_pool on the host, once the pool holds
        nothing of ours: stop using it and forget its definition (the data
        under it stays). A pool the host does not know is no error. Drivers
        that define nothing per pool on the host keep this default."""
        return None

    @abstractmethod
    def create_volume(self, host: HostAccess, volume: VolumeRef, size: int, *,
                      template: VolumeRef | None = None) -> VolumeInfo:
        """A blank volume of `size` bytes, or one backed by `template` (a
        template copy in the same pool) at least `size` bytes large."""

    @abstractmethod
    def import_volume(self, host: HostAccess, volume: VolumeRef, source_file: str) -> VolumeInfo:
        """Copy a local file of the management server (a template from
        secondary storage) into the pool as a volume."""

    @abstractmethod
    def export_volume(self, host: HostAccess, volume: VolumeRef, target_file: str) -> int:
        """Write the whole content of the volume (or snapshot), its backing
        chain flattened, into a local file of the management server (a new
        template on secondary storage); answers the bytes written."""

    @abstractmethod
    def delete_volume(self, host: HostAccess, volume: VolumeRef) -> None:
        """Delete the volume; a gone volume is no error."""

    @abstractmethod
    def attach_volume(self, host: HostAccess, name: str, disk: DiskSpec) -> None:
        """Attach the volume to the instance (live when it runs)."""

    @abstractmethod
    def detach_volume(self, host: HostAccess, name: str, disk: DiskSpec) -> None:
        """Detach the volume from the instance (live when it runs)."""

    @abstractmethod
    def snapshot_volume(self, host: HostAccess, volume: VolumeRef, snapshot: VolumeRef,
                        *, instance: str = "") -> VolumeInfo:
        """A point-in-time copy of `volume` as `snapshot`, taken while
        `instance` (when given) keeps running."""

    @abstractmethod
    def resize_volume(self, host: HostAccess, volume: VolumeRef, size: int, *, instance: str = "") -> VolumeInfo:
        """Grow the volume to `size` bytes (never shrink: UnsupportedOperation);
        while `instance` (when given) runs with it attached, online where the
        hypervisor allows, else UnsupportedOperation with the reason."""

    @abstractmethod
    def revert_volume(self, host: HostAccess, volume: VolumeRef, snapshot: VolumeRef) -> VolumeInfo:
        """Give the volume the content of `snapshot` (taken of it by
        snapshot_volume); no running instance may use the volume. A volume
        gone from the pool is made again from the snapshot, so a retry after
        a failure completes the revert."""

    @abstractmethod
    def copy_volume(self, host: HostAccess, source: VolumeRef, dest: VolumeRef) -> VolumeInfo:
        """A full, independent copy of `source` (a volume or a snapshot) as
        `dest`, which may be in another pool the host reaches."""

    # --- console and rules -------------------------------------------------------
    @abstractmethod
    def console_address(self, host: HostAccess, name: str) -> ConsoleAddress:
        """The VNC endpoint of a running instance."""

    @abstractmethod
    def apply_security_rules(self, host: HostAccess, rule_set: SecurityRuleSet) -> None:
        """Install (or replace) the rule set; NICs whose security_filter
        names it are filtered by it from then on."""

    @abstractmethod
    def remove_security_rules(self, host: HostAccess, name: str) -> None:
        """Remove a rule set no NIC uses any more; a gone one is no error."""


def get_driver(hypervisor: str) -> HypervisorDriver:
    from infrastructure.hypervisors.kvm import KVMDriver
    from infrastructure.hypervisors.simulator import SimulatorDriver
    from infrastructure.hypervisors.vmware import VMwareDriver
    from infrastructure.hypervisors.xenserver import XenServerDriver

    drivers = {"Simulator": SimulatorDriver, "KVM": KVMDriver, "VMware": VMwareDriver, "XenServer": XenServerDriver}
    try:
        return drivers[hypervisor]()
    except KeyError:
        raise InvalidParameter(
            f"hypervisor: hosts of {hypervisor} cannot be added yet: its driver is not available in this version",
            field="hypervisor",
        )
