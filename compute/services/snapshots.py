"""Volume snapshots and recurring snapshot policies.

A snapshot is a full copy of a volume kept on the volume's primary
storage under `snapshot-<uuid>` (the drivers' snapshot_volume), taken while
the volume's instance runs or not. `record_snapshot` checks and records it
(Creating) before any job runs; `take_snapshot` (the job) makes it on
storage and leaves it BackedUp, or Error with the reason. A revert gives
the volume the snapshot's content while no instance runs with it.

A policy (CloudStack's createSnapshotPolicy) is a django-celery-beat
PeriodicTask on a CrontabSchedule in the policy's time zone; its task takes
a snapshot and deletes the policy's oldest snapshots beyond `max_snaps`.
Deleting a policy (or its volume) deletes its periodic task."""
import json
import logging
import zoneinfo

from django.db import transaction
from django.utils import timezone

from accounts.models import ResourceLimit
from accounts.services.limits import check_resource_limits
from accounts.services.scope import scope_by_account
from cloudstack_ui.config.keys import get_value
from cloudstack_ui.errors import CloudStackError, InvalidParameter, NotFound, ResourceInUse
from cloudstack_ui.jobs.events import record_event
from cloudstack_ui.jobs.models import Event
from compute.models import Snapshot, SnapshotPolicy, VirtualMachine, Volume
from compute.services.storage_access import (
    driver_and_access,
    lock_with_instance,
    pool_host,
    pool_ref,
    snapshot_name,
)
from compute.settings_keys import SNAPSHOT_MAX

logger = logging.getLogger(__name__)

State = Snapshot.State
Interval = SnapshotPolicy.Interval
TASK = "compute.take_recurring_snapshot"
# CloudStack's schedule format of each interval.
SCHEDULE_FORMATS = {Interval.HOURLY: "MM", Interval.DAILY: "MM:HH", Interval.WEEKLY: "MM:HH:D",
                    Interval.MONTHLY: "MM:HH:DD"}


# --- lookup ---------------------------------------------------------------------------------------

def visible_snapshots(caller):
    """The snapshots the caller may see (deleted ones left out), with what
    their answer shows loaded in a fixed number of queries."""
    return scope_by_account(
        Snapshot.objects.exclude(state=State.DESTROYED).select_related(
            "account__domain", "zone", "volume__storage_pool__cluster", "volume__instance", "policy"),
        caller)


def find_snapshot(caller, uuid, field: str = "id") -> Snapshot:
    """A snapshot in the caller's reach; another account's looks unknown."""
    snapshot = visible_snapshots(caller).filter(uuid=uuid).first()
    if snapshot is None:
        raise NotFound(f"{field}: no snapshot has the id {uuid}", field=field)
    return snapshot


def visible_policies(caller):
    return scope_by_account(SnapshotPolicy.objects.select_related("volume__account__domain"), caller,
                            account_field="volume__account")


def find_policy(caller, uuid, field: str = "id") -> SnapshotPolicy:
    policy = visible_policies(caller).filter(uuid=uuid).first()
    if policy is None:
        raise NotFound(f"{field}: no snapshot policy has the id {uuid}", field=field)
    return policy


# --- snapshots ------------------------------------------------------------------------------------

def _require_snapshottable(volume: Volume, field: str) -> None:
    if volume.removed is not None:
        raise NotFound(f"{field}: volume {volume.name} is deleted", field=field)
    if volume.state != Volume.State.READY or not volume.storage_pool_id:
        detail = (" (it is created on storage when first attached)" if volume.state == Volume.State.ALLOCATED
                  else "")
        raise InvalidParameter(f"{field}: volume {volume.name} is {volume.state}, not Ready{detail}; it cannot be "
                               "snapshotted", field=field)
    vm = volume.instance
    if vm is not None and vm.state not in (VirtualMachine.State.RUNNING, VirtualMachine.State.STOPPED):
        raise InvalidParameter(f"{field}: instance {vm.name} of volume {volume.name} is {vm.state}; snapshots are "
                               "taken while it is Running or Stopped", field=field)


@transaction.atomic
def record_snapshot(caller, volume: Volume, *, name: str = "", policy: SnapshotPolicy | None = None) -> Snapshot:
    """Check that the volume can be snapshotted, within its account's
    snapshot limit, and record the snapshot (Creating); nothing is done on
    storage yet. The volume's row is locked before the account's (the order
    every volume operation takes them in), and checked as it is now."""
    volume = Volume.objects.select_for_update().select_related("account", "zone", "instance").get(pk=volume.pk)
    _require_snapshottable(volume, "volumeid")
    check_resource_limits(volume.account, {ResourceLimit.Type.SNAPSHOT: 1})
    now = timezone.now()
    if not name.strip():
        owner = f"{volume.instance.name}_" if volume.instance_id else ""
        name = f"{owner}{volume.name}_{now:%Y%m%d%H%M%S}"
    snapshot = Snapshot.objects.create(
        name=name.strip()[:255], account=volume.account, zone=volume.zone, volume=volume, volume_name=volume.name,
        volume_type=volume.volume_type, policy=policy, interval_type=policy.interval_type if policy else "MANUAL",
        size=volume.size)
    return snapshot


