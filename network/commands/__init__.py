"""CloudStack commands of the network app, one module per resource area."""
from network.commands import networks, public_ips, routers, rules  # noqa: F401
