from django.urls import path

from network import views

app_name = "network"
urlpatterns = [
    path("physical-networks/", views.PhysicalNetworkListView.as_view(), name="physicalnetworks"),
    path("zones/<uuid:uuid>/add-public-range", views.PublicRangeAddView.as_view(), name="public_range_add"),
    path("pods/<uuid:uuid>/add-guest-range", views.GuestRangeAddView.as_view(), name="guest_range_add"),
    path("ip-ranges/<uuid:uuid>/delete", views.IpRangeDeleteView.as_view(), name="iprange_delete"),
    path("networks/", views.NetworkListView.as_view(), name="networks"),
    path("networks/add", views.NetworkAddView.as_view(), name="network_add"),
    path("networks/<uuid:uuid>/", views.NetworkDetailView.as_view(), name="network_detail"),
    path("networks/<uuid:uuid>/delete", views.NetworkDeleteView.as_view(), name="network_delete"),
    path("network-offerings/", views.NetworkOfferingListView.as_view(), name="networkofferings"),
    path("security-groups/", views.SecurityGroupListView.as_view(), name="securitygroups"),
    path("security-groups/add", views.SecurityGroupAddView.as_view(), name="securitygroup_add"),
    path("security-groups/<uuid:uuid>/", views.SecurityGroupDetailView.as_view(), name="securitygroup_detail"),
    path("security-groups/<uuid:uuid>/delete", views.SecurityGroupDeleteView.as_view(), name="securitygroup_delete"),
    path("security-groups/<uuid:uuid>/<str:direction>/<str:action>", views.SecurityGroupRuleView.as_view(),
         name="securitygroup_rules"),
]
