"""Forms of the instance pages: the list filter, the action dialogs and the
steps of the Add Instance wizard. Field names are the parameters of the
commands they feed; choices come from the list commands, so a form offers
exactly what the API would accept from this user."""
from django import forms

from cloudstack_ui.api.registry import invoke, is_allowed
from compute.models import VirtualMachine

GB = 1024 ** 3


def zone_choices(user) -> list[tuple[str, str]]:
    return [(str(z.uuid), z.name if z.allocation_state == "Enabled" else f"{z.name} (disabled)")
            for z in invoke(user, "listZones")]


def offering_label(offering) -> str:
    return f"{offering.name}: {offering.cpu_number} × {offering.cpu_speed} MHz, {offering.memory} MB"


def service_offering_choices(user) -> list[tuple[str, str]]:
    return [(str(o.uuid), offering_label(o)) for o in invoke(user, "listServiceOfferings")]


def disk_offering_label(offering) -> str:
    return f"{offering.name}: {'size chosen at use' if offering.customized else f'{offering.disk_size} GB'}"


def keypair_choices(user, account=None) -> list[tuple[str, str]]:
    params = {"account": account.name, "domainid": account.domain.uuid} if account is not None else {}
    return [(k.name, k.name) for k in invoke(user, "listSSHKeyPairs", params)]


class InstanceFilter(forms.Form):
    keyword = forms.CharField(label="Search", required=False)
    state = forms.ChoiceField(label="State", required=False,
                              choices=[("", "any")] + [(s, s) for s in VirtualMachine.State.values
                                                       if s != VirtualMachine.State.EXPUNGING])
    zoneid = forms.ChoiceField(label="Zone", required=False)
    listall = forms.ChoiceField(label="Show", required=False,
                                choices=[("true", "All instances"), ("false", "My instances")])

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["zoneid"].choices = [("", "any")] + zone_choices(user)
        if not (user.is_root_admin or user.is_domain_admin):
            del self.fields["listall"]


# Action dialogs ---------------------------------------------------------------------------------

class StopForm(forms.Form):
    forced = forms.BooleanField(label="Force: power it off at once, without a clean shutdown", required=False)


