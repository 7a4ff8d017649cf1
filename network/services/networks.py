"""Guest networks (guide 13.1-13.6): a Basic zone has one shared guest
network whose addresses are its pods' guest ranges; an Advanced zone has
shared networks, each on its own VLAN with its gateway, subnet and range,
open to the whole zone, one domain (and optionally its subdomains) or one
account. An isolated network belongs to one account, which creates it
itself; it is a row (Allocated) until its first instance starts, when
network.services.routers implements it."""
from ipaddress import IPv4Address, IPv4Network

from django.db import transaction
from django.db.models import Q

from accounts.models import Account, Domain
from accounts.services.scope import ancestor_paths, ensure_can_admin_account
from accounts.services.validation import clean_network_domain, require_name
from cloudstack_ui.config.keys import get_value
from cloudstack_ui.dependents import delete_checked
from cloudstack_ui.errors import InvalidParameter, NotFound, ResourceInUse, ResourceUnavailable
from cloudstack_ui.jobs.events import record_event
from infrastructure.models import Zone
from infrastructure.services.access import ensure_root_admin, locked
from infrastructure.services.addressing import check_range, parse_ip, parse_netmask, parse_vlan_id, parse_vlan_ranges
from network.models import Network, NetworkOffering, PhysicalNetwork, TrafficType, VlanIpRange
from network.services.ip_ranges import create_vlan_ip_range
from network.services.ownership import ensure_can_manage_network
from network.services.public_ips import release_network_ips
from network.services.routers import remove_network_router
from network.settings_keys import GUEST_DOMAIN_SUFFIX

DEFAULT_GUEST_CIDR = "10.1.1.0/24"


def visible_networks(caller):
    """Root admins see every network; others the zone-wide networks, those
    of their domain or of an ancestor open to subdomains, and their
    account's (domain admins: of any account in their subtree)."""
    networks = Network.objects.select_related("zone", "offering", "domain", "account", "physical_network")
    if caller.is_root_admin:
        return networks
    domain = caller.account.domain
    shared = (Q(domain__isnull=True, account__isnull=True) | Q(domain=domain, account__isnull=True)
              | Q(domain__path__in=ancestor_paths(domain), account__isnull=True, subdomain_access=True))
    if caller.is_domain_admin:
        return networks.filter(shared | Q(domain__path__startswith=domain.path))
    return networks.filter(shared | Q(account_id=caller.account_id))


def find_network(caller, uuid, field: str = "id") -> Network:
    """A network the caller can see; another account's looks unknown."""
    network = visible_networks(caller).filter(uuid=uuid).first() if uuid is not None else None
    if network is None:
        raise NotFound(f"{field}: no network has the id {uuid}", field=field)
    return network


def _guest_physical_network(zone: Zone, physical_network: PhysicalNetwork | None) -> PhysicalNetwork | None:
    if physical_network is not None:
        if physical_network.zone_id != zone.pk:
            raise InvalidParameter(f"physicalnetworkid: physical network {physical_network.name} is not in zone "
                                   f"{zone.name}", field="physicalnetworkid")
        return physical_network
    carrier = TrafficType.objects.filter(physical_network__zone=zone, traffic_type=TrafficType.Kind.GUEST).first()
    return carrier.physical_network if carrier else None


