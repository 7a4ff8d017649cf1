"""Snapshots and recurring snapshot policies on a Simulator zone through
the command API: a snapshot of a running instance's volume, its deletion,
a revert (refused while the instance runs), a volume made from it; a
policy is a PeriodicTask on a crontab in its time zone whose task keeps
only maxsnaps snapshots; every bad field named; scoping; constant queries
per list."""
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_celery_beat.models import PeriodicTask

from cloudstack_ui.api.registry import invoke
from cloudstack_ui.config.services import update_setting
from cloudstack_ui.errors import NotFound
from compute.api.serializers import SnapshotPolicySerializer, SnapshotSerializer
from compute.models import Snapshot, SnapshotPolicy, Volume
from compute.tasks import take_recurring_snapshot_task
from infrastructure.models import SimulatedVolume
from tests.compute.conftest import (
    GB,
    JobFailed,
    call,
    deployed_instance,
    fail_on_hosts,
    new_volume,
    refused,
    simulated,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("jobs_run_eagerly")]


@pytest.fixture
def world(volume_world):
    return volume_world


def snapshot_of(world, volume, **params) -> Snapshot:
    answer = call(world["user"], "createSnapshot", volumeid=volume.uuid, **params)
    return Snapshot.objects.get(uuid=answer["snapshot"]["id"])


def on_storage(snapshot: Snapshot):
    return SimulatedVolume.objects.filter(pool=str(snapshot.storage_pool.uuid), name=snapshot.path).first()


def test_a_snapshot_of_a_running_instances_volume(world):
    vm = world["vm"]
    root = vm.volumes.get(volume_type="ROOT")
    snapshot = snapshot_of(world, root)
    assert snapshot.state == "BackedUp" and snapshot.storage_pool == world["zone"].pool
    assert snapshot.name.startswith(f"web1_{root.name}_") and snapshot.size == root.size
    assert on_storage(snapshot) is not None and snapshot.path == f"snapshot-{snapshot.uuid}"
    root.refresh_from_db()
    assert root.state == "Ready", "Snapshotting only while it is taken"
    shown = SnapshotSerializer(invoke(world["user"], "listSnapshots", {"id": snapshot.uuid}).get()).data
    assert shown["volumeid"] == str(root.uuid) and shown["volumetype"] == "ROOT" and shown["snapshottype"] == "MANUAL"
    assert shown["state"] == "BackedUp" and shown["revertable"] is True and "intervaltype" not in shown
    assert shown["virtualsize"] == root.size and shown["account"] == "comp1-user"
    named = snapshot_of(world, root, name="before-upgrade")
    assert named.name == "before-upgrade"


def test_refusals_name_the_field(world):
    allocated = new_volume(world)
    refused(lambda: call(world["user"], "createSnapshot", volumeid=allocated.uuid), "volumeid",
            text="created on storage when first attached")
    refused(lambda: call(world["user"], "createSnapshot", volumeid="00000000-0000-0000-0000-000000000001"),
            "volumeid", NotFound)
    theirs = world["tenancy"]["other_admin"]
    root = world["vm"].volumes.get(volume_type="ROOT")
    refused(lambda: call(theirs, "createSnapshot", volumeid=root.uuid), "volumeid", NotFound)
    snapshot = snapshot_of(world, root)
    refused(lambda: call(theirs, "deleteSnapshot", id=snapshot.uuid), "id", NotFound)
    refused(lambda: call(theirs, "createVolume", snapshotid=snapshot.uuid), "snapshotid", NotFound)
    refused(lambda: call(world["user"], "createVolume", snapshotid=snapshot.uuid, size=3), "size")
    assert not Snapshot.objects.filter(volume=allocated).exists()


def test_a_failed_snapshot_is_in_error_and_the_volume_ready(world):
    root = world["vm"].volumes.get(volume_type="ROOT")
    fail_on_hosts(world, "snapshot_volume")
    with pytest.raises(JobFailed, match="snapshot_volume failed"):
        call(world["user"], "createSnapshot", volumeid=root.uuid)
    failed = Snapshot.objects.get(volume=root)
    assert failed.state == "Error" and "snapshot_volume failed" in failed.error
    root.refresh_from_db()
    assert root.state == "Ready"


