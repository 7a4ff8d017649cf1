"""Volumes: data disks created from a disk offering or a snapshot,
attached to and detached from instances, grown, deleted; and the volume
side of an instance's life (the disks its start defines, what its expunge
deletes).

A data volume from a disk offering is Allocated (a row only) until it is
first attached: to a running instance it is then created on a primary
storage pool of the instance's cluster, to a stopped one when the instance
starts (the planner places it). A volume from a snapshot is created at
once, as a full copy in the snapshot's pool, and is Ready. Attaching to a
running instance is live through the hypervisor driver; to a stopped one
it is recorded, and the instance's next start defines it with the disk.
Every check happens before anything changes; a driver failure gives back
what was recorded."""
import logging

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from accounts.models import Account, ResourceLimit
from accounts.services.limits import check_resource_limits
from accounts.services.scope import ensure_can_admin_account, scope_by_account
from accounts.services.validation import require_name
from cloudstack_ui.config.keys import get_value
from cloudstack_ui.errors import (
    CloudStackError,
    InsufficientCapacity,
    InvalidParameter,
    NotFound,
    PermissionDenied,
    ResourceInUse,
    ResourceUnavailable,
)
from cloudstack_ui.jobs.events import record_event
from compute.models import DiskOffering, Snapshot, VirtualMachine, Volume
from compute.services import snapshots
from compute.services.offerings import visible_disk_offerings
from compute.services.storage_access import driver_and_access, lock_with_instance, pool_host, pool_ref
from infrastructure.hypervisors import DiskSpec
from infrastructure.models import Host, HypervisorCapability, StoragePool, Zone
from infrastructure.settings_keys import STORAGE_OVERPROVISIONING, USE_LOCAL_STORAGE

logger = logging.getLogger(__name__)

GB = 1024 ** 3
State = Volume.State
VmState = VirtualMachine.State
Limit = ResourceLimit.Type
DEFAULT_MAX_DATA_VOLUMES = 6  # CloudStack's when a hypervisor has no capability row
XENSERVER_CD_DEVICE = 3  # XenServer gives device 3 to the CD drive


# --- lookup ---------------------------------------------------------------------------------------

def visible_volumes(caller):
    """The volumes the caller may see (deleted ones left out), with what
    their answer shows loaded in a fixed number of queries."""
    return scope_by_account(
        Volume.objects.filter(removed__isnull=True).select_related(
            "account__domain", "zone", "disk_offering", "storage_pool__cluster", "instance__host",
            "instance__last_host", "template"),
        caller)


def find_volume(caller, uuid, field: str = "id") -> Volume:
    """A volume in the caller's reach; another account's looks unknown."""
    volume = visible_volumes(caller).filter(uuid=uuid).first()
    if volume is None:
        raise NotFound(f"{field}: no volume has the id {uuid}", field=field)
    return volume


def instance_in_reach(caller, uuid, field: str = "virtualmachineid") -> VirtualMachine:
    """The instance a volume command names, if the caller may operate it
    (another account's looks unknown). Looked up here, not through the
    instances service, which imports this one."""
    vm = scope_by_account(VirtualMachine.objects.select_related("account", "host", "last_host", "template", "iso"),
                          caller).filter(uuid=uuid).first()
    if vm is None:
        raise NotFound(f"{field}: no instance has the id {uuid}", field=field)
    return vm


def attachable_instances(caller, volume: Volume):
    """The instances the volume may be attached to: of its account and
    zone, Running or Stopped, in the caller's reach."""
    return scope_by_account(VirtualMachine.objects.filter(
        account=volume.account_id, zone=volume.zone_id, state__in=(VmState.RUNNING, VmState.STOPPED)),
        caller).order_by("name")


def _instance_hypervisor(vm: VirtualMachine) -> str:
    host = vm.host or vm.last_host
    return host.hypervisor if host is not None else (vm.iso or vm.template).hypervisor


# --- the instance's side --------------------------------------------------------------------------

