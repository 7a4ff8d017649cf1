"""cloudstack-ui: a CloudStack-compatible cloud management server."""
from .celery import app as celery_app

__all__ = ["celery_app"]
