"""Infrastructure pages: overview, lists, details and dialogs. Every
dialog runs one registered command; the rules are the services'."""
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.forms import PasswordInput
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import TemplateView
from django_tables2 import RequestConfig

from cloudstack_ui.api.registry import invoke, prepare
from cloudstack_ui.crypto import decrypt, encrypt
from cloudstack_ui.errors import CloudStackError
from cloudstack_ui.jobs.services import submit_job
from cloudstack_ui.ui.forms import ConfirmForm
from cloudstack_ui.ui.views import CommandFormView, CommandListView, CommandPermissionMixin
from infrastructure import forms, tables, wizard
from infrastructure.lookups import find
from infrastructure.models import Capacity, Cluster, Host, ImageStore, Pod, StoragePool, Zone

# The infrastructure pages are the operator's: they need what only root
# admins may call by default, whatever the page's own list command.
OPERATOR_COMMANDS = ("listHosts", "listPhysicalNetworks")


class OverviewView(CommandPermissionMixin, TemplateView):
    """Counts of everything, each linking to its list (CloudStack's Infrastructure page)."""

    command = "listZones"
    also_requires = OPERATOR_COMMANDS
    template_name = "infrastructure/overview.html"

    def get_context_data(self, **kwargs):
        counts = [
            ("Zones", Zone.objects.count(), "infrastructure:zones", "globe"),
            ("Pods", Pod.objects.count(), "infrastructure:pods", "hdd-rack"),
            ("Clusters", Cluster.objects.count(), "infrastructure:clusters", "diagram-2"),
            ("Hosts", Host.objects.count(), "infrastructure:hosts", "pc-display"),
            ("Primary storage", StoragePool.objects.count(), "infrastructure:storagepools", "device-hdd"),
            ("Secondary storage", ImageStore.objects.count(), "infrastructure:imagestores", "archive"),
            ("Physical networks", invoke(self.request.user, "listPhysicalNetworks").count(),
             "network:physicalnetworks", "ethernet"),
            ("Network offerings", invoke(self.request.user, "listNetworkOfferings").count(),
             "network:networkofferings", "card-list"),
            ("Virtual routers", invoke(self.request.user, "listRouters").count(), "network:routers", "router"),
        ]
        return super().get_context_data(counts=[(label, n, reverse(url), icon) for label, n, url, icon in counts],
                                         **kwargs)


def _list_view(command, table, title, create=()):
    return type(f"{command}View", (CommandListView,), {
        "command": command, "table_class": table, "filter_form_class": forms.KeywordFilter, "title": title,
        "create_actions": create, "also_requires": OPERATOR_COMMANDS,
    })


ZoneListView = _list_view("listZones", tables.ZoneTable, "Zones")
PodListView = _list_view("listPods", tables.PodTable, "Pods")
ClusterListView = _list_view("listClusters", tables.ClusterTable, "Clusters")
HostListView = _list_view("listHosts", tables.HostTable, "Hosts")
StoragePoolListView = _list_view("listStoragePools", tables.StoragePoolTable, "Primary storage")
ImageStoreListView = _list_view("listImageStores", tables.ImageStoreTable, "Secondary storage")


class DetailView(CommandPermissionMixin, TemplateView):
    """One object: its fields, its actions, and tables of its children."""

    template_name = "infrastructure/detail.html"
    also_requires = OPERATOR_COMMANDS
    model = None
    kind = ""
    actions: tuple = ()

    def get_fields(self, obj) -> list[tuple[str, object]]:
        return []

    def get_children(self, obj) -> list[tuple[str, object]]:
        return []

    def get_sections(self, obj) -> dict:
        """Extra context for a detail page's own `section_template`."""
        return {}

    section_template = ""

    def get_context_data(self, **kwargs):
        obj = find(self.model, self.kwargs["uuid"], "id")
        children = []
        for title, table in self.get_children(obj):
            RequestConfig(self.request, paginate={"per_page": 10}).configure(table)
            children.append((title, table))
        actions = [{"label": label, "url": reverse(url, args=[obj.uuid]), "icon": icon, "danger": danger}
                   for label, url, icon, danger, show in self.actions if show(obj)]
        return super().get_context_data(object=obj, kind=self.kind, fields=self.get_fields(obj), children=children,
                                        actions=actions, section_template=self.section_template,
                                        **self.get_sections(obj), **kwargs)


