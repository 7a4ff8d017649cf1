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


class NetworkPublicIpTable(tables.Table):
    """An isolated network's public IP addresses (listPublicIpAddresses)."""

    address = tables.LinkColumn("network:publicip_detail", args=[tables.A("uuid")], verbose_name="IP address",
                                orderable=False)
    is_source_nat = tables.BooleanColumn(verbose_name="Source NAT", orderable=False)
    static_nat = tables.Column(empty_values=(), verbose_name="Static NAT", orderable=False)
    state = BadgeColumn(verbose_name="State", orderable=False)

    class Meta(Meta):
        empty_text = "No public IP addresses: the source NAT one comes when the first instance starts."

    def render_static_nat(self, record):
        if record.static_nat_ip_id is None:
            return "—"
        return f"{record.static_nat_ip.nic.instance.name} ({record.static_nat_ip.address})"


class NetworkNicTable(tables.Table):
    """The NICs of a network's instances."""

    instance = tables.LinkColumn("compute:instance_detail", args=[tables.A("instance__uuid")],
                                 accessor="instance__name", verbose_name="Instance", orderable=False)
    state = BadgeColumn(accessor="instance__state", verbose_name="State", orderable=False)
    address = tables.Column(accessor="guest_ip__address", verbose_name="IP address", orderable=False)
    mac = tables.Column(accessor="guest_ip__mac_address", verbose_name="MAC address", orderable=False)
    is_default = tables.BooleanColumn(verbose_name="Default NIC", orderable=False)

    class Meta(Meta):
        empty_text = "No instances on this network."


class RouterTable(tables.Table):
    """listRouters answers: where each router runs and its addresses."""

    name = tables.LinkColumn("network:router_detail", args=[tables.A("uuid")], verbose_name="Name")
    state = BadgeColumn(verbose_name="State")
    network = tables.LinkColumn("network:network_detail", args=[tables.A("network__uuid")],
                                accessor="network__name", verbose_name="Network")
    account = tables.Column(accessor="network__account__name", verbose_name="Account", default="—")
    public_ip = tables.Column(empty_values=(), verbose_name="Public IP", orderable=False)
    guest_ip = tables.Column(accessor="network__gateway", verbose_name="Guest IP")
    host = tables.Column(accessor="host__name", verbose_name="Host", default="—")
    zone = tables.Column(accessor="zone__name", verbose_name="Zone")

    class Meta(Meta):
        empty_text = "No virtual routers: an isolated network gets one when its first instance starts."

    def render_public_ip(self, record):
        """The source NAT address, from the prefetched public IPs."""
        return next((ip.address for ip in record.network.public_ips.all() if ip.is_source_nat), "—")