@transaction.atomic
def create_network(caller, zone: Zone, offering: NetworkOffering, *, name: str, display_text: str = "",
                   physical_network: PhysicalNetwork | None = None, gateway: str = "", netmask: str = "",
                   start_ip: str = "", end_ip: str = "", vlan: str = "", acl_type: str = "",
                   domain: Domain | None = None, account: Account | None = None, subdomain_access: bool = True,
                   network_domain: str = "") -> Network:
    """A shared guest network, with its first IP range in an Advanced zone."""
    if offering.guest_ip_type == NetworkOffering.GuestIpType.ISOLATED:
        if vlan:
            raise InvalidParameter(f"vlan: networks of {offering.name} take a VLAN of the physical network's guest "
                                   f"range when they are implemented", field="vlan")
        return create_isolated_network(caller, zone, offering, name=name, display_text=display_text,
                                       physical_network=physical_network, gateway=gateway, netmask=netmask,
                                       start_ip=start_ip, end_ip=end_ip, account=account,
                                       network_domain=network_domain)
    ensure_root_admin(caller)
    zone = locked(Zone, zone)
    name = require_name(name, "name", "network name")
    _check_offering_enabled(offering)
    if zone.networks.filter(name__iexact=name).exists():
        raise InvalidParameter(f"name: zone {zone.name} already has a network named {name}", field="name")
    physical_network = _guest_physical_network(zone, physical_network)
    if account is not None:
        acl_type, domain = Network.AclType.ACCOUNT, account.domain
    acl_type = acl_type or Network.AclType.DOMAIN
    if acl_type not in Network.AclType.values:
        raise InvalidParameter("acltype: must be Domain or Account", field="acltype")
    if acl_type == Network.AclType.ACCOUNT and account is None:
        raise InvalidParameter("account: an Account network names its account (with domainid)", field="account")
    fields = {"zone": zone, "offering": offering, "name": name, "display_text": (display_text or name).strip(),
              "physical_network": physical_network, "acl_type": acl_type, "domain": domain, "account": account,
              "subdomain_access": subdomain_access if account is None else False,
              "network_domain": clean_network_domain(network_domain) or zone.network_domain}
    if zone.network_type == Zone.NetworkType.BASIC:
        if zone.networks.exists():
            raise InvalidParameter(f"zoneid: Basic zone {zone.name} has one guest network", field="zoneid")
        if gateway or start_ip or vlan:
            raise InvalidParameter("gateway: a Basic zone's guest addresses are its pods' guest ranges "
                                   "(createVlanIpRange with podid)", field="gateway")
        return Network.objects.create(**fields)
    if not (gateway and netmask and start_ip):
        raise InvalidParameter("gateway: a shared network of an Advanced zone needs gateway, netmask and startip",
                               field="gateway")
    vlan_id = parse_vlan_id(vlan)
    if offering.specify_vlan and vlan_id == "untagged":
        raise InvalidParameter(f"vlan: networks of {offering.name} name their VLAN", field="vlan")
    _check_vlan_free(zone, physical_network, vlan_id)
    subnet, _gateway, _start, _end = check_range(gateway=gateway, netmask=netmask, start=start_ip, end=end_ip)
    network = Network.objects.create(**fields, vlan=vlan_id, gateway=gateway, cidr=str(subnet))
    create_vlan_ip_range(caller, zone, gateway=gateway, netmask=netmask, start_ip=start_ip, end_ip=end_ip,
                         vlan=vlan_id, physical_network=physical_network, for_virtual_network=False, network=network)
    return network


def _check_offering_enabled(offering: NetworkOffering) -> None:
    if offering.state != NetworkOffering.State.ENABLED:
        raise InvalidParameter(f"networkofferingid: network offering {offering.name} is disabled",
                               field="networkofferingid")


def _isolated_subnet(zone: Zone, account: Account, gateway: str, netmask: str) -> tuple[IPv4Network, IPv4Address]:
    """The subnet and gateway of a new isolated network: the ones given, or
    the zone's guest CIDR (its next free sibling when the account already
    uses it), gateway its first address. Refuses a subnet overlapping
    another network of the account in the zone: an instance on both would
    not know where to route."""
    own = [IPv4Network(cidr) for cidr in Network.objects.filter(zone=zone, account=account).exclude(cidr="")
           .values_list("cidr", flat=True)]
    if gateway or netmask:
        if not (gateway and netmask):
            raise InvalidParameter("netmask: an isolated network's gateway and netmask come together",
                                   field="netmask" if gateway else "gateway")
        gateway_ip = parse_ip(gateway, "gateway")
        subnet = IPv4Network(f"{gateway_ip}/{parse_netmask(netmask)}", strict=False)
        if subnet.prefixlen > 29:
            raise InvalidParameter(f"netmask: a /{subnet.prefixlen} subnet leaves no room for instances; at most /29",
                                   field="netmask")
        if gateway_ip in (subnet.network_address, subnet.broadcast_address):
            raise InvalidParameter(f"gateway: {gateway_ip} is the network or broadcast address of {subnet}",
                                   field="gateway")
        clash = next((cidr for cidr in own if cidr.overlaps(subnet)), None)
        if clash is not None:
            raise InvalidParameter(f"gateway: {subnet} overlaps {clash} of another network of account "
                                   f"{account.name} in zone {zone.name}", field="gateway")
        return subnet, gateway_ip
    base = IPv4Network(zone.guest_cidr or DEFAULT_GUEST_CIDR)
    candidate = base
    for _attempt in range(256):
        if not any(cidr.overlaps(candidate) for cidr in own):
            return candidate, candidate.network_address + 1
        candidate = IPv4Network((int(candidate.network_address) + candidate.num_addresses, candidate.prefixlen))
    raise InvalidParameter(f"gateway: account {account.name} uses every subnet after {base} in zone {zone.name}; "
                           f"give a gateway and netmask", field="gateway")


