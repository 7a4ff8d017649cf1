"""`manage.py consoleproxy`: the console proxy (compute/console/proxy.py),
one of the Procfile's processes; run more of them, on other nodes too,
behind CONSOLE_PROXY_URL for more sessions."""
from django.conf import settings
from django.core.management.base import BaseCommand

from compute.console.proxy import console_proxy


class Command(BaseCommand):
    help = "Run the websockify console proxy that opens instance consoles for single-use tokens."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=settings.CONSOLE_PROXY_BIND, help="address to listen on")
        parser.add_argument("--port", type=int, default=settings.CONSOLE_PROXY_PORT, help="port to listen on")

    def handle(self, *args, bind: str, port: int, **options):
        console_proxy(listen_host=bind, listen_port=port, cert=settings.CONSOLE_PROXY_CERT,
                      key=settings.CONSOLE_PROXY_KEY).start_server()
