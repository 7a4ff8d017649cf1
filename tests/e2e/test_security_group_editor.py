"""The security-group rule editor in a real browser: a user adds a group,
adds rules row by row (a refused row keeps its values and shows why), and
removes one, without a page reload."""
import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from network.models import SecurityGroupRule

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_rules_are_edited_in_place(live_server, page):
    User.objects.filter(username="admin").update(must_change_password=False)
    page.goto(f"{live_server.url}/client/login")
    page.locator("#id_username").fill("admin")
    page.locator("#id_password").fill("password")
    page.get_by_role("button", name="Log in").click()

    page.get_by_role("link", name="Security groups").first.click()
    expect(page.locator("table")).to_contain_text("default")
    page.get_by_role("link", name="Add security group").click()
    page.locator("#action-modal #id_name").fill("web")
    page.locator("#action-modal").get_by_role("button", name="OK").click()
    expect(page).to_have_url(re.compile(r"/client/security-groups/[0-9a-f-]+/$"))

    ingress = page.locator("#rules-ingress")
    ingress.locator("#id_ingress-startport").fill("443")
    ingress.locator("#id_ingress-endport").fill("80")
    ingress.get_by_role("button", name="Add rule").click()
    expect(page.locator("#rules-ingress")).to_contain_text("the range 443-80 is reversed")
    expect(page.locator("#id_ingress-startport")).to_have_value("443")

    page.locator("#id_ingress-startport").fill("80")
    page.locator("#id_ingress-endport").fill("443")
    page.locator("#rules-ingress").get_by_role("button", name="Add rule").click()
    expect(page.locator("#rules-ingress tbody")).to_contain_text("80–443")
    page.locator("#id_ingress-protocol").select_option("icmp")
    page.locator("#id_ingress-icmptype").fill("8")
    page.locator("#id_ingress-icmpcode").fill("0")
    page.locator("#id_ingress-cidrlist").fill("10.0.0.0/8")
    page.locator("#rules-ingress").get_by_role("button", name="Add rule").click()
    expect(page.locator("#rules-ingress tbody")).to_contain_text("8 / 0")
    assert SecurityGroupRule.objects.count() == 2

    page.locator("#rules-ingress tbody tr").first.get_by_role("button", name="Remove").click()
    expect(page.locator("#rules-ingress tbody tr")).to_have_count(1)
    expect(page.locator("#rules-ingress tbody")).not_to_contain_text("80–443")
    assert list(SecurityGroupRule.objects.values_list("protocol", flat=True)) == ["icmp"]
