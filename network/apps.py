from django.apps import AppConfig


class NetworkConfig(AppConfig):
    name = "network"
    verbose_name = "Physical networks, IP ranges, guest networks, security groups and network rules"

    def ready(self):
        # Hooks into the apps below: account and domain cleanup.
        from network import receivers  # noqa: F401
