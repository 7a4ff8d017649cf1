"""Guide 6.9 in Chromium, with a real Celery worker: a Basic Simulator zone
built by the add-zone wizard, its built-in template ready, then Add
Instance through the wizard; the list shows the instance Starting, then
Running without a reload; Stop, Start and Destroy from its page, each
state seen as it comes."""
import re

import pytest
from playwright.sync_api import expect

from cloudstack_ui.jobs.models import AsyncJob
from compute.models import TemplateZone, VirtualMachine
from infrastructure.models import SimulatedMachine, Zone
from tests.e2e.test_zone_wizard import admin_page, fill, launch_and_enable, next_step  # noqa: F401

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def builtin_templates(fresh_install):
    """The built-in templates a fresh install has (made by a data migration,
    so gone after an earlier browser test's flush)."""
    from importlib import import_module

    from django.apps import apps

    import_module("compute.migrations.0005_os_types_and_builtin_templates").create(apps, None)


def build_zone(page, live_server, secondary):
    SimulatedMachine.objects.create(name="e2e-host", operation_seconds=1)
    secondary.mkdir()
    page.goto(f"{live_server.url}/client/zones/wizard/type")
    page.get_by_label("Basic").check()
    next_step(page, "Zone")
    fill(page, {"name": "zone1", "dns1": "8.8.8.8", "internaldns1": "10.0.0.2"})
    next_step(page, "Physical network")
    next_step(page, "Pod")
    fill(page, {"name": "pod1", "gateway": "192.168.50.1", "netmask": "255.255.255.0", "startip": "192.168.50.10",
                "endip": "192.168.50.20"})
    next_step(page, "Guest traffic")
    fill(page, {"gateway": "192.168.50.1", "netmask": "255.255.255.0", "startip": "192.168.50.100",
                "endip": "192.168.50.200"})
    next_step(page, "Cluster")
    fill(page, {"name": "cluster1"})
    next_step(page, "Host")
    fill(page, {"hostname": "e2e-host", "password": "secret"})
    next_step(page, "Primary storage")
    fill(page, {"name": "primary1", "protocol": "NetworkFilesystem", "server": "10.0.0.5", "path": "/export/primary"})
    next_step(page, "Secondary storage")
    fill(page, {"kind": "file", "path": str(secondary)})
    next_step(page, "Summary")
    launch_and_enable(page, "zone1")


def wizard_next(page, title):
    page.get_by_role("button", name="Next").click()
    expect(page.locator("#wizard-title")).to_have_text(title)


def state_is(page, state):
    try:
        expect(page.locator("#instance-state [data-state]")).to_have_attribute("data-state", state, timeout=30_000)
    except AssertionError as exc:
        vm = VirtualMachine.objects.get(name="e2e-vm")
        jobs = list(AsyncJob.objects.order_by("-created").values_list("command", "status", "result")[:3])
        raise AssertionError(f"instance is {vm.state} ({vm.state_reason!r}), not {state}; last jobs {jobs}") from exc


def act(page, action, button):
    page.locator("#instance-detail").get_by_role("link", name=action).click()
    page.locator("#action-modal").get_by_role("button", name=button).click()


def test_add_instance_then_stop_start_destroy(builtin_templates, admin_page, live_server, tmp_path):  # noqa: F811
    page = admin_page
    build_zone(page, live_server, tmp_path / "secondary")
    zone = Zone.objects.get(name="zone1")
    ready = TemplateZone.objects.filter(zone=zone, status=TemplateZone.Status.DOWNLOADED)
    for _ in range(60):
        if ready.exists():
            break
        page.wait_for_timeout(500)
    assert ready.exists(), ("the built-in Simulator template is ready in the new zone",
                            list(TemplateZone.objects.values_list("template__name", "status", "error")))

    page.get_by_role("link", name="Instances").first.click()
    page.get_by_role("link", name="Add Instance").click()
    expect(page.locator("#wizard-title")).to_have_text("Zone")
    page.get_by_label("zone1").check()
    wizard_next(page, "Template or ISO")
    expect(page.locator("#image-choices")).not_to_contain_text("(KVM)")
    page.get_by_label(re.compile("^Simulator template")).check()
    wizard_next(page, "Service offering")
    page.get_by_label(re.compile("^Small Instance")).check()
    wizard_next(page, "Data disk")
    wizard_next(page, "Network")
    wizard_next(page, "Name and access")
    page.locator("#id_name").fill("e2e-vm")
    wizard_next(page, "Review")
    expect(page.locator("#wizard")).to_contain_text("e2e-vm")
    page.get_by_role("button", name="Launch VM").click()

    expect(page).to_have_url(re.compile(r"/client/instances/$"))
    row = page.locator("tr[data-instance=e2e-vm]")
    expect(row.locator("[data-state]")).to_have_attribute("data-state", "Starting")
    expect(row.locator("[data-state]")).to_have_attribute("data-state", "Running", timeout=30_000)
    expect(page.locator("#table-poll")).to_have_count(0)

    row.get_by_role("link", name="e2e-vm").click()
    state_is(page, "Running")
    act(page, "Stop", "Stop")
    state_is(page, "Stopped")
    act(page, "Start", "Start")
    state_is(page, "Running")
    act(page, "Destroy", "Destroy")
    state_is(page, "Destroyed")
    expect(page.locator("#instance-detail").get_by_role("link", name="Recover")).to_be_visible()
    assert VirtualMachine.objects.get(name="e2e-vm").state == "Destroyed"
