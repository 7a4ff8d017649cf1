"""Volume and snapshot pages: the lists (refreshing themselves while a
volume or snapshot is on its way to another state), the volume page with
its snapshots and an inline editor of its recurring snapshot policies, and
one dialog per command. Every change goes through a registered command."""
from functools import partial
from urllib.parse import urlsplit

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import TemplateView
from django_tables2 import RequestConfig

from cloudstack_ui.api.registry import invoke, is_allowed, prepare
from cloudstack_ui.errors import CloudStackError, NotFound
from cloudstack_ui.ui.actions import Action, available_actions
from cloudstack_ui.ui.views import (
    CommandFormView,
    CommandListView,
    CommandPermissionMixin,
    ObjectActionView,
    object_action,
)
from compute.forms import volumes as forms
from compute.models import Snapshot, VirtualMachine, Volume
from compute.tables import volumes as tables

State = Volume.State
DATA = Volume.Type.DATADISK


def _attachable(volume, user) -> bool:
    return volume.volume_type == DATA and volume.instance_id is None and volume.state in (State.ALLOCATED,
                                                                                         State.READY)


ADD_VOLUME = Action("Add volume", "compute:volume_add", "createVolume", "plus-lg")
ATTACH = Action("Attach", "compute:volume_attach", "attachVolume", "link-45deg", show=_attachable)
DETACH = Action("Detach", "compute:volume_detach", "detachVolume", "x-circle",
                show=lambda v, user: v.volume_type == DATA and v.instance_id is not None)
RESIZE = Action("Resize", "compute:volume_resize", "resizeVolume", "arrows-angle-expand",
                show=lambda v, user: v.state in (State.ALLOCATED, State.READY))
TAKE_SNAPSHOT = Action("Take snapshot", "compute:volume_snapshot", "createSnapshot", "camera",
                       show=lambda v, user: v.state == State.READY)
DELETE = Action("Delete", "compute:volume_delete", "deleteVolume", "trash", danger=True,
                show=lambda v, user: v.instance_id is None and v.state in (State.ALLOCATED, State.READY,
                                                                            State.ERROR))
TO_TEMPLATE = Action("Create template", "compute:volume_template", "createTemplate", "box-seam",
                     show=lambda v, user: v.state == State.READY and (
                         v.instance is None or v.instance.state == VirtualMachine.State.STOPPED))
VOLUME_ACTIONS = (ATTACH, DETACH, RESIZE, TAKE_SNAPSHOT, TO_TEMPLATE, DELETE)


def _revertable(snapshot, user) -> bool:
    volume = snapshot.volume
    return (snapshot.state == Snapshot.State.BACKED_UP and volume is not None and volume.removed is None
            and (volume.instance is None or volume.instance.state == VirtualMachine.State.STOPPED))


REVERT = Action("Revert", "compute:snapshot_revert", "revertSnapshot", "arrow-counterclockwise", danger=True,
                show=_revertable)
TO_VOLUME = Action("Create volume", "compute:snapshot_volume", "createVolume", "hdd",
                   show=lambda s, user: s.state == Snapshot.State.BACKED_UP)
DELETE_SNAPSHOT = Action("Delete", "compute:snapshot_delete", "deleteSnapshot", "trash", danger=True,
                         show=lambda s, user: s.state != Snapshot.State.CREATING)
SNAPSHOT_TO_TEMPLATE = Action("Create template", "compute:snapshot_template", "createTemplate", "box-seam",
                              show=lambda s, user: s.state == Snapshot.State.BACKED_UP)
SNAPSHOT_ACTIONS = (REVERT, TO_VOLUME, SNAPSHOT_TO_TEMPLATE, DELETE_SNAPSHOT)


def listed_volume(user, uuid) -> Volume:
    """The volume as listVolumes answers it to this user."""
    volume = invoke(user, "listVolumes", {"id": uuid}).first()
    if volume is None:
        raise NotFound(f"id: no volume has the id {uuid}", field="id")
    return volume


def listed_snapshot(user, uuid) -> Snapshot:
    snapshot = invoke(user, "listSnapshots", {"id": uuid}).first()
    if snapshot is None:
        raise NotFound(f"id: no snapshot has the id {uuid}", field="id")
    return snapshot


class _PollingList(CommandListView):
    """A list that reloads itself every 3 seconds while a row is in a transitional state."""

    list_params = {"listall": True}

    def get_queryset(self, filter_form):
        self.listed = super().get_queryset(filter_form)
        return self.listed

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["polling"] = self.listed.filter(state__in=tables.TRANSITIONAL).exists()
        context["polling_text"] = "Refreshing while operations run…"
        return context


class VolumeListView(_PollingList):
    command = "listVolumes"
    table_class = partial(tables.VolumeTable, row_actions=VOLUME_ACTIONS)
    filter_form_class = forms.VolumeFilter
    title = "Volumes"
    create_actions = (ADD_VOLUME,)


