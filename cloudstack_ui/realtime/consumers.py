"""The browser's event socket, /client/ws/events: a logged-in user receives
the events of their own account, nothing else.

With a shared channel layer (Redis) the worker's events arrive through the
account's group. With the in-memory layer (the embedded default, where the
worker is another process) the socket also watches the job table and sends
the end of each job of the account itself, so toasts work either way."""
import asyncio

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import InMemoryChannelLayer
from django.utils import timezone

from cloudstack_ui.jobs.models import AsyncJob
from cloudstack_ui.jobs.services import finished_job_event
from cloudstack_ui.realtime.events import account_group

JOB_WATCH_SECONDS = 2.0
CLOSE_UNAUTHENTICATED = 4401


def jobs_finished_since(account_id: int, since) -> tuple[list[dict], object]:
    """Events for the account's jobs completed after `since`, and the new mark."""
    jobs = list(AsyncJob.objects.filter(user__account_id=account_id, completed__gt=since).order_by("completed"))
    mark = jobs[-1].completed if jobs else since
    return [finished_job_event(job) for job in jobs], mark


class EventConsumer(AsyncJsonWebsocketConsumer):
    group = None
    watcher = None

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.account_id = user.account_id
        self.group = account_group(self.account_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        if isinstance(self.channel_layer, InMemoryChannelLayer):
            self.watcher = asyncio.create_task(self.watch_jobs())

    async def disconnect(self, code):
        if self.watcher is not None:
            self.watcher.cancel()
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def event_push(self, message):
        await self.send_json(message["event"])

    async def watch_jobs(self):
        since = timezone.now()
        while True:
            await asyncio.sleep(JOB_WATCH_SECONDS)
            events, since = await database_sync_to_async(jobs_finished_since)(self.account_id, since)
            for event in events:
                await self.send_json(event)
