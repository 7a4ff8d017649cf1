"""Guest VLANs of isolated networks (guide 12.9, 13.16): a network takes a
VLAN of its physical network's guest range when it is implemented and
gives it back when it is shut down. The physical network's row is locked
while a VLAN is chosen, so concurrent implements never take the same one;
the unique constraint on (physical network, vnet) backs the lock. A zone
offers at most 2^guest.vlan.bits VLANs (4094 at 12 bits: ids 0 and 4095
are not VLANs) and runs at most 2^(24 - bits) instances."""
from django.db import IntegrityError, transaction

from cloudstack_ui.config.keys import get_value
from cloudstack_ui.errors import InsufficientCapacity, InvalidParameter, ResourceInUse
from infrastructure.services.addressing import parse_vlan_ranges
from infrastructure.settings_keys import GUEST_VLAN_BITS
from network.models import GuestVlan, Network, PhysicalNetwork


def zone_vlan_limit() -> int:
    """How many guest VLANs a zone may offer (guide 12.9's table)."""
    bits = get_value(GUEST_VLAN_BITS)
    return 4094 if bits >= 12 else 2 ** bits


def zone_running_limit() -> int:
    """How many instances a zone may run at once (guide 12.9's table)."""
    return 2 ** (24 - get_value(GUEST_VLAN_BITS))


def check_zone_vlan_count(zone, ranges: list[tuple[int, int]], exclude: PhysicalNetwork | None = None) -> None:
    """Refuse guest VLAN ranges that would give the zone more VLANs than guest.vlan.bits allows."""
    others = zone.physical_networks.exclude(pk=exclude.pk) if exclude else zone.physical_networks.all()
    total = sum(high - low + 1 for low, high in ranges)
    total += sum(high - low + 1 for other in others for low, high in parse_vlan_ranges(other.vlan))
    limit = zone_vlan_limit()
    if total > limit:
        raise InvalidParameter(f"vlan: zone {zone.name} would have {total} guest VLANs; guest.vlan.bits allows "
                               f"{limit}", field="vlan")


def check_taken_vlans_kept(physical_network: PhysicalNetwork, ranges: list[tuple[int, int]]) -> None:
    """A range may shrink only around VLANs no network holds."""
    for taken in physical_network.guest_vlans.select_related("network"):
        if not any(low <= taken.vnet <= high for low, high in ranges):
            raise ResourceInUse(f"vlan: VLAN {taken.vnet} is used by network {taken.network.name}; the new range "
                                f"must keep it", field="vlan")


@transaction.atomic
def allocate_guest_vlan(network: Network) -> GuestVlan:
    """The network's VLAN: the one it holds, or the first free one of its
    physical network's guest range; InsufficientCapacity names the
    physical network when none is left."""
    held = GuestVlan.objects.filter(network=network).first()
    if held is not None:
        return held
    physical = PhysicalNetwork.objects.select_for_update().get(pk=network.physical_network_id)
    ranges = parse_vlan_ranges(physical.vlan)
    if not ranges:
        raise InsufficientCapacity(f"physical network {physical.name} has no guest VLAN range; an operator sets one "
                                   f"with updatePhysicalNetwork vlan=<start>-<end>")
    taken = set(physical.guest_vlans.values_list("vnet", flat=True))
    taken |= {int(v) for v in physical.networks.exclude(vlan="untagged").exclude(offering__guest_ip_type="Isolated")
              .values_list("vlan", flat=True) if v.isdigit()}
    for low, high in ranges:
        for vnet in range(low, high + 1):
            if vnet in taken:
                continue
            try:
                with transaction.atomic():
                    vlan = GuestVlan.objects.create(physical_network=physical, vnet=vnet, network=network,
                                                    account=network.account)
            except IntegrityError:
                taken.add(vnet)
                continue
            Network.objects.filter(pk=network.pk).update(vlan=str(vnet))
            network.vlan = str(vnet)
            return vlan
    raise InsufficientCapacity(f"physical network {physical.name} has no free guest VLAN left in {physical.vlan}")


@transaction.atomic
def release_guest_vlan(network: Network) -> None:
    """Give the network's VLAN back (shutdown, delete)."""
    GuestVlan.objects.filter(network=network).delete()
    Network.objects.filter(pk=network.pk).update(vlan="")
    network.vlan = ""