def disks_for_instance(vm: VirtualMachine) -> tuple[DiskSpec, ...]:
    """The disks an instance is defined with, root first: its volumes that
    exist on storage, at their device ids."""
    volumes = (vm.volumes.filter(removed__isnull=True, storage_pool__isnull=False).exclude(path="")
               .select_related("storage_pool").order_by("device_id"))
    return tuple(DiskSpec(pool_ref(v.storage_pool, v.path), v.device_id or 0) for v in volumes)


def destroy_instance_volumes(vm: VirtualMachine) -> None:
    """For an instance being expunged (its definition already removed from
    the hypervisor): its ROOT volume is deleted from storage and marked
    Expunged with its snapshot policies gone; its data volumes are detached
    and kept (CloudStack keeps data volumes). Raises when storage refuses
    the deletion, leaving the volumes as they were for a retry."""
    for volume in vm.volumes.filter(removed__isnull=True).select_related("storage_pool").order_by("device_id"):
        if volume.volume_type == Volume.Type.ROOT:
            delete_on_storage(volume, prefer=vm.host or vm.last_host)
            snapshots.remove_policies(volume.snapshot_policies.all())
            Volume.objects.filter(pk=volume.pk).update(state=State.EXPUNGED, removed=timezone.now(), instance=None,
                                                       device_id=None, attached=None)
            record_event("VOLUME.DELETE", f"Volume {volume.name} of instance {vm.name} deleted",
                         account=vm.account, resource=volume)
        else:
            Volume.objects.filter(pk=volume.pk).update(instance=None, device_id=None, attached=None)
            record_event("VOLUME.DETACH", f"Volume {volume.name} detached from expunged instance {vm.name}",
                         account=vm.account, resource=volume)


def delete_on_storage(volume: Volume, *, prefer: Host | None = None) -> None:
    if volume.storage_pool_id and volume.path:
        driver, access = driver_and_access(pool_host(volume.storage_pool, prefer=prefer))
        driver.delete_volume(access, pool_ref(volume.storage_pool, volume.path))


# --- create ---------------------------------------------------------------------------------------

def _owner(caller, account: Account | None) -> Account:
    if account is None or account.pk == caller.account_id:
        return caller.account
    ensure_can_admin_account(caller, account)
    return account


def _require_offered(caller, disk_offering: DiskOffering) -> None:
    if not visible_disk_offerings(caller).filter(pk=disk_offering.pk).exists():
        raise PermissionDenied(f"diskofferingid: disk offering {disk_offering.name} is not offered to your domain",
                               field="diskofferingid")


def data_disk_size(caller, disk_offering: DiskOffering, size: int | None, *, field: str = "size") -> int:
    """The bytes of a data disk of `disk_offering` (offered to the caller):
    its own size, or `size` GB for a custom offering."""
    _require_offered(caller, disk_offering)
    if disk_offering.customized:
        if size is None or size < 1:
            raise InvalidParameter(f"{field}: disk offering {disk_offering.name} is custom; give a size of 1 GB or "
                                   "more", field=field)
        return size * GB
    if size:
        raise InvalidParameter(f"{field}: disk offering {disk_offering.name} has a fixed size "
                               f"({disk_offering.disk_size} GB); choose a custom offering to pick the size",
                               field=field)
    return disk_offering.disk_size * GB


