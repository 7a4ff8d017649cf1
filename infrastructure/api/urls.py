from rest_framework.routers import SimpleRouter

from infrastructure.api import views

router = SimpleRouter()
router.register("regions", views.RegionViewSet, basename="regions")
router.register("zones", views.ZoneViewSet, basename="zones")
router.register("pods", views.PodViewSet, basename="pods")
router.register("clusters", views.ClusterViewSet, basename="clusters")
router.register("hosts", views.HostViewSet, basename="hosts")
router.register("storagepools", views.StoragePoolViewSet, basename="storagepools")
router.register("imagestores", views.ImageStoreViewSet, basename="imagestores")
router.register("hypervisorcapabilities", views.HypervisorCapabilityViewSet, basename="hypervisorcapabilities")
urlpatterns = router.urls
