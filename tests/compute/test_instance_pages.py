"""The instance pages with Django's test client on a Simulator zone: the
list scoped per user and admin with the actions each state allows and its
polling while an instance changes state, the detail page with its NICs,
groups, volumes and events, the action dialogs, the Add Instance wizard
(per-step validation, the service's refusals on the field they name, the
launch through deployVirtualMachine) and the dashboard panels."""
import base64
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.services import keypairs
from cloudstack_ui.api.registry import prepare
from cloudstack_ui.jobs.models import AsyncJob
from cloudstack_ui.jobs.services import submit_job
from compute.models import DiskOffering, ServiceOffering, VirtualMachine
from compute.views.instances import PASSWORD_JOBS
from infrastructure.services.capacity import recalculate_capacity
from tests.compute.conftest import ready_template
from tests.conftest import logged_in_client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("jobs_run_eagerly")]


@pytest.fixture
def world(simulator_zone, root_admin, tenancy):
    template = ready_template(simulator_zone, root_admin, password_enabled=True)
    return {"zone": simulator_zone, "template": template, "small": ServiceOffering.objects.get(name="Small Instance"),
            "user": tenancy["comp1_user"], "other": tenancy["other_admin"], "admin": root_admin}


def ready_iso(world, name="installer"):
    """A bootable ISO downloaded into the zone's image store."""
    from compute.models import Template, TemplateZone

    iso = Template.objects.create(name=name, display_text=name, url=f"http://example.invalid/{name}.iso",
                                  format="ISO", os_type=world["template"].os_type, account=world["admin"].account,
                                  is_public=True, size=1024**3)
    TemplateZone.objects.create(template=iso, zone=world["zone"].zone, image_store=world["zone"].image_store,
                                status=TemplateZone.Status.DOWNLOADED, download_percent=100, size=1024**3)
    return iso


def deploy(world, caller=None, **extra) -> VirtualMachine:
    caller = caller or world["user"]
    command, parsed = prepare(caller, "deployVirtualMachine", {
        "zoneid": world["zone"].zone.uuid, "serviceofferingid": world["small"].uuid,
        "templateid": world["template"].uuid, **extra})
    job = submit_job(caller, command, parsed)
    return VirtualMachine.objects.get(uuid=job.instance_uuid)


def run(caller, command_name: str, **params):
    command, parsed = prepare(caller, command_name, params)
    return submit_job(caller, command, parsed) if command.is_async else command.execute(caller, **parsed)


def row(html: str, name: str) -> str:
    """The table row of one instance."""
    match = re.search(rf'<tr[^>]*data-instance="{re.escape(name)}".*?</tr>', html, re.S)
    assert match, f"no row for {name}"
    return match.group(0)


def admin_client(world):

    return logged_in_client(world["admin"])


# The list ----------------------------------------------------------------------------------------

def test_the_list_is_scoped_and_offers_the_actions_each_state_allows(world):
    running = deploy(world, name="web1")
    stopped = deploy(world, name="db1")
    run(world["user"], "stopVirtualMachine", id=stopped.uuid)
    destroyed = deploy(world, name="old1")
    run(world["user"], "destroyVirtualMachine", id=destroyed.uuid)
    theirs = deploy(world, caller=world["other"], name="theirs")

    page = logged_in_client(world["user"]).get(reverse("compute:instances")).content.decode()
    assert "theirs" not in page and ">Account<" not in page and ">Host<" not in page
    web = row(page, "web1")
    assert 'data-state="Running"' in web and "10.1.0.100" in web and "sim-template" in web
    assert "/stop" in web and "/reboot" in web and "/destroy" in web and "/start" not in web
    db = row(page, "db1")
    assert 'data-state="Stopped"' in db and "/start" in db and "/stop" not in db and "/reboot" not in db
    old = row(page, "old1")
    assert "/recover" in old and "/destroy" not in old and "/start" not in old
    assert 'id="table-poll"' not in page, "nothing is changing state"

    admin_page = admin_client(world).get(reverse("compute:instances")).content.decode()
    assert ">Account<" in admin_page and ">Host<" in admin_page
    assert running.host.name in row(admin_page, "web1") and "other-admin" in row(admin_page, "theirs")
    mine = admin_client(world).get(reverse("compute:instances"), {"listall": "false"}).content.decode()
    assert "web1" not in mine and "theirs" not in mine, "My instances: the admin's own account has none"
    filtered = logged_in_client(world["user"]).get(reverse("compute:instances"), {"state": "Stopped"})
    assert "db1" in filtered.content.decode() and "web1" not in filtered.content.decode()
    assert theirs.account != running.account