@transaction.atomic
def create_volume(caller, *, name: str = "", zone: Zone | None = None, disk_offering: DiskOffering | None = None,
                  size: int | None = None, snapshot: Snapshot | None = None,
                  account: Account | None = None) -> Volume:
    """Check and record a data volume: from a disk offering (Allocated, a
    row only), or from a snapshot (Creating: `copy_snapshot_to_volume`,
    the job, creates it). Bad input changes nothing."""
    owner = _owner(caller, account)
    name = require_name(name, "name", "volume name") if name else ""
    if snapshot is not None:
        if snapshot.state != Snapshot.State.BACKED_UP:
            raise InvalidParameter(f"snapshotid: snapshot {snapshot.name} is {snapshot.state}, not BackedUp",
                                   field="snapshotid")
        if snapshot.account_id != owner.pk:
            raise PermissionDenied(f"snapshotid: snapshot {snapshot.name} belongs to account {snapshot.account.name}",
                                   field="snapshotid")
        if zone is not None and zone.pk != snapshot.zone_id:
            raise InvalidParameter(f"zoneid: snapshot {snapshot.name} is in zone {snapshot.zone.name}; volumes from "
                                   "it are made there", field="zoneid")
        if size:
            raise InvalidParameter("size: a volume from a snapshot has the snapshot's size", field="size")
        if disk_offering is not None:
            _require_offered(caller, disk_offering)
        source = snapshot.volume
        volume = Volume(account=owner, zone=snapshot.zone, volume_type=Volume.Type.DATADISK, state=State.CREATING,
                        size=snapshot.size, storage_pool=snapshot.storage_pool,
                        disk_offering=disk_offering or (source.disk_offering if source is not None else None))
    else:
        if zone is None:
            raise InvalidParameter("zoneid: give the zone of the volume (or a snapshotid)", field="zoneid")
        if disk_offering is None:
            raise InvalidParameter("diskofferingid: give a disk offering (or a snapshotid)", field="diskofferingid")
        if zone.allocation_state != "Enabled" and not caller.is_root_admin:
            raise ResourceUnavailable(f"zoneid: zone {zone.name} is disabled", field="zoneid")
        volume = Volume(account=owner, zone=zone, volume_type=Volume.Type.DATADISK, disk_offering=disk_offering,
                        size=data_disk_size(caller, disk_offering, size))
    volume.name = name or f"DATA-{volume.uuid.hex[:8]}"
    check_resource_limits(owner, {Limit.VOLUME: 1, Limit.PRIMARY_STORAGE: volume.size})
    volume.save()
    record_event("VOLUME.CREATE", f"Volume {volume.name} created in zone {volume.zone.name}"
                 + (f" from snapshot {snapshot.name}" if snapshot is not None else ""),
                 user=caller, account=owner, resource=volume)
    return volume


def fail_unmade_volume(caller, volume: Volume, reason: CloudStackError) -> None:
    """A createVolume whose job was failed before it ran (no worker took
    it): the volume it recorded, still Allocated, ends in Error with an
    event giving the reason, so it is not taken for a made one."""
    if Volume.objects.filter(pk=volume.pk, state=State.ALLOCATED).update(state=State.ERROR):
        record_event("VOLUME.CREATE", f"Volume {volume.name} could not be created: {reason.message}", level="ERROR",
                     user=caller, account=volume.account, resource=volume)


def copy_snapshot_to_volume(caller, volume: Volume, snapshot: Snapshot | None) -> Volume:
    """The job of a volume from a snapshot: a full copy of the snapshot in
    its pool becomes the volume (Ready); on failure the volume is Error and
    the error raised."""
    pool = snapshot.storage_pool if snapshot is not None else None
    try:
        if snapshot is None or snapshot.state != Snapshot.State.BACKED_UP:
            raise InvalidParameter(f"snapshotid: the snapshot of volume {volume.name} was deleted meanwhile",
                                   field="snapshotid")
        driver, access = driver_and_access(pool_host(pool))
        info = driver.copy_volume(access, pool_ref(pool, snapshot.path), pool_ref(pool, str(volume.uuid)))
    except CloudStackError as exc:
        Volume.objects.filter(pk=volume.pk).update(state=State.ERROR)
        record_event("VOLUME.CREATE", f"Volume {volume.name} could not be created from snapshot {snapshot.name}: "
                     f"{exc.message}", level="ERROR", user=caller, account=volume.account, resource=volume)
        raise
    Volume.objects.filter(pk=volume.pk).update(state=State.READY, storage_pool=pool, path=str(volume.uuid),
                                               format=info.format, size=info.size)
    volume.refresh_from_db()
    return volume


# --- attach and detach ----------------------------------------------------------------------------

def max_data_volumes(hypervisor: str) -> int:
    capability = HypervisorCapability.objects.filter(hypervisor=hypervisor, version="default").first()
    return capability.max_data_volumes_limit if capability else DEFAULT_MAX_DATA_VOLUMES


