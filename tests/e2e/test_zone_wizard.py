"""The add-zone wizard in Chromium on the Simulator hypervisor, with a real
Celery worker running the launch: both paths through to an enabled zone,
and a launch that fails at the host, is fixed and succeeds."""
import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from infrastructure.models import Cluster, Host, ImageStore, Pod, SimulatedMachine, StoragePool, Zone
from network.models import PhysicalNetwork, VlanIpRange
from tests.e2e.conftest import ARTIFACTS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def admin_page(page, live_server, settings, celery_worker):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    User.objects.filter(username="admin").update(must_change_password=False)
    page.goto(f"{live_server.url}/client/login")
    page.locator("#id_username").fill("admin")
    page.locator("#id_password").fill("password")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#user-menu")).to_be_visible()
    page.set_default_timeout(30_000)
    return page


def fill(page, values: dict):
    for field, value in values.items():
        locator = page.locator(f"#id_{field}")
        if locator.evaluate("e => e.tagName") == "SELECT":
            locator.select_option(value)
        else:
            locator.fill(value)


def next_step(page, title):
    page.get_by_role("button", name="Next").click()
    expect(page.locator("#wizard-title")).to_have_text(title)


def common_tail(page, host):
    fill(page, {"name": "cluster1"})
    next_step(page, "Host")
    fill(page, {"hostname": host, "password": "secret"})
    next_step(page, "Primary storage")
    fill(page, {"name": "primary1", "protocol": "NetworkFilesystem", "server": "10.0.0.5", "path": "/export/primary"})
    next_step(page, "Secondary storage")
    fill(page, {"server": "10.0.0.5", "path": "/export/secondary"})
    next_step(page, "Summary")


def launch_and_enable(page, zone_name):
    page.get_by_role("button", name="Launch zone").click()
    expect(page.locator("#launch-done")).to_be_visible()
    page.get_by_role("link", name="Enable zone").click()
    page.locator("#action-modal").get_by_role("button", name="Enable").click()
    expect(page.get_by_text(f"Enable zone: {zone_name}, done.")).to_be_visible()
    assert Zone.objects.get(name=zone_name).allocation_state == "Enabled"


def test_basic_zone_with_a_failed_launch_fixed(admin_page, live_server):
    page = admin_page
    SimulatedMachine.objects.create(name="refusing-host", refuse_connection=True)
    SimulatedMachine.objects.create(name="slow-host", operation_seconds=3)
    page.goto(f"{live_server.url}/client/infrastructure/")
    page.get_by_role("link", name="Add zone").click()
    expect(page.locator("#wizard-title")).to_have_text("Zone type")
    page.get_by_label("Basic").check()
    next_step(page, "Zone")
    fill(page, {"name": "basic-zone", "dns1": "8.8.8.8", "internaldns1": "10.0.0.2"})
    next_step(page, "Physical network")
    next_step(page, "Pod")
    fill(page, {"name": "pod1", "gateway": "192.168.50.1", "netmask": "255.255.255.0", "startip": "192.168.50.10",
                "endip": "192.168.50.20"})
    next_step(page, "Guest traffic")
    fill(page, {"gateway": "192.168.50.1", "netmask": "255.255.255.0", "startip": "192.168.50.15",
                "endip": "192.168.50.30"})
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_text("overlaps the pod")).to_be_visible()
    fill(page, {"startip": "192.168.50.100", "endip": "192.168.50.200"})
    next_step(page, "Cluster")
    common_tail(page, "refusing-host")

    page.get_by_role("button", name="Launch zone").click()
    expect(page.locator("#launch-failed")).to_contain_text("Host")
    expect(page.locator("#launch-failed")).to_contain_text("connection refused")
    for model in (Zone, PhysicalNetwork, Pod, VlanIpRange, Cluster, Host, StoragePool, ImageStore):
        assert not model.objects.exists(), model

    page.get_by_role("link", name="Fix it: go back to that step").click()
    expect(page.locator("#wizard-title")).to_have_text("Host")
    fill(page, {"hostname": "slow-host", "password": "secret"})
    for title in ("Primary storage", "Secondary storage", "Summary"):
        next_step(page, title)
    page.get_by_role("button", name="Launch zone").click()
    expect(page.locator("#launch-items li[data-status=running]")).to_contain_text("Host")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "zone-launch-in-progress.png"), full_page=True)
    # The slow host takes 3 s per operation: adding it, then measuring the
    # primary storage pool through it.
    expect(page.locator("#launch-done")).to_be_visible(timeout=30_000)
    page.get_by_role("link", name="Enable zone").click()
    page.locator("#action-modal").get_by_role("button", name="Enable").click()
    expect(page.get_by_text("Enable zone: basic-zone, done.")).to_be_visible()
    assert Zone.objects.get().allocation_state == "Enabled" and Host.objects.get().name == "slow-host"


def test_advanced_zone(admin_page, live_server):
    page = admin_page
    page.goto(f"{live_server.url}/client/zones/wizard/type")
    page.get_by_label("Advanced").check()
    next_step(page, "Zone")
    fill(page, {"name": "advanced-zone", "dns1": "8.8.8.8", "internaldns1": "10.0.0.2"})
    next_step(page, "Physical network")
    next_step(page, "Public IP range")
    fill(page, {"gateway": "203.0.113.1", "netmask": "255.255.255.0", "vlan": "100", "startip": "203.0.113.10",
                "endip": "203.0.113.50"})
    next_step(page, "Pod")
    fill(page, {"name": "pod1", "gateway": "192.168.60.1", "netmask": "/24", "startip": "192.168.60.10",
                "endip": "192.168.60.20"})
    next_step(page, "Guest traffic")
    fill(page, {"vlanstart": "500", "vlanend": "599"})
    next_step(page, "Cluster")
    page.get_by_role("button", name="Back").click()
    expect(page.locator("#wizard-title")).to_have_text("Guest traffic")
    expect(page.locator("#id_vlanstart")).to_have_value("500")
    next_step(page, "Cluster")
    common_tail(page, "adv-host")
    expect(page.get_by_text("203.0.113.10")).to_be_visible()
    launch_and_enable(page, "advanced-zone")
    expect(page).to_have_url(re.compile(r"/client/zones/[0-9a-f-]+/$"))
    expect(page.get_by_role("cell", name="adv-host")).to_be_visible()
    assert PhysicalNetwork.objects.get().vlan == "500-599"
