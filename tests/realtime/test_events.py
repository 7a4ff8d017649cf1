"""The browser's event socket: only logged-in users, only their account's
events, through the channel layer and, with the in-memory layer, from the
job table."""
import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings as django_settings
from django.utils import timezone

from cloudstack_ui.asgi import application
from cloudstack_ui.jobs.models import AsyncJob
from cloudstack_ui.realtime import consumers
from cloudstack_ui.realtime.events import publish_to_account
from tests.conftest import logged_in_client

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
ORIGIN = (b"origin", b"http://127.0.0.1")


def communicator_for(user=None):
    headers = [ORIGIN]
    if user is not None:
        cookie = logged_in_client(user).cookies[django_settings.SESSION_COOKIE_NAME].value
        headers.append((b"cookie", f"{django_settings.SESSION_COOKIE_NAME}={cookie}".encode()))
    return WebsocketCommunicator(application, "/client/ws/events", headers=headers)


def test_anonymous_sockets_are_refused():
    async def scenario():
        connected, code = await communicator_for().connect()
        return connected, code

    assert async_to_sync(scenario)() == (False, 4401)


def test_a_user_gets_own_account_events_only(tenancy):
    sales, other = tenancy["sales_user"], tenancy["other_admin"]
    event = {"kind": "job", "jobid": "j1", "command": "deleteUser", "status": "succeeded", "progress": 100,
             "message": "deleteUser succeeded", "url": None}

    socket = communicator_for(sales)

    async def scenario():
        connected, _ = await socket.connect()
        assert connected
        await sync_to_async(publish_to_account)(other.account_id, dict(event, jobid="not-yours"))
        await sync_to_async(publish_to_account)(sales.account_id, event)
        received = await socket.receive_json_from(timeout=3)
        nothing_else = await socket.receive_nothing(timeout=0.5)
        await socket.disconnect()
        return received, nothing_else

    received, nothing_else = async_to_sync(scenario)()
    assert received == event and nothing_else


def test_in_memory_layer_sends_job_ends_from_the_job_table(tenancy, monkeypatch, settings):
    """The worker is another process: its events cannot reach an in-memory
    layer, so the socket reads finished jobs of the account itself."""
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    monkeypatch.setattr(consumers, "JOB_WATCH_SECONDS", 0.2)
    user = tenancy["sales_user"]

    socket = communicator_for(user)

    async def scenario():
        await socket.connect()
        await socket.receive_nothing(timeout=0.3)
        await create_finished_job(user)
        received = await socket.receive_json_from(timeout=3)
        await socket.disconnect()
        return received

    from channels.db import database_sync_to_async

    @database_sync_to_async
    def create_finished_job(owner):
        AsyncJob.objects.create(command="disableUser", params="{}", user=owner, status=AsyncJob.Status.FAILED,
                                result={"errorcode": 431, "errortext": "no such user"}, completed=timezone.now())

    received = async_to_sync(scenario)()
    assert received["status"] == "failed" and received["message"] == "disableUser failed: no such user"


def test_publishing_never_raises(monkeypatch):
    def broken():
        raise ConnectionError("redis is down")

    monkeypatch.setattr("cloudstack_ui.realtime.events.get_channel_layer", broken)
    publish_to_account(1, {"kind": "job"})
