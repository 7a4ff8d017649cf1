from rest_framework.routers import SimpleRouter

from compute.api import views

router = SimpleRouter()
router.register("serviceofferings", views.ServiceOfferingViewSet, basename="serviceofferings")
router.register("diskofferings", views.DiskOfferingViewSet, basename="diskofferings")
router.register("templates", views.TemplateViewSet, basename="templates")
router.register("isos", views.IsoViewSet, basename="isos")
router.register("virtualmachines", views.VirtualMachineViewSet, basename="virtualmachines")
router.register("instancegroups", views.InstanceGroupViewSet, basename="instancegroups")
router.register("volumes", views.VolumeViewSet, basename="volumes")
router.register("snapshots", views.SnapshotViewSet, basename="snapshots")
router.register("snapshotpolicies", views.SnapshotPolicyViewSet, basename="snapshotpolicies")
urlpatterns = router.urls