def always(obj):
    return True


def enabled(obj):
    return obj.allocation_state == "Enabled"


def disabled(obj):
    return obj.allocation_state == "Disabled"


class ZoneDetailView(DetailView):
    command = "listZones"
    model = Zone
    kind = "Zone"
    actions = (
        ("Enable zone", "infrastructure:zone_enable", "check-circle", False, disabled),
        ("Disable zone", "infrastructure:zone_disable", "slash-circle", True, enabled),
        ("Add pod", "infrastructure:pod_add", "plus-lg", False, always),
        ("Add secondary storage", "infrastructure:imagestore_add", "archive", False, always),
        ("Add public IP range", "network:public_range_add", "plus-lg", False,
         lambda z: z.network_type == Zone.NetworkType.ADVANCED),
        ("Delete", "infrastructure:zone_delete", "trash", True, always),
    )

    def get_fields(self, zone):
        return [("Network type", zone.network_type), ("Allocation state", zone.allocation_state),
                ("Hypervisor", zone.hypervisor or "—"), ("DNS", ", ".join(filter(None, [zone.dns1, zone.dns2]))),
                ("Internal DNS", ", ".join(filter(None, [zone.internal_dns1, zone.internal_dns2]))),
                ("Guest CIDR", zone.guest_cidr or "—"), ("Network domain", zone.network_domain or "—"),
                ("Dedicated to", zone.domain.full_path if zone.domain else "Public"),
                ("Security groups", "Enabled" if zone.security_groups_enabled else "Disabled"), ("ID", zone.uuid)]

    def get_children(self, zone):
        from network.tables import IpRangeTable, PhysicalNetworkTable

        return [
            ("Physical networks", PhysicalNetworkTable(
                invoke(self.request.user, "listPhysicalNetworks", {"zoneid": zone.uuid}).prefetch_related(
                    "traffic_types"), prefix="net-")),
            ("IP ranges", IpRangeTable(invoke(self.request.user, "listVlanIpRanges", {"zoneid": zone.uuid}),
                                       prefix="ip-")),
            ("Pods", tables.PodTable(invoke(self.request.user, "listPods", {"zoneid": zone.uuid}), prefix="pod-")),
            ("Clusters", tables.ClusterTable(invoke(self.request.user, "listClusters", {"zoneid": zone.uuid}),
                                             prefix="cl-")),
            ("Hosts", tables.HostTable(invoke(self.request.user, "listHosts", {"zoneid": zone.uuid}), prefix="h-")),
            ("Primary storage", tables.StoragePoolTable(
                invoke(self.request.user, "listStoragePools", {"zoneid": zone.uuid}), prefix="ps-")),
            ("Secondary storage", tables.ImageStoreTable(
                invoke(self.request.user, "listImageStores", {"zoneid": zone.uuid}), prefix="ss-")),
        ]


class PodDetailView(DetailView):
    command = "listPods"
    model = Pod
    kind = "Pod"
    actions = (
        ("Enable", "infrastructure:pod_enable", "check-circle", False, disabled),
        ("Disable", "infrastructure:pod_disable", "slash-circle", True, enabled),
        ("Add cluster", "infrastructure:cluster_add", "plus-lg", False, always),
        ("Add guest IP range", "network:guest_range_add", "plus-lg", False,
         lambda p: p.zone.network_type == Zone.NetworkType.BASIC),
        ("Delete", "infrastructure:pod_delete", "trash", True, always),
    )

    def get_fields(self, pod):
        return [("Zone", pod.zone.name), ("Gateway", pod.gateway), ("Netmask", pod.netmask),
                ("Reserved system IPs", f"{pod.start_ip} – {pod.end_ip}"), ("Allocation state", pod.allocation_state),
                ("ID", pod.uuid)]

    def get_children(self, pod):
        return [("Clusters", tables.ClusterTable(invoke(self.request.user, "listClusters", {"podid": pod.uuid}))),
                ("Hosts", tables.HostTable(invoke(self.request.user, "listHosts", {"podid": pod.uuid}), prefix="h-"))]


