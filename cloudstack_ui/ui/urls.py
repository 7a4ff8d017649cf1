from django.urls import path

from cloudstack_ui.ui.views import DashboardView

app_name = "ui"
urlpatterns = [
    path("", DashboardView.as_view(), name="dashboard"),
]
