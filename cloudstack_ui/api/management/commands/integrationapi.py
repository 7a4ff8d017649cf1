"""`manage.py integrationapi`: serve the integration API on
127.0.0.1:<integration.api.port> while that setting is set.

Runs as one of the Procfile's processes: with the setting empty it waits,
checking again every --poll seconds, so setting the port turns the API on
without a restart; clearing it takes effect at the next restart."""
import logging
import time

from django.core.management.base import BaseCommand

from cloudstack_ui.api.settings_keys import INTEGRATION_API_PORT
from cloudstack_ui.config.keys import get_value

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Serve the unauthenticated integration API on 127.0.0.1 when integration.api.port is set."

    def add_arguments(self, parser):
        parser.add_argument("--poll", type=float, default=15.0,
                            help="seconds between checks of integration.api.port while it is empty")

    def handle(self, *args, poll: float, **options):
        port = get_value(INTEGRATION_API_PORT)
        if port is None:
            logger.info("integration.api.port is not set: the integration API is off")
        while port is None:
            time.sleep(poll)
            port = get_value(INTEGRATION_API_PORT)
        from daphne.server import Server

        from cloudstack_ui.api.integration import integration_application

        logger.warning("integration API listening on 127.0.0.1:%s, unauthenticated, as the root admin", port)
        Server(application=integration_application, endpoints=[f"tcp:port={port}:interface=127.0.0.1"]).run()
