"""CloudStack commands of the compute app, one module per resource area."""
from compute.commands import console, instances, offerings, planner, templates, volumes  # noqa: F401
