"""Templates and ISOs: registration checks naming the field, a real HTTP
download into secondary storage (progress, virtual size, checksum, errors),
the built-in templates copied into a zone's new secondary storage, the
templatefilter scoping, deletion, and one import per pool under
concurrency."""
import hashlib
import subprocess
from pathlib import Path

import pytest
from django.db import connection

from cloudstack_ui.api.registry import invoke
from cloudstack_ui.errors import CloudStackError, InvalidParameter, PermissionDenied
from compute.api.serializers import TemplateSerializer
from compute.models import OsType, ServiceOffering, Template, TemplatePoolCopy, TemplateZone
from compute.services import templates
from infrastructure.models import SimulatedVolume
from infrastructure.services import zones
from tests.compute.conftest import JobFailed, call, client_of, fail_on_hosts, ready_template, refused
from tests.conftest import all_at_once

pytestmark = pytest.mark.django_db


def register(caller, zone, source, **extra):
    params = {"name": "debian", "displaytext": "Debian", "url": source, "zoneid": zone.uuid, "format": "QCOW2",
              "hypervisor": "Simulator", "ostypeid": OsType.objects.get(description="Debian GNU/Linux 12 (64-bit)").uuid,
              **extra}
    return invoke(caller, "registerTemplate", params)


def test_registration_checks_name_their_field(simulator_zone, tenancy, image_server):
    user = tenancy["comp1_user"]
    base, _root = image_server
    bare = zones.create_zone(user.__class__.objects.get(username="admin"), name="bare", network_type="Basic",
                             dns1="8.8.8.8", internal_dns1="10.0.0.2")
    cases = [
        ({"url": "file:///etc/passwd"}, "url", "file:// URLs are for root admins only"),
        ({"format": "VHD", "hypervisor": "KVM"}, "format", "not a KVM format"),
        ({"checksum": "{SHA-256}abc"}, "checksum", "64 hexadecimal digits"),
        ({"checksum": "{CRC}00"}, "checksum", "not one of"),
        ({"isfeatured": "true"}, "isfeatured", "root admin"),
        ({"zoneid": bare.uuid}, "zoneid", "no secondary storage"),
    ]
    before = Template.objects.count()
    for extra, field, text in cases:
        with pytest.raises(CloudStackError, match=text) as error:
            register(user, simulator_zone.zone, f"{base}/disk.qcow2", **extra)
        assert error.value.field == field
    assert Template.objects.count() == before


def test_a_download_records_progress_size_and_checksum(simulator_zone, tenancy, image_server):
    user = tenancy["comp1_user"]
    base, root = image_server
    digest = hashlib.sha256((root / "disk.qcow2").read_bytes()).hexdigest()
    rows = register(user, simulator_zone.zone, f"{base}/disk.qcow2", checksum=f"{{SHA-256}}{digest}")
    answer = TemplateSerializer(rows, many=True).data[0]
    assert answer["status"] == "Download Complete" and answer["isready"] is True
    entry = TemplateZone.objects.get(template__uuid=answer["id"])
    assert entry.size == 3 * 1024**3, "the virtual size, read by qemu-img"
    assert entry.physical_size == (root / "disk.qcow2").stat().st_size
    assert Path(entry.install_path).read_bytes() == (root / "disk.qcow2").read_bytes()
    assert entry.install_path.startswith(simulator_zone.image_store.path)

    failures = [
        ({"checksum": "{MD5}" + "0" * 32}, "disk.qcow2", "checksum mismatch"),
        ({}, "missing.qcow2", "HTTP 404"),
        ({}, "notqcow.qcow2", "the file is a raw image, not QCOW2"),
    ]
    for extra, name, text in failures:
        entry = TemplateZone.objects.get(template__uuid=TemplateSerializer(
            register(user, simulator_zone.zone, f"{base}/{name}", name=f"bad-{name}", **extra), many=True
        ).data[0]["id"])
        assert entry.status == "DOWNLOAD_ERROR" and text in entry.error and entry.status_text == entry.error
        assert not list(Path(simulator_zone.image_store.path).rglob("*.part")), "no partial file stays"
    refused = invoke(user, "listTemplates", {"templatefilter": "self", "name": "bad-missing.qcow2"})
    with pytest.raises(CloudStackError, match="not ready in zone sim: .*HTTP 404"):
        templates.ready_template(user, refused[0].template.uuid, simulator_zone.zone)


