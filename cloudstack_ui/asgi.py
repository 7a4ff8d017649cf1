"""ASGI entry point: HTTP through Django; websockets through Channels."""
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cloudstack_ui.settings")

application = get_asgi_application()
