"""Forms of the IP range dialogs; field names are the command parameters."""
from django import forms


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
