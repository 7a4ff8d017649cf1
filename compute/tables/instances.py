"""List columns of the instance pages."""
import django_tables2 as tables
from django.template.loader import render_to_string
from django.utils.html import format_html

from cloudstack_ui.ui.actions import available_actions
from compute.models import VirtualMachine
from compute.services.instances import BUSY_STATES
from infrastructure.tables import Meta

State = VirtualMachine.State
STATE_BADGES = {State.RUNNING: "success", State.STOPPED: "secondary", State.STARTING: "info",
                State.STOPPING: "info", State.MIGRATING: "info", State.RESTORING: "info", State.DESTROYING: "dark",
                State.EXPUNGING: "dark", State.DESTROYED: "dark", State.ERROR: "danger"}
# States an instance passes through on its way to another: pages showing
# one refresh themselves until it arrives.
TRANSITIONAL = BUSY_STATES


def state_badge(state: str):
    spinner = ('<span class="spinner-border spinner-border-sm me-1" aria-hidden="true"></span>'
               if state in TRANSITIONAL else "")
    return format_html('<span class="badge text-bg-{}" data-state="{}">' + spinner + "{}</span>",
                       STATE_BADGES.get(state, "light"), state, state)


def default_address(vm) -> str:
    """The address of the instance's default NIC (from its prefetched NICs)."""
    return next((nic.guest_ip.address for nic in vm.nics.all() if nic.is_default), "")


class InstanceTable(tables.Table):
    name = tables.LinkColumn("compute:instance_detail", args=[tables.A("uuid")], verbose_name="Name")
    display_name = tables.Column(verbose_name="Display name")
    state = tables.Column(verbose_name="State")
    ipaddress = tables.Column(empty_values=(), verbose_name="IP address", orderable=False)
    zone = tables.Column(accessor="zone__name", verbose_name="Zone")
    template = tables.Column(accessor="template__name", verbose_name="Template / ISO")
    service_offering = tables.Column(accessor="service_offering__name", verbose_name="Offering")
    host = tables.Column(accessor="host__name", verbose_name="Host", default="—")
    account = tables.Column(accessor="account__name", verbose_name="Account")
    created = tables.DateTimeColumn(verbose_name="Created", format="Y-m-d H:i")
    actions = tables.Column(empty_values=(), verbose_name="", orderable=False)

    class Meta(Meta):
        empty_text = "No instances. Add one with Add Instance."
        row_attrs = {"data-instance": lambda record: record.name}

    def __init__(self, *args, row_actions=(), **kwargs):
        user = kwargs["request"].user
        exclude = ([] if user.is_root_admin else ["host"]) + (
            [] if user.is_root_admin or user.is_domain_admin else ["account"])
        super().__init__(*args, exclude=exclude, **kwargs)
        self.user = user
        self.row_actions = row_actions

    def render_state(self, value):
        return state_badge(value)

    def render_ipaddress(self, record):
        return default_address(record) or "—"

    def render_actions(self, record):
        return render_to_string("compute/partials/row_actions.html",
                                {"actions": available_actions(self.row_actions, record, self.user)})


class NicTable(tables.Table):
    """listNics answers, rendered with their serializer's names."""

    networkname = tables.Column(verbose_name="Network", orderable=False)
    ipaddress = tables.Column(verbose_name="IP address", orderable=False)
    macaddress = tables.Column(verbose_name="MAC address", orderable=False)
    isdefault = tables.BooleanColumn(verbose_name="Default", orderable=False)
    gateway = tables.Column(verbose_name="Gateway", orderable=False)
    netmask = tables.Column(verbose_name="Netmask", orderable=False)
    deviceid = tables.Column(verbose_name="Device", orderable=False)
    securitygroupsrulesstate = tables.Column(verbose_name="Security rules", orderable=False)

    class Meta(Meta):
        empty_text = "No NICs: the instance gets them when it is first started."

    def render_securitygroupsrulesstate(self, value, record):
        """Applied, or Error with the host's reason: the rules are not enforced."""
        if value != "Error":
            return value
        return format_html('<span class="badge text-bg-danger">Error</span> {}',
                           record.get("securitygroupsrulesreason", ""))

    def render_networkname(self, value, record):
        from django.urls import reverse

        return format_html('<a href="{}">{}</a>', reverse("network:network_detail", args=[record["networkid"]]), value)


class InstanceVolumeTable(tables.Table):
    name = tables.LinkColumn("compute:volume_detail", args=[tables.A("uuid")], verbose_name="Name")
    volume_type = tables.Column(verbose_name="Type")
    state = tables.Column(verbose_name="State")
    size = tables.TemplateColumn("{{ record.size|filesizeformat }}", verbose_name="Size")
    device_id = tables.Column(verbose_name="Device")
    storage_pool = tables.Column(accessor="storage_pool__name", verbose_name="Primary storage", default="—")

    class Meta(Meta):
        empty_text = "No volumes."

    def __init__(self, *args, show_pool: bool = False, **kwargs):
        super().__init__(*args, exclude=[] if show_pool else ["storage_pool"], **kwargs)


class ConsoleSessionTable(tables.Table):
    """Console sessions opened on an instance: who, from where, when and
    why each ended."""

    user = tables.Column(verbose_name="User", orderable=False)
    client_address = tables.Column(verbose_name="From", orderable=False)
    used = tables.DateTimeColumn(verbose_name="Opened", orderable=False)
    ended = tables.DateTimeColumn(verbose_name="Ended", orderable=False, default="open")
    end_reason = tables.Column(verbose_name="Why it ended", orderable=False)

    class Meta(Meta):
        empty_text = "No console session was opened on this instance."
