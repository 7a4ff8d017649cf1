"""Periodic work of the network app (schedules in django-celery-beat)."""
from celery import shared_task

from network.services.routers import check_routers, collect_idle_networks


@shared_task(name="network.collect_idle_networks", ignore_result=True)
def collect_idle_networks_task() -> dict:
    return collect_idle_networks()


@shared_task(name="network.check_routers", ignore_result=True)
def check_routers_task() -> dict:
    return check_routers()
