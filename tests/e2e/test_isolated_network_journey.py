"""An end user's isolated network in Chromium (guide 13.2, 13.11, 13.14):
adds the network, deploys an instance into it through the Add Instance
wizard, acquires a public IP after confirming, and forwards a port of it
to the instance; the rule is shown Active."""
import re

import pytest
from playwright.sync_api import expect

from accounts.models import Domain, User
from network.models import PortForwardingRule, RuleState
from tests.compute.conftest import ready_template
from tests.conftest import PASSWORD, make_account
from tests.e2e.test_add_instance import wizard_next
from tests.e2e.test_first_login_journey import log_in
from tests.network.advanced_zone import build_advanced_zone

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("jobs_run_eagerly")]


def test_a_user_builds_an_isolated_network_and_forwards_a_port(live_server, page, tmp_path):
    User.objects.filter(username="admin").update(must_change_password=False)
    admin = User.objects.get(username="admin")
    zone = build_advanced_zone(admin, tmp_path)
    ready_template(zone, admin)
    make_account(admin, Domain.objects.get(parent=None), "alice")
    log_in(page, live_server.url, "alice", PASSWORD)

    page.goto(f"{live_server.url}/client/networks/")
    page.get_by_role("link", name="Add isolated network").click()
    page.locator("#action-modal #id_name").fill("web")
    page.locator("#action-modal #id_networkofferingid").select_option(
        label="DefaultIsolatedNetworkOfferingWithSourceNatService")
    page.locator("#action-modal").get_by_role("button", name="OK").click()
    expect(page).to_have_url(re.compile(r"/client/networks/[0-9a-f-]+/$"))
    expect(page.locator(".detail")).to_contain_text("Allocated")
    network_url = page.url

    page.goto(f"{live_server.url}/client/instances/add")
    expect(page.locator("#wizard-title")).to_have_text("Zone")
    page.get_by_label("adv").check()
    wizard_next(page, "Template or ISO")
    page.locator("input[name=templateid]").first.check()
    wizard_next(page, "Service offering")
    page.get_by_label(re.compile("^Small Instance")).check()
    wizard_next(page, "Data disk")
    wizard_next(page, "Network")
    page.get_by_label(re.compile(r"^web \(isolated")).check()
    wizard_next(page, "Name and access")
    page.locator("#id_name").fill("web1")
    wizard_next(page, "Review")
    page.get_by_role("button", name="Launch VM").click()
    expect(page).to_have_url(re.compile(r"/client/instances/$"))
    row = page.locator("tr[data-instance=web1]")
    expect(row.locator("[data-state]")).to_have_attribute("data-state", "Running", timeout=30_000)

    page.goto(network_url)
    expect(page.locator(".detail")).to_contain_text("Implemented")
    page.get_by_role("link", name="Acquire new IP").click()
    expect(page.locator("#action-modal")).to_contain_text("Please confirm")
    page.locator("#action-modal").get_by_role("button", name="Acquire").click()
    expect(page.locator("body")).to_contain_text("acquired for network web")
    page.locator("#ip-addresses table tbody tr").last.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/client/public-ips/[0-9a-f-]+/$"))

    page.get_by_role("tab", name="Port forwarding").click()
    editor = page.locator("#portforwarding")
    editor.locator("#id_portforwarding-publicport").fill("2222")
    editor.locator("#id_portforwarding-privateport").fill("22")
    editor.get_by_role("button", name="Add").click()
    expect(page.locator("#portforwarding tbody")).to_contain_text("2222")
    expect(page.locator("#portforwarding tbody")).to_contain_text("Active")
    expect(page.locator("#portforwarding tbody")).to_contain_text("web1")
    assert PortForwardingRule.objects.get().state == RuleState.ACTIVE