def test_the_list_refreshes_itself_while_an_instance_is_starting(world, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # the deploy is recorded and queued; no worker runs it here
    starting = deploy(world, name="slow1")
    assert starting.state == "Starting"
    client = logged_in_client(world["user"])
    page = client.get(reverse("compute:instances")).content.decode()
    assert 'id="table-poll"' in page and 'hx-trigger="every 3s"' in page
    assert 'data-state="Starting"' in row(page, "slow1")
    partial = client.get(reverse("compute:instances"), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="object-table")
    assert partial.content.decode().lstrip().startswith("<div id=\"object-table\"")
    assert b"<html" not in partial.content


def test_pages_refresh_themselves_while_a_job_on_the_instance_is_queued(world, settings):
    vm = deploy(world, name="web1")
    client = logged_in_client(world["user"])
    detail = reverse("compute:instance_detail", args=[vm.uuid])
    assert 'hx-trigger="every 3s"' not in client.get(detail).content.decode()
    settings.CELERY_TASK_ALWAYS_EAGER = False
    client.post(reverse("compute:instance_stop", args=[vm.uuid]), {})
    vm.refresh_from_db()
    assert vm.state == "Running", "the stop is queued, no worker has taken it yet"
    assert 'hx-trigger="every 3s"' in client.get(detail).content.decode()
    assert 'id="table-poll"' in client.get(reverse("compute:instances")).content.decode()


def test_the_list_page_does_not_query_per_instance(world):
    client = logged_in_client(world["user"])
    deploy(world, name="first")
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("compute:instances"))
    for index in range(3):
        deploy(world, name=f"more{index}")
    with CaptureQueriesContext(connection) as four:
        assert client.get(reverse("compute:instances")).content.decode().count("data-instance=") == 4
    assert len(four.captured_queries) == len(one.captured_queries)


# The detail page and the dialogs -----------------------------------------------------------------

def test_the_detail_page_shows_nics_groups_volumes_events_and_the_actions_of_its_state(world):
    vm = deploy(world, name="web1", group="frontend")
    client = logged_in_client(world["user"])
    page = client.get(reverse("compute:instance_detail", args=[vm.uuid])).content.decode()
    nic = vm.nics.get()
    nics = page[page.index('id="instance-nics"'):page.index('id="instance-volumes"')]
    assert "defaultGuestNetwork" in nics and "10.1.0.100" in nics and nic.guest_ip.mac_address in nics
    assert reverse("network:securitygroup_detail", args=[vm.security_groups.get().uuid]) in page
    volumes = page[page.index('id="instance-volumes"'):]
    assert f"ROOT-{vm.pk}" in volumes and "2.0\xa0GB" in volumes
    assert "VM.CREATE" in page and "VM.START" in page and "frontend" in page
    fields = page[page.index('<dl class="row detail'):page.index("</dl>")]
    assert vm.host.name not in fields and vm.internal_name not in fields, "users are not shown where it runs"
    for shown in ("/stop", "/reboot", "/destroy", "/edit", "/restore"):
        assert shown in page, shown
    for hidden in ("/start", "/recover", "/reset-password", "/change-offering", "/migrate", "/expunge"):
        assert f"{vm.uuid}{hidden}" not in page, hidden

    admin_page = admin_client(world).get(reverse("compute:instance_detail", args=[vm.uuid])).content.decode()
    assert vm.host.name in admin_page and vm.internal_name in admin_page and f"{vm.uuid}/migrate" in admin_page

    assert logged_in_client(world["other"]).get(reverse("compute:instance_detail", args=[vm.uuid])).status_code \
        == 404


