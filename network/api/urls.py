from rest_framework.routers import SimpleRouter

from network.api import views

router = SimpleRouter()
router.register("physicalnetworks", views.PhysicalNetworkViewSet, basename="physicalnetworks")
router.register("vlanipranges", views.VlanIpRangeViewSet, basename="vlanipranges")
router.register("networkofferings", views.NetworkOfferingViewSet, basename="networkofferings")
router.register("networks", views.NetworkViewSet, basename="networks")
router.register("securitygroups", views.SecurityGroupViewSet, basename="securitygroups")
router.register("firewallrules", views.FirewallRuleViewSet, basename="firewallrules")
router.register("egressfirewallrules", views.EgressFirewallRuleViewSet, basename="egressfirewallrules")
router.register("portforwardingrules", views.PortForwardingRuleViewSet, basename="portforwardingrules")
urlpatterns = router.urls
