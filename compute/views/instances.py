"""Instance pages: the list (refreshing itself while an instance is on its
way to another state), the detail page with its NICs, security groups,
volumes and events, one dialog per instance command, and the Add Instance
wizard (guide 6.9), a client of deployVirtualMachine like every other page."""
import base64
import json
from functools import partial
from urllib.parse import urlsplit

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.generic import TemplateView
from django_tables2 import RequestConfig

from accounts.views import SecretResultMixin
from cloudstack_ui.api.registry import invoke, prepare
from cloudstack_ui.crypto import decrypt, encrypt
from cloudstack_ui.errors import CloudStackError, InvalidParameter, NotFound
from cloudstack_ui.jobs.models import AsyncJob
from cloudstack_ui.jobs.services import submit_job, take_job_result
from cloudstack_ui.ui.actions import Action, available_actions
from cloudstack_ui.ui.views import CommandListView, CommandPermissionMixin, ObjectActionView, object_action
from compute.api.serializers import NicSerializer
from compute.console.tokens import opened_console_sessions
from compute.forms import instances as forms
from compute.models import VirtualMachine
from compute.tables import instances as tables

State = VirtualMachine.State


def _admin(vm, user) -> bool:
    return user.is_root_admin or user.is_domain_admin


ADD_INSTANCE = Action("Add Instance", "compute:instance_add", "deployVirtualMachine", "plus-lg")
START = Action("Start", "compute:instance_start", "startVirtualMachine", "play-fill",
               show=lambda vm, user: vm.state == State.STOPPED)
STOP = Action("Stop", "compute:instance_stop", "stopVirtualMachine", "stop-fill",
              show=lambda vm, user: vm.state in (State.RUNNING, State.STOPPING, State.ERROR))
REBOOT = Action("Reboot", "compute:instance_reboot", "rebootVirtualMachine", "arrow-clockwise",
                show=lambda vm, user: vm.state == State.RUNNING)
DESTROY = Action("Destroy", "compute:instance_destroy", "destroyVirtualMachine", "trash", danger=True,
                 show=lambda vm, user: vm.state in (State.RUNNING, State.STOPPED, State.ERROR))
EXPUNGE = Action("Expunge", "compute:instance_expunge", "expungeVirtualMachine", "x-octagon", danger=True,
                 show=lambda vm, user: vm.state == State.DESTROYED and _admin(vm, user))
RECOVER = Action("Recover", "compute:instance_recover", "recoverVirtualMachine", "arrow-counterclockwise",
                 show=lambda vm, user: vm.state == State.DESTROYED)
REINSTALL = Action("Reinstall", "compute:instance_restore", "restoreVirtualMachine", "arrow-repeat", danger=True,
                   show=lambda vm, user: vm.state in (State.RUNNING, State.STOPPED) and not vm.iso_id)
CHANGE_OFFERING = Action("Change offering", "compute:instance_change_offering", "changeServiceForVirtualMachine",
                         "sliders", show=lambda vm, user: vm.state == State.STOPPED)
RESET_PASSWORD = Action("Reset password", "compute:instance_reset_password", "resetPasswordForVirtualMachine",
                        "key", show=lambda vm, user: vm.state == State.STOPPED and vm.template.password_enabled)
RESET_SSH_KEY = Action("Reset SSH key", "compute:instance_reset_ssh_key", "resetSSHKeyForVirtualMachine",
                       "file-earmark-lock", show=lambda vm, user: vm.state == State.STOPPED)
EDIT = Action("Edit", "compute:instance_edit", "updateVirtualMachine", "pencil",
              show=lambda vm, user: vm.state not in (State.DESTROYED, State.EXPUNGING))
MIGRATE = Action("Migrate", "compute:instance_migrate", "migrateVirtualMachine", "arrow-left-right",
                 show=lambda vm, user: vm.state == State.RUNNING and user.is_root_admin)
