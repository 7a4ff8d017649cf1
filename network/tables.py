"""List columns of the physical network and IP range pages."""
import django_tables2 as tables
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from infrastructure.tables import BadgeColumn, Meta


class PhysicalNetworkTable(tables.Table):
    name = tables.Column(verbose_name="Name")
    zone = tables.Column(accessor="zone__name", verbose_name="Zone")
    isolation_methods = tables.Column(verbose_name="Isolation")
    vlan = tables.Column(verbose_name="Guest VLAN ranges")
    traffic = tables.Column(empty_values=(), verbose_name="Traffic types (KVM / XenServer / VMware labels)",
                            orderable=False)
    state = BadgeColumn(verbose_name="State")

    class Meta(Meta):
        empty_text = "No physical networks."

    def render_traffic(self, record):
        return format_html_join(
            mark_safe("<br>"), "{}: {} / {} / {}",
            ((t.traffic_type, t.kvm_label or "—", t.xen_label or "—", t.vmware_label or "—")
             for t in record.traffic_types.all()),
        ) or "—"


class IpRangeTable(tables.Table):
    range = tables.TemplateColumn("{{ record.start_ip }} – {{ record.end_ip }}", verbose_name="Range", orderable=False)
    gateway = tables.Column(verbose_name="Gateway")
    netmask = tables.Column(verbose_name="Netmask")
    vlan = tables.Column(verbose_name="VLAN")
    kind = tables.Column(empty_values=(), verbose_name="Kind", orderable=False)
    pod = tables.Column(accessor="pod__name", verbose_name="Pod", default="—")
    actions = tables.TemplateColumn(
        '<a class="btn btn-sm btn-outline-danger" href="{% url \'network:iprange_delete\' record.uuid %}" '
        'hx-get="{% url \'network:iprange_delete\' record.uuid %}" hx-target="#action-modal-content">'
        '<i class="bi bi-trash"></i> Delete</a>', verbose_name="", orderable=False)

    class Meta(Meta):
        empty_text = "No IP ranges."

    def render_kind(self, record):
        return "Public" if record.for_virtual_network else "Guest (pod)"