def test_stop_start_reboot_destroy_and_recover_through_their_dialogs(world):
    vm = deploy(world, name="cycle")
    client = logged_in_client(world["user"])

    def act(action, data=None, expected="", follow=True):
        response = client.post(reverse(f"compute:instance_{action}", args=[vm.uuid]), data or {}, follow=follow)
        assert response.status_code == 200
        if expected:
            assert expected in response.content.decode()
        vm.refresh_from_db()
        return response

    dialog = client.get(reverse("compute:instance_stop", args=[vm.uuid]), HTTP_HX_REQUEST="true")
    assert b'name="forced"' in dialog.content and b"<html" not in dialog.content
    act("stop", {"forced": "on"}, "Instance cycle: stop requested.")
    assert vm.state == "Stopped"
    act("start", expected="Instance cycle: start requested.")
    assert vm.state == "Running"
    act("reboot")
    from_list = client.post(reverse("compute:instance_reboot", args=[vm.uuid]), {}, HTTP_HX_REQUEST="true",
                            HTTP_HX_CURRENT_URL="http://testserver/client/instances/?state=Running")
    assert from_list.status_code == 204 and from_list["HX-Redirect"] == "/client/instances/?state=Running", \
        "a row action brings the user back to the list as it was filtered"
    refused = act("start", follow=False)
    assert "it can be started only when Stopped" in refused.content.decode()
    assert b'name="expunge"' not in client.get(reverse("compute:instance_destroy", args=[vm.uuid])).content
    act("destroy")
    assert vm.state == "Destroyed"
    act("recover", expected="Instance cycle recovered.")
    assert vm.state == "Stopped"

    admin = admin_client(world)
    assert b'name="expunge"' in admin.get(reverse("compute:instance_destroy", args=[vm.uuid])).content
    response = admin.post(reverse("compute:instance_destroy", args=[vm.uuid]), {"expunge": "on"})
    assert response.status_code == 302 and response["Location"] == reverse("compute:instances")
    assert not VirtualMachine.objects.filter(pk=vm.pk).exists()


def test_password_ssh_key_offering_edit_and_migrate_dialogs(world):
    user = world["user"]
    keypairs.register_ssh_keypair(user, name="laptop", public_key=_public_key())
    vm = deploy(world, name="box")
    client = logged_in_client(user)
    client.post(reverse("compute:instance_stop", args=[vm.uuid]), {})

    shown = client.post(reverse("compute:instance_reset_password", args=[vm.uuid]), {})
    vm.refresh_from_db()
    assert shown.status_code == 200 and vm.password in shown.content.decode()
    assert shown["Cache-Control"] == "no-store"
    detail = client.get(reverse("compute:instance_detail", args=[vm.uuid])).content.decode()
    assert vm.password not in detail, "the password is shown once"
    reset = AsyncJob.objects.get(command="resetPasswordForVirtualMachine")
    assert reset.result_secrets == "" and "password" not in reset.result["virtualmachine"], "the dialog's was the one read"

    medium = ServiceOffering.objects.get(name="Medium Instance")
    client.post(reverse("compute:instance_change_offering", args=[vm.uuid]), {"serviceofferingid": medium.uuid})
    client.post(reverse("compute:instance_reset_ssh_key", args=[vm.uuid]), {"keypair": "laptop"})
    client.post(reverse("compute:instance_edit", args=[vm.uuid]), {"displayname": "The box", "group": "ops"})
    vm.refresh_from_db()
    assert vm.service_offering == medium and vm.keypair == "laptop" and vm.display_name == "The box"
    assert vm.group.name == "ops"

    assert client.get(reverse("compute:instance_migrate", args=[vm.uuid])).status_code == 403
    client.post(reverse("compute:instance_start", args=[vm.uuid]), {})
    vm.refresh_from_db()
    other_host = next(h for h in world["zone"].hosts if h.pk != vm.host_id)
    admin = admin_client(world)
    dialog = admin.get(reverse("compute:instance_migrate", args=[vm.uuid])).content.decode()
    assert other_host.name in dialog and f'value="{vm.host.uuid}"' not in dialog
    admin.post(reverse("compute:instance_migrate", args=[vm.uuid]), {"hostid": other_host.uuid})
    vm.refresh_from_db()
    assert vm.host == other_host and vm.state == "Running"


