"""Public IP ranges of a zone and guest IP ranges of a Basic zone's pods
(guide 2.8, 6.3): inside their gateway's subnet, ordered, gateway outside,
overlapping no other range of the zone nor any pod's reserved range."""
from ipaddress import IPv4Network

from django.db import transaction

from cloudstack_ui.errors import InvalidParameter, ResourceInUse
from infrastructure.models import Pod, Zone
from infrastructure.services.access import ensure_root_admin, locked
from infrastructure.services.addressing import check_range, netmask_text, overlaps, parse_vlan_id
from network.models import PhysicalNetwork, StorageNetworkIpRange, TrafficType, VlanIpRange


@transaction.atomic
def create_vlan_ip_range(caller, zone: Zone, *, gateway: str, netmask: str, start_ip: str, end_ip: str | None = None,
                         vlan: str | None = None, pod: Pod | None = None,
                         physical_network: PhysicalNetwork | None = None,
                         for_virtual_network: bool | None = None, network=None, account=None,
                         domain=None) -> VlanIpRange:
    """A public range, or a guest range of a guest network (in a Basic zone,
    a pod's range of the zone's guest network); a public range may be
    dedicated to one account or one domain (guide 13.11)."""
    ensure_root_admin(caller)
    zone = locked(Zone, zone)
    if for_virtual_network is None:
        for_virtual_network = pod is None and network is None
    if zone.network_type == Zone.NetworkType.BASIC:
        if for_virtual_network:
            raise InvalidParameter("forvirtualnetwork: public ranges in a Basic zone need the NetScaler EIP/ELB "
                                   "offering, which this version does not have yet", field="forvirtualnetwork")
        if pod is None:
            raise InvalidParameter("podid: a Basic zone's guest range belongs to a pod", field="podid")
        network = network or zone.networks.first()
    elif not for_virtual_network and network is None:
        raise InvalidParameter("networkid: a guest range of an Advanced zone belongs to a guest network",
                               field="networkid")
    if network is not None:
        if network.zone_id != zone.pk:
            raise InvalidParameter(f"networkid: network {network.name} is not in zone {zone.name}", field="networkid")
        if for_virtual_network:
            raise InvalidParameter("forvirtualnetwork: a guest network's range is not public", field="forvirtualnetwork")
    if pod is not None and pod.zone_id != zone.pk:
        raise InvalidParameter(f"podid: pod {pod.name} is not in zone {zone.name}", field="podid")
    if physical_network is not None and physical_network.zone_id != zone.pk:
        raise InvalidParameter(f"physicalnetworkid: physical network {physical_network.name} is not in zone "
                               f"{zone.name}", field="physicalnetworkid")
    if (account is not None or domain is not None) and not for_virtual_network:
        raise InvalidParameter("account: only public ranges are dedicated", field="account")
    subnet, gateway_ip, start, end = check_range(gateway=gateway, netmask=netmask, start=start_ip, end=end_ip)
    for other in [*zone.vlan_ip_ranges.exclude(network__offering__guest_ip_type="Isolated"),
                  *zone.storage_ip_ranges.all()]:
        if overlaps(start, end, other.start_ip, other.end_ip):
            raise InvalidParameter(f"startip: {start}-{end} overlaps the IP range {other.start_ip}-{other.end_ip}",
                                   field="startip")
    for other_pod in zone.pods.all():
        if overlaps(start, end, other_pod.start_ip, other_pod.end_ip):
            raise InvalidParameter(f"startip: {start}-{end} overlaps the reserved system range "
                                   f"{other_pod.start_ip}-{other_pod.end_ip} of pod {other_pod.name}",
                                   field="startip")
    if network is not None and network.cidr and IPv4Network(network.cidr) != subnet:
        raise InvalidParameter(f"gateway: network {network.name} is {network.cidr}; its ranges share that subnet",
                               field="gateway")
    return VlanIpRange.objects.create(
        zone=zone, pod=pod, physical_network=physical_network or (network.physical_network if network else None),
        vlan=network.vlan if network is not None and vlan is None else parse_vlan_id(vlan), gateway=str(gateway_ip),
        netmask=netmask_text(subnet.prefixlen), start_ip=str(start), end_ip=str(end),
        for_virtual_network=for_virtual_network, network=network, account=account,
        domain=None if account is not None else domain,
    )


