"""Zones (guide 6.3.1, 6.3.2). A zone is created Disabled, filled with pods,
clusters, hosts and storage, then enabled."""
from django.db import transaction

from accounts.services.validation import clean_network_domain, require_name
from cloudstack_ui.dependents import delete_checked
from cloudstack_ui.errors import InvalidParameter
from infrastructure.models import AllocationState, Hypervisor, Zone
from infrastructure.services.access import ensure_root_admin, locked
from infrastructure.services.addressing import parse_cidr, parse_ip


def _clean_dns(data: dict, key: str, required: bool):
    value = data.get(key)
    if value in (None, ""):
        if required:
            raise InvalidParameter(f"{key}: this zone needs a DNS server here", field=key)
        return None
    return str(parse_ip(value, key))


def _ensure_unique_name(name: str, exclude=None):
    clash = Zone.objects.filter(name__iexact=name)
    if exclude is not None:
        clash = clash.exclude(pk=exclude.pk)
    if clash.exists():
        raise InvalidParameter(f"name: a zone named {name} already exists", field="name")


@transaction.atomic
def create_zone(caller, *, name: str, network_type: str, dns1: str, internal_dns1: str, dns2: str | None = None,
                internal_dns2: str | None = None, guest_cidr: str = "", network_domain: str = "", domain=None,
                hypervisor: str = "", security_groups_enabled: bool | None = None,
                local_storage_enabled: bool = False, allocation_state: str = AllocationState.DISABLED) -> Zone:
    ensure_root_admin(caller)
    name = require_name(name, "name", "zone name")
    _ensure_unique_name(name)
    if network_type not in Zone.NetworkType.values:
        raise InvalidParameter("networktype: must be Basic or Advanced", field="networktype")
    if hypervisor and hypervisor not in Hypervisor.values:
        raise InvalidParameter(f"hypervisor: must be one of {', '.join(Hypervisor.values)}", field="hypervisor")
    if allocation_state not in AllocationState.values:
        raise InvalidParameter("allocationstate: must be Enabled or Disabled", field="allocationstate")
    data = {"dns1": dns1, "dns2": dns2, "internaldns1": internal_dns1, "internaldns2": internal_dns2}
    cidr = ""
    if guest_cidr:
        if network_type == Zone.NetworkType.BASIC:
            raise InvalidParameter("guestcidraddress: only Advanced zones have a guest CIDR", field="guestcidraddress")
        network = parse_cidr(guest_cidr, "guestcidraddress")
        if not network.is_private:
            raise InvalidParameter(f"guestcidraddress: {network} is not a private (RFC 1918) network",
                                   field="guestcidraddress")
        cidr = str(network)
    if security_groups_enabled is None:
        security_groups_enabled = network_type == Zone.NetworkType.BASIC
    return Zone.objects.create(
        name=name, network_type=network_type, dns1=_clean_dns(data, "dns1", True),
        dns2=_clean_dns(data, "dns2", False), internal_dns1=_clean_dns(data, "internaldns1", True),
        internal_dns2=_clean_dns(data, "internaldns2", False), guest_cidr=cidr,
        network_domain=clean_network_domain(network_domain), domain=domain, hypervisor=hypervisor,
        security_groups_enabled=security_groups_enabled, local_storage_enabled=local_storage_enabled,
        allocation_state=allocation_state,
    )


@transaction.atomic
def update_zone(caller, zone: Zone, **changes) -> Zone:
    """Changes any of: name, dns1, dns2, internal_dns1, internal_dns2,
    guest_cidr, network_domain, allocation_state, domain (None: public)."""
    ensure_root_admin(caller)
    zone = locked(Zone, zone)
    if changes.get("name") is not None:
        zone.name = require_name(changes["name"], "name", "zone name")
        _ensure_unique_name(zone.name, exclude=zone)
    for key, field, required in (("dns1", "dns1", True), ("dns2", "dns2", False),
                                 ("internal_dns1", "internaldns1", True), ("internal_dns2", "internaldns2", False)):
        if changes.get(key) is not None:
            setattr(zone, key, _clean_dns({field: changes[key]}, field, required))
    if changes.get("guest_cidr"):
        if zone.network_type == Zone.NetworkType.BASIC:
            raise InvalidParameter("guestcidraddress: only Advanced zones have a guest CIDR", field="guestcidraddress")
        zone.guest_cidr = str(parse_cidr(changes["guest_cidr"], "guestcidraddress"))
    if changes.get("network_domain") is not None:
        zone.network_domain = clean_network_domain(changes["network_domain"])
    if changes.get("allocation_state") is not None:
        if changes["allocation_state"] not in AllocationState.values:
            raise InvalidParameter("allocationstate: must be Enabled or Disabled", field="allocationstate")
        zone.allocation_state = changes["allocation_state"]
    if "domain" in changes:
        zone.domain = changes["domain"]
    zone.save()
    return zone


@transaction.atomic
def delete_zone(caller, zone: Zone) -> None:
    """Only an empty zone: no pods, physical or guest networks, storage or ranges."""
    ensure_root_admin(caller)
    zone = locked(Zone, zone)
    delete_checked(zone, hint="delete them first")


def release_dedicated_zones(caller, domain) -> None:
    """Domain cleanup: zones dedicated to the domain become public again,
    as CloudStack releases a deleted domain's dedicated resources."""
    Zone.objects.filter(domain=domain).update(domain=None)
