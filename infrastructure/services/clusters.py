"""Clusters (guide 6.5) and hypervisor capabilities."""
from django.db import transaction

from accounts.services.validation import require_name
from cloudstack_ui.dependents import delete_checked
from cloudstack_ui.errors import InvalidParameter
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
        _ensure_vcenter_cluster(url, username, password)
    if allocation_state not in AllocationState.values:
        raise InvalidParameter("allocationstate: must be Enabled or Disabled", field="allocationstate")
    if pod.clusters.filter(name__iexact=name).exists():
        raise InvalidParameter(f"clustername: pod {pod.name} already has a cluster named {name}", field="clustername")
    zone = locked(Zone, pod.zone)
    if not zone.hypervisor:
        zone.hypervisor = hypervisor
        zone.save(update_fields=["hypervisor"])
    cluster = Cluster.objects.create(
        zone=zone, pod=pod, name=name, hypervisor=hypervisor,
        cluster_type=cluster_type or (Cluster.ClusterType.EXTERNAL_MANAGED if hypervisor == Hypervisor.VMWARE
                                      else Cluster.ClusterType.CLOUD_MANAGED),
        allocation_state=allocation_state, url=url, username=username, password=password,
    )
    if hypervisor == Hypervisor.VMWARE:
        _add_vcenter_hosts(caller, cluster)
    return cluster


def _ensure_vcenter_cluster(url: str, username: str, password: str) -> None:
    """A vCenter cluster is reached before it is stored, and must hold no VM
    yet (guide 6.5.2, 8.3)."""
    from infrastructure.hypervisors import HostAccess, get_driver

    if not (url and username and password):
        raise InvalidParameter("url: a VMware cluster needs the vCenter URL (http://vcenter/datacenter/cluster), "
                               "username and password", field="url")
    vms = get_driver(Hypervisor.VMWARE).cluster_vms(HostAccess(url, username, password))
    if vms:
        raise InvalidParameter(f"url: the vCenter cluster already holds {vms} VM(s); a cluster must contain no VMs "
                               f"when it is added (guide 8.3)", field="url")


def _add_vcenter_hosts(caller, cluster: Cluster) -> None:
    """Every ESXi host of the vCenter cluster becomes a host of this one."""
    from infrastructure.hypervisors import HostAccess, get_driver
    from infrastructure.services.hosts import add_host

    access = HostAccess(cluster.url, cluster.username, cluster.password)
    for facts in get_driver(Hypervisor.VMWARE).discover_hosts(access):
        add_host(caller, cluster, url=f"{cluster.url.rstrip('/')}/{facts.name}", username=cluster.username,
                 password=cluster.password)


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
    """A cluster leaves once its hosts and primary storage are gone; a
    VMware cluster's hosts came from vCenter with it and leave with it."""
    ensure_root_admin(caller)
    cluster = locked(Cluster, cluster)
    if cluster.hypervisor == Hypervisor.VMWARE:
        for host in cluster.hosts.all():
            delete_checked(host, hint="stop or migrate them first")
    delete_checked(cluster, hint="remove them first")


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
