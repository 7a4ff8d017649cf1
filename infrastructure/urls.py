from django.urls import path

from infrastructure import views

app_name = "infrastructure"


def crud(prefix, name, list_view, detail_view=None, delete_view=None):
    routes = [path(f"{prefix}/", list_view.as_view(), name=f"{name}s")]
    if detail_view:
        routes.append(path(f"{prefix}/<uuid:uuid>/", detail_view.as_view(), name=f"{name}_detail"))
    if delete_view:
        routes.append(path(f"{prefix}/<uuid:uuid>/delete", delete_view.as_view(), name=f"{name}_delete"))
    return routes


urlpatterns = [
    path("infrastructure/", views.OverviewView.as_view(), name="overview"),
    path("zones/add", views.ZoneCreateView.as_view(), name="zone_add"),
    path("zones/wizard/", views.ZoneWizardView.as_view(), name="zone_wizard"),
    path("zones/wizard/reset", views.ZoneWizardResetView.as_view(), name="zone_wizard_reset"),
    path("zones/wizard/launch/<uuid:job>", views.ZoneLaunchView.as_view(), name="zone_wizard_launch"),
    path("zones/wizard/<slug:step>", views.ZoneWizardView.as_view(), name="zone_wizard_step"),
    path("zones/<uuid:uuid>/enable", views.ZoneEnableView.as_view(), name="zone_enable"),
    path("zones/<uuid:uuid>/disable", views.ZoneDisableView.as_view(), name="zone_disable"),
    path("zones/<uuid:uuid>/add-pod", views.PodAddView.as_view(), name="pod_add"),
    path("zones/<uuid:uuid>/add-secondary-storage", views.ImageStoreAddView.as_view(), name="imagestore_add"),
    path("pods/<uuid:uuid>/enable", views.PodEnableView.as_view(), name="pod_enable"),
    path("pods/<uuid:uuid>/disable", views.PodDisableView.as_view(), name="pod_disable"),
    path("pods/<uuid:uuid>/add-cluster", views.ClusterAddView.as_view(), name="cluster_add"),
    path("clusters/<uuid:uuid>/enable", views.ClusterEnableView.as_view(), name="cluster_enable"),
    path("clusters/<uuid:uuid>/disable", views.ClusterDisableView.as_view(), name="cluster_disable"),
    path("clusters/<uuid:uuid>/manage", views.ClusterManageView.as_view(), name="cluster_manage"),
    path("clusters/<uuid:uuid>/unmanage", views.ClusterUnmanageView.as_view(), name="cluster_unmanage"),
    path("clusters/<uuid:uuid>/add-host", views.HostAddView.as_view(), name="host_add"),
    path("clusters/<uuid:uuid>/add-primary-storage", views.StoragePoolAddView.as_view(), name="storagepool_add"),
    path("hosts/<uuid:uuid>/enable", views.HostEnableView.as_view(), name="host_enable"),
    path("hosts/<uuid:uuid>/disable", views.HostDisableView.as_view(), name="host_disable"),
    path("hosts/<uuid:uuid>/reconnect", views.HostReconnectView.as_view(), name="host_reconnect"),
    path("hosts/<uuid:uuid>/maintenance", views.HostMaintenanceView.as_view(), name="host_maintenance"),
    path("hosts/<uuid:uuid>/cancel-maintenance", views.HostCancelMaintenanceView.as_view(),
         name="host_cancel_maintenance"),
    path("primary-storage/<uuid:uuid>/maintenance", views.PoolMaintenanceView.as_view(),
         name="storagepool_maintenance"),
    path("primary-storage/<uuid:uuid>/cancel-maintenance", views.PoolCancelMaintenanceView.as_view(),
         name="storagepool_cancel_maintenance"),
    *crud("zones", "zone", views.ZoneListView, views.ZoneDetailView, views.ZoneDeleteView),
    *crud("pods", "pod", views.PodListView, views.PodDetailView, views.PodDeleteView),
    *crud("clusters", "cluster", views.ClusterListView, views.ClusterDetailView, views.ClusterDeleteView),
    *crud("hosts", "host", views.HostListView, views.HostDetailView, views.HostDeleteView),
    *crud("primary-storage", "storagepool", views.StoragePoolListView, views.StoragePoolDetailView,
          views.StoragePoolDeleteView),
    *crud("secondary-storage", "imagestore", views.ImageStoreListView, None, views.ImageStoreDeleteView),
]