class ClusterDetailView(DetailView):
    command = "listClusters"
    model = Cluster
    kind = "Cluster"
    actions = (
        ("Enable", "infrastructure:cluster_enable", "check-circle", False, disabled),
        ("Disable", "infrastructure:cluster_disable", "slash-circle", True, enabled),
        ("Manage", "infrastructure:cluster_manage", "play-circle", False, lambda c: c.managed_state == "Unmanaged"),
        ("Unmanage", "infrastructure:cluster_unmanage", "pause-circle", True, lambda c: c.managed_state == "Managed"),
        ("Add host", "infrastructure:host_add", "plus-lg", False, always),
        ("Add primary storage", "infrastructure:storagepool_add", "device-hdd", False, always),
        ("Delete", "infrastructure:cluster_delete", "trash", True, always),
    )

    def get_fields(self, cluster):
        return [("Zone", cluster.zone.name), ("Pod", cluster.pod.name), ("Hypervisor", cluster.hypervisor),
                ("Cluster type", cluster.cluster_type), ("Allocation state", cluster.allocation_state),
                ("Managed state", cluster.managed_state), ("ID", cluster.uuid)]

    def get_children(self, cluster):
        return [("Hosts", tables.HostTable(invoke(self.request.user, "listHosts", {"clusterid": cluster.uuid}))),
                ("Primary storage", tables.StoragePoolTable(
                    invoke(self.request.user, "listStoragePools", {"clusterid": cluster.uuid}), prefix="ps-"))]


def _in_maintenance(host):
    return host.resource_state in ("Maintenance", "PrepareForMaintenance")


class HostDetailView(DetailView):
    command = "listHosts"
    model = Host
    kind = "Host"
    section_template = "infrastructure/partials/host_health.html"
    actions = (
        ("Force reconnect", "infrastructure:host_reconnect", "arrow-repeat", False, always),
        ("Enable", "infrastructure:host_enable", "check-circle", False, lambda h: h.resource_state == "Disabled"),
        ("Disable", "infrastructure:host_disable", "slash-circle", True, lambda h: h.resource_state == "Enabled"),
        ("Enable maintenance mode", "infrastructure:host_maintenance", "tools", True,
         lambda h: not _in_maintenance(h)),
        ("Cancel maintenance mode", "infrastructure:host_cancel_maintenance", "x-circle", False, _in_maintenance),
        ("Delete", "infrastructure:host_delete", "trash", True, always),
    )

    def get_sections(self, host):
        capacities = {c.type: c for c in host.capacities.all()}
        return {
            "capacities": [(label, capacities.get(kind)) for label, kind in
                           (("CPU", Capacity.Type.CPU), ("Memory", Capacity.Type.MEMORY))],
            "events": invoke(self.request.user, "listEvents", {"resourceid": host.uuid, "listall": True})[:10],
        }

    def get_fields(self, host):
        return [("State", host.state), ("Resource state", host.resource_state), ("Zone", host.zone.name),
                ("Pod", host.pod.name), ("Cluster", host.cluster.name), ("Hypervisor", host.hypervisor),
                ("Hypervisor version", host.hypervisor_version), ("URL", host.url),
                ("IP address", host.ip_address or "—"),
                ("CPU", f"{host.cpu_sockets} socket(s), {host.cpu_number} cores at {host.cpu_speed} MHz"),
                ("CPU model", host.cpu_model), ("CPU flags", host.cpu_flags),
                ("Memory", f"{host.memory / 1024 ** 3:.1f} GiB"), ("Host tags", host.tags or "—"),
                ("Last pinged", host.last_pinged), ("Last answered", host.last_answered), ("ID", host.uuid)]


class StoragePoolDetailView(DetailView):
    command = "listStoragePools"
    model = StoragePool
    kind = "Primary storage"
    actions = (
        ("Enable maintenance mode", "infrastructure:storagepool_maintenance", "tools", True,
         lambda s: s.state == "Up"),
        ("Cancel maintenance mode", "infrastructure:storagepool_cancel_maintenance", "x-circle", False,
         lambda s: s.state == "Maintenance"),
        ("Delete", "infrastructure:storagepool_delete", "trash", True, always),
    )

    def get_fields(self, pool):
        return [("State", pool.state), ("Zone", pool.zone.name), ("Cluster", pool.cluster.name if pool.cluster else "—"),
                ("Scope", pool.scope), ("Protocol", pool.get_protocol_display()), ("Server", pool.server or "—"),
                ("Path", pool.path), ("Tags", pool.tags or "—"), ("ID", pool.uuid)]