def test_a_password_made_by_a_queued_job_is_shown_once_when_it_is_done(world, settings):
    vm = deploy(world, name="later")
    client = logged_in_client(world["user"])
    client.post(reverse("compute:instance_stop", args=[vm.uuid]), {})
    settings.CELERY_TASK_ALWAYS_EAGER = False
    response = client.post(reverse("compute:instance_reset_password", args=[vm.uuid]), {})
    assert response.status_code == 302
    job = AsyncJob.objects.get(command="resetPasswordForVirtualMachine")
    assert client.session[PASSWORD_JOBS] == [str(job.uuid)]
    box = reverse("compute:instance_password", args=[job.uuid])
    assert 'hx-trigger="every 2s"' in client.get(box).content.decode(), "still running: the box waits"
    from cloudstack_ui.jobs.services import run_job

    run_job(job.pk)
    vm.refresh_from_db()
    assert vm.password in client.get(box).content.decode()
    assert client.get(box).status_code == 404, "shown once"


# The Add Instance wizard --------------------------------------------------------------------------

def wizard(client, step, data=None, **extra):
    url = reverse("compute:instance_add_step", args=[step])
    return client.post(url, data, **extra) if data is not None else client.get(url, **extra)


def field_error(html: str, field: str) -> str:
    """The error shown under one field of a step."""
    match = re.search(rf'name="{field}".*?invalid-feedback d-block">([^<]+)<', html, re.S)
    assert match, f"no error on {field}"
    return match.group(1)


def walk_to_review(client, world, *, details=None, disk=None):
    zone = world["zone"]
    assert wizard(client, "zone", {"zoneid": zone.zone.uuid})["Location"].endswith("/image")
    assert wizard(client, "image", {"tab": "featured", "templateid": world["template"].uuid})["Location"] \
        .endswith("/offering")
    assert wizard(client, "offering", {"serviceofferingid": world["small"].uuid})["Location"].endswith("/disk")
    assert wizard(client, "disk", disk or {"diskofferingid": ""})["Location"].endswith("/network")
    assert wizard(client, "network", {"networkids": [zone.network.uuid]})["Location"].endswith("/details")
    assert wizard(client, "details", details or {"name": "web1"})["Location"].endswith("/review")


def test_wizard_steps_refuse_bad_choices_on_their_fields(world):
    client = logged_in_client(world["user"])
    assert "This field is required" in field_error(wizard(client, "zone", {}).content.decode(), "zoneid")
    assert wizard(client, "offering").status_code == 302, "a later step waits for the earlier ones"
    wizard(client, "zone", {"zoneid": world["zone"].zone.uuid})
    page = wizard(client, "image").content.decode()
    assert "sim-template" in page and "Featured" in page and "ISOs" in page
    kvm = ready_template(world["zone"], world["admin"], name="kvm-only")
    type(kvm).objects.filter(pk=kvm.pk).update(hypervisor="KVM")
    assert "kvm-only" not in wizard(client, "image").content.decode(), "only templates the zone's hosts can run"
    iso = ready_iso(world)
    isos = client.get(reverse("compute:instance_add_step", args=["image"]), {"tab": "isos"}).content.decode()
    assert iso.name in isos and 'name="isoid"' in isos and 'name="templateid"' not in isos
    both = wizard(client, "image", {"tab": "featured", "templateid": world["template"].uuid, "isoid": iso.uuid})
    assert "Choose a template or an ISO, not both." in both.content.decode()
    assert "Choose a template." in wizard(client, "image", {"tab": "featured"}).content.decode()
    wizard(client, "image", {"tab": "featured", "templateid": world["template"].uuid})
    swapped = wizard(client, "offering", {"serviceofferingid": world["small"].uuid}, HTTP_HX_REQUEST="true")
    assert swapped.status_code == 200 and swapped["HX-Push-Url"] == reverse("compute:instance_add_step",
                                                                             args=["disk"])
    assert '<h2 class="h5" id="wizard-title">Data disk</h2>' in swapped.content.decode(), "HTMX gets the next step"
    custom = DiskOffering.objects.get(name="Custom")
    assert "needs a size in GB" in field_error(
        wizard(client, "disk", {"diskofferingid": custom.uuid}).content.decode(), "size")
    back = wizard(client, "disk", {"back": "1"})
    assert back["Location"].endswith("/offering")

    wizard(client, "image", {"tab": "isos", "isoid": iso.uuid})
    root_disk = wizard(client, "disk", {"diskofferingid": ""}).content.decode()
    assert "Root disk offering" in root_disk and "This field is required" in field_error(root_disk, "diskofferingid")