def test_delete_a_snapshot(world):
    snapshot = snapshot_of(world, world["vm"].volumes.get(volume_type="ROOT"))
    stored = on_storage(snapshot)
    assert call(world["user"], "deleteSnapshot", id=snapshot.uuid) == {"success": True}
    snapshot.refresh_from_db()
    assert snapshot.state == "Destroyed" and not SimulatedVolume.objects.filter(pk=stored.pk).exists()
    assert not invoke(world["user"], "listSnapshots", {"id": snapshot.uuid}).exists()


def test_revert_needs_the_instance_stopped(world):
    vm = world["vm"]
    root = vm.volumes.get(volume_type="ROOT")
    snapshot = snapshot_of(world, root)
    call(world["user"], "resizeVolume", id=root.uuid, size=4)
    refused(lambda: call(world["user"], "revertSnapshot", id=snapshot.uuid), "id", text="stop it")
    call(world["user"], "stopVirtualMachine", id=vm.uuid)
    answer = call(world["user"], "revertSnapshot", id=snapshot.uuid)["snapshot"]
    assert answer["id"] == str(snapshot.uuid)
    root.refresh_from_db()
    assert (root.state, root.size) == ("Ready", snapshot.size), "the volume is as it was at the snapshot"
    assert simulated(root).size == snapshot.size

    fail_on_hosts(world, "revert_volume")
    with pytest.raises(JobFailed, match="revert_volume failed"):
        call(world["user"], "revertSnapshot", id=snapshot.uuid)
    root.refresh_from_db()
    assert root.state == "Ready"


def test_a_detached_data_volume_reverts_and_a_deleted_one_does_not(world):
    volume = new_volume(world)
    call(world["user"], "attachVolume", id=volume.uuid, virtualmachineid=world["vm"].uuid)
    snapshot = snapshot_of(world, volume)
    call(world["user"], "detachVolume", id=volume.uuid)
    call(world["user"], "revertSnapshot", id=snapshot.uuid)
    call(world["user"], "deleteVolume", id=volume.uuid)
    refused(lambda: call(world["user"], "revertSnapshot", id=snapshot.uuid), "id", text="create a volume")
    assert SnapshotSerializer(invoke(world["user"], "listSnapshots", {"id": snapshot.uuid}).get()).data[
        "revertable"] is False


def test_a_volume_from_a_snapshot(world):
    vm = world["vm"]
    source = new_volume(world)
    call(world["user"], "attachVolume", id=source.uuid, virtualmachineid=vm.uuid)
    snapshot = snapshot_of(world, source)
    answer = call(world["user"], "createVolume", snapshotid=snapshot.uuid, name="restored")["volume"]
    restored = Volume.objects.get(uuid=answer["id"])
    assert answer["state"] == "Ready" and answer["size"] == 5 * GB and answer["name"] == "restored"
    assert restored.storage_pool == snapshot.storage_pool and restored.disk_offering == source.disk_offering
    copy = simulated(restored)
    assert copy.size == 5 * GB and not copy.backing, "a full, independent copy"
    answer = call(world["user"], "createVolume", snapshotid=snapshot.uuid, virtualmachineid=vm.uuid)["volume"]
    assert answer["virtualmachineid"] == str(vm.uuid) and answer["deviceid"] == 2

    fail_on_hosts(world, "copy_volume")
    with pytest.raises(JobFailed, match="copy_volume failed"):
        call(world["user"], "createVolume", snapshotid=snapshot.uuid, name="broken")
    assert Volume.objects.get(name="broken").state == "Error"


