from django.apps import AppConfig


class NetworkConfig(AppConfig):
    name = "network"
    verbose_name = "Physical networks, IP ranges, guest networks, security groups and network rules"