VIEW_CONSOLE = Action("View Console", "compute:instance_console", "createConsoleEndpoint", "display",
                      new_window=True, show=lambda vm, user: vm.state == State.RUNNING)

ROW_ACTIONS = (VIEW_CONSOLE, START, STOP, REBOOT, DESTROY, RECOVER)
DETAIL_ACTIONS = (VIEW_CONSOLE, START, STOP, REBOOT, MIGRATE, CHANGE_OFFERING, RESET_PASSWORD, RESET_SSH_KEY, EDIT, REINSTALL,
                  RECOVER, DESTROY, EXPUNGE)

# Jobs whose answer holds a password the user has not seen yet (a deploy
# from a password-enabled template, a reset). Each is shown once, then
# forgotten here.
PASSWORD_JOBS = "instance_password_jobs"


def listed_instance(user, uuid) -> VirtualMachine:
    """The instance as listVirtualMachines answers it to this user."""
    vm = invoke(user, "listVirtualMachines", {"id": uuid}).first()
    if vm is None:
        raise NotFound(f"id: no instance has the id {uuid}", field="id")
    return vm


def changing(user, instances) -> bool:
    """Whether any of these instances is on its way to another state: in a
    transitional state, or with a job queued or running on it."""
    if instances.filter(state__in=tables.TRANSITIONAL).exists():
        return True
    return invoke(user, "listAsyncJobs", {"listall": True}).filter(
        status=AsyncJob.Status.PENDING, instance_type="VirtualMachine",
        instance_uuid__in=instances.values("uuid")).exists()


def _remember_password_job(request, job: AsyncJob) -> None:
    request.session[PASSWORD_JOBS] = [*request.session.get(PASSWORD_JOBS, []), str(job.uuid)]


# The list and the detail page --------------------------------------------------------------------

class InstanceListView(CommandListView):
    """Instances in the user's reach (admins: "All instances" or "My
    instances", guide 6.9). While one is changing state (Starting,
    Stopping, Migrating, Expunging, or a job queued on it), the table
    reloads itself every 3 seconds."""

    command = "listVirtualMachines"
    template_name = "compute/instance_list.html"
    table_class = partial(tables.InstanceTable, row_actions=ROW_ACTIONS)
    filter_form_class = forms.InstanceFilter
    title = "Instances"
    create_actions = (ADD_INSTANCE,)
    list_params = {"listall": True}

    def get_queryset(self, filter_form):
        self.listed = super().get_queryset(filter_form)
        return self.listed

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["polling"] = changing(self.request.user, self.listed)
        context["polling_text"] = "Refreshing while instances change state…"
        context["password_jobs"] = self.request.session.get(PASSWORD_JOBS, [])
        return context


class InstanceDetailView(CommandPermissionMixin, TemplateView):
    """One instance: its fields, NICs (listNics), security groups, volumes,
    recent events, its latest console sessions and the actions its state
    allows. Refreshes itself while
    the instance is changing state."""

    command = "listVirtualMachines"
    also_requires = ("listNics",)
    template_name = "compute/instance_detail.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        vm = listed_instance(user, self.kwargs["uuid"])
        nics = NicSerializer(invoke(user, "listNics", {"virtualmachineid": vm.uuid}), many=True).data
        volumes = tables.InstanceVolumeTable(
            vm.volumes.filter(removed__isnull=True).select_related("storage_pool").order_by("device_id"),
            show_pool=user.is_root_admin, prefix="vol-")
        RequestConfig(self.request, paginate=False).configure(volumes)
        return super().get_context_data(
            console_sessions=tables.ConsoleSessionTable(opened_console_sessions(vm), prefix="console-"),
            object=vm, state_badge=tables.state_badge(vm.state), fields=self.fields(vm, user),
            nics=tables.NicTable(nics, prefix="nic-"), volumes=volumes,
            security_groups=list(vm.security_groups.all()),
            events=invoke(user, "listEvents", {"resourceid": vm.uuid, "listall": True})[:10],
            actions=available_actions(DETAIL_ACTIONS, vm, user),
            password_jobs=self.request.session.get(PASSWORD_JOBS, []),
            polling=changing(user, VirtualMachine.objects.filter(pk=vm.pk)), **kwargs)

    @staticmethod
    def fields(vm, user) -> list[tuple[str, object]]:
        offering = vm.service_offering
        fields = [("Display name", vm.display_name), ("Zone", vm.zone.name)]
        if user.is_root_admin:
            fields += [("Host", vm.host.name if vm.host else None), ("Instance name", vm.internal_name)]
        if user.is_root_admin or user.is_domain_admin:
            fields.append(("Account", f"{vm.account.name} ({vm.account.domain.name})"))
        fields += [
            ("ISO" if vm.iso_id else "Template", vm.iso.name if vm.iso_id else vm.template.name),
            ("OS type", vm.template.os_type.description),
            ("Service offering", f"{offering.name}: {offering.cpu_number} × {offering.cpu_speed} MHz, "
                                 f"{offering.memory} MB"),
            ("IP address", tables.default_address(vm)), ("Group", vm.group.name if vm.group else None),
            ("SSH key pair", vm.keypair), ("HA", "enabled" if vm.ha_enabled else "disabled"),
            ("Created", vm.created), ("ID", vm.uuid),
        ]
        return fields