def _device_id(vm: VirtualMachine, hypervisor: str, limit: int, requested: int | None) -> int:
    taken = set(vm.volumes.filter(removed__isnull=True).values_list("device_id", flat=True))
    reserved = {XENSERVER_CD_DEVICE} if hypervisor == "XenServer" else set()
    if requested is None:
        return next(d for d in range(1, limit + 2) if d not in taken | reserved)
    if requested == 0:
        raise InvalidParameter("deviceid: device 0 is the root volume's", field="deviceid")
    if requested in reserved:
        raise InvalidParameter(f"deviceid: device {requested} is the CD drive's on XenServer", field="deviceid")
    if not 1 <= requested <= limit + len(reserved):
        raise InvalidParameter(f"deviceid: a data volume's device id is from 1 to {limit + len(reserved)} on "
                               f"{hypervisor}", field="deviceid")
    if requested in taken:
        raise InvalidParameter(f"deviceid: instance {vm.name} already has a disk at device {requested}",
                               field="deviceid")
    return requested


def _instance_cluster(vm: VirtualMachine) -> int | None:
    """The cluster whose storage the instance reaches: where it runs or
    ran, else where its placed volumes are."""
    host = vm.host or vm.last_host
    if host is not None:
        return host.cluster_id
    return (vm.volumes.filter(removed__isnull=True, storage_pool__cluster__isnull=False)
            .values_list("storage_pool__cluster_id", flat=True).first())


def attach_volume(caller, volume: Volume, vm: VirtualMachine, *, device_id: int | None = None) -> Volume:
    """Attach a data volume to a Running or Stopped instance of the same
    account and zone, within its hypervisor's data volume limit. Running:
    the volume is created on a pool of the instance's cluster if it is
    only Allocated, then attached live. Stopped: recorded, and attached
    when the instance starts."""
    with transaction.atomic():
        vm = VirtualMachine.objects.select_for_update().select_related("host", "last_host", "template", "iso").get(
            pk=vm.pk)
        volume = Volume.objects.select_for_update().select_related("storage_pool", "disk_offering").get(
            pk=volume.pk)
        if volume.removed is not None:
            raise NotFound(f"id: volume {volume.name} is deleted ({volume.state})", field="id")
        if volume.volume_type != Volume.Type.DATADISK:
            raise InvalidParameter(f"id: volume {volume.name} is a ROOT volume; only data volumes are attached",
                                   field="id")
        if volume.instance_id is not None:
            raise ResourceInUse(f"id: volume {volume.name} is attached to instance {volume.instance.name}; detach it "
                                "first", field="id")
        if volume.state not in (State.ALLOCATED, State.READY):
            raise InvalidParameter(f"id: volume {volume.name} is {volume.state}; it can be attached when Allocated "
                                   "or Ready", field="id")
        if vm.state not in (VmState.RUNNING, VmState.STOPPED):
            raise InvalidParameter(f"virtualmachineid: instance {vm.name} is {vm.state}; volumes are attached to "
                                   "Running or Stopped instances", field="virtualmachineid")
        if vm.account_id != volume.account_id:
            raise PermissionDenied(f"virtualmachineid: instance {vm.name} belongs to another account than volume "
                                   f"{volume.name}", field="virtualmachineid")
        if vm.zone_id != volume.zone_id:
            raise InvalidParameter(f"virtualmachineid: instance {vm.name} is in another zone than volume "
                                   f"{volume.name}", field="virtualmachineid")
        hypervisor = _instance_hypervisor(vm)
        limit = max_data_volumes(hypervisor)
        attached = vm.volumes.filter(removed__isnull=True, volume_type=Volume.Type.DATADISK).count()
        if attached >= limit:
            raise InvalidParameter(f"virtualmachineid: instance {vm.name} already has {attached} data volumes, the "
                                   f"most {hypervisor} takes", field="virtualmachineid")
        device = _device_id(vm, hypervisor, limit, device_id)
        cluster = _instance_cluster(vm)
        pool = volume.storage_pool
        if pool is not None and pool.cluster_id and cluster and pool.cluster_id != cluster:
            raise InvalidParameter(f"id: volume {volume.name} is on primary storage {pool.name}, which instance "
                                   f"{vm.name} cannot reach from its cluster", field="id")
        live = vm.state == VmState.RUNNING
        # Attaching while the hypervisor works: a delete, another attach, a
        # snapshot or a revert of the volume meanwhile is refused.
        Volume.objects.filter(pk=volume.pk).update(instance=vm, device_id=device, attached=timezone.now(),
                                                   **({"state": State.ATTACHING} if live else {}))
    if live:
        try:
            if volume.state == State.ALLOCATED:
                volume = _create_for_host(volume, vm.host)
            driver, access = driver_and_access(vm.host)
            driver.attach_volume(access, vm.internal_name, DiskSpec(pool_ref(volume.storage_pool, volume.path),
                                                                    device))
        except CloudStackError:
            Volume.objects.filter(pk=volume.pk).update(
                instance=None, device_id=None, attached=None,
                state=State.READY if Volume.objects.get(pk=volume.pk).path else State.ALLOCATED)
            raise
        Volume.objects.filter(pk=volume.pk, state=State.ATTACHING).update(state=State.READY)
    volume.refresh_from_db()
    record_event("VOLUME.ATTACH", f"Volume {volume.name} attached to instance {vm.name} at device {device}",
                 user=caller, account=volume.account, resource=volume)
    return volume


