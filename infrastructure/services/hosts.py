"""Hosts (guide 6.6): reached through their hypervisor's driver before
anything is stored; refused when they already run VMs, when the cluster is
full, or when the credentials are wrong."""
import ipaddress

from django.db import transaction
from django.utils import timezone

from cloudstack_ui.config.keys import get_value
from cloudstack_ui.dependents import delete_checked
from cloudstack_ui.errors import InvalidParameter, ResourceInUse
from cloudstack_ui.jobs.events import record_event
from infrastructure.hypervisors import HostAccess, get_driver
from infrastructure.models import Cluster, Host, Hypervisor
from infrastructure.services.access import ensure_root_admin, locked
from infrastructure.services.capacity import record_host_use
from infrastructure.services.clusters import max_hosts
from infrastructure.settings_keys import KVM_ACCELERATION


def clean_tags(tags: str | None) -> str:
    return ",".join(dict.fromkeys(t.strip() for t in (tags or "").split(",") if t.strip()))


def add_host(caller, cluster: Cluster, *, url: str, username: str = "root", password: str = "",
             tags: str = "") -> Host:
    ensure_root_admin(caller)
    url = (url or "").strip()
    if not url:
        raise InvalidParameter("url: the host's address is required", field="url")
    if cluster.managed_state == Cluster.ManagedState.UNMANAGED:
        raise InvalidParameter(f"clusterid: cluster {cluster.name} is unmanaged; manage it first", field="clusterid")
    _ensure_not_added_yet(url)
    facts = get_driver(cluster.hypervisor).connect(HostAccess(url, username, password))
    if facts.running_vms:
        raise InvalidParameter(
            f"url: host {facts.name} already runs {facts.running_vms} VM(s); a host must run none when it is added",
            field="url")
    _ensure_outside_reserved_range(cluster, facts.ip_address)
    _ensure_acceleration(cluster, facts)
    if cluster.hypervisor == Hypervisor.XENSERVER:
        _ensure_same_pool(cluster, HostAccess(url, username, password), facts)
    with transaction.atomic():
        cluster = locked(Cluster, cluster)
        limit = max_hosts(cluster.hypervisor)
        if limit is not None and cluster.hosts.count() >= limit:
            raise InvalidParameter(f"clusterid: cluster {cluster.name} already has {limit} hosts, the most a "
                                   f"{cluster.hypervisor} cluster takes", field="clusterid")
        _ensure_same_cpu(cluster, facts)
        _ensure_not_added_yet(url)
        same_name = Host.objects.filter(name__iexact=facts.name).select_related("cluster", "zone").first()
        if same_name is not None:
            raise InvalidParameter(f"url: host {facts.name} is already in cluster {same_name.cluster.name} of zone "
                                   f"{same_name.zone.name}", field="url")
        host = Host.objects.create(
            name=facts.name, zone=cluster.zone, pod=cluster.pod, cluster=cluster, hypervisor=cluster.hypervisor,
            url=url, username=username or "", password=password or "", tags=clean_tags(tags),
            ip_address=facts.ip_address, cpu_sockets=facts.cpu_sockets, cpu_number=facts.cpu_number,
            cpu_speed=facts.cpu_speed, cpu_model=facts.cpu_model, cpu_flags=facts.cpu_flags, memory=facts.memory,
            hypervisor_version=facts.hypervisor_version, state=Host.State.UP, last_pinged=timezone.now(),
            last_answered=timezone.now(), state_changed=timezone.now(), state_reason="added",
        )
        record_host_use(host.pk)
        record_event("HOST.ADD", f"Added host {host.name} ({facts.hypervisor_version}) to cluster {cluster.name}",
                     user=caller, resource=host, resource_type="Host")
        return host


def _ensure_not_added_yet(url: str) -> None:
    """A host belongs to one cluster of one zone."""
    existing = Host.objects.filter(url__iexact=url).select_related("cluster", "zone").first()
    if existing is not None:
        raise InvalidParameter(f"url: {url} is already host {existing.name} in cluster {existing.cluster.name} of "
                               f"zone {existing.zone.name}", field="url")


def _ensure_acceleration(cluster: Cluster, facts) -> None:
    """KVM hosts must offer the cluster's guest acceleration (kvm.guest.acceleration);
    libvirt's test driver, used for trials, offers only its own guests."""
    if cluster.hypervisor != Hypervisor.KVM or "test" in facts.accelerations:
        return
    wanted = get_value(KVM_ACCELERATION, cluster.uuid)
    if wanted not in facts.accelerations:
        raise InvalidParameter(
            f"url: host {facts.name} cannot run {wanted} guests (it offers {', '.join(facts.accelerations) or 'none'}); "
            f"set kvm.guest.acceleration to qemu for cluster {cluster.name} to use software emulation", field="url")


def _ensure_same_pool(cluster: Cluster, access: HostAccess, facts) -> None:
    """A XenServer cluster is one pool: its first host is the pool master,
    the others members of that pool (guide 8.2)."""
    master = get_driver(Hypervisor.XENSERVER).pool_master(access)
    first = cluster.hosts.order_by("created", "id").first()
    if first is None and master != facts.ip_address:
        raise InvalidParameter(f"url: host {facts.name} is a member of the pool whose master is {master}; the first "
                               f"host of a cluster must be its pool master (guide 8.2)", field="url")
    if first is not None and master != first.ip_address:
        raise InvalidParameter(f"url: host {facts.name} belongs to the pool of {master}, not to cluster "
                               f"{cluster.name}'s pool (master {first.ip_address})", field="url")


