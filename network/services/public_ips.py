"""Public IP addresses of an Advanced zone (guide 13.11-13.12): an account
acquires one for its isolated network (associateIpAddress), the network's
source NAT address is taken when it is first implemented, and an address
goes back to the zone's pool when released. Dedicated ranges of the
account (then of its domain, nearest first) are used before the zone's
shared pool. The zone's public ranges are locked while an address is
chosen, so concurrent requests never get the same one; the unique
constraint on (zone, address) backs the lock."""
from ipaddress import IPv4Address

from django.db import IntegrityError, transaction
from django.db.models import Q

from accounts.models import Account
from accounts.services.scope import ancestor_paths, ensure_can_admin_account, scope_by_account
from cloudstack_ui.errors import InsufficientCapacity, InvalidParameter, NotFound, PermissionDenied, ResourceInUse
from cloudstack_ui.jobs.events import record_event
from network.models import Network, PublicIpAddress, VlanIpRange


def visible_public_ips(caller):
    """The public addresses the caller may see (its account's; a domain
    admin's subtree; every one for root admins), loaded for their answer."""
    return scope_by_account(PublicIpAddress.objects.select_related(
        "zone", "ip_range", "account__domain", "network", "static_nat_ip__nic__instance"), caller)


def find_public_ip(caller, uuid, field: str = "ipaddressid") -> PublicIpAddress:
    """A public address the caller may act on; another account's looks unknown."""
    ip = visible_public_ips(caller).filter(uuid=uuid).first() if uuid is not None else None
    if ip is None:
        raise NotFound(f"{field}: no public IP address has the id {uuid}", field=field)
    return ip


def _candidate_ranges(zone, account: Account) -> list[VlanIpRange]:
    """The zone's public ranges the account may take from, locked, in the
    order they are used: the account's own, its domain's (nearest first),
    then the zone's pool."""
    ranges = list(VlanIpRange.objects.select_for_update().filter(zone=zone, for_virtual_network=True)
                  .filter(Q(account=account) | Q(account__isnull=True, domain__path__in=ancestor_paths(account.domain))
                          | Q(account__isnull=True, domain__isnull=True))
                  .select_related("domain").order_by("pk"))

    def rank(ip_range: VlanIpRange):
        if ip_range.account_id:
            return (0, 0)
        if ip_range.domain_id:
            return (1, -len(ip_range.domain.path))
        return (2, 0)

    return sorted(ranges, key=rank)


def _usable_addresses(ip_range: VlanIpRange, wanted: IPv4Address | None):
    """The range's addresses in order (its gateway excepted), or only `wanted` when it is one of them."""
    first, last = IPv4Address(ip_range.start_ip), IPv4Address(ip_range.end_ip)
    if wanted is not None:
        candidates = [wanted] if first <= wanted <= last else []
    else:
        candidates = (first + offset for offset in range(int(last) - int(first) + 1))
    return (str(address) for address in candidates if str(address) != ip_range.gateway)


@transaction.atomic
def allocate_public_ip(account: Account, network: Network, *, source_nat: bool = False,
                       address: str | None = None) -> PublicIpAddress:
    """Take the first free public address for `account` on `network`, or
    exactly `address` when it is asked for; InsufficientCapacity names the
    zone when none is left, ResourceInUse says an asked-for address is held."""
    zone = network.zone
    wanted = _parse_address(address) if address is not None else None
    ranges = _candidate_ranges(zone, account)
    taken = set(PublicIpAddress.objects.filter(zone=zone).order_by().values_list("address", flat=True))
    if address is not None and str(wanted) in taken:
        raise ResourceInUse(f"ipaddress: {wanted} is already acquired", field="ipaddress")
    for ip_range in ranges:
        for text in _usable_addresses(ip_range, wanted):
            if text in taken:
                continue
            try:
                with transaction.atomic():
                    return PublicIpAddress.objects.create(
                        zone=zone, ip_range=ip_range, address=text, account=account, network=network,
                        is_source_nat=source_nat, state=PublicIpAddress.State.ALLOCATED)
            except IntegrityError:
                if wanted is not None:
                    raise ResourceInUse(f"ipaddress: {wanted} is already acquired", field="ipaddress") from None
                taken.add(text)
    if wanted is not None:
        raise InvalidParameter(f"ipaddress: {wanted} is in no public range of zone {zone.name} that account "
                               f"{account.name} may use", field="ipaddress")
    raise InsufficientCapacity(f"zoneid: zone {zone.name} has no free public IP address for account {account.name}",
                               field="zoneid")