# Dialogs ---------------------------------------------------------------------------------------

class ObjectAction(CommandFormView):
    """A dialog acting on one object: the object comes from the URL, the
    command's parameters from `params` and the form."""

    model = None
    form_class = ConfirmForm
    params: dict = {}
    intro_text = ""
    done_text = ""

    def get_object(self):
        return find(self.model, self.kwargs["uuid"], "id")

    def get_intro(self):
        return self.intro_text.format(obj=self.object)

    def command_params(self, form):
        return {"id": self.object.uuid, **self.params, **super().command_params(form)}

    def success_message(self, result):
        return self.done_text.format(obj=self.object)

    def get_success_url(self, result):
        return reverse(f"infrastructure:{self.model.__name__.lower()}_detail", args=[self.object.uuid])


def _state_action(model, command, params, title, label, danger=False):
    return type(f"{command}{label}View", (ObjectAction,), {
        "model": model, "command": command, "params": params, "title": title, "submit_label": label,
        "danger": danger, "intro_text": f"{title}: {{obj.name}}?", "done_text": f"{title}: {{obj.name}}, done.",
    })


ZoneEnableView = _state_action(Zone, "updateZone", {"allocationstate": "Enabled"}, "Enable zone", "Enable")
ZoneDisableView = _state_action(Zone, "updateZone", {"allocationstate": "Disabled"}, "Disable zone", "Disable", True)
PodEnableView = _state_action(Pod, "updatePod", {"allocationstate": "Enabled"}, "Enable pod", "Enable")
PodDisableView = _state_action(Pod, "updatePod", {"allocationstate": "Disabled"}, "Disable pod", "Disable", True)
ClusterEnableView = _state_action(Cluster, "updateCluster", {"allocationstate": "Enabled"}, "Enable cluster", "Enable")
ClusterDisableView = _state_action(Cluster, "updateCluster", {"allocationstate": "Disabled"}, "Disable cluster",
                                   "Disable", True)
ClusterManageView = _state_action(Cluster, "updateCluster", {"managedstate": "Managed"}, "Manage cluster", "Manage")
ClusterUnmanageView = _state_action(Cluster, "updateCluster", {"managedstate": "Unmanaged"}, "Unmanage cluster",
                                    "Unmanage", True)
HostEnableView = _state_action(Host, "updateHost", {"allocationstate": "Enable"}, "Enable host", "Enable")
HostDisableView = _state_action(Host, "updateHost", {"allocationstate": "Disable"}, "Disable host", "Disable", True)
HostMaintenanceView = _state_action(Host, "prepareHostForMaintenance", {}, "Enable maintenance mode", "Enable", True)
HostCancelMaintenanceView = _state_action(Host, "cancelHostMaintenance", {}, "Cancel maintenance mode", "Cancel")
HostReconnectView = _state_action(Host, "reconnectHost", {}, "Force reconnect", "Reconnect")
PoolMaintenanceView = _state_action(StoragePool, "enableStorageMaintenance", {}, "Enable maintenance mode",
                                    "Enable", True)
PoolCancelMaintenanceView = _state_action(StoragePool, "cancelStorageMaintenance", {}, "Cancel maintenance mode",
                                          "Cancel")


class DeleteAction(ObjectAction):
    danger = True
    submit_label = "Delete"
    list_url = ""

    def get_intro(self):
        return f"Delete {self.object}? This cannot be undone."

    def success_message(self, result):
        return f"{self.object} deleted."

    def get_success_url(self, result):
        return reverse(self.list_url)


def _delete(model, command, title, list_url, params=None):
    return type(f"{command}View", (DeleteAction,), {"model": model, "command": command, "title": title,
                                                     "list_url": list_url, "params": params or {}})


ZoneDeleteView = _delete(Zone, "deleteZone", "Delete zone", "infrastructure:zones")
PodDeleteView = _delete(Pod, "deletePod", "Delete pod", "infrastructure:pods")
ClusterDeleteView = _delete(Cluster, "deleteCluster", "Delete cluster", "infrastructure:clusters")
HostDeleteView = _delete(Host, "deleteHost", "Delete host", "infrastructure:hosts", {"forced": False})
StoragePoolDeleteView = _delete(StoragePool, "deleteStoragePool", "Delete primary storage",
                                "infrastructure:storagepools")
