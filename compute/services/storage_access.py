"""How the compute services reach primary storage: the host that works on
a pool, and the driver references of volumes, template copies and
snapshots inside it."""
from cloudstack_ui.errors import ResourceInUse, ResourceUnavailable
from infrastructure.hypervisors import HostAccess, HypervisorDriver, VolumeRef, get_driver
from infrastructure.models import Host, StoragePool
from infrastructure.services.capacity import pool_spec
from infrastructure.services.monitoring import host_access


def pool_host(pool: StoragePool, *, prefer: Host | None = None) -> Host:
    """An Up host that reaches `pool` (of its cluster, or of its zone for a
    zone-wide pool), `prefer` when it qualifies; ResourceUnavailable names
    the pool when none is Up."""
    hosts = Host.objects.filter(state=Host.State.UP, zone_id=pool.zone_id).exclude(
        resource_state=Host.ResourceState.MAINTENANCE)
    if pool.cluster_id:
        hosts = hosts.filter(cluster_id=pool.cluster_id)
    if prefer is not None and hosts.filter(pk=prefer.pk).exists():
        return prefer
    host = hosts.order_by("id").first()
    if host is None:
        raise ResourceUnavailable(f"no host that reaches primary storage {pool.name} is Up")
    return host


def driver_and_access(host: Host) -> tuple[HypervisorDriver, HostAccess]:
    return get_driver(host.hypervisor), host_access(host)


def pool_ref(pool: StoragePool, name: str) -> VolumeRef:
    """The driver reference of `name` inside `pool`."""
    return VolumeRef(pool_spec(pool), name)


def template_copy_name(template) -> str:
    return f"template-{template.uuid}"


def snapshot_name(snapshot) -> str:
    return f"snapshot-{snapshot.uuid}"


def lock_with_instance(volume):
    """The volume and its instance (None when detached) read again and
    locked until the transaction ends, in the order attachVolume takes
    them (instance, then volume) so that two operations never deadlock;
    ResourceInUse when the volume moved to another instance in between."""
    from compute.models import VirtualMachine, Volume

    instance_id = Volume.objects.filter(pk=volume.pk).values_list("instance_id", flat=True).first()
    vm = (VirtualMachine.objects.select_for_update().select_related("host", "last_host").filter(pk=instance_id)
          .first() if instance_id else None)
    volume = Volume.objects.select_for_update().select_related("storage_pool").get(pk=volume.pk)
    if volume.instance_id != (vm.pk if vm else None):
        raise ResourceInUse(f"id: volume {volume.name} is {volume.state}: it was attached to or detached from an "
                            "instance meanwhile; try again", field="id")
    return volume, vm