@transaction.atomic
def delete_vlan_ip_range(caller, ip_range: VlanIpRange) -> None:
    """A range leaves once none of its addresses is given out."""
    ensure_root_admin(caller)
    ip_range = locked(VlanIpRange, ip_range)
    if ip_range.guest_ips.exists() or ip_range.public_ips.exists():
        raise ResourceInUse(f"id: addresses of range {ip_range} are in use", field="id")
    ip_range.delete()


@transaction.atomic
def dedicate_public_ip_range(caller, ip_range: VlanIpRange, *, account=None, domain=None) -> VlanIpRange:
    """Dedicate a public range of the zone's pool to one account (or one
    domain); refused when another account holds addresses of it."""
    ensure_root_admin(caller)
    ip_range = locked(VlanIpRange, ip_range)
    if not ip_range.for_virtual_network:
        raise InvalidParameter(f"id: {ip_range} is a guest range; only public ranges are dedicated", field="id")
    if ip_range.account_id or ip_range.domain_id:
        raise InvalidParameter(f"id: public range {ip_range} is already dedicated", field="id")
    if account is None and domain is None:
        raise InvalidParameter("account: name the account (with domainid) or the domain", field="account")
    holders = ip_range.public_ips.exclude(account=account) if account is not None else \
        ip_range.public_ips.exclude(account__domain__path__startswith=domain.path)
    holder = holders.select_related("account").first()
    if holder is not None:
        raise ResourceInUse(f"id: {holder.address} of range {ip_range} is held by account {holder.account.name}",
                            field="id")
    ip_range.account, ip_range.domain = account, None if account is not None else domain
    ip_range.save(update_fields=["account", "domain"])
    return ip_range


@transaction.atomic
def release_public_ip_range(caller, ip_range: VlanIpRange) -> VlanIpRange:
    """Give a dedicated public range back to the zone's pool; addresses
    already held stay with their accounts."""
    ensure_root_admin(caller)
    ip_range = locked(VlanIpRange, ip_range)
    if not (ip_range.account_id or ip_range.domain_id):
        raise InvalidParameter(f"id: public range {ip_range} is not dedicated", field="id")
    ip_range.account = ip_range.domain = None
    ip_range.save(update_fields=["account", "domain"])
    return ip_range



@transaction.atomic
def create_storage_ip_range(caller, pod: Pod, *, gateway: str, netmask: str, start_ip: str, end_ip: str | None = None,
                            vlan: str | None = None) -> StorageNetworkIpRange:
    """A pod's storage-network addresses; they overlap no other range of the
    zone, public, guest, reserved or storage."""
    ensure_root_admin(caller)
    zone = locked(Zone, pod.zone)
    if not TrafficType.objects.filter(physical_network__zone=zone, traffic_type=TrafficType.Kind.STORAGE).exists():
        raise InvalidParameter(f"podid: zone {zone.name} carries no storage traffic apart; add the Storage traffic "
                               f"type to a physical network first", field="podid")
    network, gateway_ip, start, end = check_range(gateway=gateway, netmask=netmask, start=start_ip, end=end_ip)
    others = [*zone.vlan_ip_ranges.all(), *zone.storage_ip_ranges.all()]
    for other in others:
        if overlaps(start, end, other.start_ip, other.end_ip):
            raise InvalidParameter(f"startip: {start}-{end} overlaps the IP range {other.start_ip}-{other.end_ip}",
                                   field="startip")
    for other_pod in zone.pods.all():
        if overlaps(start, end, other_pod.start_ip, other_pod.end_ip):
            raise InvalidParameter(f"startip: {start}-{end} overlaps the reserved system range of pod "
                                   f"{other_pod.name}", field="startip")
    return StorageNetworkIpRange.objects.create(
        zone=zone, pod=pod, vlan=parse_vlan_id(vlan), gateway=str(gateway_ip),
        netmask=netmask_text(network.prefixlen), start_ip=str(start), end_ip=str(end),
    )


@transaction.atomic
def delete_storage_ip_range(caller, ip_range: StorageNetworkIpRange) -> None:
    ensure_root_admin(caller)
    locked(StorageNetworkIpRange, ip_range).delete()
