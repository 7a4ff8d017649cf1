"""CloudStack commands of volumes, snapshots and snapshot policies."""
from django.db.models import BooleanField, Value

from accounts.services.scope import get_account, get_domain
from cloudstack_ui.api.paging import filter_by_params
from cloudstack_ui.api.registry import ALL_ROLES, Command, Param, register
from cloudstack_ui.errors import InvalidParameter
from cloudstack_ui.jobs.services import current_job_instance_uuid
from compute.api.serializers import SnapshotPolicySerializer, SnapshotSerializer, VolumeSerializer
from compute.models import DiskOffering, Snapshot, Volume
from compute.services import snapshots, volumes
from infrastructure.lookups import find_optional
from infrastructure.models import Zone

SUCCESS = {"success": True}
ID = Param("id", "uuid", required=True, description="the volume's id")


def _account(caller, p):
    """The account named by `account` (in `domainid`, else the caller's domain), or None."""
    if "account" not in p:
        return None
    domain = get_domain(caller, p["domainid"]) if "domainid" in p else caller.account.domain
    return get_account(caller, name=p["account"], domain=domain)


def _owned(caller, queryset, p, account_field: str = "account"):
    """A list narrowed as CloudStack's lists are: the caller's account's
    rows unless `listall`, an `account` or a `domainid` (with `isrecursive`)
    asks for more within reach."""
    if not p.get("listall") and "account" not in p and "domainid" not in p and "id" not in p:
        queryset = queryset.filter(**{account_field: caller.account})
    if "domainid" in p:
        domain = get_domain(caller, p["domainid"])
        queryset = (queryset.filter(**{f"{account_field}__domain__path__startswith": domain.path})
                    if p.get("isrecursive") else queryset.filter(**{f"{account_field}__domain": domain}))
    if "account" in p:
        queryset = queryset.filter(**{f"{account_field}__name__iexact": p["account"]})
    return queryset


LIST_SCOPE = (
    Param("keyword", description="List by keyword"),
    Param("listall", "boolean", description="every one in reach, not only the caller's account's"),
    Param("account", description="of this account (with domainid)"),
    Param("domainid", "uuid", description="of this domain"),
    Param("isrecursive", "boolean", description="with domainid: also its subdomains"),
)


# Volumes -----------------------------------------------------------------------------------------

def _shown(caller, queryset):
    """Volumes answered to the caller: root admins see where they live."""
    return queryset.annotate(show_storage=Value(caller.is_root_admin, output_field=BooleanField()))


def _answer(caller, volume: Volume) -> Volume:
    """A freshly changed volume as the caller may see it."""
    return _shown(caller, volumes.visible_volumes(caller)).filter(pk=volume.pk).first() or volume


class _VolumeJob(Command):
    """An async command acting on one volume."""

    authorized = ALL_ROLES
    is_async = True
    instance_type = "Volume"
    response_name = "volume"
    serializer = VolumeSerializer
    params = (ID,)

    def job_instance(self, caller, params):
        return volumes.find_volume(caller, params["id"])

    def resource_url(self, result):
        from django.urls import reverse

        return reverse("compute:volume_detail", args=[result.uuid]) if isinstance(result, Volume) else None


