"""REST resources of physical networks, IP ranges, network offerings and
guest networks; each action is a registered command."""
from cloudstack_ui.api.rest.viewsets import CommandViewSet
from network.api.serializers import (
    NetworkOfferingSerializer,
    NetworkSerializer,
    PhysicalNetworkSerializer,
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
