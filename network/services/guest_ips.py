"""Guest IP address management (guide 2.8): addresses for instance NICs
from the network's ranges (in a Basic zone, the pod's), never a gateway
nor a pod's reserved system range (2.8.6), each with a MAC unique in the
zone. The network's row is locked while an address is chosen, so
concurrent deploys never get the same one; the unique constraints back the
lock."""
import secrets
from ipaddress import IPv4Address

from django.db import IntegrityError, transaction

from cloudstack_ui.errors import InsufficientCapacity, InvalidParameter
from infrastructure.models import Pod
from network.models import GuestIpAddress, Network, PortForwardingRule, PublicIpAddress


def random_mac() -> str:
    """A locally administered unicast MAC (02:...)."""
    return "02:" + ":".join(f"{b:02x}" for b in secrets.token_bytes(5))


@transaction.atomic
def allocate_guest_ip(network: Network, *, pod: Pod | None = None, requested: str = "") -> GuestIpAddress:
    """The first free address of the network (of `pod`'s range in a Basic
    zone), or `requested` when it is free; InsufficientCapacity names the
    network when none is left."""
    # Only the network's row is locked (a join would lock its zone's too).
    network = Network.objects.select_for_update().get(pk=network.pk)
    ranges = network.ip_ranges.all()
    if pod is not None:
        ranges = ranges.filter(pod=pod)
    ranges = list(ranges)
    taken = set(network.guest_ips.order_by().values_list("address", flat=True))
    reserved = [(IPv4Address(start), IPv4Address(end)) for start, end in
                Pod.objects.filter(zone_id=network.zone_id).order_by().values_list("start_ip", "end_ip")]

    def usable(address: IPv4Address, ip_range) -> bool:
        return (str(address) not in taken and str(address) != ip_range.gateway
                and not any(low <= address <= high for low, high in reserved))

    choice = None
    if requested:
        try:
            wanted = IPv4Address(requested.strip())
        except ValueError:
            raise InvalidParameter(f"ipaddress: {requested!r} is not an IPv4 address", field="ipaddress")
        choice = next(((wanted, r) for r in ranges
                       if IPv4Address(r.start_ip) <= wanted <= IPv4Address(r.end_ip)), None)
        if choice is None or not usable(*choice):
            raise InvalidParameter(f"ipaddress: {wanted} is not a free address of network {network.name}",
                                   field="ipaddress")
    else:
        for ip_range in ranges:
            address, last = IPv4Address(ip_range.start_ip), IPv4Address(ip_range.end_ip)
            while address <= last and not usable(address, ip_range):
                address += 1
            if address <= last:
                choice = (address, ip_range)
                break
    if choice is None:
        where = f" in pod {pod.name}" if pod is not None else ""
        raise InsufficientCapacity(f"no free address in network {network.name}{where}")
    address, ip_range = choice
    for _attempt in range(10):
        try:
            with transaction.atomic():
                return GuestIpAddress.objects.create(network=network, ip_range=ip_range, zone_id=network.zone_id,
                                                     address=str(address), mac_address=random_mac())
        except IntegrityError:
            if GuestIpAddress.objects.filter(network=network, address=str(address)).exists():
                raise
    raise InsufficientCapacity(f"no free MAC address in zone {network.zone.name}")


@transaction.atomic
def release_guest_ip(guest_ip: GuestIpAddress) -> None:
    """Give the address (and its MAC) back to the network, with the port
    forwarding rules to it and the static NAT onto it."""
    PortForwardingRule.objects.filter(guest_ip_id=guest_ip.pk).delete()
    PublicIpAddress.objects.filter(static_nat_ip_id=guest_ip.pk).update(static_nat_ip=None)
    GuestIpAddress.objects.filter(pk=guest_ip.pk).delete()
