from django.apps import AppConfig


class ComputeConfig(AppConfig):
    name = "compute"
    verbose_name = "Offerings, templates, instances, volumes, snapshots and the console"
