"""Periodic work of the infrastructure (schedules in django-celery-beat)."""
from celery import shared_task

from infrastructure.services.monitoring import ping_due_hosts


@shared_task(name="infrastructure.ping_hosts", ignore_result=True)
def ping_hosts() -> dict:
    return ping_due_hosts()
