"""CloudStack commands of the network app, one module per resource area."""
from network.commands import networks, rules  # noqa: F401
