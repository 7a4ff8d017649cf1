"""The router backend for a host's hypervisor."""
from __future__ import annotations

from infrastructure.hypervisors.base import UnsupportedOperation

from .namespace import NamespaceRouterBackend


def router_backend(hypervisor: str) -> NamespaceRouterBackend:
    """The backend that runs virtual routers on hosts of this hypervisor."""
    if hypervisor == "KVM":
        return NamespaceRouterBackend()
    raise UnsupportedOperation(f"hypervisor: no virtual router backend for {hypervisor} hosts")
