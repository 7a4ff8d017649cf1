"""Forms of the IP range dialogs; field names are the command parameters."""
from django import forms

from cloudstack_ui.api.registry import invoke


class PublicRangeForm(forms.Form):
    gateway = forms.CharField(label="Gateway")
    netmask = forms.CharField(label="Netmask")
    vlan = forms.CharField(label="VLAN", required=False, help_text="empty for untagged")
    startip = forms.CharField(label="Start IP")
    endip = forms.CharField(label="End IP", required=False)


class GuestRangeForm(forms.Form):
    gateway = forms.CharField(label="Guest gateway")
    netmask = forms.CharField(label="Guest netmask")
    startip = forms.CharField(label="Guest start IP")
    endip = forms.CharField(label="Guest end IP", required=False)


class NetworkForm(forms.Form):
    """createNetwork for a shared network of an Advanced zone."""

    zoneid = forms.ChoiceField(label="Zone")
    networkofferingid = forms.ChoiceField(label="Network offering")
    name = forms.CharField(label="Name", max_length=255)
    displaytext = forms.CharField(label="Description", required=False)
    vlan = forms.CharField(label="VLAN", help_text="outside the physical network's guest VLAN range")
    gateway = forms.CharField(label="Gateway")
    netmask = forms.CharField(label="Netmask")
    startip = forms.CharField(label="Start IP")
    endip = forms.CharField(label="End IP", required=False)
    domainid = forms.ChoiceField(label="Open to", required=False, help_text="the whole zone, or one domain")
    subdomainaccess = forms.BooleanField(label="Subdomains too", required=False, initial=True)
    networkdomain = forms.CharField(label="Network domain", required=False)

    def __init__(self, *args, user, **kwargs):
        from accounts.services.scope import visible_domains
        from infrastructure.models import Zone
        from network.models import NetworkOffering

        super().__init__(*args, **kwargs)
        self.fields["zoneid"].choices = [(z.uuid, z.name) for z in Zone.objects.filter(network_type="Advanced")]
        self.fields["networkofferingid"].choices = [
            (o.uuid, o.name) for o in NetworkOffering.objects.filter(guest_ip_type="Shared", state="Enabled")]
        self.fields["domainid"].choices = [("", "the whole zone")] + [
            (d.uuid, d.full_path) for d in visible_domains(user)]


class SecurityGroupForm(forms.Form):
    name = forms.CharField(label="Name", max_length=255)
    description = forms.CharField(label="Description", required=False)


class SecurityGroupRuleForm(forms.Form):
    """One row of the rule editor; the service checks every value."""

    protocol = forms.ChoiceField(label="Protocol", choices=[(p, p.upper()) for p in ("tcp", "udp", "icmp", "all")])
    startport = forms.CharField(label="Start port", required=False)
    endport = forms.CharField(label="End port", required=False)
    icmptype = forms.CharField(label="ICMP type", required=False)
    icmpcode = forms.CharField(label="ICMP code", required=False)
    cidrlist = forms.CharField(label="CIDR", required=False, initial="0.0.0.0/0")
    account = forms.CharField(label="or account", required=False)
    group = forms.CharField(label="and group", required=False)


class IsolatedNetworkForm(forms.Form):
    """createNetwork for an account's isolated network (guide 13.2): the
    router is its gateway; the subnet defaults to the zone's guest CIDR."""

    name = forms.CharField(label="Name", max_length=255)
    displaytext = forms.CharField(label="Description", required=False)
    zoneid = forms.ChoiceField(label="Zone")
    networkofferingid = forms.ChoiceField(label="Network offering")
    gateway = forms.CharField(label="Gateway", required=False, help_text="empty: the zone's guest CIDR's first address")
    netmask = forms.CharField(label="Netmask", required=False)
    networkdomain = forms.CharField(label="Network domain", required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["zoneid"].choices = [(str(z.uuid), z.name) for z in invoke(user, "listZones")
                                         if z.network_type == "Advanced"]
        self.fields["networkofferingid"].choices = [
            (str(o.uuid), o.name) for o in invoke(user, "listNetworkOfferings",
                                                  {"guestiptype": "Isolated", "state": "Enabled"})]


class NetworkEditForm(forms.Form):
    """updateNetwork's name, description and network domain."""

    name = forms.CharField(label="Name", max_length=255)
    displaytext = forms.CharField(label="Description", required=False)
    networkdomain = forms.CharField(label="Network domain", required=False)

    def __init__(self, *args, network, **kwargs):
        kwargs["initial"] = {"name": network.name, "displaytext": network.display_text,
                             "networkdomain": network.network_domain, **(kwargs.get("initial") or {})}
        super().__init__(*args, **kwargs)


class RestartNetworkForm(forms.Form):
    cleanup = forms.BooleanField(label="Clean up: destroy the router and start a new one", required=False)


PORT_PROTOCOLS = [("tcp", "TCP"), ("udp", "UDP")]


class FirewallRuleForm(forms.Form):
    """One row of an IP address's ingress firewall editor (createFirewallRule)."""

    cidrlist = forms.CharField(label="Source CIDR", required=False, initial="0.0.0.0/0")
    protocol = forms.ChoiceField(label="Protocol", choices=PORT_PROTOCOLS + [("icmp", "ICMP")])
    startport = forms.CharField(label="Start port", required=False)
    endport = forms.CharField(label="End port", required=False)
    icmptype = forms.CharField(label="ICMP type", required=False)
    icmpcode = forms.CharField(label="ICMP code", required=False)


class EgressRuleForm(forms.Form):
    """One row of a network's egress editor (createEgressFirewallRule)."""

    cidrlist = forms.CharField(label="Source CIDR", required=False, help_text="empty: the whole network")
    destcidrlist = forms.CharField(label="Destination CIDR", required=False, initial="0.0.0.0/0")
    protocol = forms.ChoiceField(label="Protocol", choices=PORT_PROTOCOLS + [("icmp", "ICMP"), ("all", "All")])
    startport = forms.CharField(label="Start port", required=False)
    endport = forms.CharField(label="End port", required=False)
    icmptype = forms.CharField(label="ICMP type", required=False)
    icmpcode = forms.CharField(label="ICMP code", required=False)


def instances_on_network(user, network) -> list[tuple[str, str]]:
    """The (uuid, name) of the instances of the network's account with a
    NIC on it, as listVirtualMachines shows them to the user."""
    listed = invoke(user, "listVirtualMachines", {"networkid": network.uuid, "listall": True})
    return [(str(vm.uuid), vm.display_name or vm.name) for vm in listed if vm.account_id == network.account_id]


class PortForwardingRuleForm(forms.Form):
    """One row of an IP address's port forwarding editor (createPortForwardingRule)."""

    publicport = forms.CharField(label="Public port")
    publicendport = forms.CharField(label="Public end port", required=False)
    privateport = forms.CharField(label="Private port")
    privateendport = forms.CharField(label="Private end port", required=False)
    protocol = forms.ChoiceField(label="Protocol", choices=PORT_PROTOCOLS)
    virtualmachineid = forms.ChoiceField(label="Instance")

    def __init__(self, *args, instances, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["virtualmachineid"].choices = instances


class StaticNatForm(forms.Form):
    virtualmachineid = forms.ChoiceField(label="Instance")

    def __init__(self, *args, user, ip, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["virtualmachineid"].choices = instances_on_network(user, ip.network) if ip.network_id else []