def test_a_launch_refused_by_the_service_goes_back_to_the_field_it_names(world):
    client = logged_in_client(world["user"])
    walk_to_review(client, world, details={"name": "9lives"})
    response = wizard(client, "review", {"launch": "1"})
    assert response["Location"].endswith("/details")
    page = client.get(response["Location"]).content.decode()
    assert "not a valid host name" in field_error(page, "name")
    assert not VirtualMachine.objects.exists() and not AsyncJob.objects.exists()


def test_launch_deploys_through_deploy_virtual_machine_and_lists_it_running(world):
    user = world["user"]
    keypairs.register_ssh_keypair(user, name="laptop", public_key=_public_key())
    client = logged_in_client(user)
    walk_to_review(client, world, details={"name": "web1", "displayname": "Web server", "group": "frontend",
                                           "keypair": "laptop", "userdata": "#!/bin/sh\necho hello"})
    review = wizard(client, "review").content.decode()
    for shown in ("sim", "sim-template", "Small Instance", "defaultGuestNetwork", "web1", "laptop"):
        assert shown in review, shown
    response = wizard(client, "review", {"launch": "1"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 204 and response["HX-Redirect"] == reverse("compute:instances")
    job = AsyncJob.objects.get()
    assert job.command == "deployVirtualMachine" and job.status == AsyncJob.Status.SUCCEEDED
    vm = VirtualMachine.objects.get(uuid=job.instance_uuid)
    assert vm.state == "Running" and vm.display_name == "Web server" and vm.group.name == "frontend"
    assert vm.keypair == "laptop" and base64.b64decode(vm.user_data) == b"#!/bin/sh\necho hello"
    listed = client.get(reverse("compute:instances")).content.decode()
    assert 'data-state="Running"' in row(listed, "web1")
    box = reverse("compute:instance_password", args=[job.uuid])
    assert box in listed and vm.password not in listed
    assert vm.password in client.get(box).content.decode(), "the new password is shown on the list"
    assert client.get(box).status_code == 404 and box not in client.get(reverse("compute:instances")).content.decode()
    assert client.get(reverse("compute:instance_add_step", args=["review"])).status_code == 302, "wizard reset"


def test_the_review_can_ask_the_planner_for_root_admins(world):
    client = admin_client(world)
    walk_to_review(client, world)
    review = wizard(client, "review").content.decode()
    assert "Where would it go?" in review
    answer = client.post(reverse("compute:instance_add_plan")).content.decode()
    assert world["zone"].pool.name in answer and any(h.name in answer for h in world["zone"].hosts)
    assert "Where would it go?" not in wizard(logged_in_client(world["user"]), "review").content.decode()


# The dashboard ------------------------------------------------------------------------------------

def test_dashboard_panels_for_a_user_and_for_the_root_admin(world):
    vm = deploy(world, name="web1")
    deploy(world, name="db1")
    run(world["user"], "stopVirtualMachine", id=vm.uuid)
    page = logged_in_client(world["user"]).get(reverse("ui:dashboard")).content.decode()
    states = page[page.index('id="instance-states"'):]
    assert re.search(r'data-state="Running"[^<]*</span> 1', states)
    assert re.search(r'data-state="Stopped"[^<]*</span> 1', states)
    assert '<dd class="col-7" id="volume-count">2</dd>' in page and "4.0\xa0GB" in page
    assert "VM.STOP" in page

    recalculate_capacity()
    admin_page = admin_client(world).get(reverse("ui:dashboard")).content.decode()
    capacity = admin_page[admin_page.index(">Capacity<"):admin_page.index(">Alerts<")]
    assert '<h3 class="h6 mt-2">sim</h3>' in capacity
    assert "of 32000 MHz" in capacity and "of 32.0\xa0GB" in capacity, "two hosts of 8 × 2000 MHz and 16 GB"
    assert 'aria-label="Storage used"' in capacity
    instances = admin_page[admin_page.index(">Instances<"):admin_page.index(">Capacity<")]
    assert "instances in your reach" in instances and re.search(r'data-state="Stopped"[^<]*</span> 1', instances)


def _public_key() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    key = ed25519.Ed25519PrivateKey.generate().public_key()
    return key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()
