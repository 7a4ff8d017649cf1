"""The Celery application: async job bodies and periodic work (schedules live in
the database through django-celery-beat, so operators can edit them)."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cloudstack_ui.settings")

app = Celery("cloudstack_ui")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
