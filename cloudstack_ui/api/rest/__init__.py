"""The REST API under /api/v1/: resources over the same commands, services
and serializers as the command API."""