class SnapshotListView(_PollingList):
    command = "listSnapshots"
    table_class = partial(tables.SnapshotTable, row_actions=SNAPSHOT_ACTIONS)
    filter_form_class = forms.SnapshotFilter
    title = "Snapshots"


def policy_editor(user, volume, form=None, error: str = "") -> dict:
    return {"volume": volume, "policies": invoke(user, "listSnapshotPolicies", {"volumeid": volume.uuid}),
            "form": form or forms.SnapshotPolicyForm(), "error": error,
            "can_edit": is_allowed(user, "createSnapshotPolicy")}


class VolumeDetailView(CommandPermissionMixin, TemplateView):
    """One volume: its fields, the actions its state allows, its snapshots
    and its recurring snapshot policies (added and removed in place)."""

    command = "listVolumes"
    also_requires = ("listSnapshots", "listSnapshotPolicies")
    template_name = "compute/volume_detail.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        volume = listed_volume(user, self.kwargs["uuid"])
        snapshots = tables.SnapshotTable(invoke(user, "listSnapshots", {"volumeid": volume.uuid, "listall": True}),
                                         request=self.request, row_actions=SNAPSHOT_ACTIONS, prefix="snap-")
        RequestConfig(self.request, paginate=False).configure(snapshots)
        return super().get_context_data(
            object=volume, state_badge=tables.state_badge(volume.state), fields=self.fields(volume, user),
            actions=available_actions(VOLUME_ACTIONS, volume, user), snapshots=snapshots,
            polling=volume.state in tables.TRANSITIONAL, **policy_editor(user, volume), **kwargs)

    @staticmethod
    def fields(volume, user) -> list[tuple[str, object]]:
        offering = volume.disk_offering
        fields = [("Type", volume.volume_type), ("Size", volume.size), ("Zone", volume.zone.name),
                  ("Disk offering", offering.name if offering else None),
                  ("Instance", volume.instance), ("Device id", volume.device_id), ("Attached", volume.attached)]
        if user.is_root_admin:
            fields += [("Primary storage", volume.storage_pool.name if volume.storage_pool else None),
                       ("Path", volume.path)]
        if user.is_root_admin or user.is_domain_admin:
            fields.append(("Account", f"{volume.account.name} ({volume.account.domain.name})"))
        return fields + [("Created", volume.created), ("ID", volume.uuid)]


class VolumePolicyView(CommandPermissionMixin, TemplateView):
    """POST: add a recurring snapshot policy (the editor's last row) or
    remove one; answers the editor again, with a refusal on its field."""

    template_name = "compute/partials/volume_policies.html"
    http_method_names = ["post"]

    @property
    def command(self):
        return "createSnapshotPolicy" if self.kwargs["action"] == "add" else "deleteSnapshotPolicies"

    def dispatch(self, request, *args, **kwargs):
        if kwargs["action"] not in ("add", "remove"):
            raise Http404("No such policy action")
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        volume = listed_volume(request.user, self.kwargs["uuid"])
        form, error = None, ""
        try:
            if self.kwargs["action"] == "add":
                form = forms.SnapshotPolicyForm(request.POST)
                if form.is_valid():
                    self.run({"volumeid": volume.uuid, **form.cleaned_data})
                    form = None
            else:
                self.run({"id": request.POST.get("policy")})
        except CloudStackError as exc:
            if form is not None and exc.field in form.fields:
                form.add_error(exc.field, exc.message)
            else:
                error = exc.message
        if not request.headers.get("HX-Request"):
            problems = [error] + [m for errors in (form.errors.values() if form is not None else []) for m in errors]
            for problem in filter(None, problems):
                messages.error(request, problem)
            return redirect("compute:volume_detail", uuid=volume.uuid)
        return self.render_to_response(policy_editor(request.user, volume, form, error))

    def run(self, params: dict):
        command, parsed = prepare(self.request.user, self.command, params)
        return command.execute(self.request.user, **parsed)


# Dialogs ------------------------------------------------------------------------------------------

class VolumeAddView(CommandFormView):
    command = "createVolume"
    form_class = forms.VolumeForm
    title = "Add volume"
    intro = "A data disk of a disk offering; it is created on primary storage when first attached to an instance."

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def job_submitted(self, form, job):
        self.object = Volume.objects.filter(uuid=job.instance_uuid).first()
        return super().job_submitted(form, job)

    def success_message(self, volume):
        return f"Volume {volume.name} added." if volume is not None else ""

    def get_success_url(self, volume):
        return reverse("compute:volume_detail", args=[volume.uuid]) if volume else reverse("compute:volumes")


