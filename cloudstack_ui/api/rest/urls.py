"""/api/v1/: each app's resources (<app>/api/urls.py), the jobs, the
OpenAPI schema and its docs page."""
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from cloudstack_ui.jobs.rest import JobViewSet

app_name = "rest"
router = SimpleRouter()
router.register("jobs", JobViewSet, basename="jobs")

urlpatterns = [
    path("", include("accounts.api.urls")),
    path("", include("infrastructure.api.urls")),
    path("", include("network.api.urls")),
    path("", include("compute.api.urls")),
    path("", include(router.urls)),
    path("schema/", login_not_required(SpectacularAPIView.as_view()), name="schema"),
    path("docs/", login_not_required(SpectacularSwaggerView.as_view(url_name="rest:schema")), name="docs"),
]
