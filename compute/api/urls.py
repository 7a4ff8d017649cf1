from rest_framework.routers import SimpleRouter

from compute.api import views

router = SimpleRouter()
router.register("serviceofferings", views.ServiceOfferingViewSet, basename="serviceofferings")
router.register("diskofferings", views.DiskOfferingViewSet, basename="diskofferings")
urlpatterns = router.urls