def test_builtin_templates_come_to_a_new_zone_and_filters_scope(simulator_zone, tenancy, root_admin):
    simulator = TemplateZone.objects.get(template__name="Simulator template", zone=simulator_zone.zone)
    assert simulator.status_text == "Download Complete", simulator.error
    kvm = TemplateZone.objects.get(template__name="BusyBox Linux (KVM)", zone=simulator_zone.zone)
    assert kvm.is_ready or "bin/build-builtin-template" in kvm.error
    user, other = tenancy["comp1_user"], tenancy["other_admin"]
    private = ready_template(simulator_zone, other, name="theirs")
    Template.objects.filter(pk=private.pk).update(is_public=False, is_featured=False)
    featured = {e.template.name for e in invoke(user, "listTemplates", {"templatefilter": "featured"})}
    assert "Simulator template" in featured and "theirs" not in featured
    assert not invoke(user, "listTemplates", {"templatefilter": "self"})
    assert [e.template.name for e in invoke(other, "listTemplates", {"templatefilter": "self"})] == ["theirs"]
    executable = {e.template.name for e in invoke(user, "listTemplates", {"templatefilter": "executable"})}
    assert "theirs" not in executable and "Simulator template" in executable
    with pytest.raises(PermissionDenied):
        invoke(user, "listTemplates", {"templatefilter": "all"})
    assert invoke(root_admin, "listTemplates", {"templatefilter": "all", "name": "theirs"})
    assert invoke(user, "listOsTypes", {"keyword": "Debian"})


def test_delete_removes_the_file_and_keeps_a_used_template(simulator_zone, root_admin):
    template = ready_template(simulator_zone, root_admin, name="old")
    path = Path(TemplateZone.objects.get(template=template).install_path)
    templates.delete_template(root_admin, template)
    assert not path.exists() and not Template.objects.filter(pk=template.pk).exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_template_is_imported_once_per_pool_under_concurrency(simulator_zone, root_admin):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite has no row locks; CI runs this on MariaDB")
    template = ready_template(simulator_zone, root_admin, name="shared")
    refs = []
    all_at_once(lambda: refs.append(templates.template_on_pool(template, simulator_zone.pool,
                                                               simulator_zone.hosts[0])), 8)
    assert len(refs) == 8 and len(set(refs)) == 1
    assert TemplatePoolCopy.objects.get(template=template).ready
    assert SimulatedVolume.objects.filter(name=f"template-{template.uuid}").count() == 1


def test_pages_list_templates_and_register_one(simulator_zone, tenancy, image_server):
    from tests.conftest import logged_in_client

    base, _root = image_server
    client = logged_in_client(tenancy["comp1_user"])
    page = client.get("/client/templates/")
    assert page.status_code == 200 and b"Simulator template" in page.content and b"Download Complete" in page.content
    refused = client.post("/client/templates/register", {
        "name": "web", "url": f"{base}/disk.qcow2", "zoneid": str(simulator_zone.zone.uuid),
        "ostypeid": str(OsType.objects.get(description="Other (64-bit)").uuid), "hypervisor": "KVM", "format": "VHD"})
    assert refused.status_code == 200 and b"not a KVM format" in refused.content
    done = client.post("/client/templates/register", {
        "name": "web", "url": f"{base}/disk.qcow2", "zoneid": str(simulator_zone.zone.uuid),
        "ostypeid": str(OsType.objects.get(description="Other (64-bit)").uuid), "hypervisor": "KVM",
        "format": "QCOW2"})
    assert done.status_code == 302
    assert TemplateZone.objects.get(template__name="web").status_text == "Download Complete"
    assert b"web" in client.get("/client/templates/?templatefilter=self").content
    assert client.get("/client/isos/").status_code == 200