@pytest.mark.parametrize("interval, schedule, crontab", [
    ("HOURLY", "05", ("5", "*", "*", "*")),
    ("daily", "30:02", ("30", "2", "*", "*")),
    ("WEEKLY", "00:04:1", ("0", "4", "0", "*")),
    ("WEEKLY", "59:23:7", ("59", "23", "6", "*")),
    ("MONTHLY", "15:23:28", ("15", "23", "*", "28")),
])
def test_a_policy_is_a_periodic_task_on_a_crontab(world, interval, schedule, crontab):
    root = world["vm"].volumes.get(volume_type="ROOT")
    policy = call(world["user"], "createSnapshotPolicy", volumeid=root.uuid, intervaltype=interval,
                  schedule=schedule, timezone="Europe/Paris", maxsnaps=3)
    task = PeriodicTask.objects.get(pk=policy.periodic_task_id)
    cron = task.crontab
    assert (cron.minute, cron.hour, cron.day_of_week, cron.day_of_month) == crontab
    assert str(cron.timezone) == "Europe/Paris" and cron.month_of_year == "*"
    assert task.task == "compute.take_recurring_snapshot" and json.loads(task.kwargs) == {"policy": str(policy.uuid)}
    assert task.enabled and task.interval is None
    shown = SnapshotPolicySerializer(policy).data
    assert shown["intervaltype"] == {"HOURLY": 0, "DAILY": 1, "WEEKLY": 2, "MONTHLY": 3}[interval.upper()]
    assert (shown["schedule"], shown["maxsnaps"], shown["timezone"]) == (schedule, 3, "Europe/Paris")


@pytest.mark.parametrize("changes, field", [
    ({"intervaltype": "YEARLY"}, "intervaltype"),
    ({"schedule": "61"}, "schedule"),
    ({"schedule": "30"}, "schedule"),
    ({"schedule": "30:24"}, "schedule"),
    ({"schedule": "aa:02"}, "schedule"),
    ({"intervaltype": "WEEKLY", "schedule": "00:04:8"}, "schedule"),
    ({"intervaltype": "WEEKLY", "schedule": "00:04"}, "schedule"),
    ({"intervaltype": "MONTHLY", "schedule": "00:04:29"}, "schedule"),
    ({"timezone": "Mars/Olympus"}, "timezone"),
    ({"maxsnaps": 0}, "maxsnaps"),
    ({"maxsnaps": 9}, "maxsnaps"),
])
def test_policy_refusals(world, changes, field):
    root = world["vm"].volumes.get(volume_type="ROOT")
    params = {"volumeid": root.uuid, "intervaltype": "DAILY", "schedule": "30:02", "timezone": "UTC",
              "maxsnaps": 3, **changes}
    refused(lambda: call(world["user"], "createSnapshotPolicy", **params), field)
    assert not SnapshotPolicy.objects.exists() and not PeriodicTask.objects.filter(
        task="compute.take_recurring_snapshot").exists()


def test_policies_replace_list_and_delete(world, root_admin):
    root = world["vm"].volumes.get(volume_type="ROOT")
    first = call(world["user"], "createSnapshotPolicy", volumeid=root.uuid, intervaltype="DAILY", schedule="30:02",
                 timezone="UTC", maxsnaps=3)
    again = call(world["user"], "createSnapshotPolicy", volumeid=root.uuid, intervaltype="DAILY", schedule="45:03",
                 timezone="UTC", maxsnaps=5)
    assert again.pk == first.pk and again.periodic_task_id == first.periodic_task_id, "the same interval is replaced"
    assert PeriodicTask.objects.get(pk=again.periodic_task_id).crontab.hour == "3"
    hourly = call(world["user"], "createSnapshotPolicy", volumeid=root.uuid, intervaltype="HOURLY", schedule="10",
                  timezone="UTC", maxsnaps=2)
    listed = invoke(world["user"], "listSnapshotPolicies", {"volumeid": root.uuid})
    assert sorted(p.interval_type for p in listed) == ["DAILY", "HOURLY"]
    refused(lambda: call(world["tenancy"]["other_admin"], "deleteSnapshotPolicies", id=hourly.uuid), "id", NotFound)
    refused(lambda: call(world["user"], "deleteSnapshotPolicies"), "id")
    assert call(world["user"], "deleteSnapshotPolicies", ids=f"{hourly.uuid},{again.uuid}") == {"success": True}
    assert not SnapshotPolicy.objects.exists()
    assert not PeriodicTask.objects.filter(task="compute.take_recurring_snapshot").exists()


