"""Async jobs: an AsyncJob row per async command call, run by a Celery task,
queried with queryAsyncJobResult, and failed by a reconciler when the worker
running it vanished."""