@register
class CreateVolume(_VolumeJob):
    name = "createVolume"
    description = ("Creates a data volume from a disk offering (made on storage when first attached) or from a "
                   "snapshot")
    params = (
        Param("name", description="the volume's name"),
        Param("zoneid", "uuid", description="its zone (required without snapshotid)"),
        Param("diskofferingid", "uuid", description="its disk offering (required without snapshotid)"),
        Param("size", "long", description="the size in GB, for a custom disk offering"),
        Param("snapshotid", "uuid", description="make the volume from this snapshot"),
        Param("virtualmachineid", "uuid", description="attach it to this instance once created"),
        Param("account", description="create it for this account (admins, with domainid)"),
        Param("domainid", "uuid", description="the account's domain"),
    )

    def job_instance(self, caller, p):
        snapshot = snapshots.find_snapshot(caller, p["snapshotid"], "snapshotid") if "snapshotid" in p else None
        if "virtualmachineid" in p:
            volumes.instance_in_reach(caller, p["virtualmachineid"])
        return volumes.create_volume(
            caller, name=p.get("name", ""), zone=find_optional(Zone, p.get("zoneid"), "zoneid"),
            disk_offering=find_optional(DiskOffering, p.get("diskofferingid"), "diskofferingid"),
            size=p.get("size"), snapshot=snapshot, account=_account(caller, p))

    def job_abandoned(self, caller, instance_uuid, reason):
        volume = Volume.objects.filter(uuid=instance_uuid).first()
        if volume is not None:
            volumes.fail_unmade_volume(caller, volume, reason)

    def execute(self, caller, **p):
        recorded = current_job_instance_uuid()
        if recorded is None:
            raise InvalidParameter("createVolume runs as an async job", field="zoneid")
        volume = Volume.objects.get(uuid=recorded)
        if "snapshotid" in p:
            volume = volumes.copy_snapshot_to_volume(caller, volume,
                                                     Snapshot.objects.filter(uuid=p["snapshotid"]).first())
        if "virtualmachineid" in p:
            volume = volumes.attach_volume(caller, volume, volumes.instance_in_reach(caller, p["virtualmachineid"]))
        return _answer(caller, volume)


@register
class AttachVolume(_VolumeJob):
    name = "attachVolume"
    description = "Attaches a data volume to a running (live) or stopped instance"
    params = (ID, Param("virtualmachineid", "uuid", required=True, description="the instance"),
              Param("deviceid", "long", description="the device id (from 1; default: the first free)"))

    def execute(self, caller, **p):
        volume = volumes.find_volume(caller, p["id"])
        vm = volumes.instance_in_reach(caller, p["virtualmachineid"])
        return _answer(caller, volumes.attach_volume(caller, volume, vm, device_id=p.get("deviceid")))


@register
class DetachVolume(_VolumeJob):
    name = "detachVolume"
    description = "Detaches a data volume from its instance"
    params = (Param("id", "uuid", description="the volume's id"),
              Param("virtualmachineid", "uuid", description="with deviceid: the instance"),
              Param("deviceid", "long", description="with virtualmachineid: the volume's device id"))

    def job_instance(self, caller, p):
        return self._volume(caller, p)

    def _volume(self, caller, p) -> Volume:
        if "id" in p:
            return volumes.find_volume(caller, p["id"])
        if "virtualmachineid" not in p or "deviceid" not in p:
            raise InvalidParameter("id: give the volume's id, or virtualmachineid and deviceid", field="id")
        vm = volumes.instance_in_reach(caller, p["virtualmachineid"])
        volume = volumes.visible_volumes(caller).filter(instance=vm, device_id=p["deviceid"]).first()
        if volume is None:
            raise InvalidParameter(f"deviceid: instance {vm.name} has no volume at device {p['deviceid']}",
                                   field="deviceid")
        return volume

    def execute(self, caller, **p):
        return _answer(caller, volumes.detach_volume(caller, self._volume(caller, p)))


@register
class ResizeVolume(_VolumeJob):
    name = "resizeVolume"
    description = "Grows a volume to a size or to a disk offering's size (volumes never shrink)"
    params = (ID, Param("size", "long", description="the new size in GB"),
              Param("diskofferingid", "uuid", description="a new disk offering"),
              Param("shrinkok", "boolean", description="accepted for compatibility; shrinking is refused"))

    def execute(self, caller, **p):
        volume = volumes.find_volume(caller, p["id"])
        offering = find_optional(DiskOffering, p.get("diskofferingid"), "diskofferingid")
        return _answer(caller, volumes.resize_volume(caller, volume, size=p.get("size"), disk_offering=offering,
                                                     shrink_ok=p.get("shrinkok", False)))


@register
class DeleteVolume(Command):
    name = "deleteVolume"
    description = "Deletes a detached volume from storage, with its snapshot policies (its snapshots stay)"
    authorized = ALL_ROLES
    params = (ID,)

    def execute(self, caller, **p):
        volumes.delete_volume(caller, volumes.find_volume(caller, p["id"]))
        return SUCCESS


