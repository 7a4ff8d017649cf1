"""The router backend of each hypervisor whose hosts run virtual routers."""
from infrastructure.hypervisors.base import UnsupportedOperation
from network.providers.virtual_router.namespace import NamespaceRouterBackend
from network.providers.virtual_router.simulated import SimulatedRouterBackend


def router_backend(hypervisor: str):
    """The backend that runs virtual routers on hosts of `hypervisor`: a
    network namespace on KVM hosts, database rows on Simulator hosts."""
    if hypervisor == "KVM":
        return NamespaceRouterBackend()
    if hypervisor == "Simulator":
        return SimulatedRouterBackend()
    raise UnsupportedOperation(f"virtual routers do not run on {hypervisor} hosts")
