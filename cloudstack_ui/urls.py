from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(url="/client/", permanent=False)),
    path("client/", include("cloudstack_ui.api.urls")),
    path("api/v1/", include("cloudstack_ui.api.rest.urls")),
    path("client/", include("cloudstack_ui.ui.urls")),
    path("client/", include("accounts.urls")),
    path("client/", include("infrastructure.urls")),
    path("client/", include("network.urls")),
    path("client/", include("compute.urls")),
    path("client/", include("cloudstack_ui.config.urls")),
]