def _ensure_same_cpu(cluster: Cluster, facts) -> None:
    """Hosts of a cluster share CPU model and flags, so instances can move
    between them (guide 4.3.2)."""
    first = cluster.hosts.first()
    if first is None:
        return
    if first.cpu_model != facts.cpu_model:
        raise InvalidParameter(f"url: host {facts.name} has a {facts.cpu_model} CPU; the hosts of cluster "
                               f"{cluster.name} have {first.cpu_model}", field="url")
    missing = set(first.cpu_flags.split()) ^ set(facts.cpu_flags.split())
    if missing:
        raise InvalidParameter(f"url: host {facts.name}'s CPU flags differ from cluster {cluster.name}'s in "
                               f"{', '.join(sorted(missing))}", field="url")


def _ensure_outside_reserved_range(cluster: Cluster, ip: str) -> None:
    """Hosts use pod IPs outside the system reserved range (guide 2.8.6)."""
    try:
        address = ipaddress.IPv4Address(ip)
    except ValueError:
        return
    pod = cluster.pod
    if ipaddress.IPv4Address(pod.start_ip) <= address <= ipaddress.IPv4Address(pod.end_ip):
        raise InvalidParameter(f"url: the host's address {address} is inside pod {pod.name}'s reserved system range "
                               f"{pod.start_ip}-{pod.end_ip}", field="url")


@transaction.atomic
def update_host(caller, host: Host, *, tags: str | None = None, allocation_state: str | None = None) -> Host:
    """Host tags, and Enable/Disable for new instances."""
    ensure_root_admin(caller)
    host = locked(Host, host)
    if tags is not None:
        host.tags = clean_tags(tags)
    if allocation_state is not None:
        states = {"Enable": Host.ResourceState.ENABLED, "Disable": Host.ResourceState.DISABLED}
        if allocation_state not in states:
            raise InvalidParameter("allocationstate: must be Enable or Disable", field="allocationstate")
        if host.resource_state in (Host.ResourceState.MAINTENANCE, Host.ResourceState.PREPARE_FOR_MAINTENANCE):
            raise InvalidParameter(f"allocationstate: host {host.name} is in maintenance; cancel maintenance first",
                                   field="allocationstate")
        if host.resource_state != states[allocation_state]:
            record_event("HOST.UPDATE", f"{allocation_state}d host {host.name} for new instances", user=caller,
                         resource=host, resource_type="Host")
        host.resource_state = states[allocation_state]
    host.save()
    return host


@transaction.atomic
def update_host_password(caller, host: Host, *, username: str, password: str) -> Host:
    """New credentials for a host (after they changed on the host); the next
    ping or Force Reconnect logs in with them."""
    ensure_root_admin(caller)
    if not (password or "").strip():
        raise InvalidParameter("password: the host's new password is required", field="password")
    host = locked(Host, host)
    host.username, host.password = (username or host.username or "root").strip(), password
    host.save(update_fields=["username", "password"])
    record_event("HOST.UPDATE", f"Changed the credentials of host {host.name}", user=caller, resource=host,
                 resource_type="Host")
    return host


@transaction.atomic
def prepare_host_for_maintenance(caller, host: Host) -> Host:
    """No instance runs here yet (instances arrive with the compute issue),
    so the host goes straight to Maintenance."""
    ensure_root_admin(caller)
    host = locked(Host, host)
    if host.resource_state == Host.ResourceState.MAINTENANCE:
        raise InvalidParameter(f"id: host {host.name} is already in maintenance", field="id")
    host.resource_state = Host.ResourceState.MAINTENANCE
    host.save(update_fields=["resource_state"])
    record_event("MAINT.PREPARE", f"Host {host.name} is in maintenance", user=caller, resource=host,
                 resource_type="Host")
    return host


@transaction.atomic
def cancel_host_maintenance(caller, host: Host) -> Host:
    ensure_root_admin(caller)
    host = locked(Host, host)
    if host.resource_state not in (Host.ResourceState.MAINTENANCE, Host.ResourceState.PREPARE_FOR_MAINTENANCE):
        raise InvalidParameter(f"id: host {host.name} is not in maintenance", field="id")
    host.resource_state = Host.ResourceState.ENABLED
    host.save(update_fields=["resource_state"])
    record_event("MAINT.CANCEL", f"Host {host.name} is out of maintenance", user=caller, resource=host,
                 resource_type="Host")
    return host


@transaction.atomic
def delete_host(caller, host: Host, *, forced: bool = False) -> None:
    """A host leaves from maintenance (or disabled), unless forced."""
    ensure_root_admin(caller)
    host = locked(Host, host)
    if not forced and host.resource_state not in (Host.ResourceState.MAINTENANCE, Host.ResourceState.DISABLED):
        raise ResourceInUse(f"id: put host {host.name} in maintenance (or disable it) before deleting it, or use "
                            f"forced=true", field="id")
    delete_checked(host, hint="stop or migrate them first; forced=true does not remove instances")