# Action dialogs -----------------------------------------------------------------------------------

class InstanceActionView(ObjectActionView):
    """A dialog running one instance command; the instance comes from the
    URL, as its owner (or an admin in reach) sees it."""

    object_kwarg = "instance"

    def get_object(self):
        return listed_instance(self.request.user, self.kwargs["uuid"])

    def get_success_url(self, result):
        """Back to the list when the dialog was opened from it (or the
        instance is gone), else to the instance's page."""
        opened_from = urlsplit(self.request.headers.get("HX-Current-URL", ""))
        if opened_from.path == reverse("compute:instances"):
            return opened_from.path + (f"?{opened_from.query}" if opened_from.query else "")
        if not VirtualMachine.objects.filter(pk=self.object.pk).exists():
            return reverse("compute:instances")
        return reverse("compute:instance_detail", args=[self.object.uuid])


def _action(name, command, title, label, intro, done, **attributes):
    return object_action(InstanceActionView, name, command, title, label, intro, done, **attributes)


InstanceStartView = _action("InstanceStartView", "startVirtualMachine", "Start instance", "Start",
                            "Start instance {obj.name}?", "Instance {obj.name}: start requested.")
InstanceStopView = _action("InstanceStopView", "stopVirtualMachine", "Stop instance", "Stop",
                           "Stop instance {obj.name}? The guest is asked to shut down.",
                           "Instance {obj.name}: stop requested.", danger=True, form_class=forms.StopForm)
InstanceRebootView = _action("InstanceRebootView", "rebootVirtualMachine", "Reboot instance", "Reboot",
                             "Reboot instance {obj.name}?", "Instance {obj.name}: reboot requested.")
InstanceDestroyView = _action("InstanceDestroyView", "destroyVirtualMachine", "Destroy instance", "Destroy",
                              "Destroy instance {obj.name}? It can be recovered until it is expunged.",
                              "Instance {obj.name}: destroy requested.", danger=True, form_class=forms.DestroyForm,
                              form_needs=("user",))
InstanceExpungeView = _action("InstanceExpungeView", "expungeVirtualMachine", "Expunge instance", "Expunge",
                              "Expunge instance {obj.name} now? Its root disk and addresses are removed for good.",
                              "Instance {obj.name}: expunge requested.", danger=True)
InstanceRecoverView = _action("InstanceRecoverView", "recoverVirtualMachine", "Recover instance", "Recover",
                              "Recover instance {obj.name}? It comes back Stopped.", "Instance {obj.name} recovered.")
InstanceRestoreView = _action("InstanceRestoreView", "restoreVirtualMachine", "Reinstall instance", "Reinstall",
                              "Reinstall instance {obj.name}? Its root disk is replaced by a fresh one from template "
                              "{obj.template.name}: everything on it is lost.", "Instance {obj.name}: reinstall "
                              "requested.", danger=True, id_param="virtualmachineid")
