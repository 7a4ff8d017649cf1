"""List columns of the infrastructure pages."""
import django_tables2 as tables
from django.utils.html import format_html

BADGES = {"Enabled": "success", "Up": "success", "Disabled": "secondary", "Down": "danger", "Alert": "warning",
          "Maintenance": "warning", "PrepareForMaintenance": "warning", "Disconnected": "danger",
          "Unmanaged": "secondary", "Managed": "success"}


def badge(value):
    return format_html('<span class="badge text-bg-{}">{}</span>', BADGES.get(value, "light"), value)


class BadgeColumn(tables.Column):
    def render(self, value):
        return badge(value)


class Meta:
    attrs = {"class": "table table-hover align-middle"}


class ZoneTable(tables.Table):
    name = tables.LinkColumn("infrastructure:zone_detail", args=[tables.A("uuid")], verbose_name="Name")
    network_type = tables.Column(verbose_name="Network type")
    hypervisor = tables.Column(verbose_name="Hypervisor")
    allocation_state = BadgeColumn(verbose_name="Allocation state")

    class Meta(Meta):
        empty_text = "No zones yet: add one with the wizard."


class PodTable(tables.Table):
    name = tables.LinkColumn("infrastructure:pod_detail", args=[tables.A("uuid")], verbose_name="Name")
    zone = tables.Column(accessor="zone__name", verbose_name="Zone")
    gateway = tables.Column(verbose_name="Gateway")
    netmask = tables.Column(verbose_name="Netmask")
    reserved = tables.TemplateColumn("{{ record.start_ip }} – {{ record.end_ip }}", verbose_name="Reserved system IPs",
                                     orderable=False)
    allocation_state = BadgeColumn(verbose_name="Allocation state")

    class Meta(Meta):
        empty_text = "No pods."


class ClusterTable(tables.Table):
    name = tables.LinkColumn("infrastructure:cluster_detail", args=[tables.A("uuid")], verbose_name="Name")
    pod = tables.Column(accessor="pod__name", verbose_name="Pod")
    zone = tables.Column(accessor="zone__name", verbose_name="Zone")
    hypervisor = tables.Column(verbose_name="Hypervisor")
    allocation_state = BadgeColumn(verbose_name="Allocation state")
    managed_state = BadgeColumn(verbose_name="Managed state")

    class Meta(Meta):
        empty_text = "No clusters."


class HostTable(tables.Table):
    name = tables.LinkColumn("infrastructure:host_detail", args=[tables.A("uuid")], verbose_name="Name")
    state = BadgeColumn(verbose_name="State")
    resource_state = BadgeColumn(verbose_name="Resource state")
    ip_address = tables.Column(verbose_name="IP address")
    cluster = tables.Column(accessor="cluster__name", verbose_name="Cluster")
    zone = tables.Column(accessor="zone__name", verbose_name="Zone")
    hypervisor = tables.Column(verbose_name="Hypervisor")

    class Meta(Meta):
        empty_text = "No hosts."


class StoragePoolTable(tables.Table):
    name = tables.LinkColumn("infrastructure:storagepool_detail", args=[tables.A("uuid")], verbose_name="Name")
    state = BadgeColumn(verbose_name="State")
    protocol = tables.Column(verbose_name="Protocol")
    server = tables.Column(verbose_name="Server")
    path = tables.Column(verbose_name="Path")
    scope = tables.Column(verbose_name="Scope")
    cluster = tables.Column(accessor="cluster__name", verbose_name="Cluster", default="—")
    zone = tables.Column(accessor="zone__name", verbose_name="Zone")
    tags = tables.Column(verbose_name="Tags")

    class Meta(Meta):
        empty_text = "No primary storage."


class ImageStoreTable(tables.Table):
    name = tables.Column(verbose_name="Name")
    protocol = tables.Column(verbose_name="Protocol")
    url = tables.Column(verbose_name="URL")
    zone = tables.Column(accessor="zone__name", verbose_name="Zone")
    actions = tables.TemplateColumn(
        '<a class="btn btn-sm btn-outline-danger" href="{% url \'infrastructure:imagestore_delete\' record.uuid %}" '
        'hx-get="{% url \'infrastructure:imagestore_delete\' record.uuid %}" hx-target="#action-modal-content">'
        '<i class="bi bi-trash"></i> Delete</a>', verbose_name="", orderable=False)

    class Meta(Meta):
        empty_text = "No secondary storage."