def _pool_for(volume: Volume, host: Host) -> StoragePool:
    """An Up pool that the host reaches (its cluster's or zone-wide) of the
    volume's offering's storage type and tags, with room for it after the
    zone's overprovisioning factor; the roomiest wins."""
    offering = volume.disk_offering
    tags = frozenset(t.strip() for t in (offering.tags if offering else "").split(",") if t.strip())
    local = bool(offering and offering.storage_type == "local") or get_value(USE_LOCAL_STORAGE, volume.zone.uuid)
    pools = [p for p in StoragePool.objects.filter(Q(cluster=host.cluster_id) | Q(cluster__isnull=True),
                                                   zone=volume.zone_id, state=StoragePool.State.UP)
             if (p.protocol == StoragePool.Protocol.FILESYSTEM) == local and tags <= p.tag_set]
    if not pools:
        kind = "local" if local else "shared"
        raise InsufficientCapacity(f"id: host {host.name} reaches no {kind} primary storage"
                                   + (f" with tags {', '.join(sorted(tags))}" if tags else ""), field="id")
    factor = get_value(STORAGE_OVERPROVISIONING, volume.zone.uuid)
    used = dict(Volume.objects.filter(storage_pool__in=pools, removed__isnull=True).values("storage_pool")
                .annotate(total=Sum("size")).values_list("storage_pool", "total"))
    free = {p.pk: p.capacity_bytes * factor - (used.get(p.pk) or 0) for p in pools}
    best = max(pools, key=lambda p: free[p.pk])
    if free[best.pk] < volume.size:
        raise InsufficientCapacity(f"id: primary storage {best.name} has {max(0, int(free[best.pk])) // GB} GB free; "
                                   f"volume {volume.name} needs {volume.size // GB or 1} GB", field="id")
    return best


def _create_for_host(volume: Volume, host: Host) -> Volume:
    """Create a volume being attached (Attaching, not yet on storage) on a
    pool the host reaches, or leave it off storage and raise."""
    pool = _pool_for(volume, host)
    Volume.objects.filter(pk=volume.pk).update(storage_pool=pool)
    try:
        driver, access = driver_and_access(host)
        info = driver.create_volume(access, pool_ref(pool, str(volume.uuid)), volume.size)
    except CloudStackError:
        Volume.objects.filter(pk=volume.pk).update(storage_pool=None)
        raise
    Volume.objects.filter(pk=volume.pk).update(path=str(volume.uuid), format=info.format, size=info.size)
    volume.refresh_from_db()
    return volume


