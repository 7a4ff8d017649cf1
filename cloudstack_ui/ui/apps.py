from django.apps import AppConfig


class UiConfig(AppConfig):
    name = "cloudstack_ui.ui"
    label = "ui"
    verbose_name = "Portal shell"