def take_snapshot(caller, snapshot: Snapshot) -> Snapshot:
    """The snapshot job: copy the volume on its storage (while its instance
    runs, through that instance). The volume is Snapshotting meanwhile and
    Ready again afterwards; the snapshot ends BackedUp, or Error with the
    reason (raised)."""
    # The volume as it is now, not as it was when the snapshot was recorded.
    volume = Volume.objects.select_related("instance__host", "instance__last_host", "storage_pool").filter(
        pk=snapshot.volume_id).first()
    try:
        if volume is None:
            raise NotFound(f"volumeid: the volume of snapshot {snapshot.name} is gone", field="volumeid")
        _require_snapshottable(volume, "volumeid")
        if not Volume.objects.filter(pk=volume.pk, state=Volume.State.READY).update(
                state=Volume.State.SNAPSHOTTING):
            now = Volume.objects.filter(pk=volume.pk).values_list("state", flat=True).first()
            raise ResourceInUse(f"volumeid: volume {volume.name} is {now}; it is snapshotted when Ready",
                                field="volumeid")
    except CloudStackError as exc:
        _fail(caller, snapshot, exc)
        raise
    try:
        vm = volume.instance
        running = vm is not None and vm.state == VirtualMachine.State.RUNNING and vm.host_id is not None
        pool = volume.storage_pool
        host = vm.host if running else pool_host(pool, prefer=vm.last_host if vm is not None else None)
        driver, access = driver_and_access(host)
        info = driver.snapshot_volume(access, pool_ref(pool, volume.path), pool_ref(pool, snapshot_name(snapshot)),
                                      instance=vm.internal_name if running else "")
    except CloudStackError as exc:
        _fail(caller, snapshot, exc)
        raise
    finally:
        Volume.objects.filter(pk=volume.pk, state=Volume.State.SNAPSHOTTING).update(state=Volume.State.READY)
    Snapshot.objects.filter(pk=snapshot.pk).update(
        state=State.BACKED_UP, storage_pool=pool, path=snapshot_name(snapshot), size=info.size,
        physical_size=info.allocation or info.size, error="")
    snapshot.refresh_from_db()
    record_event("SNAPSHOT.CREATE", f"Snapshot {snapshot.name} of volume {volume.name} taken", user=caller,
                 account=snapshot.account, resource=snapshot)
    return snapshot


def fail_untaken_snapshot(caller, snapshot: Snapshot, reason: CloudStackError) -> None:
    """A createSnapshot whose job was failed before it ran (no worker took
    it): the snapshot it recorded, still Creating, ends in Error with the
    reason."""
    if snapshot.state == State.CREATING:
        _fail(caller, snapshot, reason)


def _fail(caller, snapshot: Snapshot, exc: CloudStackError) -> None:
    Snapshot.objects.filter(pk=snapshot.pk).update(state=State.ERROR, error=exc.message[:1024])
    snapshot.refresh_from_db()
    record_event("SNAPSHOT.CREATE", f"Snapshot {snapshot.name} of volume {snapshot.volume_name} failed: "
                 f"{exc.message}", level=Event.Level.ERROR, user=caller, account=snapshot.account,
                 resource=snapshot)


def delete_snapshot(caller, snapshot: Snapshot) -> None:
    """Delete the snapshot from storage and mark it Destroyed; refused
    while it is being taken or its volume is being reverted (checked under
    the snapshot's row lock, which a revert takes too)."""
    with transaction.atomic():
        snapshot = Snapshot.objects.select_for_update().select_related("volume", "storage_pool").get(pk=snapshot.pk)
        if snapshot.state == State.CREATING:
            raise ResourceInUse(f"id: snapshot {snapshot.name} is still being taken", field="id")
        if snapshot.state == State.DESTROYED:
            raise InvalidParameter(f"id: snapshot {snapshot.name} is deleted already", field="id")
        if snapshot.volume is not None and snapshot.volume.state == Volume.State.REVERTING:
            raise ResourceInUse(f"id: volume {snapshot.volume.name} of snapshot {snapshot.name} is Reverting; try "
                                "again when it is Ready", field="id")
        Snapshot.objects.filter(pk=snapshot.pk).update(state=State.DESTROYED)
    if snapshot.storage_pool_id and snapshot.path:
        try:
            driver, access = driver_and_access(pool_host(snapshot.storage_pool))
            driver.delete_volume(access, pool_ref(snapshot.storage_pool, snapshot.path))
        except CloudStackError:
            Snapshot.objects.filter(pk=snapshot.pk).update(state=snapshot.state)
            raise
    snapshot.refresh_from_db()
    record_event("SNAPSHOT.DELETE", f"Snapshot {snapshot.name} deleted", user=caller, account=snapshot.account,
                 resource=snapshot)