def detach_volume(caller, volume: Volume) -> Volume:
    """Detach a data volume from its Running (live) or Stopped instance.
    A stopped instance's definition drops the disk too where its host
    answers (it is rebuilt at the next start anyway). Checked under the
    rows' locks: a volume being attached, snapshotted or reverted, or an
    instance in another operation, is refused naming its state."""
    with transaction.atomic():
        volume, vm = lock_with_instance(volume)
        if vm is None:
            raise InvalidParameter(f"id: volume {volume.name} is not attached", field="id")
        if volume.volume_type == Volume.Type.ROOT:
            raise InvalidParameter(f"id: volume {volume.name} is the ROOT volume of instance {vm.name}; a root "
                                   "volume cannot be detached", field="id")
        if vm.state not in (VmState.RUNNING, VmState.STOPPED):
            raise InvalidParameter(f"id: instance {vm.name} is {vm.state}; volumes are detached from Running or "
                                   "Stopped instances", field="id")
        if volume.state not in (State.ALLOCATED, State.READY):
            raise ResourceInUse(f"id: volume {volume.name} is {volume.state}; it can be detached when Allocated or "
                                "Ready", field="id")
    on_storage = volume.storage_pool_id is not None and bool(volume.path)
    disk = DiskSpec(pool_ref(volume.storage_pool, volume.path), volume.device_id) if on_storage else None
    if vm.state == VmState.RUNNING and disk is not None:
        driver, access = driver_and_access(vm.host)
        driver.detach_volume(access, vm.internal_name, disk)
    elif disk is not None and vm.last_host is not None:
        try:
            driver, access = driver_and_access(vm.last_host)
            driver.detach_volume(access, vm.internal_name, disk)
        except CloudStackError as exc:
            logger.info("volume %s not detached from the definition of stopped instance %s: %s", volume.name,
                        vm.internal_name, exc)
    if not Volume.objects.filter(pk=volume.pk, instance=vm).update(instance=None, device_id=None, attached=None):
        raise ResourceInUse(f"id: volume {volume.name} was detached meanwhile", field="id")
    volume.refresh_from_db()
    record_event("VOLUME.DETACH", f"Volume {volume.name} detached from instance {vm.name}", user=caller,
                 account=volume.account, resource=volume)
    return volume


# --- resize and delete ----------------------------------------------------------------------------

def _new_size(caller, volume: Volume, size: int | None, disk_offering: DiskOffering | None) -> int:
    if disk_offering is not None:
        if volume.volume_type == Volume.Type.ROOT:
            raise InvalidParameter("diskofferingid: a ROOT volume is resized by size, not by disk offering",
                                   field="diskofferingid")
        return data_disk_size(caller, disk_offering, size)
    if size is None:
        raise InvalidParameter("size: give the new size in GB (or a disk offering)", field="size")
    if volume.volume_type == Volume.Type.DATADISK and volume.disk_offering and not volume.disk_offering.customized:
        raise InvalidParameter(f"size: volume {volume.name} has the fixed-size offering {volume.disk_offering.name}; "
                               "choose another disk offering (diskofferingid) to resize it", field="size")
    if size < 1:
        raise InvalidParameter("size: a size is 1 GB or more", field="size")
    return size * GB


def _check_pool_room(volume: Volume, growth: int) -> None:
    pool = volume.storage_pool
    factor = get_value(STORAGE_OVERPROVISIONING, volume.zone.uuid)
    used = Volume.objects.filter(storage_pool=pool, removed__isnull=True).aggregate(total=Sum("size"))["total"] or 0
    free = pool.capacity_bytes * factor - used
    if growth > free:
        raise InsufficientCapacity(f"size: primary storage {pool.name} has {max(0, int(free)) // GB} GB free; "
                                   f"growing volume {volume.name} needs {growth // GB or 1} GB more", field="size")