@register
class ListVolumes(Command):
    name = "listVolumes"
    description = "Lists the volumes the caller may see"
    authorized = ALL_ROLES
    response_name = "volume"
    serializer = VolumeSerializer
    params = (
        Param("id", "uuid", description="the volume's id"),
        Param("ids", "list", item_type="uuid", description="several volumes' ids"),
        Param("name", description="its name"),
        Param("virtualmachineid", "uuid", description="attached to this instance"),
        Param("type", choices=("ROOT", "DATADISK", "root", "datadisk"), description="ROOT or DATADISK"),
        Param("state", description="its state"),
        Param("zoneid", "uuid", description="in this zone"),
        Param("diskofferingid", "uuid", description="of this disk offering"),
        Param("storageid", "uuid", description="on this primary storage (admins)"),
        *LIST_SCOPE,
    )

    def execute(self, caller, **p):
        found = _owned(caller, _shown(caller, volumes.visible_volumes(caller)), p)
        if "storageid" in p and not caller.is_root_admin:
            found = found.none()
        return filter_by_params(
            found, p, id="uuid", ids="uuid__in", name="name__iexact", virtualmachineid="instance__uuid",
            type="volume_type__iexact", state="state__iexact", zoneid="zone__uuid",
            diskofferingid="disk_offering__uuid", storageid="storage_pool__uuid", keyword="name__icontains")


# Snapshots ---------------------------------------------------------------------------------------

class _SnapshotJob(Command):
    authorized = ALL_ROLES
    is_async = True
    instance_type = "Snapshot"
    response_name = "snapshot"
    serializer = SnapshotSerializer
    params = (Param("id", "uuid", required=True, description="the snapshot's id"),)

    def job_instance(self, caller, params):
        return snapshots.find_snapshot(caller, params["id"])

    def resource_url(self, result):
        from django.urls import reverse

        return reverse("compute:snapshots") if isinstance(result, Snapshot) else None


def _snapshot_answer(caller, snapshot: Snapshot) -> Snapshot:
    return snapshots.visible_snapshots(caller).filter(pk=snapshot.pk).first() or snapshot


@register
class CreateSnapshot(_SnapshotJob):
    name = "createSnapshot"
    description = "Takes a snapshot of a volume (while its instance runs, or not)"
    params = (Param("volumeid", "uuid", required=True, description="the volume's id"),
              Param("name", description="the snapshot's name (default: instance_volume_timestamp)"))

    def job_instance(self, caller, p):
        return snapshots.record_snapshot(caller, volumes.find_volume(caller, p["volumeid"], "volumeid"),
                                         name=p.get("name", ""))

    def job_abandoned(self, caller, instance_uuid, reason):
        snapshot = Snapshot.objects.filter(uuid=instance_uuid).first()
        if snapshot is not None:
            snapshots.fail_untaken_snapshot(caller, snapshot, reason)

    def execute(self, caller, **p):
        recorded = current_job_instance_uuid()
        if recorded is None:
            raise InvalidParameter("createSnapshot runs as an async job", field="volumeid")
        snapshot = Snapshot.objects.select_related("volume__instance__host", "volume__storage_pool").get(
            uuid=recorded)
        return _snapshot_answer(caller, snapshots.take_snapshot(caller, snapshot))


@register
class DeleteSnapshot(_SnapshotJob):
    name = "deleteSnapshot"
    description = "Deletes a snapshot from storage"
    response_name = ""
    serializer = None

    def execute(self, caller, **p):
        snapshots.delete_snapshot(caller, snapshots.find_snapshot(caller, p["id"]))
        return SUCCESS


@register
class RevertSnapshot(_SnapshotJob):
    name = "revertSnapshot"
    description = "Gives a volume (detached, or of a stopped instance) the content of one of its snapshots"

    def execute(self, caller, **p):
        return _snapshot_answer(caller, snapshots.revert_snapshot(caller, snapshots.find_snapshot(caller, p["id"])))


