"""REST resources of service and disk offerings; each action is a registered command."""
from cloudstack_ui.api.rest.viewsets import CommandViewSet
from compute.api.serializers import DiskOfferingSerializer, ServiceOfferingSerializer


class ServiceOfferingViewSet(CommandViewSet):
    commands = {"list": "listServiceOfferings", "retrieve": "listServiceOfferings",
                "create": "createServiceOffering", "partial_update": "updateServiceOffering",
                "destroy": "deleteServiceOffering"}
    serializer_class = ServiceOfferingSerializer


class DiskOfferingViewSet(CommandViewSet):
    commands = {"list": "listDiskOfferings", "retrieve": "listDiskOfferings", "create": "createDiskOffering",
                "partial_update": "updateDiskOffering", "destroy": "deleteDiskOffering"}
    serializer_class = DiskOfferingSerializer
