"""List columns of the volume and snapshot pages."""
import django_tables2 as tables
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html

from cloudstack_ui.ui.actions import available_actions
from compute.models import Snapshot, Volume
from infrastructure.tables import Meta

STATE_BADGES = {Volume.State.READY: "success", Volume.State.ALLOCATED: "secondary", Volume.State.ERROR: "danger",
                Snapshot.State.BACKED_UP: "success", Snapshot.State.CREATING: "info"}
# States a volume or snapshot passes through: pages showing one refresh themselves.
TRANSITIONAL = (Volume.State.CREATING, Volume.State.ATTACHING, Volume.State.RESIZING, Volume.State.SNAPSHOTTING,
                Volume.State.REVERTING, Volume.State.EXPUNGING, Snapshot.State.CREATING)


def state_badge(state: str):
    spinner = ('<span class="spinner-border spinner-border-sm me-1" aria-hidden="true"></span>'
               if state in TRANSITIONAL else "")
    return format_html('<span class="badge text-bg-{}" data-state="{}">' + spinner + "{}</span>",
                       STATE_BADGES.get(state, "info"), state, state)


class _WithActions(tables.Table):
    actions = tables.Column(empty_values=(), verbose_name="", orderable=False)

    def __init__(self, *args, row_actions=(), **kwargs):
        user = kwargs["request"].user
        exclude = [name for name, shown in (("account", user.is_root_admin or user.is_domain_admin),
                                            ("storage_pool", user.is_root_admin)) if not shown]
        super().__init__(*args, exclude=exclude, **kwargs)
        self.user = user
        self.row_actions = row_actions

    def render_state(self, value):
        return state_badge(value)

    def render_actions(self, record):
        return render_to_string("compute/partials/row_actions.html",
                                {"actions": available_actions(self.row_actions, record, self.user)})


class VolumeTable(_WithActions):
    name = tables.LinkColumn("compute:volume_detail", args=[tables.A("uuid")], verbose_name="Name")
    state = tables.Column(verbose_name="State")
    volume_type = tables.Column(verbose_name="Type")
    size = tables.TemplateColumn("{{ record.size|filesizeformat }}", verbose_name="Size")
    instance = tables.Column(accessor="instance__name", verbose_name="Instance", default="—")
    device_id = tables.Column(verbose_name="Device", default="—")
    zone = tables.Column(accessor="zone__name", verbose_name="Zone")
    storage_pool = tables.Column(accessor="storage_pool__name", verbose_name="Primary storage", default="—")
    account = tables.Column(accessor="account__name", verbose_name="Account")
    created = tables.DateTimeColumn(verbose_name="Created", format="Y-m-d H:i")

    class Meta(Meta):
        empty_text = "No volumes. Add one with Add volume."
        row_attrs = {"data-volume": lambda record: record.name}
        sequence = ("name", "state", "volume_type", "size", "instance", "device_id", "zone", "storage_pool",
                    "account", "created", "actions")

    def render_instance(self, value, record):
        return format_html('<a href="{}">{}</a>', reverse("compute:instance_detail", args=[record.instance.uuid]),
                           value)


class SnapshotTable(_WithActions):
    name = tables.Column(verbose_name="Name")
    state = tables.Column(verbose_name="State")
    volume_name = tables.Column(verbose_name="Volume")
    volume_type = tables.Column(verbose_name="Volume type")
    interval_type = tables.Column(verbose_name="Type")
    size = tables.TemplateColumn("{{ record.size|filesizeformat }}", verbose_name="Size")
    zone = tables.Column(accessor="zone__name", verbose_name="Zone")
    account = tables.Column(accessor="account__name", verbose_name="Account")
    created = tables.DateTimeColumn(verbose_name="Created", format="Y-m-d H:i")

    class Meta(Meta):
        empty_text = "No snapshots. Take one from a volume's page."
        row_attrs = {"data-snapshot": lambda record: record.name}
        sequence = ("name", "state", "volume_name", "volume_type", "interval_type", "size", "zone", "account",
                    "created", "actions")

    def render_volume_name(self, value, record):
        volume = record.volume
        if volume is None or volume.removed is not None:
            return value
        return format_html('<a href="{}">{}</a>', reverse("compute:volume_detail", args=[volume.uuid]), value)
