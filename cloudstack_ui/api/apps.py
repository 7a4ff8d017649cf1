from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class ApiConfig(AppConfig):
    name = "cloudstack_ui.api"
    label = "api"
    verbose_name = "Command API"

    def ready(self):
        # Each app declares its commands in <app>/commands.py.
        autodiscover_modules("commands")
