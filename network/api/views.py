"""REST resources of physical networks, IP ranges, network offerings, guest
networks and security groups; each action is a registered command."""
from rest_framework.decorators import action

from cloudstack_ui.api.rest.viewsets import CommandViewSet
from network.api.serializers import (
    FirewallRuleSerializer,
    NetworkOfferingSerializer,
    NetworkSerializer,
    PhysicalNetworkSerializer,
    PortForwardingRuleSerializer,
    SecurityGroupSerializer,
    VlanIpRangeSerializer,
)


class PhysicalNetworkViewSet(CommandViewSet):
    commands = {"list": "listPhysicalNetworks", "retrieve": "listPhysicalNetworks",
                "create": "createPhysicalNetwork", "partial_update": "updatePhysicalNetwork",
                "destroy": "deletePhysicalNetwork"}
    serializer_class = PhysicalNetworkSerializer


class VlanIpRangeViewSet(CommandViewSet):
    commands = {"list": "listVlanIpRanges", "retrieve": "listVlanIpRanges", "create": "createVlanIpRange",
                "destroy": "deleteVlanIpRange"}
    serializer_class = VlanIpRangeSerializer


class NetworkOfferingViewSet(CommandViewSet):
    commands = {"list": "listNetworkOfferings", "retrieve": "listNetworkOfferings",
                "create": "createNetworkOffering", "partial_update": "updateNetworkOffering"}
    serializer_class = NetworkOfferingSerializer


class NetworkViewSet(CommandViewSet):
    commands = {"list": "listNetworks", "retrieve": "listNetworks", "create": "createNetwork",
                "partial_update": "updateNetwork", "destroy": "deleteNetwork"}
    serializer_class = NetworkSerializer


class SecurityGroupViewSet(CommandViewSet):
    """Groups, and their rules: POST <id>/ingress/ or <id>/egress/ with the
    authorize parameters adds rules; DELETE <id>/ingress/<ruleid>/ removes one."""

    commands = {"list": "listSecurityGroups", "retrieve": "listSecurityGroups", "create": "createSecurityGroup",
                "destroy": "deleteSecurityGroup", "ingress": "authorizeSecurityGroupIngress",
                "egress": "authorizeSecurityGroupEgress", "revoke_ingress": "revokeSecurityGroupIngress",
                "revoke_egress": "revokeSecurityGroupEgress"}
    serializer_class = SecurityGroupSerializer

    @action(detail=True, methods=["post"])
    def ingress(self, request, id=None):
        return self.run_command("ingress", {**request.data, "securitygroupid": id})

    @action(detail=True, methods=["post"])
    def egress(self, request, id=None):
        return self.run_command("egress", {**request.data, "securitygroupid": id})

    @action(detail=True, methods=["delete"], url_path=r"ingress/(?P<rule>[0-9a-f-]+)")
    def revoke_ingress(self, request, id=None, rule=None):
        return self.run_command("revoke_ingress", {"id": rule})

    @action(detail=True, methods=["delete"], url_path=r"egress/(?P<rule>[0-9a-f-]+)")
    def revoke_egress(self, request, id=None, rule=None):
        return self.run_command("revoke_egress", {"id": rule})


class FirewallRuleViewSet(CommandViewSet):
    commands = {"list": "listFirewallRules", "retrieve": "listFirewallRules", "create": "createFirewallRule",
                "destroy": "deleteFirewallRule"}
    serializer_class = FirewallRuleSerializer


class EgressFirewallRuleViewSet(CommandViewSet):
    commands = {"list": "listEgressFirewallRules", "retrieve": "listEgressFirewallRules",
                "create": "createEgressFirewallRule", "destroy": "deleteEgressFirewallRule"}
    serializer_class = FirewallRuleSerializer


class PortForwardingRuleViewSet(CommandViewSet):
    commands = {"list": "listPortForwardingRules", "retrieve": "listPortForwardingRules",
                "create": "createPortForwardingRule", "destroy": "deletePortForwardingRule"}
    serializer_class = PortForwardingRuleSerializer