def test_the_rest_resources_register_list_update_and_delete(simulator_zone, tenancy, image_server):
    user = tenancy["comp1_user"]
    api = client_of(user)
    base, _root = image_server
    params = {"name": "rest-debian", "displaytext": "Debian", "url": f"{base}/disk.qcow2",
              "zoneid": str(simulator_zone.zone.uuid), "format": "QCOW2", "hypervisor": "Simulator",
              "ostypeid": str(OsType.objects.get(description="Debian GNU/Linux 12 (64-bit)").uuid)}
    created = api.post("/api/v1/templates/", params, content_type="application/json")
    assert created.status_code == 201, created.content
    template = Template.objects.get(name="rest-debian")
    listed = api.get("/api/v1/templates/").json()
    assert "rest-debian" in {row["name"] for row in listed["results"]}, "the list defaults to executable"
    assert api.get("/api/v1/templates/", {"templatefilter": "self"}).json()["count"] == 1
    shown = api.get(f"/api/v1/templates/{template.uuid}/").json()
    assert shown["status"] == "Download Complete" and shown["zoneid"] == str(simulator_zone.zone.uuid)
    renamed = api.patch(f"/api/v1/templates/{template.uuid}/", {"displaytext": "Debian 12"},
                        content_type="application/json")
    assert renamed.status_code == 200 and renamed.json()["displaytext"] == "Debian 12"
    refused = api.post("/api/v1/templates/", {**params, "url": "file:///etc/passwd"},
                       content_type="application/json")
    assert refused.status_code == 403 and "file:// URLs are for root admins only" in refused.content.decode()
    assert api.delete(f"/api/v1/templates/{template.uuid}/").status_code in (202, 204)
    assert not TemplateZone.objects.filter(template=template, status=TemplateZone.Status.DOWNLOADED).exists()
    assert api.get("/api/v1/isos/").status_code == 200


# --- createTemplate -------------------------------------------------------------------------------

def test_a_template_from_a_snapshot_or_a_stopped_volume_is_written_and_launches(volume_world):
    world, user = volume_world, volume_world["user"]
    vm, os_type = world["vm"], OsType.objects.get(description="Debian GNU/Linux 12 (64-bit)").uuid
    Template.objects.filter(pk=world["template"].pk).update(details={"cmdline": "console=ttyS0"})
    root = vm.volumes.get(volume_type="ROOT")
    snapshot_id = call(user, "createSnapshot", volumeid=root.uuid)["snapshot"]["id"]

    answer = call(user, "createTemplate", name="golden", ostypeid=os_type, snapshotid=snapshot_id)["template"]
    assert answer["status"] == "Download Complete" and answer["isready"] is True
    entry = TemplateZone.objects.select_related("template").get(template__uuid=answer["id"])
    assert entry.template.account == user.account and entry.template.details == {"cmdline": "console=ttyS0"}
    info = subprocess.run(["qemu-img", "info", "--output=json", entry.install_path], capture_output=True,
                          text=True, check=True).stdout
    assert f'"virtual-size": {root.size}' in info and entry.size == root.size
    assert entry.install_path.startswith(world["zone"].image_store.path)

    refused(lambda: call(user, "createTemplate", name="live", ostypeid=os_type, volumeid=root.uuid), "volumeid",
            text="which is Running; stop it first")
    call(user, "stopVirtualMachine", id=vm.uuid)
    from_volume = call(user, "createTemplate", name="from-root", ostypeid=os_type, volumeid=root.uuid)["template"]
    assert from_volume["status"] == "Download Complete"

    launched = call(user, "deployVirtualMachine", zoneid=world["zone"].zone.uuid, name="from-golden",
                    serviceofferingid=ServiceOffering.objects.get(name="Small Instance").uuid,
                    templateid=answer["id"])["virtualmachine"]
    assert launched["state"] == "Running" and launched["templatename"] == "golden"


