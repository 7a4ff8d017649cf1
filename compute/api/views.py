"""REST resources of the compute app; each action is a registered command."""
from rest_framework.decorators import action
from rest_framework.response import Response

from cloudstack_ui.api.registry import prepare
from cloudstack_ui.api.rest.viewsets import CommandViewSet
from compute.api.serializers import (
    DiskOfferingSerializer,
    InstanceGroupSerializer,
    NicSerializer,
    ServiceOfferingSerializer,
    SnapshotPolicySerializer,
    SnapshotSerializer,
    TemplateSerializer,
    VirtualMachineSerializer,
    VolumeSerializer,
)


class ServiceOfferingViewSet(CommandViewSet):
    commands = {"list": "listServiceOfferings", "retrieve": "listServiceOfferings",
                "create": "createServiceOffering", "partial_update": "updateServiceOffering",
                "destroy": "deleteServiceOffering"}
    serializer_class = ServiceOfferingSerializer


class DiskOfferingViewSet(CommandViewSet):
    commands = {"list": "listDiskOfferings", "retrieve": "listDiskOfferings", "create": "createDiskOffering",
                "partial_update": "updateDiskOffering", "destroy": "deleteDiskOffering"}
    serializer_class = DiskOfferingSerializer


class TemplateViewSet(CommandViewSet):
    """Templates, one entry per zone: POST registers (the download runs as
    a job per zone); the list defaults to templatefilter=executable."""

    commands = {"list": "listTemplates", "retrieve": "listTemplates", "create": "registerTemplate",
                "partial_update": "updateTemplate", "destroy": "deleteTemplate"}
    list_params = {"templatefilter": "executable"}
    serializer_class = TemplateSerializer


class IsoViewSet(CommandViewSet):
    """ISOs, as templates; the list defaults to isofilter=executable."""

    commands = {"list": "listIsos", "retrieve": "listIsos", "create": "registerIso",
                "partial_update": "updateIso", "destroy": "deleteIso"}
    list_params = {"isofilter": "executable"}
    serializer_class = TemplateSerializer


class VirtualMachineViewSet(CommandViewSet):
    """Instances: POST deploys (202 with the job); actions start, stop,
    reboot, recover, restore, migrate, scale, resetpassword, resetsshkey,
    console (createConsoleEndpoint)."""

    commands = {"list": "listVirtualMachines", "retrieve": "listVirtualMachines",
                "create": "deployVirtualMachine", "partial_update": "updateVirtualMachine",
                "destroy": "destroyVirtualMachine", "start": "startVirtualMachine", "stop": "stopVirtualMachine",
                "reboot": "rebootVirtualMachine", "recover": "recoverVirtualMachine",
                "restore": "restoreVirtualMachine", "migrate": "migrateVirtualMachine",
                "scale": "scaleVirtualMachine", "resetpassword": "resetPasswordForVirtualMachine",
                "resetsshkey": "resetSSHKeyForVirtualMachine", "nics": "listNics", "console": "createConsoleEndpoint"}
    serializer_class = VirtualMachineSerializer

    def destroy_params(self, id) -> dict:
        return {"id": id, "expunge": self.request.query_params.get("expunge", "false")}

    def _act(self, action_name: str, id, key: str = "id"):
        return self.run_command(action_name, {**self.request.data, key: id})

    @action(detail=True, methods=["post"])
    def start(self, request, id=None):
        return self._act("start", id)

    @action(detail=True, methods=["post"])
    def stop(self, request, id=None):
        return self._act("stop", id)

    @action(detail=True, methods=["post"])
    def reboot(self, request, id=None):
        return self._act("reboot", id)

    @action(detail=True, methods=["post"])
    def recover(self, request, id=None):
        return self._act("recover", id)

    @action(detail=True, methods=["post"])
    def restore(self, request, id=None):
        return self._act("restore", id, "virtualmachineid")

    @action(detail=True, methods=["post"])
    def migrate(self, request, id=None):
        return self._act("migrate", id, "virtualmachineid")

    @action(detail=True, methods=["post"])
    def scale(self, request, id=None):
        return self._act("scale", id)

    @action(detail=True, methods=["post"], url_path="reset-password")
    def resetpassword(self, request, id=None):
        return self._act("resetpassword", id)

    @action(detail=True, methods=["post"], url_path="reset-ssh-key")
    def resetsshkey(self, request, id=None):
        return self._act("resetsshkey", id)

    @action(detail=True, methods=["post"])
    def console(self, request, id=None):
        """A console URL and single-use token, as createConsoleEndpoint."""
        return self._act("console", id, "virtualmachineid")

    @action(detail=True, methods=["get"])
    def nics(self, request, id=None):
        command, parsed = prepare(request.user, "listNics", {"virtualmachineid": id})
        return Response(NicSerializer(command.execute(request.user, **parsed), many=True).data)


class InstanceGroupViewSet(CommandViewSet):
    commands = {"list": "listInstanceGroups", "retrieve": "listInstanceGroups", "create": "createInstanceGroup",
                "destroy": "deleteInstanceGroup"}
    serializer_class = InstanceGroupSerializer


# Volumes and snapshots ---------------------------------------------------------------------------

class VolumeViewSet(CommandViewSet):
    """Volumes: POST creates (202 with the job); actions attach, detach,
    resize and snapshot (each a job); DELETE deletes a detached volume."""

    commands = {"list": "listVolumes", "retrieve": "listVolumes", "create": "createVolume",
                "destroy": "deleteVolume", "attach": "attachVolume", "detach": "detachVolume",
                "resize": "resizeVolume", "snapshot": "createSnapshot"}
    serializer_class = VolumeSerializer

    @action(detail=True, methods=["post"])
    def attach(self, request, id=None):
        return self.run_command("attach", {**request.data, "id": id})

    @action(detail=True, methods=["post"])
    def detach(self, request, id=None):
        return self.run_command("detach", {"id": id})

    @action(detail=True, methods=["post"])
    def resize(self, request, id=None):
        return self.run_command("resize", {**request.data, "id": id})

    @action(detail=True, methods=["post"])
    def snapshot(self, request, id=None):
        return self.run_command("snapshot", {**request.data, "volumeid": id})


class SnapshotViewSet(CommandViewSet):
    """Snapshots: POST takes one of `volumeid`; actions revert; DELETE
    deletes (jobs, answered 202)."""

    commands = {"list": "listSnapshots", "retrieve": "listSnapshots", "create": "createSnapshot",
                "destroy": "deleteSnapshot", "revert": "revertSnapshot"}
    serializer_class = SnapshotSerializer

    @action(detail=True, methods=["post"])
    def revert(self, request, id=None):
        return self.run_command("revert", {"id": id})


class SnapshotPolicyViewSet(CommandViewSet):
    commands = {"list": "listSnapshotPolicies", "retrieve": "listSnapshotPolicies",
                "create": "createSnapshotPolicy", "destroy": "deleteSnapshotPolicies"}
    serializer_class = SnapshotPolicySerializer
