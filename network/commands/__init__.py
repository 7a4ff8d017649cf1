"""CloudStack commands of the network app, one module per resource area."""
from network.commands import networks  # noqa: F401
