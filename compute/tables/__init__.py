"""List columns of the compute pages, one module per resource area."""