ImageStoreDeleteView = _delete(ImageStore, "deleteImageStore", "Delete secondary storage", "infrastructure:imagestores")


class ZoneCreateView(CommandFormView):
    """A zone on its own (the add-zone wizard builds a complete one)."""

    command = "createZone"
    form_class = forms.ZoneForm
    title = "Add zone"

    def success_message(self, zone):
        return f"Zone {zone.name} created (Disabled until you enable it)."

    def get_success_url(self, zone):
        return reverse("infrastructure:zone_detail", args=[zone.uuid])


class ChildCreateView(CommandFormView):
    """A dialog adding a child to the object in the URL."""

    parent_model = None

    def get_object(self):
        return find(self.parent_model, self.kwargs["uuid"], "id")

    def get_success_url(self, result):
        created = result[0] if isinstance(result, list) else result
        return reverse(f"infrastructure:{type(created).__name__.lower()}_detail", args=[created.uuid])


class PodAddView(ChildCreateView):
    command = "createPod"
    parent_model = Zone
    form_class = forms.PodForm
    title = "Add pod"

    def command_params(self, form):
        return {"zoneid": self.object.uuid, **super().command_params(form)}

    def success_message(self, pod):
        return f"Pod {pod.name} added."


class ClusterAddView(ChildCreateView):
    command = "addCluster"
    parent_model = Pod
    form_class = forms.ClusterForm
    title = "Add cluster"

    def get_initial(self):
        return {"hypervisor": self.object.zone.hypervisor or "Simulator"}

    def command_params(self, form):
        return {"zoneid": self.object.zone.uuid, "podid": self.object.uuid, **super().command_params(form)}

    def success_message(self, result):
        return f"Cluster {result[0].name} added."


class HostAddView(ChildCreateView):
    command = "addHost"
    parent_model = Cluster
    form_class = forms.HostForm
    title = "Add host"
    intro = "The host must run no VM yet. Its CPU and memory are read from it."

    def command_params(self, form):
        cluster = self.object
        return {"zoneid": cluster.zone.uuid, "podid": cluster.pod.uuid, "clusterid": cluster.uuid,
                "hypervisor": cluster.hypervisor, **super().command_params(form)}

    def success_message(self, result):
        return f"Host {result[0].name} added."


class StoragePoolAddView(ChildCreateView):
    command = "createStoragePool"
    parent_model = Cluster
    form_class = forms.PrimaryStorageForm
    title = "Add primary storage"
    intro = "Adding storage destroys any data already on it."

    def command_params(self, form):
        cluster = self.object
        return {"zoneid": cluster.zone.uuid, "podid": cluster.pod.uuid, "clusterid": cluster.uuid,
                **super().command_params(form)}

    def success_message(self, pool):
        return f"Primary storage {pool.name} added."


class ImageStoreAddView(CommandFormView):
    command = "addImageStore"
    form_class = forms.SecondaryStorageForm
    title = "Add secondary storage"
    intro = "Adding storage destroys any data already on it."

    def get_object(self):
        return find(Zone, self.kwargs["uuid"], "id")

    def command_params(self, form):
        return {"zoneid": self.object.uuid, **super().command_params(form)}

    def success_message(self, store):
        return f"Secondary storage {store.name} added."

    def get_success_url(self, store):
        return reverse("infrastructure:zone_detail", args=[self.object.uuid])


# The add-zone wizard ---------------------------------------------------------------------------

WIZARD_SESSION_KEY = "zone_wizard"


def load_wizard(request) -> dict:
    """What the wizard holds; kept encrypted in the session (it has host and
    storage secrets)."""
    stored = request.session.get(WIZARD_SESSION_KEY)
    return json.loads(decrypt(stored)) if stored else {}


def save_wizard(request, data: dict) -> None:
    request.session[WIZARD_SESSION_KEY] = encrypt(json.dumps(data, cls=DjangoJSONEncoder))