def default_network_domain(account: Account) -> str:
    """CloudStack's default network domain of an account's networks: cs<account id in hex>.<guest.domain.suffix>."""
    return f"cs{account.pk:x}.{get_value(GUEST_DOMAIN_SUFFIX).strip('.')}"


@transaction.atomic
def create_isolated_network(caller, zone: Zone, offering: NetworkOffering, *, name: str, display_text: str = "",
                            physical_network: PhysicalNetwork | None = None, gateway: str = "", netmask: str = "",
                            start_ip: str = "", end_ip: str = "", account: Account | None = None,
                            network_domain: str = "") -> Network:
    """An account's isolated network (guide 13.2): Allocated, with its
    subnet (but the gateway) as its guest range, or startip-endip of it;
    its VLAN, router and source NAT address come when its first instance
    starts."""
    account = account or caller.account
    if account.pk != caller.account_id:
        ensure_can_admin_account(caller, account)
    zone = locked(Zone, zone)
    name = require_name(name, "name", "network name")
    _check_offering_enabled(offering)
    if zone.network_type != Zone.NetworkType.ADVANCED:
        raise InvalidParameter(f"zoneid: isolated networks are for Advanced zones; {zone.name} is "
                               f"{zone.network_type}", field="zoneid")
    if zone.allocation_state != "Enabled" and not caller.is_root_admin:
        raise ResourceUnavailable(f"zoneid: zone {zone.name} is disabled", field="zoneid")
    if Network.objects.filter(zone=zone, account=account, name__iexact=name).exists():
        raise InvalidParameter(f"name: account {account.name} already has a network named {name} in zone "
                               f"{zone.name}", field="name")
    physical_network = _guest_physical_network(zone, physical_network)
    if physical_network is None:
        raise InvalidParameter(f"zoneid: zone {zone.name} has no physical network carrying guest traffic",
                               field="zoneid")
    subnet, gateway_ip = _isolated_subnet(zone, account, gateway, netmask)
    first, last = subnet.network_address + 1, subnet.broadcast_address - 1
    if start_ip or end_ip:
        _subnet, _gateway, first, last = check_range(
            gateway=str(gateway_ip), netmask=str(subnet.netmask), start=start_ip or str(first),
            end=end_ip or str(last))
    network = Network.objects.create(
        zone=zone, offering=offering, name=name, display_text=(display_text or name).strip(),
        physical_network=physical_network, acl_type=Network.AclType.ACCOUNT, domain=account.domain,
        account=account, subdomain_access=False, state=Network.State.ALLOCATED, vlan="", gateway=str(gateway_ip),
        cidr=str(subnet),
        network_domain=clean_network_domain(network_domain) or zone.network_domain or default_network_domain(account))
    VlanIpRange.objects.create(zone=zone, physical_network=physical_network, vlan="", gateway=str(gateway_ip),
                               netmask=str(subnet.netmask), start_ip=str(first), end_ip=str(last),
                               for_virtual_network=False, network=network)
    record_event("NETWORK.CREATE", f"Isolated network {name} created in zone {zone.name}", user=caller,
                 account=account, resource=network)
    return network


def create_default_network(caller, zone: Zone, account: Account) -> Network:
    """The isolated network CloudStack makes for an account's first
    instance in an Advanced zone where it has none: of the Required isolated
    offering, named after the account."""
    offering = NetworkOffering.objects.filter(
        guest_ip_type=NetworkOffering.GuestIpType.ISOLATED, availability=NetworkOffering.Availability.REQUIRED,
        state=NetworkOffering.State.ENABLED).order_by("-is_default", "id").first()
    if offering is None:
        raise InvalidParameter(f"networkids: zone {zone.name} has no network account {account.name} may use, and no "
                               f"enabled Required isolated offering to make one", field="networkids")
    return create_isolated_network(caller, zone, offering, name=f"{account.name}-network", account=account,
                                   display_text=f"Default network of account {account.name}")


