from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class ConfigConfig(AppConfig):
    name = "cloudstack_ui.config"
    label = "config"
    verbose_name = "Global settings"

    def ready(self):
        # Each app declares its keys in <app>/settings_keys.py.
        autodiscover_modules("settings_keys")
