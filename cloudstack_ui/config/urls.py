from django.urls import path

from cloudstack_ui.config import views

app_name = "config"
urlpatterns = [
    path("settings/", views.SettingsView.as_view(), name="settings"),
    path("settings/hypervisors/", views.CapabilitiesView.as_view(), name="capabilities"),
    path("settings/hypervisors/<uuid:uuid>/edit", views.CapabilityEditView.as_view(), name="capability_edit"),
    path("settings/<str:name>/edit", views.SettingRowView.as_view(), name="setting_edit"),
]