class ZoneWizardView(CommandPermissionMixin, TemplateView):
    """One step per page (guide 6.3.1, 6.3.2): Next validates on the server,
    Back keeps what was entered, the summary shows it all and launches."""

    command = "launchZone"
    template_name = "infrastructure/wizard.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.data = load_wizard(request) if request.user.is_authenticated else {}
        self.steps = wizard.steps_for(self.data)
        self.step = kwargs.get("step") or "type"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and self.step not in self.steps:
            return redirect("infrastructure:zone_wizard_step", step=self.steps[0])
        return super().dispatch(request, *args, **kwargs)

    def form(self, data=None):
        return wizard.STEP_FORMS[self.step](data, initial=self.data.get(self.step), wizard=self.data)

    def get_context_data(self, **kwargs):
        kwargs.pop("step", None)
        index = self.steps.index(self.step)
        context = {"steps": [(s, wizard.STEP_FORMS[s].title if s != "summary" else "Summary") for s in self.steps],
                   "step": self.step, "index": index, "previous": self.steps[index - 1] if index else None}
        if self.step == "summary":
            context["summary"] = [(wizard.STEP_FORMS[s].title, self.summary_of(s)) for s in self.steps[:-1]]
            context["error"] = kwargs.pop("error", None)
        else:
            context["form"] = kwargs.pop("form", None) or self.form()
        return super().get_context_data(**context, **kwargs)

    def summary_of(self, step: str) -> list[tuple[str, str]]:
        form = wizard.STEP_FORMS[step](wizard=self.data)
        values = self.data.get(step, {})
        shown = []
        for name, field in form.fields.items():
            value = values.get(name)
            if value in (None, ""):
                continue
            if isinstance(field.widget, PasswordInput):
                value = "********"
            shown.append((field.label, value))
        return shown

    def post(self, request, *args, **kwargs):
        if self.step == "summary":
            return self.launch()
        form = self.form(self.with_kept_secrets(request.POST))
        if "back" in request.POST:
            self.data[self.step] = {k: v for k, v in form.data.items() if k in form.fields}
            save_wizard(request, self.data)
            return redirect("infrastructure:zone_wizard_step", step=self.steps[self.steps.index(self.step) - 1])
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        self.data[self.step] = form.cleaned_data
        save_wizard(request, self.data)
        steps = wizard.steps_for(self.data)
        return redirect("infrastructure:zone_wizard_step", step=steps[steps.index(self.step) + 1])

    def with_kept_secrets(self, posted):
        """Secrets are never sent back to the browser: a secret left blank
        keeps the one entered before."""
        data = posted.copy()
        stored = self.data.get(self.step, {})
        for name, field in wizard.STEP_FORMS[self.step].base_fields.items():
            if isinstance(field.widget, PasswordInput) and not data.get(name) and stored.get(name):
                data[name] = stored[name]
        return data

    def launch(self):
        missing = [s for s in self.steps[:-1] if s not in self.data]
        if missing:
            return redirect("infrastructure:zone_wizard_step", step=missing[0])
        try:
            command, parsed = prepare(self.request.user, "launchZone",
                                      {"plan": json.dumps(wizard.build_plan(self.data))})
            job = submit_job(self.request.user, command, parsed)
        except CloudStackError as exc:
            return self.render_to_response(self.get_context_data(error=exc.message))
        return redirect("infrastructure:zone_wizard_launch", job=job.uuid)


class ZoneWizardResetView(CommandPermissionMixin, TemplateView):
    command = "launchZone"

    def post(self, request, *args, **kwargs):
        request.session.pop(WIZARD_SESSION_KEY, None)
        return redirect("infrastructure:zone_wizard_step", step="type")


class ZoneLaunchView(CommandPermissionMixin, TemplateView):
    """The launch, item by item, live: the page polls its progress block
    while the job runs (the toast arrives too, over the event socket)."""

    command = "queryAsyncJobResult"
    template_name = "infrastructure/wizard_launch.html"

    def get_template_names(self):
        if self.request.headers.get("HX-Request"):
            return ["infrastructure/partials/launch_progress.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        job = invoke(self.request.user, "queryAsyncJobResult", {"jobid": kwargs.pop("job")})
        failed = next((item for item in job.progress_detail if item["status"] == "failed"), None)
        zone = None
        if job.status == job.Status.SUCCEEDED:
            zone = Zone.objects.filter(uuid=job.result["zone"]["id"]).first()
            self.request.session.pop(WIZARD_SESSION_KEY, None)
        return super().get_context_data(job=job, items=job.progress_detail, failed=failed, zone=zone, **kwargs)
