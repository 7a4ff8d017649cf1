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


class NetworkTable(tables.Table):
    name = tables.LinkColumn("network:network_detail", args=[tables.A("uuid")], verbose_name="Name")
    zone = tables.Column(accessor="zone__name", verbose_name="Zone")
    type = tables.Column(accessor="offering__guest_ip_type", verbose_name="Type")
    cidr = tables.Column(verbose_name="CIDR", default="per pod")
    vlan = tables.Column(verbose_name="VLAN")
    scope = tables.Column(empty_values=(), verbose_name="Open to", orderable=False)
    offering = tables.Column(accessor="offering__name", verbose_name="Offering")
    state = BadgeColumn(verbose_name="State")

    class Meta(Meta):
        empty_text = "No guest networks."

    def render_scope(self, record):
        return record.scope_text


class NetworkOfferingTable(tables.Table):
    name = tables.Column(verbose_name="Name")
    display_text = tables.Column(verbose_name="Description")
    guest_ip_type = tables.Column(verbose_name="Guest type")
    services = tables.Column(empty_values=(), verbose_name="Services (providers)", orderable=False)
    availability = tables.Column(verbose_name="Availability")
    state = BadgeColumn(verbose_name="State")

    class Meta(Meta):
        empty_text = "No network offerings."

    def render_services(self, record):
        return ", ".join(f"{service} ({', '.join(providers)})" for service, providers in sorted(record.services.items()))


class GuestRangeUsageTable(tables.Table):
    range = tables.TemplateColumn("{{ record.start_ip }} – {{ record.end_ip }}", verbose_name="Range", orderable=False)
    pod = tables.Column(accessor="pod__name", verbose_name="Pod", default="—")
    gateway = tables.Column(verbose_name="Gateway")
    netmask = tables.Column(verbose_name="Netmask")
    usage = tables.TemplateColumn(
        '{{ record.used }} of {{ record.size }} in use'
        '<div class="progress mt-1" style="height: .4rem" role="progressbar" aria-label="addresses in use">'
        '<div class="progress-bar" style="width: {% widthratio record.used record.size 100 %}%"></div></div>',
        verbose_name="Addresses", orderable=False)

    class Meta(Meta):
        empty_text = "No IP ranges."


class SecurityGroupTable(tables.Table):
    name = tables.LinkColumn("network:securitygroup_detail", args=[tables.A("uuid")], verbose_name="Name")
    description = tables.Column(verbose_name="Description")
    account = tables.Column(accessor="account__name", verbose_name="Account")
    domain = tables.Column(accessor="account__domain__name", verbose_name="Domain")

    class Meta(Meta):
        empty_text = "No security groups."
