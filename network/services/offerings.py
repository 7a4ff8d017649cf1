"""Network offerings (guide 6.3.1): which services a guest network offers
and which provider delivers each. New offerings start Disabled, as in
CloudStack; the shipped defaults cannot be renamed."""
from django.db import transaction

from accounts.services.validation import require_name
from cloudstack_ui.dependents import delete_checked
from cloudstack_ui.errors import InvalidParameter
from infrastructure.services.access import ensure_root_admin, locked
from network.models import NetworkOffering

# The services a guest network can offer, and who may provide each.
PROVIDERS = {
    "Dhcp": ("VirtualRouter",), "Dns": ("VirtualRouter",), "UserData": ("VirtualRouter",),
    "SecurityGroup": ("SecurityGroupProvider",), "Firewall": ("VirtualRouter",), "Gateway": ("VirtualRouter",),
    "Lb": ("VirtualRouter", "Netscaler"), "SourceNat": ("VirtualRouter",), "StaticNat": ("VirtualRouter", "Netscaler"),
    "PortForwarding": ("VirtualRouter",), "Vpn": ("VirtualRouter",),
}


def offering_services(supported: list[str], providers: list[dict]) -> dict[str, list[str]]:
    """{"Dhcp": ["VirtualRouter"], ...} from supportedservices and
    serviceproviderlist[i].service/.provider; a service without a provider
    gets its first one."""
    by_service: dict[str, list[str]] = {}
    names = {name.lower(): name for name in PROVIDERS}
    for raw in supported:
        service = names.get(raw.strip().lower())
        if service is None:
            raise InvalidParameter(f"supportedservices: {raw} is not one of {', '.join(PROVIDERS)}",
                                   field="supportedservices")
        by_service[service] = []
    for entry in providers:
        service = names.get(str(entry.get("service", "")).strip().lower())
        provider = str(entry.get("provider", "")).strip()
        if service not in by_service:
            raise InvalidParameter(f"serviceproviderlist: {entry.get('service')} is not among the supported "
                                   f"services", field="serviceproviderlist")
        if provider not in PROVIDERS[service]:
            raise InvalidParameter(f"serviceproviderlist: {service} is provided by {', '.join(PROVIDERS[service])}, "
                                   f"not {provider}", field="serviceproviderlist")
        by_service[service].append(provider)
    return {service: chosen or [PROVIDERS[service][0]] for service, chosen in by_service.items()}


def visible_network_offerings(caller):
    """Root admins see every offering; others only the enabled ones."""
    found = NetworkOffering.objects.all()
    return found if caller.is_root_admin else found.filter(state=NetworkOffering.State.ENABLED)


@transaction.atomic
def create_network_offering(caller, *, name: str, display_text: str, guest_ip_type: str,
                            services: dict[str, list[str]], specify_vlan: bool = False,
                            specify_ip_ranges: bool | None = None, conserve_mode: bool = True,
                            availability: str = NetworkOffering.Availability.OPTIONAL,
                            egress_default_allow: bool | None = None, network_rate: int | None = None,
                            tags: str = "") -> NetworkOffering:
    ensure_root_admin(caller)
    name = require_name(name, "name", "network offering name")
    if NetworkOffering.objects.filter(name__iexact=name).exists():
        raise InvalidParameter(f"name: a network offering named {name} already exists", field="name")
    if guest_ip_type not in NetworkOffering.GuestIpType.values:
        raise InvalidParameter("guestiptype: must be Shared or Isolated", field="guestiptype")
    if availability not in NetworkOffering.Availability.values:
        raise InvalidParameter("availability: must be Optional or Required", field="availability")
    shared = guest_ip_type == NetworkOffering.GuestIpType.SHARED
    if shared and "SourceNat" in services:
        raise InvalidParameter("supportedservices: a Shared offering cannot offer SourceNat", field="supportedservices")
    if not shared and "SecurityGroup" in services:
        raise InvalidParameter("supportedservices: security groups come with Shared offerings only",
                               field="supportedservices")
    if specify_ip_ranges is None:
        specify_ip_ranges = shared
    if shared and not specify_ip_ranges:
        raise InvalidParameter("specifyipranges: a Shared offering's networks take their IP ranges from the admin",
                               field="specifyipranges")
    if network_rate is not None and network_rate < 1:
        raise InvalidParameter("networkrate: must be 1 Mbit/s or more", field="networkrate")
    return NetworkOffering.objects.create(
        name=name, display_text=(display_text or name).strip(), guest_ip_type=guest_ip_type, services=services,
        specify_vlan=specify_vlan, specify_ip_ranges=specify_ip_ranges, conserve_mode=conserve_mode,
        availability=availability,
        egress_default_allow=shared if egress_default_allow is None else egress_default_allow,
        network_rate=network_rate, tags=",".join(t.strip() for t in tags.split(",") if t.strip()),
        state=NetworkOffering.State.DISABLED)


@transaction.atomic
def update_network_offering(caller, offering: NetworkOffering, *, name: str | None = None,
                            display_text: str | None = None, availability: str | None = None,
                            state: str | None = None, tags: str | None = None) -> NetworkOffering:
    """Rename, describe, enable/disable, change availability or tags."""
    ensure_root_admin(caller)
    offering = locked(NetworkOffering, offering)
    if name is not None and name != offering.name:
        if offering.is_default:
            raise InvalidParameter(f"name: {offering.name} is a default offering and keeps its name", field="name")
        name = require_name(name, "name", "network offering name")
        if NetworkOffering.objects.filter(name__iexact=name).exclude(pk=offering.pk).exists():
            raise InvalidParameter(f"name: a network offering named {name} already exists", field="name")
        offering.name = name
    if display_text is not None:
        offering.display_text = display_text.strip() or offering.name
    if availability is not None:
        if availability not in NetworkOffering.Availability.values:
            raise InvalidParameter("availability: must be Optional or Required", field="availability")
        offering.availability = availability
    if state is not None:
        if state not in NetworkOffering.State.values:
            raise InvalidParameter("state: must be Enabled or Disabled", field="state")
        offering.state = state
    if tags is not None:
        offering.tags = ",".join(t.strip() for t in tags.split(",") if t.strip())
    offering.save()
    return offering


@transaction.atomic
def delete_network_offering(caller, offering: NetworkOffering) -> None:
    """A network offering leaves once no network uses it; the default
    offerings stay (CloudStack refuses to delete them too)."""
    ensure_root_admin(caller)
    offering = locked(NetworkOffering, offering)
    if offering.is_default:
        raise InvalidParameter(f"id: {offering.name} is a default network offering and cannot be deleted", field="id")
    delete_checked(offering, hint="delete those networks first")
