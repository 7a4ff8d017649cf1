"""Guest networks (guide 13.1-13.6): a Basic zone has one shared guest
network whose addresses are its pods' guest ranges; an Advanced zone has
shared networks, each on its own VLAN with its gateway, subnet and range,
open to the whole zone, one domain (and optionally its subdomains) or one
account. Isolated networks need the virtual router and are refused until it
runs."""
from django.db import transaction
from django.db.models import Q

from accounts.models import Account, Domain
from accounts.services.scope import ancestor_paths
from accounts.services.validation import clean_network_domain, require_name
from cloudstack_ui.dependents import delete_checked
from cloudstack_ui.errors import InvalidParameter, ResourceInUse
from infrastructure.models import Zone
from infrastructure.services.access import ensure_root_admin, locked
from infrastructure.services.addressing import check_range, parse_vlan_id, parse_vlan_ranges
from network.models import Network, NetworkOffering, PhysicalNetwork, TrafficType
from network.services.ip_ranges import create_vlan_ip_range


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
    ensure_root_admin(caller)
    zone = locked(Zone, zone)
    name = require_name(name, "name", "network name")
    if offering.state != NetworkOffering.State.ENABLED:
        raise InvalidParameter(f"networkofferingid: network offering {offering.name} is disabled",
                               field="networkofferingid")
    if offering.guest_ip_type == NetworkOffering.GuestIpType.ISOLATED:
        raise InvalidParameter(f"networkofferingid: {offering.name} makes isolated networks, which need the virtual "
                               f"router; this version does not run it yet", field="networkofferingid")
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
    enabled offering of the same guest type)."""
    ensure_root_admin(caller)
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
    """A network leaves with its ranges once none of its addresses is in use."""
    ensure_root_admin(caller)
    remove_network(network)


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
    network.ip_ranges.all().delete()
    delete_checked(network, hint="delete them first")


def remove_owned_networks(caller, owner) -> None:
    """Account or domain cleanup: the networks that belong to the owner alone."""
    owned = Network.objects.filter(account=owner) if isinstance(owner, Account) else Network.objects.filter(
        domain=owner, account__isnull=True)
    for network in owned:
        remove_network(network)
