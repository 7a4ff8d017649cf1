"""Server-rendered pages of the compute app, one module per resource area."""
