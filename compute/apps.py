from django.apps import AppConfig


class ComputeConfig(AppConfig):
    name = "compute"
    verbose_name = "Offerings, templates, instances, volumes, snapshots and the console"

    def ready(self):
        # Signal receivers: compute acts on changes of the apps below it.
        from compute import receivers  # noqa: F401