class DestroyForm(forms.Form):
    expunge = forms.BooleanField(label="Expunge: remove it at once (it cannot be recovered)", required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if not (user.is_root_admin or user.is_domain_admin):
            del self.fields["expunge"]


class ChangeOfferingForm(forms.Form):
    serviceofferingid = forms.ChoiceField(label="Service offering")

    def __init__(self, *args, user, instance, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["serviceofferingid"].choices = [
            c for c in service_offering_choices(user) if c[0] != str(instance.service_offering.uuid)]


class ResetSSHKeyForm(forms.Form):
    keypair = forms.ChoiceField(label="SSH key pair", help_text="One of the instance's account's key pairs")

    def __init__(self, *args, user, instance, **kwargs):
        super().__init__(*args, **kwargs)
        account = instance.account if instance.account_id != user.account_id else None
        self.fields["keypair"].choices = keypair_choices(user, account)


class EditInstanceForm(forms.Form):
    displayname = forms.CharField(label="Display name", max_length=255)
    group = forms.CharField(label="Group", required=False, max_length=255, help_text="Blank: no group")
    haenable = forms.BooleanField(label="HA: restart it on another host if its host fails", required=False)

    def __init__(self, *args, user, instance, **kwargs):
        kwargs.setdefault("initial", {"displayname": instance.display_name or instance.name,
                                      "group": instance.group.name if instance.group else "",
                                      "haenable": instance.ha_enabled})
        super().__init__(*args, **kwargs)
        if not instance.service_offering.offer_ha:
            del self.fields["haenable"]


class MigrateForm(forms.Form):
    hostid = forms.ChoiceField(label="Destination host", help_text="A host of the same cluster, which reaches the "
                                                                   "instance's volumes")

    def __init__(self, *args, user, instance, **kwargs):
        super().__init__(*args, **kwargs)
        hosts = invoke(user, "listHosts", {"clusterid": instance.host.cluster.uuid}) if instance.host else []
        self.fields["hostid"].choices = [(str(h.uuid), f"{h.name} ({h.state})") for h in hosts
                                         if h.pk != instance.host_id]


# The Add Instance wizard (guide 6.9) ------------------------------------------------------------

class StepForm(forms.Form):
    """A wizard step; `wizard` holds what the earlier steps chose, by step."""

    title = ""
    help = ""

    def __init__(self, *args, user, wizard: dict, **kwargs):
        self.user = user
        self.wizard = wizard
        super().__init__(*args, **kwargs)

    @property
    def zone_uuid(self) -> str:
        return self.wizard.get("zone", {}).get("zoneid", "")

    def summary(self) -> list[tuple[str, str]]:
        """What this step chose, as label/value pairs for the review."""
        shown = []
        for name, field in self.fields.items():
            value = self.initial.get(name)
            if value in (None, "", [], False) or isinstance(field.widget, forms.HiddenInput):
                continue
            if isinstance(field, forms.MultipleChoiceField):
                labels = dict(field.choices)
                value = ", ".join(labels.get(v, v) for v in value)
            elif isinstance(field, forms.ChoiceField):
                value = dict(field.choices).get(value, value)
            elif value is True:
                value = "yes"
            shown.append((field.label, value))
        return shown


class ZoneStep(StepForm):
    title = "Zone"
    help = "The zone the instance runs in: its templates, networks and hosts are that zone's."
    zoneid = forms.ChoiceField(label="Zone", widget=forms.RadioSelect)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["zoneid"].choices = zone_choices(self.user)


TEMPLATE_TABS = (("featured", "Featured"), ("self", "My templates"), ("community", "Community"), ("isos", "ISOs"))


def zone_hypervisors(zone_uuid: str) -> set[str]:
    """The hypervisors of the zone's clusters: a template of another
    hypervisor could not run there."""
    from infrastructure.models import Cluster

    return set(Cluster.objects.filter(zone__uuid=zone_uuid).values_list("hypervisor", flat=True))


def image_choices(user, zone_uuid: str, tab: str) -> list[tuple[str, str]]:
    """Templates (or bootable ISOs) of one tab that are ready in the zone,
    templates only for the zone's hypervisors; the list commands answer
    one row per template and zone."""
    if tab == "isos":
        rows = invoke(user, "listIsos", {"isofilter": "executable", "zoneid": zone_uuid, "isready": True,
                                         "bootable": True})
    else:
        hypervisors = zone_hypervisors(zone_uuid)
        rows = [row for row in invoke(user, "listTemplates", {"templatefilter": tab, "zoneid": zone_uuid,
                                                              "isready": True})
                if row.template.hypervisor in hypervisors]
    return [(str(row.template.uuid), f"{row.template.name} ({row.template.os_type.description})") for row in rows]


class ImageStep(StepForm):
    """One choice: a template from one of the template tabs, or an ISO. The
    tab shown decides which field the page carries, so a page cannot send
    both; a request that does is refused."""

    title = "Template or ISO"
    help = "What the instance boots: a template (a disk image) or an ISO (an installer, with an empty root disk)."
    tab = forms.ChoiceField(choices=TEMPLATE_TABS, widget=forms.HiddenInput, required=False)
    templateid = forms.ChoiceField(label="Template", widget=forms.RadioSelect, required=False)
    isoid = forms.ChoiceField(label="ISO", widget=forms.RadioSelect, required=False)

    def __init__(self, *args, tab: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.current_tab = (self.data.get("tab") if self.is_bound else "") or tab or self.initial.get("tab") or "featured"
        if self.current_tab not in dict(TEMPLATE_TABS):
            self.current_tab = "featured"
        self.fields["tab"].initial = self.current_tab
        self.fields["templateid"].choices = image_choices(self.user, self.zone_uuid, self._template_tab())
        self.fields["isoid"].choices = image_choices(self.user, self.zone_uuid, "isos")

    def _template_tab(self) -> str:
        return self.current_tab if self.current_tab != "isos" else "featured"

    def clean(self):
        data = super().clean()
        if self.data.get("templateid") and self.data.get("isoid"):
            raise forms.ValidationError("Choose a template or an ISO, not both.")
        if not data.get("templateid") and not data.get("isoid") and not self.errors:
            self.add_error("isoid" if self.current_tab == "isos" else "templateid",
                           "Choose an ISO." if self.current_tab == "isos" else "Choose a template.")
        return data

    @property
    def image_field(self):
        return self["isoid" if self.current_tab == "isos" else "templateid"]


class OfferingStep(StepForm):
    title = "Service offering"
    help = "CPU and memory. The zone's hosts must have room for it."
    serviceofferingid = forms.ChoiceField(label="Service offering", widget=forms.RadioSelect)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["serviceofferingid"].choices = service_offering_choices(self.user)


class DiskStep(StepForm):
    title = "Data disk"
    help = ("A second volume, available to the guest but not mounted (guide 6.9). For an ISO this is the root "
            "disk the installer writes to, and is required.")
    diskofferingid = forms.ChoiceField(label="Disk offering", required=False, widget=forms.RadioSelect)
    size = forms.IntegerField(label="Size (GB), for an offering whose size is chosen at use", required=False,
                              min_value=1)
    rootdisksize = forms.IntegerField(label="Root disk size (GB, optional)", required=False, min_value=1,
                                      help_text="At least the template's size; blank: the template's")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.offerings = {str(o.uuid): o for o in invoke(self.user, "listDiskOfferings")}
        self.from_iso = bool(self.wizard.get("image", {}).get("isoid"))
        choices = [(uuid, disk_offering_label(o)) for uuid, o in self.offerings.items()]
        self.fields["diskofferingid"].choices = choices if self.from_iso else [("", "No data disk")] + choices
        if self.from_iso:
            self.fields["diskofferingid"].label = "Root disk offering"
            self.fields["diskofferingid"].required = True
            del self.fields["rootdisksize"]

    def clean(self):
        data = super().clean()
        offering = self.offerings.get(data.get("diskofferingid") or "")
        if offering is not None and offering.customized and not data.get("size"):
            self.add_error("size", f"Disk offering {offering.name} needs a size in GB.")
        elif data.get("size") and (offering is None or not offering.customized):
            self.add_error("size", "A size is chosen only with an offering whose size is chosen at use.")
        return data


def zone_network_type(user, zone_uuid: str) -> str:
    zone = invoke(user, "listZones", {"id": zone_uuid}).first() if zone_uuid else None
    return zone.network_type if zone is not None else ""


def network_label(network) -> str:
    """A network as the wizard offers it: name, guest type, and its CIDR."""
    kind = network.offering.guest_ip_type.lower()
    return f"{network.name} ({kind}{', ' + network.cidr if network.cidr else ''})"


class NetworkStep(StepForm):
    title = "Network"
    help = ("The networks the instance has a NIC on; the first one checked is its default network. Security "
            "groups filter its traffic on networks that offer them.")
    networkids = forms.MultipleChoiceField(label="Networks", widget=forms.CheckboxSelectMultiple)
    securitygroupids = forms.MultipleChoiceField(label="Security groups", required=False,
                                                 widget=forms.CheckboxSelectMultiple,
                                                 help_text="None checked: the account's default group")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        account = self.user.account
        self.networks = {str(n.uuid): n for n in invoke(self.user, "listNetworks", {
            "zoneid": self.zone_uuid, "canusefordeploy": True}).select_related("offering")
            if n.account_id in (None, account.pk)}
        self.fields["networkids"].choices = [(uuid, network_label(n)) for uuid, n in self.networks.items()]
        if len(self.networks) == 1 and not self.is_bound:
            self.initial.setdefault("networkids", list(self.networks))
        self.default_network_made = not self.networks and zone_network_type(self.user, self.zone_uuid) == "Advanced"
        if self.default_network_made:
            self.fields["networkids"].required = False
            self.fields["networkids"].help_text = (
                f"Account {account.name} has no network in this zone yet: a default isolated network, "
                f"{account.name}-network, will be created for this instance (guide 13.2).")
        if any(n.offering.has_security_groups for n in self.networks.values()):
            self.fields["securitygroupids"].choices = [
                (str(g.uuid), g.name) for g in invoke(self.user, "listSecurityGroups")]
        else:
            del self.fields["securitygroupids"]

    def clean(self):
        data = super().clean()
        chosen = [self.networks[uuid] for uuid in data.get("networkids", []) if uuid in self.networks]
        if data.get("securitygroupids") and chosen and not any(n.offering.has_security_groups for n in chosen):
            self.add_error("securitygroupids", "Security groups apply only on networks that offer them; "
                                               f"{chosen[0].name} does not.")
        return data


class DetailsStep(StepForm):
    title = "Name and access"
    help = "All optional. The name is the guest's host name: letters, digits and hyphens, starting with a letter."
    name = forms.CharField(label="Name", required=False, max_length=63)
    displayname = forms.CharField(label="Display name", required=False, max_length=255)
    group = forms.CharField(label="Group", required=False, max_length=255)
    keypair = forms.ChoiceField(label="SSH key pair", required=False,
                                help_text="Its public key is given to the guest (guide 5.2)")
    userdata = forms.CharField(label="User data", required=False, widget=forms.Textarea(attrs={"rows": 4}),
                               help_text="Plain text (e.g. a cloud-init script); sent base64-encoded")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["keypair"].choices = [("", "none")] + keypair_choices(self.user)


WIZARD_STEPS = {"zone": ZoneStep, "image": ImageStep, "offering": OfferingStep, "disk": DiskStep,
                "network": NetworkStep, "details": DetailsStep}
REVIEW = "review"
STEP_ORDER = [*WIZARD_STEPS, REVIEW]

# Where each deployVirtualMachine parameter was chosen, so that the
# service's refusal lands on the step and field it names.
PARAM_STEPS = {
    "zoneid": ("zone", "zoneid"), "templateid": ("image", "templateid"), "isoid": ("image", "isoid"),
    "serviceofferingid": ("offering", "serviceofferingid"), "diskofferingid": ("disk", "diskofferingid"),
    "size": ("disk", "size"), "rootdisksize": ("disk", "rootdisksize"), "networkids": ("network", "networkids"),
    "securitygroupids": ("network", "securitygroupids"), "securitygroupnames": ("network", "securitygroupids"),
    "name": ("details", "name"), "displayname": ("details", "displayname"), "group": ("details", "group"),
    "keypair": ("details", "keypair"), "userdata": ("details", "userdata"),
}


def can_plan(user) -> bool:
    """Whether the review may ask the planner where the instance would go."""
    return is_allowed(user, "planVirtualMachineDeployment")
