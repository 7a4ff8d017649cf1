"""REST resources of physical networks and IP ranges."""
from cloudstack_ui.api.rest.viewsets import CommandViewSet
from network.api.serializers import PhysicalNetworkSerializer, VlanIpRangeSerializer


class PhysicalNetworkViewSet(CommandViewSet):
    commands = {"list": "listPhysicalNetworks", "retrieve": "listPhysicalNetworks",
                "create": "createPhysicalNetwork", "partial_update": "updatePhysicalNetwork",
                "destroy": "deletePhysicalNetwork"}
    serializer_class = PhysicalNetworkSerializer


class VlanIpRangeViewSet(CommandViewSet):
    commands = {"list": "listVlanIpRanges", "retrieve": "listVlanIpRanges", "create": "createVlanIpRange",
                "destroy": "deleteVlanIpRange"}
    serializer_class = VlanIpRangeSerializer
