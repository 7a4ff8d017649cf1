from django.urls import path

from compute import views

app_name = "compute"
urlpatterns = [
    path("service-offerings/", views.ServiceOfferingListView.as_view(), name="serviceofferings"),
    path("service-offerings/add", views.ServiceOfferingAddView.as_view(), name="serviceoffering_add"),
    path("service-offerings/<uuid:uuid>/delete", views.ServiceOfferingDeleteView.as_view(),
         name="serviceoffering_delete"),
    path("disk-offerings/", views.DiskOfferingListView.as_view(), name="diskofferings"),
    path("disk-offerings/add", views.DiskOfferingAddView.as_view(), name="diskoffering_add"),
    path("disk-offerings/<uuid:uuid>/delete", views.DiskOfferingDeleteView.as_view(), name="diskoffering_delete"),
]
