"""Volumes on a Simulator zone through the command API: every refusal
names its field and changes nothing; a data volume attached live to a
running instance (created on storage then) and detached again; recorded
for a stopped one; device ids and the hypervisor's data volume limit;
growing (online, and never shrinking); deletion only when detached; an
instance's expunge; scoping; constant queries per list."""
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from cloudstack_ui.api.registry import invoke
from cloudstack_ui.errors import (
    CloudStackError,
    InsufficientCapacity,
    NotFound,
    PermissionDenied,
    ResourceAllocationError,
    ResourceInUse,
)
from cloudstack_ui.jobs.models import AsyncJob
from compute.api.serializers import VolumeSerializer
from compute.models import DiskOffering, OsType, Template, Volume
from compute.services import volumes
from compute.services.offerings import create_disk_offering
from infrastructure.hypervisors import DiskSpec
from infrastructure.models import Cluster, HypervisorCapability, SimulatedVolume, StoragePool
from infrastructure.services import zones
from tests.compute.conftest import (
    GB,
    JobFailed,
    build_simulator_zone,
    call,
    client_of,
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


def test_create_volume_records_an_allocated_volume(world):
    volume = new_volume(world, name="data1")
    assert (volume.state, volume.size, volume.storage_pool, volume.volume_type) == ("Allocated", 5 * GB, None,
                                                                                  "DATADISK")
    custom = new_volume(world, diskofferingid=world["custom"].uuid, size=12)
    assert custom.size == 12 * GB and custom.name.startswith("DATA-")
    job = AsyncJob.objects.get(instance_uuid=volume.uuid)
    assert job.command == "createVolume" and job.instance_type == "Volume"
    answer = job.result["volume"]
    assert answer["name"] == "data1" and answer["state"] == "Allocated" and answer["type"] == "DATADISK"
    assert answer["diskofferingname"] == "Small" and answer["zoneid"] == str(world["zone"].zone.uuid)
    assert "virtualmachineid" not in answer and "storage" not in answer


@pytest.mark.parametrize("changes, field, error", [
    ({"zoneid": None}, "zoneid", CloudStackError),
    ({"diskofferingid": None}, "diskofferingid", CloudStackError),
    ({"size": 10}, "size", CloudStackError),
    ({"diskofferingid": "custom"}, "size", CloudStackError),
    ({"diskofferingid": "custom", "size": 0}, "size", CloudStackError),
    ({"name": "a/b"}, "name", CloudStackError),
    ({"zoneid": "00000000-0000-0000-0000-000000000001"}, "zoneid", NotFound),
    ({"snapshotid": "00000000-0000-0000-0000-000000000001"}, "snapshotid", NotFound),
    ({"virtualmachineid": "00000000-0000-0000-0000-000000000001"}, "virtualmachineid", NotFound),
    ({"account": "other-admin", "domainid": "other"}, "domainid", NotFound),
])
def test_create_volume_refusals(world, changes, field, error):
    params = {"zoneid": world["zone"].zone.uuid, "diskofferingid": world["small"].uuid}
    for key, value in changes.items():
        if value is None:
            params.pop(key)
        elif value == "custom":
            params[key] = world["custom"].uuid
        elif value == "other":
            params[key] = world["tenancy"]["other"].uuid
        else:
            params[key] = value
    refused(lambda: call(world["user"], "createVolume", **params), field, error)


def test_a_disabled_zone_and_an_offering_of_another_domain_are_refused(world, root_admin):
    private = create_disk_offering(root_admin, name="Other's", display_text="x", disk_size=1,
                                   domain=world["tenancy"]["other"])
    refused(lambda: new_volume(world, diskofferingid=private.uuid), "diskofferingid", PermissionDenied)
    zones.update_zone(root_admin, world["zone"].zone, allocation_state="Disabled")
    refused(lambda: new_volume(world), "zoneid", text="disabled")


def test_attach_live_then_detach_on_a_running_instance(world):
    vm, volume = world["vm"], new_volume(world, name="data1")
    answer = call(world["user"], "attachVolume", id=volume.uuid, virtualmachineid=vm.uuid)["volume"]
    assert (answer["virtualmachineid"], answer["deviceid"], answer["vmstate"]) == (str(vm.uuid), 1, "Running")
    assert answer["state"] == "Ready" and answer["vmname"] == "web1" and answer["attached"]
    volume.refresh_from_db()
    assert volume.storage_pool == world["zone"].pool and volume.path == str(volume.uuid), \
        "an Allocated volume is created on the instance's cluster storage at its first attach"
    on_host = simulated(volume)
    assert on_host.instance.name == vm.internal_name and on_host.device_id == 1, "attached live"
    assert [d.device_id for d in volumes.disks_for_instance(vm)] == [0, 1]

    refused(lambda: call(world["user"], "attachVolume", id=volume.uuid, virtualmachineid=vm.uuid), "id",
            ResourceInUse, "detach it first")
    answer = call(world["user"], "detachVolume", id=volume.uuid)["volume"]
    assert "virtualmachineid" not in answer and "deviceid" not in answer and answer["state"] == "Ready"
    assert simulated(volume).instance is None, "detached live"
    refused(lambda: call(world["user"], "detachVolume", id=volume.uuid), "id", text="not attached")


def test_a_live_attach_that_fails_leaves_the_volume_detached(world):
    vm, volume = world["vm"], new_volume(world)
    fail_on_hosts(world, "attach_volume")
    with pytest.raises(JobFailed, match="attach_volume failed"):
        call(world["user"], "attachVolume", id=volume.uuid, virtualmachineid=vm.uuid)
    volume.refresh_from_db()
    assert volume.instance is None and volume.device_id is None and volume.state == "Ready"


def test_a_stopped_instance_gets_the_volume_at_its_next_start(world):
    stopped = deployed_instance(world, "db1", running=False)
    allocated, ready = new_volume(world), new_volume(world)
    call(world["user"], "attachVolume", id=ready.uuid, virtualmachineid=world["vm"].uuid)
    call(world["user"], "detachVolume", id=ready.uuid)

    call(world["user"], "attachVolume", id=allocated.uuid, virtualmachineid=stopped.uuid)
    call(world["user"], "attachVolume", id=ready.uuid, virtualmachineid=stopped.uuid, deviceid=4)
    allocated.refresh_from_db()
    assert (allocated.state, allocated.instance, allocated.device_id) == ("Allocated", stopped, 1), \
        "recorded; the planner places it when the instance starts"
    assert simulated(ready).instance is None, "nothing is done on the hypervisor while the instance is stopped"
    assert volumes.disks_for_instance(stopped)[1:] == (DiskSpec(
        volumes.pool_ref(world["zone"].pool, ready.path), 4),), "the start defines the instance with it"

    call(world["user"], "startVirtualMachine", id=stopped.uuid)
    stopped.refresh_from_db()
    assert {(v.name, v.device_id) for v in SimulatedVolume.objects.filter(instance__name=stopped.internal_name)} \
        == {(str(stopped.volumes.get(volume_type="ROOT").uuid), 0), (str(allocated.uuid), 1), (ready.path, 4)}
    allocated.refresh_from_db()
    assert allocated.state == "Ready" and allocated.storage_pool == world["zone"].pool

    call(world["user"], "stopVirtualMachine", id=stopped.uuid)
    call(world["user"], "detachVolume", id=ready.uuid)
    assert simulated(ready).instance is None, "a stopped instance's definition drops the disk too"
    assert [d.device_id for d in volumes.disks_for_instance(stopped)] == [0, 1]
    call(world["user"], "deleteVolume", id=ready.uuid)


def test_device_ids(world):
    vm = world["vm"]
    first, second, third = (new_volume(world) for _ in range(3))
    refused(lambda: call(world["user"], "attachVolume", id=first.uuid, virtualmachineid=vm.uuid, deviceid=0),
            "deviceid", text="root volume")
    refused(lambda: call(world["user"], "attachVolume", id=first.uuid, virtualmachineid=vm.uuid, deviceid=99),
            "deviceid", text="from 1 to 24")
    call(world["user"], "attachVolume", id=first.uuid, virtualmachineid=vm.uuid, deviceid=2)
    refused(lambda: call(world["user"], "attachVolume", id=second.uuid, virtualmachineid=vm.uuid, deviceid=2),
            "deviceid", text="already has a disk at device 2")
    call(world["user"], "attachVolume", id=second.uuid, virtualmachineid=vm.uuid)
    call(world["user"], "attachVolume", id=third.uuid, virtualmachineid=vm.uuid)
    assert [v.device_id for v in (first, second, third) if not v.refresh_from_db()] == [2, 1, 3]
    by_device = call(world["user"], "detachVolume", virtualmachineid=vm.uuid, deviceid=3)["volume"]
    assert by_device["id"] == str(third.uuid)


def test_the_hypervisors_data_volume_limit(world, root_admin):
    HypervisorCapability.objects.filter(hypervisor="Simulator").update(max_data_volumes_limit=2)
    vm = world["vm"]
    for volume in (new_volume(world), new_volume(world)):
        call(world["user"], "attachVolume", id=volume.uuid, virtualmachineid=vm.uuid)
    extra = new_volume(world)
    refused(lambda: call(world["user"], "attachVolume", id=extra.uuid, virtualmachineid=vm.uuid),
            "virtualmachineid", text="already has 2 data volumes")


def test_attach_refusals(world, root_admin, tmp_path):
    vm, tenancy = world["vm"], world["tenancy"]
    root = vm.volumes.get(volume_type="ROOT")
    mine = new_volume(world)
    theirs = new_volume(world, caller=tenancy["sales_user"])
    refused(lambda: call(world["user"], "attachVolume", id=theirs.uuid, virtualmachineid=vm.uuid), "id", NotFound)
    refused(lambda: call(tenancy["sales_user"], "attachVolume", id=theirs.uuid, virtualmachineid=vm.uuid),
            "virtualmachineid", NotFound)
    refused(lambda: call(root_admin, "attachVolume", id=theirs.uuid, virtualmachineid=vm.uuid),
            "virtualmachineid", PermissionDenied, "another account")
    refused(lambda: call(world["user"], "attachVolume", id=root.uuid, virtualmachineid=vm.uuid), "id",
            text="ROOT volume")
    refused(lambda: call(world["user"], "detachVolume", id=root.uuid), "id", text="cannot be detached")
    elsewhere = build_simulator_zone(root_admin, tmp_path, name="far", host_count=1)
    far = new_volume({**world, "zone": elsewhere})
    refused(lambda: call(world["user"], "attachVolume", id=far.uuid, virtualmachineid=vm.uuid),
            "virtualmachineid", text="another zone")
    vm.__class__.objects.filter(pk=vm.pk).update(state="Destroyed")
    refused(lambda: call(world["user"], "attachVolume", id=mine.uuid, virtualmachineid=vm.uuid),
            "virtualmachineid", text="is Destroyed")


def test_grow_never_shrink(world, root_admin):
    vm = world["vm"]
    custom = new_volume(world, diskofferingid=world["custom"].uuid, size=5)
    answer = call(world["user"], "resizeVolume", id=custom.uuid, size=8)["volume"]
    assert answer["size"] == 8 * GB and answer["state"] == "Allocated", "an Allocated volume is only recorded"
    call(world["user"], "attachVolume", id=custom.uuid, virtualmachineid=vm.uuid)
    answer = call(world["user"], "resizeVolume", id=custom.uuid, size=10)["volume"]
    assert answer["size"] == 10 * GB and answer["state"] == "Ready"
    assert simulated(custom).size == 10 * GB, "grown on storage while attached to the running instance"

    refused(lambda: call(world["user"], "resizeVolume", id=custom.uuid, size=6), "size", text="only grow")
    refused(lambda: call(world["user"], "resizeVolume", id=custom.uuid, size=6, shrinkok=True), "size",
            text="shrinking is not supported")
    refused(lambda: call(world["user"], "resizeVolume", id=custom.uuid, size=10), "size", text="already")
    refused(lambda: call(world["user"], "resizeVolume", id=custom.uuid), "size")
    with pytest.raises(JobFailed, match="'primary_storage' for account comp1-user") as limited:
        call(world["user"], "resizeVolume", id=custom.uuid, size=100000)
    assert limited.value.errorcode == ResourceAllocationError.errorcode
    call(root_admin, "updateResourceLimit", account="comp1-user", domainid=world["user"].domain.uuid,
         resourcetype=10, max=-1)
    refused(lambda: call(world["user"], "resizeVolume", id=custom.uuid, size=100000), "size", InsufficientCapacity,
            "GB free")
    fixed = new_volume(world)
    refused(lambda: call(world["user"], "resizeVolume", id=fixed.uuid, size=50), "size", text="fixed-size")
    medium = DiskOffering.objects.get(name="Medium")
    assert call(world["user"], "resizeVolume", id=fixed.uuid, diskofferingid=medium.uuid)["volume"][
        "diskofferingname"] == "Medium"

    root = vm.volumes.get(volume_type="ROOT")
    assert call(world["user"], "resizeVolume", id=root.uuid, size=3)["volume"]["size"] == 3 * GB
    fail_on_hosts(world, "resize_volume")
    with pytest.raises(JobFailed, match="resize_volume failed"):
        call(world["user"], "resizeVolume", id=root.uuid, size=4)
    root.refresh_from_db()
    assert (root.state, root.size) == ("Ready", 3 * GB), "a failed resize leaves the volume as it was"


def test_delete_only_detached_volumes(world):
    vm, volume = world["vm"], new_volume(world)
    call(world["user"], "attachVolume", id=volume.uuid, virtualmachineid=vm.uuid)
    call(world["user"], "createSnapshotPolicy", volumeid=volume.uuid, intervaltype="DAILY", schedule="00:01",
         timezone="UTC", maxsnaps=2)
    refused(lambda: call(world["user"], "deleteVolume", id=volume.uuid), "id", ResourceInUse, "detach it first")
    call(world["user"], "detachVolume", id=volume.uuid)
    on_storage = simulated(volume)
    assert call(world["user"], "deleteVolume", id=volume.uuid) == {"success": True}
    volume.refresh_from_db()
    assert volume.state == "Expunged" and volume.removed is not None
    assert not SimulatedVolume.objects.filter(pk=on_storage.pk).exists(), "deleted from storage"
    assert not volume.snapshot_policies.exists() and not PeriodicTask.objects.filter(
        name__startswith="Snapshot policy").exists(), "its policies and their schedules are gone"
    assert not invoke(world["user"], "listVolumes", {"id": volume.uuid}).exists()
    refused(lambda: call(world["user"], "deleteVolume", id=volume.uuid), "id", NotFound)
    allocated = new_volume(world)
    call(world["user"], "deleteVolume", id=allocated.uuid)
    assert Volume.objects.get(pk=allocated.pk).state == "Expunged"


def test_an_expunged_instance_loses_its_root_volume_and_keeps_its_data_volumes(world, root_admin):
    vm, data = world["vm"], new_volume(world)
    call(world["user"], "attachVolume", id=data.uuid, virtualmachineid=vm.uuid)
    root = vm.volumes.get(volume_type="ROOT")
    root_on_storage = simulated(root)
    call(world["user"], "createSnapshotPolicy", volumeid=root.uuid, intervaltype="HOURLY", schedule="15",
         timezone="UTC", maxsnaps=2)
    call(root_admin, "destroyVirtualMachine", id=vm.uuid, expunge=True)
    root.refresh_from_db()
    data.refresh_from_db()
    assert root.state == "Expunged" and root.removed and root.instance is None
    assert not SimulatedVolume.objects.filter(pk=root_on_storage.pk).exists()
    assert not PeriodicTask.objects.filter(name__startswith="Snapshot policy").exists()
    assert data.state == "Ready" and data.instance is None and data.removed is None, "data volumes are kept"
    assert simulated(data).instance is None


def test_listing_is_scoped_and_filtered(world, root_admin):
    tenancy, vm = world["tenancy"], world["vm"]
    mine = new_volume(world, name="mine")
    call(world["user"], "attachVolume", id=mine.uuid, virtualmachineid=vm.uuid)
    theirs = new_volume(world, caller=tenancy["other_admin"], name="theirs")

    def names(caller, **params):
        return sorted(v.name for v in invoke(caller, "listVolumes", params))

    root_name = f"ROOT-{vm.pk}"
    assert names(world["user"]) == sorted(["mine", root_name])
    assert names(world["user"], id=theirs.uuid) == [], "another account's volume is not in reach"
    assert names(tenancy["other_admin"]) == ["theirs"]
    assert names(tenancy["comp1_admin"], listall=True) == sorted(["mine", root_name])
    assert names(root_admin, listall=True) == sorted(["mine", "theirs", root_name])
    assert names(world["user"], virtualmachineid=vm.uuid, type="DATADISK") == ["mine"]
    assert names(world["user"], type="root") == [root_name]
    assert names(world["user"], keyword="min") == ["mine"] and names(world["user"], name="MINE") == ["mine"]
    assert names(root_admin, listall=True, account="other-admin", domainid=tenancy["other"].uuid) == ["theirs"]
    assert names(world["user"], storageid=world["zone"].pool.uuid) == [], "storage filters are for admins"

    shown = VolumeSerializer(invoke(world["user"], "listVolumes", {"id": mine.uuid}).get()).data
    assert "storage" not in shown and "path" not in shown and shown["hypervisor"] == "Simulator"
    assert shown["account"] == "comp1-user" and shown["domain"] == "Comp1" and shown["vmdisplayname"] == "web1"
    admin_view = VolumeSerializer(invoke(root_admin, "listVolumes", {"id": mine.uuid}).get()).data
    assert admin_view["storage"] == world["zone"].pool.name and admin_view["path"] == str(mine.uuid)


def test_listing_costs_the_same_queries_for_more_volumes(world, root_admin):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            rendered = VolumeSerializer(list(invoke(root_admin, "listVolumes", {"listall": True})), many=True).data
        assert rendered
        return len(captured)

    for _ in range(2):
        call(world["user"], "attachVolume", id=new_volume(world).uuid, virtualmachineid=world["vm"].uuid)
    queries()  # the caller's role rules are read once
    few = queries()
    extra = deployed_instance(world, "web2")
    for _ in range(4):
        call(world["user"], "attachVolume", id=new_volume(world).uuid, virtualmachineid=extra.uuid)
    new_volume(world)
    assert queries() == few


def test_a_pool_of_another_cluster_is_refused(world, root_admin):
    """Volumes do not move between pools: a Ready volume is attached only
    where the instance reaches its pool (its cluster's, or zone-wide)."""
    stopped = deployed_instance(world, "db1", running=False)
    volume = new_volume(world)
    call(world["user"], "attachVolume", id=volume.uuid, virtualmachineid=world["vm"].uuid)
    call(world["user"], "detachVolume", id=volume.uuid)
    zone_wide = StoragePool.objects.create(name="zone-wide", zone=world["zone"].zone, protocol="NetworkFilesystem",
                                           url="nfs://10.0.0.6/x", scope="ZONE")
    Volume.objects.filter(pk=volume.pk).update(storage_pool=zone_wide)
    call(world["user"], "attachVolume", id=volume.uuid, virtualmachineid=stopped.uuid)
    call(world["user"], "detachVolume", id=volume.uuid)
    second = Cluster.objects.create(name="c2", pod=world["zone"].pod, zone=world["zone"].zone,
                                    hypervisor="Simulator")
    StoragePool.objects.filter(pk=zone_wide.pk).update(cluster=second, scope="CLUSTER")
    refused(lambda: call(world["user"], "attachVolume", id=volume.uuid, virtualmachineid=stopped.uuid), "id",
            text="cannot reach")


# Pages and REST ----------------------------------------------------------------------------------

def row(html: str, kind: str, name: str) -> str:
    match = re.search(rf'<tr[^>]*data-{kind}="{re.escape(name)}".*?</tr>', html, re.S)
    assert match, f"no row for {name}"
    return match.group(0)


def test_the_volume_list_offers_the_actions_each_state_allows(world, root_admin):
    attached = new_volume(world, name="attached")
    new_volume(world, name="loose")
    call(world["user"], "attachVolume", id=attached.uuid, virtualmachineid=world["vm"].uuid)
    theirs = new_volume(world, caller=world["tenancy"]["other_admin"], name="theirs")
    page = client_of(world["user"]).get(reverse("compute:volumes")).content.decode()
    assert "theirs" not in page and theirs.name not in page
    attached_row, loose_row = row(page, "volume", "attached"), row(page, "volume", "loose")
    assert "Detach" in attached_row and "Take snapshot" in attached_row and "Delete" not in attached_row
    assert "Attach" in loose_row and "Delete" in loose_row and "Take snapshot" not in loose_row
    assert "web1" in attached_row and "Primary storage" not in page, "users are not shown where volumes live"
    admin_page = client_of(root_admin).get(reverse("compute:volumes")).content.decode()
    assert world["zone"].pool.name in row(admin_page, "volume", "attached") and "theirs" in admin_page
    assert 'href="/client/volumes/"' in admin_page and 'href="/client/snapshots/"' in admin_page, "navigation"


def test_add_a_volume_and_see_its_page(world):
    client = client_of(world["user"])
    form = client.get(reverse("compute:volume_add")).content.decode()
    assert "Custom" in form and world["zone"].zone.name in form
    response = client.post(reverse("compute:volume_add"), {
        "name": "logs", "zoneid": world["zone"].zone.uuid, "diskofferingid": world["custom"].uuid})
    assert "custom; give a size" in response.content.decode(), "the service's refusal on its field"
    response = client.post(reverse("compute:volume_add"), {
        "name": "logs", "zoneid": world["zone"].zone.uuid, "diskofferingid": world["custom"].uuid, "size": 7})
    volume = Volume.objects.get(name="logs")
    assert response.status_code == 302 and response.url == reverse("compute:volume_detail", args=[volume.uuid])
    page = client.get(response.url).content.decode()
    assert "logs" in page and "7.0\xa0GB" in page and "Allocated" in page and "Recurring snapshots" in page
    assert client_of(world["tenancy"]["other_admin"]).get(response.url).status_code == 404


def test_dialogs_run_their_commands(world):
    client, vm = client_of(world["user"]), world["vm"]
    volume = new_volume(world, name="data1", diskofferingid=world["custom"].uuid, size=5)
    dialog = client.get(reverse("compute:volume_attach", args=[volume.uuid])).content.decode()
    assert "web1 (Running)" in dialog
    client.post(reverse("compute:volume_attach", args=[volume.uuid]), {"virtualmachineid": vm.uuid})
    volume.refresh_from_db()
    assert volume.instance == vm and volume.state == "Ready"
    client.post(reverse("compute:volume_snapshot", args=[volume.uuid]), {"name": "snap1"})
    assert volume.snapshots.get().name == "snap1"
    response = client.post(reverse("compute:volume_resize", args=[volume.uuid]), {"size": 2})
    assert "only grow" in response.content.decode()
    client.post(reverse("compute:volume_resize", args=[volume.uuid]), {"size": 9})
    response = client.post(reverse("compute:volume_delete", args=[volume.uuid]))
    assert "detach it first" in response.content.decode()
    client.post(reverse("compute:volume_detach", args=[volume.uuid]))
    volume.refresh_from_db()
    assert volume.instance is None and volume.size == 9 * GB

    snapshots_page = client.get(reverse("compute:snapshots")).content.decode()
    snap_row = row(snapshots_page, "snapshot", "snap1")
    assert "Revert" in snap_row and "Create volume" in snap_row and "Delete" in snap_row
    snapshot = volume.snapshots.get()
    client.post(reverse("compute:snapshot_volume", args=[snapshot.uuid]), {"name": "copy"})
    assert Volume.objects.get(name="copy").state == "Ready"
    assert "Create template" in snap_row
    dialog = client.get(reverse("compute:snapshot_template", args=[snapshot.uuid])).content.decode()
    assert "Debian GNU/Linux 12 (64-bit)" in dialog and "Featured" not in dialog
    debian = OsType.objects.get(description="Debian GNU/Linux 12 (64-bit)")
    response = client.post(reverse("compute:snapshot_template", args=[snapshot.uuid]),
                           {"name": "", "ostypeid": debian.uuid})
    assert "This field is required" in response.content.decode() and not Template.objects.filter(name="")
    response = client.post(reverse("compute:snapshot_template", args=[snapshot.uuid]),
                           {"name": "from-snap1", "ostypeid": debian.uuid, "ispublic": "on"})
    assert response.status_code == 302 and response.url == reverse("compute:templates")
    made = Template.objects.get(name="from-snap1")
    assert made.is_public and made.zones.get().status == "DOWNLOADED"
    assert "from-snap1" in client.get(reverse("compute:templates")).content.decode()
    client.post(reverse("compute:snapshot_revert", args=[snapshot.uuid]))
    volume.refresh_from_db()
    assert volume.size == 5 * GB, "reverted to the snapshot's size"
    response = client.post(reverse("compute:volume_delete", args=[volume.uuid]),
                           HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL=reverse("compute:volume_detail",
                                                                               args=[volume.uuid]))
    assert response["HX-Redirect"] == reverse("compute:volumes"), "a deleted volume's page is gone"


def test_policies_are_edited_in_place(world):
    client, root = client_of(world["user"]), world["vm"].volumes.get(volume_type="ROOT")
    url = reverse("compute:volume_policies", args=[root.uuid, "add"])
    response = client.post(url, {"intervaltype": "WEEKLY", "schedule": "00:04", "timezone": "UTC", "maxsnaps": 3},
                           HTTP_HX_REQUEST="true")
    assert "MM:HH:D" in response.content.decode() and not root.snapshot_policies.exists()
    response = client.post(url, {"intervaltype": "WEEKLY", "schedule": "00:04:2", "timezone": "UTC",
                                 "maxsnaps": 3}, HTTP_HX_REQUEST="true")
    policy = root.snapshot_policies.get()
    assert 'data-policy="WEEKLY"' in response.content.decode() and policy.periodic_task is not None
    assert "00:04:2" in client.get(reverse("compute:volume_detail", args=[root.uuid])).content.decode()
    client.post(reverse("compute:volume_policies", args=[root.uuid, "remove"]), {"policy": policy.uuid},
                HTTP_HX_REQUEST="true")
    assert not root.snapshot_policies.exists() and not PeriodicTask.objects.filter(pk=policy.periodic_task_id)
    assert client.post(reverse("compute:volume_policies", args=[root.uuid, "other"])).status_code == 404


def test_the_rest_resources_run_the_same_commands(world):
    api = client_of(world["user"])
    created = api.post("/api/v1/volumes/", {"zoneid": str(world["zone"].zone.uuid),
                                            "diskofferingid": str(world["small"].uuid), "name": "rest1"},
                       content_type="application/json")
    assert created.status_code == 202
    volume = Volume.objects.get(name="rest1")
    attached = api.post(f"/api/v1/volumes/{volume.uuid}/attach/", {"virtualmachineid": str(world["vm"].uuid)},
                        content_type="application/json")
    assert attached.status_code == 202
    shown = api.get(f"/api/v1/volumes/{volume.uuid}/").json()
    assert shown["virtualmachineid"] == str(world["vm"].uuid) and shown["state"] == "Ready"
    assert api.post(f"/api/v1/volumes/{volume.uuid}/snapshot/", {}, content_type="application/json").status_code \
        == 202
    assert api.get("/api/v1/snapshots/").json()["count"] == 1
    policy = api.post("/api/v1/snapshotpolicies/", {"volumeid": str(volume.uuid), "intervaltype": "DAILY",
                                                     "schedule": "00:01", "timezone": "UTC", "maxsnaps": 2},
                      content_type="application/json")
    assert policy.status_code == 201 and policy.json()["intervaltype"] == 1
    assert api.delete(f"/api/v1/volumes/{volume.uuid}/").status_code == 409, "attached: refused"
    assert api.get(f"/api/v1/volumes/{volume.uuid}/", ).status_code == 200
    other = client_of(world["tenancy"]["other_admin"])
    assert other.get(f"/api/v1/volumes/{volume.uuid}/").status_code == 404
