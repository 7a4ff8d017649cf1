"""The first hour of a fresh install, in a real browser: the default admin
logs in, must replace the default password (guide 5.1.3), builds a domain
tree, adds an account and a second user, and that user logs in through the
domain field."""
import re

import pytest
from playwright.sync_api import expect

from accounts.models import Account, Domain, User

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def log_in(page, base, username, password, domain=""):
    page.goto(f"{base}/client/login")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("#id_domain").fill(domain)
    page.get_by_role("button", name="Log in").click()


def submit_modal(page, button_name):
    page.locator("#action-modal").get_by_role("button", name=button_name).click()


def test_fresh_install_to_second_user_login(live_server, page):
    base = live_server.url

    log_in(page, base, "admin", "wrong")
    expect(page.get_by_text("the username, password or domain is not correct")).to_be_visible()

    log_in(page, base, "admin", "password")
    expect(page).to_have_url(re.compile(r"/client/first-login"))
    page.get_by_label("I have used CloudStack before").check()
    page.locator("#id_currentpassword").fill("password")
    page.locator("#id_password").fill("N3w-Cloud-pass")
    page.locator("#id_confirmpassword").fill("N3w-Cloud-pass")
    page.get_by_role("button", name="Set the new password and continue").click()
    expect(page).to_have_url(re.compile(r"/client/$"))

    page.get_by_role("link", name="Domains").first.click()
    expect(page.locator("#domain-title")).to_have_text("ROOT")
    page.get_by_role("link", name="Add domain").click()
    page.locator("#action-modal #id_name").fill("Comp1")
    submit_modal(page, "OK")
    expect(page.locator(".domain-tree")).to_contain_text("Comp1")

    page.locator(".domain-tree").get_by_role("link", name="Comp1").click()
    expect(page.locator("#domain-title")).to_have_text("ROOT/Comp1")
    page.get_by_role("link", name="Add domain").click()
    page.locator("#action-modal #id_name").fill("sales")
    submit_modal(page, "OK")
    page.locator(".domain-tree").get_by_role("link", name="sales").click()
    expect(page.locator("#domain-title")).to_have_text("ROOT/Comp1/sales")

    page.get_by_role("link", name="Add account").click()
    modal = page.locator("#action-modal")
    modal.locator("#id_username").fill("alice")
    modal.locator("#id_password").fill("Al1ce-pass")
    modal.locator("#id_confirmpassword").fill("Al1ce-pass")
    modal.locator("#id_email").fill("alice@example.com")
    modal.locator("#id_firstname").fill("Alice")
    modal.locator("#id_lastname").fill("Sales")
    modal.locator("#id_roleid").select_option(label="User (User)")
    submit_modal(page, "OK")
    expect(page.get_by_role("heading", name="alice", exact=True)).to_be_visible()
    expect(page.locator("#account-state")).to_have_text("Enabled")

    page.get_by_role("link", name="Add user").click()
    modal.locator("#id_username").fill("bob")
    modal.locator("#id_password").fill("B0b-pass-1")
    modal.locator("#id_confirmpassword").fill("B0b-pass-1")
    modal.locator("#id_email").fill("bob@example.com")
    modal.locator("#id_firstname").fill("Bob")
    modal.locator("#id_lastname").fill("Sales")
    submit_modal(page, "OK")
    expect(page.locator("#users")).to_be_visible()
    expect(page.get_by_role("cell", name="bob", exact=True)).to_be_visible()

    page.locator("#user-menu").click()
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/client/login"))

    log_in(page, base, "bob", "B0b-pass-1", domain="Comp1/sales")
    expect(page.locator("#user-menu")).to_contain_text("Bob Sales")

    sales = Domain.objects.get(path="/Comp1/sales/")
    account = Account.objects.get(domain=sales, name="alice")
    assert account.type == Account.Type.USER
    assert set(User.objects.filter(account=account).values_list("username", flat=True)) == {"alice", "bob"}