InstanceChangeOfferingView = _action(
    "InstanceChangeOfferingView", "changeServiceForVirtualMachine", "Change service offering", "Change",
    "Instance {obj.name} has {obj.service_offering.name}; the new offering is used from its next start.",
    "Instance {obj.name}: offering changed.", form_class=forms.ChangeOfferingForm, form_needs=("user", "object"))
InstanceResetSSHKeyView = _action(
    "InstanceResetSSHKeyView", "resetSSHKeyForVirtualMachine", "Reset SSH key", "Reset",
    "Give instance {obj.name} another key pair's public key?", "Instance {obj.name}: SSH key reset requested.",
    form_class=forms.ResetSSHKeyForm, form_needs=("user", "object"))
InstanceEditView = _action("InstanceEditView", "updateVirtualMachine", "Edit instance", "Save", "",
                           "Instance {obj.name} updated.", form_class=forms.EditInstanceForm,
                           form_needs=("user", "object"))
InstanceMigrateView = _action(
    "InstanceMigrateView", "migrateVirtualMachine", "Migrate instance", "Migrate",
    "Move running instance {obj.name} to another host of its cluster.", "Instance {obj.name}: migration requested.",
    form_class=forms.MigrateForm, form_needs=("user", "object"), id_param="virtualmachineid")


class InstanceResetPasswordView(SecretResultMixin, InstanceActionView):
    """Reset the password of a stopped instance. The new password is shown
    once: in this dialog's answer when the job is already done, else by the
    password box that waits for the job."""

    command = "resetPasswordForVirtualMachine"
    title = "Reset password"
    submit_label = "Reset password"
    intro_text = "Make a new password for instance {obj.name}? The current one stops working at its next start."
    result_template_name = "compute/partials/instance_password.html"

    def job_submitted(self, form, job):
        if job.status == AsyncJob.Status.FAILED:
            return self.refused(form, job.result["errortext"], None)
        if job.status == AsyncJob.Status.SUCCEEDED:
            answer = take_job_result(self.request.user, job).result["virtualmachine"]
            return self.succeeded({"name": self.object.name, "password": answer.get("password")})
        _remember_password_job(self.request, job)
        return self.go_to(reverse("compute:instance_detail", args=[self.object.uuid]))


class InstancePasswordView(CommandPermissionMixin, TemplateView):
    """The password a job made, shown once: while the job runs the box
    polls; when it is done the password is shown and forgotten here."""

    command = "queryAsyncJobResult"
    template_name = "compute/partials/password_box.html"

    def get_context_data(self, **kwargs):
        job_uuid = str(kwargs.pop("job"))
        waiting = self.request.session.get(PASSWORD_JOBS, [])
        if job_uuid not in waiting:
            raise Http404("No password waits to be shown for this job")
        job = invoke(self.request.user, "queryAsyncJobResult", {"jobid": job_uuid})
        context = {"job": job, "pending": job.status == AsyncJob.Status.PENDING}
        if not context["pending"]:
            self.request.session[PASSWORD_JOBS] = [j for j in waiting if j != job_uuid]
            answer = (job.result or {}).get("virtualmachine", {})
            context.update(name=answer.get("name"), password=answer.get("password"),
                           error=(job.result or {}).get("errortext"))
        return super().get_context_data(**context, **kwargs)

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        response["Cache-Control"] = "no-store"
        return response


# The Add Instance wizard ---------------------------------------------------------------------------

WIZARD_SESSION_KEY = "instance_wizard"
ERRORS_KEY = "_errors"


def load_wizard(request) -> dict:
    """What the wizard holds, kept encrypted in the session (user data may
    carry secrets)."""
    stored = request.session.get(WIZARD_SESSION_KEY)
    return json.loads(decrypt(stored)) if stored else {}


