"""Hypervisor drivers behind one interface (DESIGN.md section 5)."""
from infrastructure.hypervisors.base import (
    HostAuthenticationFailed,
    HostFacts,
    HostUnreachable,
    HypervisorDriver,
    get_driver,
)

__all__ = ["HypervisorDriver", "HostFacts", "HostUnreachable", "HostAuthenticationFailed", "get_driver"]