def _parse_address(address: str) -> IPv4Address:
    try:
        return IPv4Address(address)
    except ValueError:
        raise InvalidParameter(f"ipaddress: {address!r} is not an IPv4 address", field="ipaddress") from None


def _ip_network(caller, network: Network) -> Network:
    if not network.is_isolated:
        raise InvalidParameter(f"networkid: network {network.name} is {network.offering.guest_ip_type}; public IP "
                               f"addresses are acquired for isolated networks", field="networkid")
    if network.account_id is None:
        raise InvalidParameter(f"networkid: network {network.name} has no owner account", field="networkid")
    if network.account_id != caller.account_id:
        ensure_can_admin_account(caller, network.account)
    return network


@transaction.atomic
def associate_ip_address(caller, network: Network, address: str | None = None) -> PublicIpAddress:
    """Acquire a public address for the caller's isolated network (guide
    13.11), the asked-for one or the first free; it belongs to the
    network's account. Rules on it are applied to the network's router
    when they are made."""
    network = _ip_network(caller, network)
    network = Network.objects.select_for_update().get(pk=network.pk)
    ip = allocate_public_ip(network.account, network, address=address)
    record_event("NET.IPASSIGN", f"Public IP {ip.address} acquired for network {network.name}", user=caller,
                 account=network.account, resource=ip)
    return ip


def ip_rules_in_use(ip: PublicIpAddress) -> list[str]:
    """What still uses the address, in words (empty when it can be released)."""
    uses = []
    if ip.static_nat_ip_id:
        uses.append("static NAT")
    count = ip.port_forwarding_rules.count()
    if count:
        uses.append(f"{count} port forwarding rule(s)")
    count = ip.firewall_rules.count()
    if count:
        uses.append(f"{count} firewall rule(s)")
    return uses


@transaction.atomic
def disassociate_ip_address(caller, ip: PublicIpAddress) -> None:
    """Release an acquired address back to the zone's pool (guide 13.12),
    once its last rule is gone. The source NAT address goes with its
    network, never alone."""
    ip = PublicIpAddress.objects.select_for_update().select_related("network").get(pk=ip.pk)
    if ip.account_id != caller.account_id:
        ensure_can_admin_account(caller, ip.account)
    if ip.is_source_nat:
        raise InvalidParameter(f"id: {ip.address} is the source NAT address of network {ip.network.name}; it is "
                               f"released with the network", field="id")
    uses = ip_rules_in_use(ip)
    if uses:
        raise ResourceInUse(f"id: {ip.address} still has {', '.join(uses)}; remove them first", field="id")
    record_event("NET.IPRELEASE", f"Public IP {ip.address} released", user=caller, account=ip.account, resource=ip)
    ip.delete()


def ensure_ip_of_network(ip: PublicIpAddress, network: Network, field: str = "ipaddressid") -> None:
    """Refuse a rule that would join an address and a network that are not each other's."""
    if ip.network_id != network.pk:
        where = f"network {ip.network.name}" if ip.network_id else "no network"
        raise InvalidParameter(f"{field}: {ip.address} belongs to {where}, not to network {network.name}",
                               field=field)


def ensure_owner_acts(caller, ip: PublicIpAddress) -> None:
    """Rules on an address are made by its account (or an admin above it)."""
    if ip.account_id != caller.account_id:
        try:
            ensure_can_admin_account(caller, ip.account)
        except PermissionDenied:
            raise PermissionDenied(f"ipaddressid: {ip.address} belongs to another account", field="ipaddressid")


def release_network_ips(network: Network) -> None:
    """A deleted network's addresses go back to the pool with their rules."""
    for ip in network.public_ips.select_for_update():
        ip.firewall_rules.all().delete()
        ip.port_forwarding_rules.all().delete()
        ip.delete()