def revert_snapshot(caller, snapshot: Snapshot) -> Snapshot:
    """Give the snapshot's volume the snapshot's content (and size). The
    volume must be Ready and detached or its instance Stopped; it is
    Reverting meanwhile (an attach, delete or snapshot of it is refused).
    The snapshot and the volume are checked under their row locks.
    UnsupportedOperation where the hypervisor cannot."""
    with transaction.atomic():
        snapshot = Snapshot.objects.select_for_update().get(pk=snapshot.pk)
        if snapshot.state != State.BACKED_UP:
            raise InvalidParameter(f"id: snapshot {snapshot.name} is {snapshot.state}; only a BackedUp snapshot can "
                                   "be reverted to", field="id")
        volume, vm = lock_with_instance(snapshot.volume) if snapshot.volume_id else (None, None)
        if volume is None or volume.removed is not None:
            raise InvalidParameter(f"id: the volume of snapshot {snapshot.name} is deleted; create a volume from "
                                   "the snapshot instead", field="id")
        if vm is not None and vm.state != VirtualMachine.State.STOPPED:
            raise InvalidParameter(f"id: instance {vm.name} of volume {volume.name} is {vm.state}; stop it (or "
                                   "detach the volume) before reverting", field="id")
        if volume.state != Volume.State.READY:
            raise ResourceInUse(f"id: volume {volume.name} is {volume.state}, not Ready", field="id")
        Volume.objects.filter(pk=volume.pk).update(state=Volume.State.REVERTING)
    try:
        host = pool_host(volume.storage_pool, prefer=vm.last_host if vm is not None else None)
        driver, access = driver_and_access(host)
        info = driver.revert_volume(access, pool_ref(volume.storage_pool, volume.path),
                                    pool_ref(snapshot.storage_pool, snapshot.path))
    except CloudStackError:
        Volume.objects.filter(pk=volume.pk).update(state=Volume.State.READY)
        raise
    Volume.objects.filter(pk=volume.pk).update(state=Volume.State.READY, size=info.size, format=info.format)
    record_event("SNAPSHOT.REVERT", f"Volume {volume.name} reverted to snapshot {snapshot.name}", user=caller,
                 account=snapshot.account, resource=snapshot)
    snapshot.refresh_from_db()
    return snapshot


# --- recurring snapshot policies ------------------------------------------------------------------

def _number(text: str, low: int, high: int, what: str, schedule: str) -> int:
    if not text.isdigit() or not low <= int(text) <= high:
        raise InvalidParameter(f"schedule: {schedule!r}: the {what} must be a number from {low} to {high}",
                               field="schedule")
    return int(text)


def parse_schedule(interval: str, schedule: str) -> dict:
    """The crontab fields of CloudStack's schedule of `interval`: HOURLY
    "MM", DAILY "MM:HH", WEEKLY "MM:HH:D" (day of week 1-7, 1 = Sunday),
    MONTHLY "MM:HH:DD" (day of month 1-28)."""
    parts = (schedule or "").strip().split(":")
    expected = SCHEDULE_FORMATS[interval]
    if len(parts) != expected.count(":") + 1:
        raise InvalidParameter(f"schedule: a {interval} schedule is written {expected}, not {schedule!r}",
                               field="schedule")
    fields = {"minute": str(_number(parts[0], 0, 59, "minute", schedule)), "hour": "*", "day_of_week": "*",
              "day_of_month": "*", "month_of_year": "*"}
    if len(parts) > 1:
        fields["hour"] = str(_number(parts[1], 0, 23, "hour", schedule))
    if interval == Interval.WEEKLY:
        fields["day_of_week"] = str(_number(parts[2], 1, 7, "day of the week (1 = Sunday)", schedule) - 1)
    elif interval == Interval.MONTHLY:
        fields["day_of_month"] = str(_number(parts[2], 1, 28, "day of the month", schedule))
    return fields


def _check_timezone(name: str) -> str:
    try:
        zoneinfo.ZoneInfo((name or "").strip())
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InvalidParameter(f"timezone: {name!r} is not a time zone name such as UTC or Europe/Paris",
                               field="timezone")
    return name.strip()