def _check_vlan_free(zone: Zone, physical_network: PhysicalNetwork | None, vlan: str) -> None:
    """A shared network's VLAN is its own: not another network's, and not in
    the physical network's guest VLAN range (kept for isolated networks)."""
    if vlan == "untagged":
        return
    taken = zone.networks.filter(vlan=vlan, physical_network=physical_network).first()
    if taken is not None:
        raise InvalidParameter(f"vlan: VLAN {vlan} is already used by network {taken.name}", field="vlan")
    if physical_network is not None:
        for low, high in parse_vlan_ranges(physical_network.vlan):
            if low <= int(vlan) <= high:
                raise InvalidParameter(f"vlan: VLAN {vlan} is in physical network {physical_network.name}'s guest "
                                       f"VLAN range {low}-{high}, kept for isolated networks", field="vlan")


@transaction.atomic
def update_network(caller, network: Network, *, name: str | None = None, display_text: str | None = None,
                   network_domain: str | None = None, offering: NetworkOffering | None = None) -> Network:
    """Rename, describe, or change the network offering (guide 13.6.2: to an
    enabled offering of the same guest type). Shared networks are the root
    admin's; an isolated network its account's (and its admins')."""
    ensure_can_manage_network(caller, network)
    network = locked(Network, network)
    if name is not None:
        name = require_name(name, "name", "network name")
        if network.zone.networks.filter(name__iexact=name).exclude(pk=network.pk).exists():
            raise InvalidParameter(f"name: zone {network.zone.name} already has a network named {name}", field="name")
        network.name = name
    if display_text is not None:
        network.display_text = display_text.strip() or network.name
    if network_domain is not None:
        network.network_domain = clean_network_domain(network_domain)
    if offering is not None and offering.pk != network.offering_id:
        if offering.state != NetworkOffering.State.ENABLED:
            raise InvalidParameter(f"networkofferingid: network offering {offering.name} is disabled",
                                   field="networkofferingid")
        if offering.guest_ip_type != network.offering.guest_ip_type:
            raise InvalidParameter(f"networkofferingid: {offering.name} is for {offering.guest_ip_type} networks; "
                                   f"network {network.name} is {network.offering.guest_ip_type}",
                                   field="networkofferingid")
        if offering.has_security_groups != network.offering.has_security_groups:
            raise InvalidParameter("networkofferingid: the new offering must keep security groups as they are "
                                   "(on or off)", field="networkofferingid")
        network.offering = offering
    network.save()
    return network


@transaction.atomic
def delete_network(caller, network: Network) -> None:
    """A network leaves with its ranges once none of its addresses is in
    use; an isolated one with its router, VLAN and public addresses."""
    ensure_can_manage_network(caller, network)
    remove_network(network)
    record_event("NETWORK.DELETE", f"Network {network.name} deleted", user=caller, account=network.account,
                 resource=network)


@transaction.atomic
def remove_network(network: Network) -> None:
    """Delete the network and its ranges; refused naming the instances and
    addresses still on it."""
    network = locked(Network, network)
    addresses = list(network.guest_ips.select_related("nic__instance")[:50])
    if addresses:
        held = ", ".join(f"{a.address} ({a.nic.instance.name})" if hasattr(a, "nic") else a.address
                         for a in addresses[:5])
        raise ResourceInUse(f"id: network {network.name} still has {network.guest_ips.count()} address(es) in use: "
                            f"{held}", field="id")
    if network.is_isolated:
        remove_network_router(network)
        release_network_ips(network)
    network.ip_ranges.all().delete()
    delete_checked(network, hint="delete them first")


def remove_owned_networks(caller, owner) -> None:
    """Account or domain cleanup: the networks that belong to the owner alone."""
    owned = Network.objects.filter(account=owner) if isinstance(owner, Account) else Network.objects.filter(
        domain=owner, account__isnull=True)
    for network in owned:
        remove_network(network)
