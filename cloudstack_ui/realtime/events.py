"""Pushing events to the browsers of an account.

An event is a dict: {"kind": "job", "jobid": "<uuid>", "command":
"deleteAccount", "status": "pending"|"succeeded"|"failed", "progress":
0-100, "message": "human text", "url": "/client/... or null"}.

`publish_to_account` never raises: a toast is not worth failing a job."""
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)


def account_group(account_id: int) -> str:
    return f"account.{account_id}"


def publish_to_account(account_id: int, event: dict) -> None:
    try:
        layer = get_channel_layer()
        if layer is not None:
            async_to_sync(layer.group_send)(account_group(account_id), {"type": "event.push", "event": event})
    except Exception:
        logger.warning("could not push an event to account %s", account_id, exc_info=True)
