from django.urls import path

from cloudstack_ui.api.views import command_api

app_name = "api"
urlpatterns = [path("api", command_api, name="command_api")]