def test_create_template_refusals_name_their_field_and_leave_nothing(volume_world):
    world, user = volume_world, volume_world["user"]
    os_type = OsType.objects.get(description="Debian GNU/Linux 12 (64-bit)").uuid
    root = world["vm"].volumes.get(volume_type="ROOT")
    snapshot_id = call(user, "createSnapshot", volumeid=root.uuid)["snapshot"]["id"]
    before = Template.objects.count()
    cases = [
        ({}, "volumeid", "give either a volumeid or a snapshotid"),
        ({"volumeid": root.uuid, "snapshotid": snapshot_id}, "snapshotid", "not both"),
        ({"snapshotid": snapshot_id, "isfeatured": "true"}, "isfeatured", "root admin"),
        ({"snapshotid": snapshot_id, "name": " "}, "name", "name"),
    ]
    for extra, field, text in cases:
        with pytest.raises(CloudStackError, match=text) as error:
            call(user, "createTemplate", **{"name": "t", "ostypeid": os_type, **extra})
        assert error.value.field == field
    with pytest.raises(CloudStackError, match="snapshotid: no snapshot"):
        call(world["tenancy"]["other_admin"], "createTemplate", name="t", ostypeid=os_type, snapshotid=snapshot_id)

    fail_on_hosts(world, "export_volume")
    with pytest.raises(JobFailed, match="export_volume"):
        call(user, "createTemplate", name="broken", ostypeid=os_type, snapshotid=snapshot_id)
    assert Template.objects.count() == before, "a failed creation leaves no template"
    assert not [p for p in Path(world["zone"].image_store.path).rglob("*") if p.suffix in (".part", ".qcow2")
                and "template/tmpl" in str(p) and str(user.account_id) in p.parts]


def test_delete_removes_its_copies_on_primary_storage_unless_volumes_stand_on_them(simulator_zone, root_admin):
    """deleteTemplate refuses a template instances use (naming them) unless
    forced; its copy on a pool goes with it, from the pool too, once no
    volume is backed by it."""
    from compute.models import VirtualMachine

    template = ready_template(simulator_zone, root_admin, name="golden")
    answer = call(root_admin, "deployVirtualMachine", zoneid=simulator_zone.zone.uuid, name="on-golden",
                  serviceofferingid=ServiceOffering.objects.get(name="Small Instance").uuid, templateid=template.uuid)
    vm = VirtualMachine.objects.get(uuid=answer["virtualmachine"]["id"])
    copy = TemplatePoolCopy.objects.get(template=template)
    on_pool = SimulatedVolume.objects.filter(pool=str(simulator_zone.pool.uuid), name=copy.name)
    assert on_pool.exists()
    with pytest.raises(InvalidParameter, match="golden is used by 1 virtual machine: on-golden"):
        templates.delete_template(root_admin, template)
    templates.delete_template(root_admin, template, forced=True)
    template.refresh_from_db()
    assert template.removed and TemplatePoolCopy.objects.filter(pk=copy.pk).exists() and on_pool.exists(), \
        "the root volume still stands on the copy"
    call(root_admin, "destroyVirtualMachine", id=vm.uuid, expunge="true")
    fresh = ready_template(simulator_zone, root_admin, name="fresh")
    answer = call(root_admin, "deployVirtualMachine", zoneid=simulator_zone.zone.uuid, name="on-fresh",
                  serviceofferingid=ServiceOffering.objects.get(name="Small Instance").uuid, templateid=fresh.uuid)
    call(root_admin, "destroyVirtualMachine", id=answer["virtualmachine"]["id"], expunge="true")
    fresh_copy = TemplatePoolCopy.objects.get(template=fresh)
    templates.delete_template(root_admin, fresh)
    assert not Template.objects.filter(pk=fresh.pk).exists()
    assert not TemplatePoolCopy.objects.filter(pk=fresh_copy.pk).exists()
    assert not SimulatedVolume.objects.filter(pool=str(simulator_zone.pool.uuid), name=fresh_copy.name).exists()
