"""Clusters (guide 6.5) and hypervisor capabilities."""
from django.db import transaction

from accounts.services.validation import require_name
from cloudstack_ui.errors import InvalidParameter, ResourceInUse
from infrastructure.models import AllocationState, Cluster, Hypervisor, HypervisorCapability, Pod, Zone
from infrastructure.services.access import ensure_root_admin, locked


@transaction.atomic
def add_cluster(caller, pod: Pod, *, name: str, hypervisor: str, cluster_type: str = "",
                allocation_state: str = AllocationState.ENABLED, url: str = "", username: str = "",
                password: str = "") -> Cluster:
    ensure_root_admin(caller)
    pod = locked(Pod, pod)
    name = require_name(name, "clustername", "cluster name")
    if hypervisor not in Hypervisor.values:
        raise InvalidParameter(f"hypervisor: must be one of {', '.join(Hypervisor.values)}", field="hypervisor")
    if hypervisor == Hypervisor.VMWARE:
        # A vCenter cluster must be reached to be added (guide 6.5.2); the
        # VMware driver is not part of this version.
        raise InvalidParameter("hypervisor: VMware clusters cannot be added yet: the vCenter driver is not "
                               "available in this version", field="hypervisor")
    if allocation_state not in AllocationState.values:
        raise InvalidParameter("allocationstate: must be Enabled or Disabled", field="allocationstate")
    if pod.clusters.filter(name__iexact=name).exists():
        raise InvalidParameter(f"clustername: pod {pod.name} already has a cluster named {name}", field="clustername")
    zone = locked(Zone, pod.zone)
    if not zone.hypervisor:
        zone.hypervisor = hypervisor
        zone.save(update_fields=["hypervisor"])
    return Cluster.objects.create(
        zone=zone, pod=pod, name=name, hypervisor=hypervisor,
        cluster_type=cluster_type or Cluster.ClusterType.CLOUD_MANAGED, allocation_state=allocation_state,
        url=url, username=username, password=password,
    )


@transaction.atomic
def update_cluster(caller, cluster: Cluster, *, allocation_state: str | None = None,
                   managed_state: str | None = None, name: str | None = None) -> Cluster:
    """Enable/Disable, Manage/Unmanage (guide 8.2.11), rename."""
    ensure_root_admin(caller)
    cluster = locked(Cluster, cluster)
    if allocation_state is not None:
        if allocation_state not in AllocationState.values:
            raise InvalidParameter("allocationstate: must be Enabled or Disabled", field="allocationstate")
        cluster.allocation_state = allocation_state
    if managed_state is not None:
        if managed_state not in Cluster.ManagedState.values:
            raise InvalidParameter("managedstate: must be Managed or Unmanaged", field="managedstate")
        cluster.managed_state = managed_state
    if name is not None:
        name = require_name(name, "clustername", "cluster name")
        if cluster.pod.clusters.filter(name__iexact=name).exclude(pk=cluster.pk).exists():
            raise InvalidParameter(f"clustername: pod {cluster.pod.name} already has a cluster named {name}",
                                   field="clustername")
        cluster.name = name
    cluster.save()
    return cluster


@transaction.atomic
def delete_cluster(caller, cluster: Cluster) -> None:
    ensure_root_admin(caller)
    cluster = locked(Cluster, cluster)
    if cluster.hosts.exists() or cluster.storage_pools.exists():
        raise ResourceInUse(f"id: cluster {cluster.name} still has hosts or primary storage; remove them first",
                            field="id")
    cluster.delete()


def max_hosts(hypervisor: str) -> int | None:
    capability = HypervisorCapability.objects.filter(hypervisor=hypervisor, version="default").first()
    return capability.max_hosts_per_cluster if capability else None


@transaction.atomic
def update_hypervisor_capability(caller, capability: HypervisorCapability, *, max_guests_limit=None,
                                 max_data_volumes_limit=None, max_hosts_per_cluster=None,
                                 security_group_enabled=None) -> HypervisorCapability:
    ensure_root_admin(caller)
    capability = locked(HypervisorCapability, capability)
    for field, value, name in ((("max_guests_limit", max_guests_limit, "maxguestslimit")),
                               ("max_data_volumes_limit", max_data_volumes_limit, "maxdatavolumeslimit"),
                               ("max_hosts_per_cluster", max_hosts_per_cluster, "maxhostspercluster")):
        if value is not None:
            if value < 1:
                raise InvalidParameter(f"{name}: must be 1 or more", field=name)
            setattr(capability, field, value)
    if security_group_enabled is not None:
        capability.security_group_enabled = security_group_enabled
    capability.save()
    return capability
