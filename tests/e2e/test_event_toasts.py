"""Job toasts in a real browser against the real ASGI server: a UI action
that runs as a job, and a job finished by another process (a worker)."""
import threading

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cloudstack_ui.jobs.models import AsyncJob
from cloudstack_ui.jobs.services import finished_job_event
from cloudstack_ui.realtime.events import publish_to_account
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_job_toasts(product_server, page, tenancy, root_admin):
    page.goto(f"{product_server}/client/login")
    page.locator("#id_username").fill("admin")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#user-menu")).to_be_visible()

    target = tenancy["comp1_user"].account
    page.goto(f"{product_server}/client/accounts/{target.uuid}/")
    page.wait_for_timeout(500)  # the event socket connects
    page.get_by_role("link", name="Disable").click()
    page.locator("#action-modal").get_by_role("button", name="Disable").click()
    expect(page.locator("#account-state")).to_have_text("Disabled")

    # A job that a worker (here: this test process) finishes elsewhere, and
    # announces as a worker does: through Redis when the layer is shared;
    # with the in-memory layer the server's socket reads it from the table.
    job = AsyncJob.objects.create(command="deleteUser", params="{}", user=root_admin,
                                  status=AsyncJob.Status.SUCCEEDED, result={"success": True},
                                  completed=timezone.now())
    # (From another thread: Playwright's event loop runs in this one.)
    publisher = threading.Thread(target=publish_to_account, args=(root_admin.account_id, finished_job_event(job)))
    publisher.start()
    publisher.join()
    toast = page.locator("#event-toasts .toast", has_text="deleteUser succeeded")
    expect(toast).to_be_visible(timeout=10_000)
