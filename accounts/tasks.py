"""Periodic work of the accounts app (scheduled by django-celery-beat)."""
from celery import shared_task

from accounts.services.auth import purge_login_failures


@shared_task(name="accounts.purge_login_failures")
def purge_login_failures_task() -> int:
    return purge_login_failures()