def save_wizard(request, data: dict) -> None:
    request.session[WIZARD_SESSION_KEY] = encrypt(json.dumps(data))


def deploy_params(data: dict) -> dict:
    """deployVirtualMachine's parameters from what the steps chose."""
    image, disk, network, details = (data.get(s, {}) for s in ("image", "disk", "network", "details"))
    if image.get("templateid") and image.get("isoid"):
        raise InvalidParameter("templateid: choose a template or an ISO, not both", field="templateid")
    params = {
        "zoneid": data.get("zone", {}).get("zoneid"), "templateid": image.get("templateid") or image.get("isoid"),
        "serviceofferingid": data.get("offering", {}).get("serviceofferingid"),
        "diskofferingid": disk.get("diskofferingid"), "size": disk.get("size"),
        "rootdisksize": disk.get("rootdisksize"), "networkids": network.get("networkids"),
        "securitygroupids": network.get("securitygroupids"), "name": details.get("name"),
        "displayname": details.get("displayname"), "group": details.get("group"), "keypair": details.get("keypair"),
    }
    if details.get("userdata"):
        params["userdata"] = base64.b64encode(details["userdata"].encode()).decode()
    return {k: v for k, v in params.items() if v not in (None, "", [])}


class InstanceWizardView(CommandPermissionMixin, TemplateView):
    """Add Instance, one step per page (HTMX swaps the step in place): Next
    validates the step on the server, Back keeps what was chosen, Review
    shows it all and Launch VM calls deployVirtualMachine as a job. A
    refusal of the service sends the user back to the step and field it
    names."""

    command = "deployVirtualMachine"
    template_name = "compute/wizard/wizard.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.step = kwargs.get("step") or forms.STEP_ORDER[0]

    def dispatch(self, request, *args, **kwargs):
        if self.step not in forms.STEP_ORDER:
            raise Http404("No such step")
        if request.user.is_authenticated:
            self.data = load_wizard(request)
            missing = self.first_missing()
            if missing is not None and forms.STEP_ORDER.index(missing) < forms.STEP_ORDER.index(self.step):
                return redirect("compute:instance_add_step", step=missing)
        return super().dispatch(request, *args, **kwargs)

    def first_missing(self) -> str | None:
        return next((s for s in forms.WIZARD_STEPS if s not in self.data), None)

    def form(self, step=None, data=None, **extra):
        step = step or self.step
        return forms.WIZARD_STEPS[step](data, initial=self.data.get(step, {}), user=self.request.user,
                                        wizard=self.data, **extra)

    def get_context_data(self, **kwargs):
        kwargs.pop("step", None)
        index = forms.STEP_ORDER.index(self.step)
        context = {
            "steps": [(s, forms.WIZARD_STEPS[s].title if s in forms.WIZARD_STEPS else "Review")
                      for s in forms.STEP_ORDER],
            "step": self.step, "index": index, "previous": forms.STEP_ORDER[index - 1] if index else None,
            "title": "Add Instance",
        }
        if self.step == forms.REVIEW:
            context["summary"] = [(forms.WIZARD_STEPS[s].title, s, self.form(s).summary())
                                  for s in forms.WIZARD_STEPS]
            context["can_plan"] = forms.can_plan(self.request.user)
            context["error"] = kwargs.pop("error", None)
        else:
            form = kwargs.pop("form", None) or self.form_with_stored_errors()
            context.update(form=form, tabs=forms.TEMPLATE_TABS if self.step == "image" else None)
        return super().get_context_data(**context, **kwargs)

    def form_with_stored_errors(self):
        """The step's form; after a refused launch, bound to what was chosen
        and showing the service's error on its field."""
        extra = {"tab": self.request.GET.get("tab", "")} if self.step == "image" else {}
        errors = self.data.get(ERRORS_KEY, {}).pop(self.step, None)
        if not errors:
            return self.form(**extra)
        save_wizard(self.request, self.data)
        form = self.form(data=self.data.get(self.step, {}), **extra)
        form.is_valid()
        for field, message in errors.items():
            form.add_error(field if field in form.fields else None, message)
        return form

    def post(self, request, *args, **kwargs):
        if self.step == forms.REVIEW:
            return self.launch()
        index = forms.STEP_ORDER.index(self.step)
        if "back" in request.POST:
            return self.go_to_step(forms.STEP_ORDER[index - 1])
        form = self.form(data=request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        previous, self.data[self.step] = self.data.get(self.step, {}), form.cleaned_data
        self.forget_dependents(previous)
        save_wizard(request, self.data)
        return self.go_to_step(forms.STEP_ORDER[index + 1])

    def forget_dependents(self, previous: dict) -> None:
        """Another zone changes what the later steps may offer; switching
        between a template and an ISO changes what the disk step asks."""
        chosen = self.data[self.step]
        if self.step == "zone" and previous.get("zoneid") != chosen["zoneid"]:
            for step in ("image", "network"):
                self.data.pop(step, None)
        if self.step == "image" and bool(previous.get("isoid")) != bool(chosen["isoid"]):
            self.data.pop("disk", None)

    def go_to_step(self, step: str):
        """After a POST: the step's page (redirected to; through HTMX, the
        step is answered at once and the address bar follows)."""
        if not self.request.headers.get("HX-Request"):
            return redirect("compute:instance_add_step", step=step)
        self.step = step
        response = self.render_to_response(self.get_context_data())
        response["HX-Push-Url"] = reverse("compute:instance_add_step", args=[step])
        return response

    def launch(self):
        missing = self.first_missing()
        if missing is not None:
            return redirect("compute:instance_add_step", step=missing)
        user = self.request.user
        try:
            params = deploy_params(self.data)
            command, parsed = prepare(user, "deployVirtualMachine", params)
            job = submit_job(user, command, parsed)
        except CloudStackError as exc:
            return self.refused(exc)
        self.request.session.pop(WIZARD_SESSION_KEY, None)
        vm = VirtualMachine.objects.filter(uuid=job.instance_uuid).select_related("template").first()
        if job.status == AsyncJob.Status.FAILED:
            messages.error(self.request, f"Instance {vm.name if vm else ''} could not be deployed: "
                                         f"{job.result['errortext']}")
        else:
            messages.success(self.request, f"Instance {vm.name} is being deployed: it shows Starting, then Running.")
            if vm.template.password_enabled:
                _remember_password_job(self.request, job)
        url = reverse("compute:instances")
        if self.request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return redirect(url)

    def refused(self, exc: CloudStackError):
        """Back to the step and field the refusal names; the review shows
        the others (capacity, a disabled zone...)."""
        step, field = forms.PARAM_STEPS.get(exc.field or "", (forms.REVIEW, None))
        if step == forms.REVIEW:
            return self.render_to_response(self.get_context_data(error=exc.message))
        self.data.setdefault(ERRORS_KEY, {})[step] = {field: exc.message}
        save_wizard(self.request, self.data)
        return self.go_to_step(step)


class InstanceWizardResetView(CommandPermissionMixin, TemplateView):
    command = "deployVirtualMachine"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        request.session.pop(WIZARD_SESSION_KEY, None)
        return redirect("compute:instance_add_step", step=forms.STEP_ORDER[0])


class InstanceWizardPlanView(CommandPermissionMixin, TemplateView):
    """Root admins: where the planner would put the instance the wizard
    holds (planVirtualMachineDeployment, a dry run), and why."""

    command = "planVirtualMachineDeployment"
    template_name = "compute/wizard/plan.html"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        params = {k: v for k, v in deploy_params(load_wizard(request)).items()
                  if k in ("zoneid", "serviceofferingid", "templateid", "diskofferingid", "size")}
        try:
            plan, error = invoke(request.user, "planVirtualMachineDeployment", params), None
        except CloudStackError as exc:
            plan, error = None, exc.message
        return render(request, self.template_name, {"plan": plan, "error": error})