class _ObjectDialog(ObjectActionView):
    """A dialog running one command on the volume or snapshot of the URL,
    as this user's list answers it; back to the page it was opened from."""

    object_kwarg = "volume"
    list_url = ""
    removes = False  # the object is gone afterwards

    def get_success_url(self, result):
        opened_from = urlsplit(self.request.headers.get("HX-Current-URL", ""))
        if opened_from.path and opened_from.path != self.request.path and not (
                self.removes and str(self.object.uuid) in opened_from.path):
            return opened_from.path + (f"?{opened_from.query}" if opened_from.query else "")
        return reverse(self.list_url)


class _VolumeDialog(_ObjectDialog):
    list_url = "compute:volumes"

    def get_object(self):
        return listed_volume(self.request.user, self.kwargs["uuid"])


class _SnapshotDialog(_ObjectDialog):
    list_url = "compute:snapshots"

    def get_object(self):
        return listed_snapshot(self.request.user, self.kwargs["uuid"])


class _TemplateDialog:
    """Create template: afterwards to the templates list, where the new
    one shows until it is written."""

    def get_success_url(self, result):
        return reverse("compute:templates")


class _VolumeTemplateDialog(_TemplateDialog, _VolumeDialog):
    pass


class _SnapshotTemplateDialog(_TemplateDialog, _SnapshotDialog):
    pass


VolumeAttachView = object_action(
    _VolumeDialog, "VolumeAttachView", "attachVolume", "Attach volume", "Attach",
    "Attach volume {obj.name} to an instance of its account in zone {obj.zone.name}: live when it runs, at its "
    "next start when it is stopped.", "Volume {obj.name}: attach requested.", form_class=forms.AttachForm,
    form_needs=("user", "object"))
VolumeDetachView = object_action(
    _VolumeDialog, "VolumeDetachView", "detachVolume", "Detach volume", "Detach",
    "Detach volume {obj.name} from instance {obj.instance}? Unmount it in the guest first.",
    "Volume {obj.name}: detach requested.", danger=True)
VolumeResizeView = object_action(
    _VolumeDialog, "VolumeResizeView", "resizeVolume", "Resize volume", "Resize",
    "Volume {obj.name} has {obj.size} bytes. Volumes only grow; on a running instance the guest sees the new size "
    "at once where the hypervisor allows it.", "Volume {obj.name}: resize requested.", form_class=forms.ResizeForm,
    form_needs=("user", "object"))
VolumeSnapshotView = object_action(
    _VolumeDialog, "VolumeSnapshotView", "createSnapshot", "Take snapshot", "Take snapshot",
    "Take a snapshot of volume {obj.name}? A running instance keeps running.",
    "Volume {obj.name}: snapshot requested.", form_class=forms.SnapshotForm, id_param="volumeid")
VolumeTemplateView = object_action(
    _VolumeTemplateDialog, "VolumeTemplateView", "createTemplate", "Create template from volume", "Create template",
    "A template with the content of volume {obj.name}, written into its zone's secondary storage. Keep its "
    "instance stopped meanwhile.", "Template from volume {obj.name} requested; it is listed here once written.",
    form_class=forms.CreateTemplateForm, form_needs=("user",), id_param="volumeid")
VolumeDeleteView = object_action(
    _VolumeDialog, "VolumeDeleteView", "deleteVolume", "Delete volume", "Delete",
    "Delete volume {obj.name} and its recurring snapshot policies? Its data is lost; its snapshots stay.",
    "Volume {obj.name} deleted.", danger=True, removes=True)
SnapshotRevertView = object_action(
    _SnapshotDialog, "SnapshotRevertView", "revertSnapshot", "Revert to snapshot", "Revert",
    "Give volume {obj.volume_name} the content it had at snapshot {obj.name}? What was written since is lost.",
    "Snapshot {obj.name}: revert requested.", danger=True)
SnapshotVolumeView = object_action(
    _SnapshotDialog, "SnapshotVolumeView", "createVolume", "Create volume from snapshot", "Create volume",
    "A new data volume with the content of snapshot {obj.name}.", "Snapshot {obj.name}: volume requested.",
    form_class=forms.FromSnapshotForm, id_param="snapshotid")
SnapshotTemplateView = object_action(
    _SnapshotTemplateDialog, "SnapshotTemplateView", "createTemplate", "Create template from snapshot",
    "Create template", "A template with the content of snapshot {obj.name}, written into its zone's secondary "
    "storage.", "Template from snapshot {obj.name} requested; it is listed here once written.",
    form_class=forms.CreateTemplateForm, form_needs=("user",), id_param="snapshotid")
SnapshotDeleteView = object_action(
    _SnapshotDialog, "SnapshotDeleteView", "deleteSnapshot", "Delete snapshot", "Delete",
    "Delete snapshot {obj.name}?", "Snapshot {obj.name}: delete requested.", danger=True, removes=True)