def test_the_policy_task_keeps_only_maxsnaps(world):
    root = world["vm"].volumes.get(volume_type="ROOT")
    manual = snapshot_of(world, root)
    policy = call(world["user"], "createSnapshotPolicy", volumeid=root.uuid, intervaltype="HOURLY", schedule="00",
                  timezone="UTC", maxsnaps=2)
    for _ in range(4):
        take_recurring_snapshot_task.apply(kwargs=json.loads(PeriodicTask.objects.get(
            pk=policy.periodic_task_id).kwargs))
    taken = list(Snapshot.objects.filter(policy=policy).order_by("id"))
    assert len(taken) == 4 and all(s.interval_type == "HOURLY" for s in taken)
    assert [s.state for s in taken] == ["Destroyed", "Destroyed", "BackedUp", "BackedUp"], "the oldest go"
    assert on_storage(taken[0]) is None and on_storage(taken[3]) is not None
    manual.refresh_from_db()
    assert manual.state == "BackedUp", "manual snapshots are not the policy's to delete"
    recurring = invoke(world["user"], "listSnapshots", {"snapshottype": "RECURRING"})
    assert {s.pk for s in recurring} == {taken[2].pk, taken[3].pk}
    assert {s.pk for s in invoke(world["user"], "listSnapshots", {"intervaltype": "hourly"})} == {taken[2].pk,
                                                                                                  taken[3].pk}
    assert [s.pk for s in invoke(world["user"], "listSnapshots", {"snapshottype": "MANUAL"})] == [manual.pk]

    fail_on_hosts(world, "snapshot_volume")
    assert take_recurring_snapshot_task.apply(kwargs={"policy": str(policy.uuid)}).successful(), \
        "a failure is recorded, never raised to beat"
    assert Snapshot.objects.filter(policy=policy, state="Error").count() == 1
    take_recurring_snapshot_task.apply(kwargs={"policy": "00000000-0000-0000-0000-000000000001"})


def test_snapshot_max_settings_bound_maxsnaps(world, root_admin):
    root = world["vm"].volumes.get(volume_type="ROOT")
    update_setting(root_admin, "snapshot.max.daily", "20")
    policy = call(world["user"], "createSnapshotPolicy", volumeid=root.uuid, intervaltype="DAILY", schedule="30:02",
                  timezone="UTC", maxsnaps=20)
    assert policy.max_snaps == 20


def test_listing_is_scoped_and_costs_the_same_queries(world, root_admin):
    vm, tenancy = world["vm"], world["tenancy"]
    root = vm.volumes.get(volume_type="ROOT")
    mine = snapshot_of(world, root, name="mine")
    assert [s.name for s in invoke(tenancy["other_admin"], "listSnapshots", {"listall": True})] == []
    assert [s.name for s in invoke(world["user"], "listSnapshots", {"volumeid": root.uuid})] == ["mine"]
    assert [s.name for s in invoke(world["user"], "listSnapshots", {"keyword": "mi"})] == ["mine"]
    assert [s.name for s in invoke(tenancy["comp1_admin"], "listSnapshots", {"listall": True})] == ["mine"]
    assert mine.pk

    def queries():
        with CaptureQueriesContext(connection) as captured:
            rendered = SnapshotSerializer(list(invoke(root_admin, "listSnapshots", {"listall": True})),
                                          many=True).data
        assert rendered
        return len(captured)

    queries()
    few = queries()
    other = deployed_instance(world, "web2")
    for volume in (root, other.volumes.get(volume_type="ROOT")):
        for _ in range(3):
            snapshot_of(world, volume)
    assert queries() == few
