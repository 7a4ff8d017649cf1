"""Physical networks and their traffic types (guide 2.8, 6.3). Guest VLAN
ranges are 1-4094 and overlap no other range in the zone; each of
Management, Public and Storage is carried by one physical network per zone;
a Basic zone has one physical network."""
from django.db import transaction

from accounts.services.validation import require_name
from cloudstack_ui.errors import InvalidParameter, ResourceInUse
from infrastructure.models import Zone
from infrastructure.services.access import ensure_root_admin, locked
from infrastructure.services.addressing import format_vlan_ranges, parse_vlan_ranges
from network.models import PhysicalNetwork, TrafficType
from network.services.guest_vlans import check_taken_vlans_kept, check_zone_vlan_count

ISOLATION_METHODS = ("VLAN", "L3", "GRE", "STT", "VNS", "VXLAN")


def _check_vlans_free(zone: Zone, ranges, exclude=None) -> None:
    others = zone.physical_networks.exclude(pk=exclude.pk) if exclude else zone.physical_networks.all()
    for other in others:
        for low, high in parse_vlan_ranges(other.vlan):
            for new_low, new_high in ranges:
                if new_low <= high and low <= new_high:
                    raise InvalidParameter(f"vlan: {new_low}-{new_high} overlaps the VLAN range {low}-{high} of "
                                           f"physical network {other.name}", field="vlan")


@transaction.atomic
def create_physical_network(caller, zone: Zone, *, name: str, isolation_methods: str = "VLAN", vlan: str = "",
                            tags: str = "", broadcast_domain_range: str = "", network_speed: str = "") -> PhysicalNetwork:
    ensure_root_admin(caller)
    zone = locked(Zone, zone)
    name = require_name(name, "name", "physical network name")
    if zone.physical_networks.filter(name__iexact=name).exists():
        raise InvalidParameter(f"name: zone {zone.name} already has a physical network named {name}", field="name")
    if zone.network_type == Zone.NetworkType.BASIC and zone.physical_networks.exists():
        raise InvalidParameter(f"zoneid: Basic zone {zone.name} has one physical network", field="zoneid")
    methods = [m.strip().upper() for m in (isolation_methods or "VLAN").split(",") if m.strip()]
    unknown = [m for m in methods if m not in ISOLATION_METHODS]
    if unknown:
        raise InvalidParameter(f"isolationmethods: {', '.join(unknown)} is not one of {', '.join(ISOLATION_METHODS)}",
                               field="isolationmethods")
    ranges = parse_vlan_ranges(vlan)
    _check_vlans_free(zone, ranges)
    check_zone_vlan_count(zone, ranges)
    default_range = "POD" if zone.network_type == Zone.NetworkType.BASIC else "ZONE"
    return PhysicalNetwork.objects.create(
        zone=zone, name=name, isolation_methods=",".join(methods), vlan=format_vlan_ranges(ranges),
        tags=",".join(t.strip() for t in tags.split(",") if t.strip()),
        broadcast_domain_range=(broadcast_domain_range or default_range).upper(), network_speed=network_speed,
    )


@transaction.atomic
def update_physical_network(caller, network: PhysicalNetwork, *, vlan: str | None = None, tags: str | None = None,
                            state: str | None = None) -> PhysicalNetwork:
    ensure_root_admin(caller)
    locked(Zone, network.zone)
    network = locked(PhysicalNetwork, network)
    if vlan is not None:
        ranges = parse_vlan_ranges(vlan)
        _check_vlans_free(network.zone, ranges, exclude=network)
        check_zone_vlan_count(network.zone, ranges, exclude=network)
        check_taken_vlans_kept(network, ranges)
        network.vlan = format_vlan_ranges(ranges)
    if tags is not None:
        network.tags = ",".join(t.strip() for t in tags.split(",") if t.strip())
    if state is not None:
        if state not in PhysicalNetwork.State.values:
            raise InvalidParameter("state: must be Enabled or Disabled", field="state")
        network.state = state
    network.save()
    return network


@transaction.atomic
def delete_physical_network(caller, network: PhysicalNetwork) -> None:
    ensure_root_admin(caller)
    network = locked(PhysicalNetwork, network)
    if network.vlan_ip_ranges.exists():
        raise ResourceInUse(f"id: physical network {network.name} still has IP ranges", field="id")
    network.delete()


SINGLE_PER_ZONE = (TrafficType.Kind.MANAGEMENT, TrafficType.Kind.PUBLIC, TrafficType.Kind.STORAGE)


@transaction.atomic
def add_traffic_type(caller, network: PhysicalNetwork, *, traffic_type: str, kvm_label: str = "",
                     xen_label: str = "", vmware_label: str = "") -> TrafficType:
    ensure_root_admin(caller)
    locked(Zone, network.zone)
    kind = next((k for k in TrafficType.Kind.values if k.lower() == (traffic_type or "").lower()), None)
    if kind is None:
        raise InvalidParameter(f"traffictype: must be one of {', '.join(TrafficType.Kind.values)}",
                               field="traffictype")
    if network.traffic_types.filter(traffic_type=kind).exists():
        raise InvalidParameter(f"traffictype: physical network {network.name} already carries {kind} traffic",
                               field="traffictype")
    if kind in SINGLE_PER_ZONE:
        elsewhere = TrafficType.objects.filter(physical_network__zone=network.zone, traffic_type=kind).first()
        if elsewhere is not None:
            raise InvalidParameter(f"traffictype: {kind} traffic of zone {network.zone.name} is already carried by "
                                   f"physical network {elsewhere.physical_network.name}", field="traffictype")
    return TrafficType.objects.create(physical_network=network, traffic_type=kind, kvm_label=kvm_label.strip(),
                                      xen_label=xen_label.strip(), vmware_label=vmware_label.strip())
