"""Periodic work of the infrastructure (schedules in django-celery-beat,
intervals from ping.interval and capacity.check.period)."""
from celery import shared_task

from infrastructure.services.capacity import recalculate_capacity
from infrastructure.services.monitoring import ping_hosts


@shared_task(name="infrastructure.ping_hosts", ignore_result=True)
def ping_hosts_task() -> dict:
    return ping_hosts()


@shared_task(name="infrastructure.recalculate_capacity", ignore_result=True)
def recalculate_capacity_task() -> dict:
    return recalculate_capacity()
