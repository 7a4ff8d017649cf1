"""A plugin app for tests: a command that takes as long as asked, so a test
can kill the worker running it (loaded with CSUI_PLUGINS=tests.plugins.slow_jobs)."""
