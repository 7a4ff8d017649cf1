"""Offerings, templates, instances, volumes, snapshots and the console (built by the issues that follow the foundation)."""