@register
class ListSnapshots(Command):
    name = "listSnapshots"
    description = "Lists the snapshots the caller may see"
    authorized = ALL_ROLES
    response_name = "snapshot"
    serializer = SnapshotSerializer
    params = (
        Param("id", "uuid", description="the snapshot's id"),
        Param("ids", "list", item_type="uuid", description="several snapshots' ids"),
        Param("volumeid", "uuid", description="of this volume"),
        Param("name", description="its name"),
        Param("intervaltype", choices=("HOURLY", "DAILY", "WEEKLY", "MONTHLY", "hourly", "daily", "weekly",
                                       "monthly"), description="taken by a policy of this interval"),
        Param("snapshottype", description="MANUAL, RECURRING, or an interval (HOURLY...)"),
        Param("zoneid", "uuid", description="in this zone"),
        *LIST_SCOPE,
    )

    def execute(self, caller, **p):
        found = _owned(caller, snapshots.visible_snapshots(caller), p)
        kind = p.get("snapshottype", "").upper()
        if kind == "RECURRING":
            found = found.exclude(interval_type="MANUAL")
        elif kind:
            found = found.filter(interval_type=kind)
        return filter_by_params(found, p, id="uuid", ids="uuid__in", volumeid="volume__uuid", name="name__iexact",
                                intervaltype="interval_type__iexact", zoneid="zone__uuid", keyword="name__icontains")


# Snapshot policies -------------------------------------------------------------------------------

@register
class CreateSnapshotPolicy(Command):
    name = "createSnapshotPolicy"
    description = "Schedules recurring snapshots of a volume (replacing its policy of the same interval)"
    authorized = ALL_ROLES
    response_name = "snapshotpolicy"
    serializer = SnapshotPolicySerializer
    params = (
        Param("volumeid", "uuid", required=True, description="the volume's id"),
        Param("intervaltype", required=True, description="HOURLY, DAILY, WEEKLY or MONTHLY"),
        Param("schedule", required=True, description="HOURLY: MM; DAILY: MM:HH; WEEKLY: MM:HH:D (1-7, 1 = Sunday); "
                                                     "MONTHLY: MM:HH:DD (1-28)"),
        Param("timezone", required=True, description="the schedule's time zone, e.g. UTC or Europe/Paris"),
        Param("maxsnaps", "integer", required=True, description="how many of its snapshots are kept"),
    )

    def execute(self, caller, **p):
        volume = volumes.find_volume(caller, p["volumeid"], "volumeid")
        return snapshots.create_snapshot_policy(caller, volume, interval_type=p["intervaltype"],
                                                schedule=p["schedule"], timezone_name=p["timezone"],
                                                max_snaps=p["maxsnaps"])


@register
class ListSnapshotPolicies(Command):
    name = "listSnapshotPolicies"
    description = "Lists the snapshot policies of a volume, or one policy"
    authorized = ALL_ROLES
    response_name = "snapshotpolicy"
    serializer = SnapshotPolicySerializer
    params = (Param("volumeid", "uuid", description="the volume's id"),
              Param("id", "uuid", description="the policy's id"),
              Param("keyword", description="List by keyword (interval type)"))

    def execute(self, caller, **p):
        if "volumeid" in p:
            volumes.find_volume(caller, p["volumeid"], "volumeid")
        found = snapshots.visible_policies(caller).order_by("volume_id", "interval_type")
        return filter_by_params(found, p, volumeid="volume__uuid", id="uuid", keyword="interval_type__icontains")


@register
class DeleteSnapshotPolicies(Command):
    name = "deleteSnapshotPolicies"
    description = "Deletes snapshot policies and their schedules (their snapshots stay)"
    authorized = ALL_ROLES
    params = (Param("id", "uuid", description="a policy's id"),
              Param("ids", "list", item_type="uuid", description="several policies' ids"))

    def execute(self, caller, **p):
        uuids = ([p["id"]] if "id" in p else []) + list(p.get("ids", []))
        if not uuids:
            raise InvalidParameter("id: give the id (or ids) of the policies to delete", field="id")
        snapshots.delete_snapshot_policies(
            caller, [snapshots.find_policy(caller, uuid, "id" if "id" in p else "ids") for uuid in uuids])
        return SUCCESS
