"""Hypervisor drivers behind one interface (DESIGN.md section 5)."""
from infrastructure.hypervisors.base import (
    ConsoleAddress,
    DiskSpec,
    HostAccess,
    HostAuthenticationFailed,
    HostFacts,
    HostUnreachable,
    HypervisorDriver,
    HypervisorOperationFailed,
    InstanceSpec,
    NicSpec,
    PoolSpec,
    PowerState,
    SecurityRule,
    SecurityRuleSet,
    UnsupportedOperation,
    VolumeInfo,
    VolumeRef,
    get_driver,
)

__all__ = [
    "ConsoleAddress", "DiskSpec", "HostAccess", "HostAuthenticationFailed", "HostFacts", "HostUnreachable",
    "HypervisorDriver", "HypervisorOperationFailed", "InstanceSpec", "NicSpec", "PoolSpec", "PowerState",
    "SecurityRule", "SecurityRuleSet", "UnsupportedOperation", "VolumeInfo", "VolumeRef", "get_driver",
]
