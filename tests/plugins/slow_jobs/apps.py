from django.apps import AppConfig


class SlowJobsConfig(AppConfig):
    name = "tests.plugins.slow_jobs"
    label = "slow_jobs"
