from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "cloudstack_ui.jobs"
    label = "jobs"
    verbose_name = "Async jobs"