def resize_volume(caller, volume: Volume, *, size: int | None = None, disk_offering: DiskOffering | None = None,
                  shrink_ok: bool = False) -> Volume:
    """Grow a volume to `size` GB or to a disk offering's size (never
    shrink). An Allocated volume is only recorded bigger; one on storage
    grows there, online while its instance runs where the hypervisor
    allows (else UnsupportedOperation with the reason). The volume is
    Resizing meanwhile and Ready afterwards. Checked on the volume and its
    instance as they are now, under their row locks (taken before the
    account's)."""
    field = "size" if size is not None else "diskofferingid"
    with transaction.atomic():
        volume, vm = lock_with_instance(volume)
        new_size = _new_size(caller, volume, size, disk_offering)
        if new_size < volume.size:
            refusal = "shrinking is not supported" + (" (shrinkok is not honoured)" if shrink_ok else "")
            raise InvalidParameter(f"{field}: volumes only grow: {new_size // GB} GB is less than the "
                                   f"{volume.size // GB} GB volume {volume.name} has; {refusal}", field=field)
        if new_size == volume.size and (disk_offering is None or disk_offering.pk == volume.disk_offering_id):
            raise InvalidParameter(f"{field}: volume {volume.name} has {new_size // GB} GB already", field=field)
        if vm is not None and vm.state not in (VmState.RUNNING, VmState.STOPPED):
            raise InvalidParameter(f"id: instance {vm.name} of volume {volume.name} is {vm.state}; volumes are "
                                   "resized while it is Running or Stopped", field="id")
        if volume.state not in (State.ALLOCATED, State.READY):
            raise InvalidParameter(f"id: volume {volume.name} is {volume.state}; it can be resized when Ready",
                                   field="id")
        changes = {"size": new_size}
        if disk_offering is not None:
            changes["disk_offering"] = disk_offering
        # (A Ready volume grows on storage after this check: concurrent
        # resizes of one account may pass it together.)
        check_resource_limits(volume.account, {Limit.PRIMARY_STORAGE: new_size - volume.size})
        if volume.state == State.ALLOCATED:
            Volume.objects.filter(pk=volume.pk).update(**changes)
        else:
            _check_pool_room(volume, new_size - volume.size)
            Volume.objects.filter(pk=volume.pk).update(state=State.RESIZING)
    if volume.state == State.READY:
        running = vm is not None and vm.state == VmState.RUNNING and vm.host_id is not None
        try:
            host = vm.host if running else pool_host(volume.storage_pool,
                                                     prefer=vm.last_host if vm is not None else None)
            driver, access = driver_and_access(host)
            info = driver.resize_volume(access, pool_ref(volume.storage_pool, volume.path), new_size,
                                        instance=vm.internal_name if vm is not None else "")
        except CloudStackError:
            Volume.objects.filter(pk=volume.pk, state=State.RESIZING).update(state=State.READY)
            raise
        Volume.objects.filter(pk=volume.pk, state=State.RESIZING).update(
            state=State.READY, **{**changes, "size": info.size})
    old = volume.size
    volume.refresh_from_db()
    record_event("VOLUME.RESIZE", f"Volume {volume.name} grown from {old // GB} GB to {volume.size // GB} GB",
                 user=caller, account=volume.account, resource=volume)
    return volume


def delete_volume(caller, volume: Volume) -> None:
    """Delete a detached volume: from storage, with its snapshot policies
    (and their periodic tasks); the row stays, Expunged, for the record.
    Its snapshots stay. The volume is Expunging while storage deletes it,
    so it cannot be attached, snapshotted or reverted meanwhile."""
    with transaction.atomic():
        volume = Volume.objects.select_for_update().select_related("storage_pool", "instance").get(pk=volume.pk)
        if volume.instance_id is not None:
            raise ResourceInUse(f"id: volume {volume.name} is attached to instance {volume.instance.name}; detach "
                                "it first", field="id")
        if volume.state not in (State.ALLOCATED, State.READY, State.ERROR):
            error = InvalidParameter if volume.state == State.EXPUNGED else ResourceInUse
            raise error(f"id: volume {volume.name} is {volume.state}; it can be deleted when Allocated, Ready or "
                        "Error", field="id")
        previous = volume.state
        Volume.objects.filter(pk=volume.pk).update(state=State.EXPUNGING)
    try:
        delete_on_storage(volume)
    except CloudStackError:
        Volume.objects.filter(pk=volume.pk, state=State.EXPUNGING).update(state=previous)
        raise
    with transaction.atomic():
        snapshots.remove_policies(volume.snapshot_policies.all())
        Volume.objects.filter(pk=volume.pk).update(state=State.EXPUNGED, removed=timezone.now())
    record_event("VOLUME.DELETE", f"Volume {volume.name} deleted", user=caller, account=volume.account,
                 resource=volume)