def create_snapshot_policy(caller, volume: Volume, *, interval_type: str, schedule: str, timezone_name: str,
                           max_snaps: int) -> SnapshotPolicy:
    """A recurring snapshot of the volume: a policy and its periodic task.
    The volume's existing policy of the same interval is replaced, as
    CloudStack does. Every field is checked before anything is written."""
    interval = (interval_type or "").strip().upper()
    if interval not in Interval.values:
        raise InvalidParameter(f"intervaltype: {interval_type!r} is not one of HOURLY, DAILY, WEEKLY, MONTHLY",
                               field="intervaltype")
    crontab = parse_schedule(interval, schedule)
    zone_name = _check_timezone(timezone_name)
    limit = get_value(SNAPSHOT_MAX[interval])
    if max_snaps is None or not 1 <= max_snaps <= limit:
        raise InvalidParameter(f"maxsnaps: a {interval} policy keeps from 1 to {limit} snapshots "
                               f"(snapshot.max.{interval.lower()})", field="maxsnaps")
    if volume.state != Volume.State.READY:
        raise InvalidParameter(f"volumeid: volume {volume.name} is {volume.state}, not Ready; snapshots cannot be "
                               "scheduled for it yet", field="volumeid")
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    with transaction.atomic():
        cron, _ = CrontabSchedule.objects.get_or_create(**crontab, timezone=zone_name)
        policy, _ = SnapshotPolicy.objects.update_or_create(
            volume=volume, interval_type=interval,
            defaults={"schedule": schedule.strip(), "timezone": zone_name, "max_snaps": max_snaps})
        task = policy.periodic_task or PeriodicTask(name=f"Snapshot policy {policy.uuid}", task=TASK)
        task.crontab, task.interval, task.enabled = cron, None, True
        task.kwargs = json.dumps({"policy": str(policy.uuid)})
        task.description = f"{interval} snapshot of volume {volume.name} at {schedule.strip()} ({zone_name})"
        task.save()
        if policy.periodic_task_id != task.pk:
            SnapshotPolicy.objects.filter(pk=policy.pk).update(periodic_task=task)
        policy.refresh_from_db()
    record_event("SNAPSHOTPOLICY.CREATE", f"{interval} snapshot policy of volume {volume.name}: {schedule} "
                 f"{zone_name}, keeping {max_snaps}", user=caller, account=volume.account, resource=policy)
    return policy


@transaction.atomic
def delete_snapshot_policies(caller, policies) -> int:
    """Delete the policies and their periodic tasks (their snapshots stay);
    answers how many."""
    policies = list(policies)
    for policy in policies:
        record_event("SNAPSHOTPOLICY.DELETE", f"{policy.interval_type} snapshot policy of volume "
                     f"{policy.volume.name} deleted", user=caller, account=policy.volume.account, resource=policy)
    return remove_policies(SnapshotPolicy.objects.filter(pk__in=[p.pk for p in policies]))


def remove_policies(policies) -> int:
    """Delete policies (a queryset) with their periodic tasks."""
    from django_celery_beat.models import PeriodicTask

    task_ids = [pk for pk in policies.values_list("periodic_task_id", flat=True) if pk]
    count = policies.count()
    policies.delete()
    PeriodicTask.objects.filter(pk__in=task_ids).delete()
    return count


def take_recurring_snapshot(policy_uuid: str) -> Snapshot | None:
    """The policy's periodic task: take a snapshot of its volume, then
    delete the oldest of the policy's snapshots beyond max_snaps. A policy
    deleted meanwhile does nothing; a failure is an ERROR event (and a
    snapshot in Error), never an exception for beat."""
    policy = SnapshotPolicy.objects.select_related(
        "volume__account", "volume__zone", "volume__instance__host", "volume__instance__last_host",
        "volume__storage_pool").filter(uuid=policy_uuid).first()
    if policy is None:
        return None
    volume = policy.volume
    try:
        snapshot = take_snapshot(None, record_snapshot(None, volume, policy=policy))
    except CloudStackError as exc:
        logger.warning("recurring snapshot of volume %s not taken: %s", volume.name, exc)
        record_event("SNAPSHOT.CREATE", f"{policy.interval_type} snapshot of volume {volume.name} not taken: "
                     f"{exc.message}", level=Event.Level.ERROR, account=volume.account, resource=volume)
        return None
    kept = Snapshot.objects.filter(volume=volume, interval_type=policy.interval_type, state=State.BACKED_UP)
    for old in kept.order_by("-created", "-id")[policy.max_snaps:]:
        try:
            delete_snapshot(None, old)
        except CloudStackError as exc:
            logger.warning("snapshot %s beyond maxsnaps not deleted: %s", old.name, exc)
    return snapshot
