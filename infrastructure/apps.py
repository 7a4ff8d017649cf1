from django.apps import AppConfig


class InfrastructureConfig(AppConfig):
    name = "infrastructure"
    verbose_name = "Regions, zones, pods, clusters, hosts, storage, global settings; hypervisor drivers"

    def ready(self):
        # Hooks into the apps below: domain cleanup.
        from infrastructure import receivers  # noqa: F401
