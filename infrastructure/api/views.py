"""REST resources of the infrastructure; each action is a registered command."""
from rest_framework.decorators import action

from cloudstack_ui.api.rest.viewsets import CommandViewSet
from infrastructure.api.serializers import (
    ClusterSerializer,
    HostSerializer,
    HypervisorCapabilitySerializer,
    ImageStoreSerializer,
    PodSerializer,
    RegionSerializer,
    StoragePoolSerializer,
    ZoneSerializer,
)


class ZoneViewSet(CommandViewSet):
    commands = {"list": "listZones", "retrieve": "listZones", "create": "createZone",
                "partial_update": "updateZone", "destroy": "deleteZone"}
    serializer_class = ZoneSerializer


class PodViewSet(CommandViewSet):
    commands = {"list": "listPods", "retrieve": "listPods", "create": "createPod", "partial_update": "updatePod",
                "destroy": "deletePod"}
    serializer_class = PodSerializer


class ClusterViewSet(CommandViewSet):
    commands = {"list": "listClusters", "retrieve": "listClusters", "create": "addCluster",
                "partial_update": "updateCluster", "destroy": "deleteCluster"}
    serializer_class = ClusterSerializer


class MaintenanceActionsMixin:
    """POST <id>/maintenance/ and <id>/cancel-maintenance/."""

    @action(detail=True, methods=["post"])
    def maintenance(self, request, id=None):
        return self.run_command("maintenance", {"id": id})

    @action(detail=True, methods=["post"], url_path="cancel-maintenance")
    def cancel_maintenance(self, request, id=None):
        return self.run_command("cancel_maintenance", {"id": id})


class HostViewSet(MaintenanceActionsMixin, CommandViewSet):
    commands = {"list": "listHosts", "retrieve": "listHosts", "create": "addHost", "partial_update": "updateHost",
                "destroy": "deleteHost", "maintenance": "prepareHostForMaintenance",
                "cancel_maintenance": "cancelHostMaintenance", "reconnect": "reconnectHost"}
    serializer_class = HostSerializer

    @action(detail=True, methods=["post"])
    def reconnect(self, request, id=None):
        """Force Reconnect: read the host's facts again and bring it Up."""
        return self.run_command("reconnect", {"id": id})


class StoragePoolViewSet(MaintenanceActionsMixin, CommandViewSet):
    commands = {"list": "listStoragePools", "retrieve": "listStoragePools", "create": "createStoragePool",
                "destroy": "deleteStoragePool", "maintenance": "enableStorageMaintenance",
                "cancel_maintenance": "cancelStorageMaintenance"}
    serializer_class = StoragePoolSerializer


class ImageStoreViewSet(CommandViewSet):
    commands = {"list": "listImageStores", "retrieve": "listImageStores", "create": "addImageStore",
                "destroy": "deleteImageStore"}
    serializer_class = ImageStoreSerializer


class HypervisorCapabilityViewSet(CommandViewSet):
    commands = {"list": "listHypervisorCapabilities", "retrieve": "listHypervisorCapabilities",
                "partial_update": "updateHypervisorCapabilities"}
    serializer_class = HypervisorCapabilitySerializer


class RegionViewSet(CommandViewSet):
    """Regions keep CloudStack's integer ids (guide 6.2)."""

    commands = {"list": "listRegions", "retrieve": "listRegions", "create": "addRegion",
                "partial_update": "updateRegion", "destroy": "removeRegion"}
    serializer_class = RegionSerializer
    lookup_value_regex = "[0-9]+"
