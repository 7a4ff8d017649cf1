from django.urls import path

from network import views

app_name = "network"
urlpatterns = [
    path("physical-networks/", views.PhysicalNetworkListView.as_view(), name="physicalnetworks"),
    path("zones/<uuid:uuid>/add-public-range", views.PublicRangeAddView.as_view(), name="public_range_add"),
    path("pods/<uuid:uuid>/add-guest-range", views.GuestRangeAddView.as_view(), name="guest_range_add"),
    path("ip-ranges/<uuid:uuid>/delete", views.IpRangeDeleteView.as_view(), name="iprange_delete"),
]
