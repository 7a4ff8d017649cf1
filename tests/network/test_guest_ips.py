"""Guest IP address management: the pod's range in a Basic zone, never a
gateway, requested addresses, release, MACs unique per zone, a clear error
when the range runs out, and no duplicates under 200 concurrent
allocations (the network row lock; run on MariaDB by CI)."""
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from cloudstack_ui.errors import InsufficientCapacity, InvalidParameter
from infrastructure.services import pods, zones
from network.models import GuestIpAddress, NetworkOffering
from network.services import guest_ips, ip_ranges, networks, physical_networks


@pytest.fixture
def basic(root_admin):
    """A Basic zone's guest network with two pods' guest ranges."""
    zone = zones.create_zone(root_admin, name="basic", network_type="Basic", dns1="8.8.8.8", internal_dns1="10.0.0.2")
    physical = physical_networks.create_physical_network(root_admin, zone, name="phys")
    physical_networks.add_traffic_type(root_admin, physical, traffic_type="Guest")
    network = networks.create_network(root_admin, zone, NetworkOffering.objects.get(
        name="DefaultSharedNetworkOfferingWithSGService"), name="defaultGuestNetwork")
    created = {}
    for name, third in (("pod-a", 10), ("pod-b", 20)):
        created[name] = pods.create_pod(root_admin, zone, name=name, gateway=f"10.{third}.0.1", netmask="/24",
                                        start_ip=f"10.{third}.0.2", end_ip=f"10.{third}.0.9")
        ip_ranges.create_vlan_ip_range(root_admin, zone, pod=created[name], gateway=f"10.{third}.0.1",
                                       netmask="/24", start_ip=f"10.{third}.0.100", end_ip=f"10.{third}.0.102",
                                       for_virtual_network=False)
    return network, created


@pytest.mark.django_db
def test_addresses_come_from_the_pods_range_with_unique_macs(basic):
    network, pod = basic
    assert network.ip_ranges.count() == 2, "a Basic zone's pod ranges belong to its guest network"
    first = guest_ips.allocate_guest_ip(network, pod=pod["pod-b"])
    second = guest_ips.allocate_guest_ip(network, pod=pod["pod-b"])
    assert (first.address, second.address) == ("10.20.0.100", "10.20.0.101")
    assert re.fullmatch(r"02(:[0-9a-f]{2}){5}", first.mac_address) and first.mac_address != second.mac_address
    assert guest_ips.allocate_guest_ip(network, pod=pod["pod-a"]).address == "10.10.0.100"

    assert guest_ips.allocate_guest_ip(network, pod=pod["pod-b"], requested="10.20.0.102").address == "10.20.0.102"
    with pytest.raises(InsufficientCapacity, match="no free address in network defaultGuestNetwork in pod pod-b"):
        guest_ips.allocate_guest_ip(network, pod=pod["pod-b"])
    for wrong, text in (("10.20.0.101", "not a free address"), ("10.20.0.5", "not a free address"),
                        ("10.20.0", "not an IPv4 address")):
        with pytest.raises(InvalidParameter, match=text) as error:
            guest_ips.allocate_guest_ip(network, pod=pod["pod-b"], requested=wrong)
        assert error.value.field == "ipaddress"
    guest_ips.release_guest_ip(first)
    assert guest_ips.allocate_guest_ip(network, pod=pod["pod-b"]).address == "10.20.0.100", "released, given again"
    assert GuestIpAddress.objects.count() == 4


@pytest.mark.django_db
def test_the_gateway_is_never_given(root_admin):
    zone = zones.create_zone(root_admin, name="adv", network_type="Advanced", dns1="8.8.8.8", internal_dns1="10.0.0.2")
    physical = physical_networks.create_physical_network(root_admin, zone, name="phys")
    physical_networks.add_traffic_type(root_admin, physical, traffic_type="Guest")
    network = networks.create_network(
        root_admin, zone, NetworkOffering.objects.get(name="DefaultSharedNetworkOffering"), name="n",
        gateway="10.30.0.1", netmask="/29", start_ip="10.30.0.2", vlan="10")
    given = [guest_ips.allocate_guest_ip(network).address for _ in range(5)]
    assert given == [f"10.30.0.{i}" for i in range(2, 7)], "the /29 without network, gateway and broadcast"
    with pytest.raises(InsufficientCapacity, match="no free address in network n"):
        guest_ips.allocate_guest_ip(network)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_200_concurrent_allocations_never_share_an_address(root_admin):
    zone = zones.create_zone(root_admin, name="busy", network_type="Advanced", dns1="8.8.8.8",
                             internal_dns1="10.0.0.2")
    physical = physical_networks.create_physical_network(root_admin, zone, name="phys")
    physical_networks.add_traffic_type(root_admin, physical, traffic_type="Guest")
    network = networks.create_network(
        root_admin, zone, NetworkOffering.objects.get(name="DefaultSharedNetworkOffering"), name="busy-net",
        gateway="10.40.0.1", netmask="/24", start_ip="10.40.0.10", end_ip="10.40.0.159", vlan="40")

    def allocate(_):
        try:
            return guest_ips.allocate_guest_ip(network).address
        except InsufficientCapacity as exc:
            return exc.message
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=40) as pool:
        outcomes = list(pool.map(allocate, range(200)))
    addresses = [o for o in outcomes if o.startswith("10.40.0.")]
    refusals = [o for o in outcomes if not o.startswith("10.40.0.")]
    assert len(addresses) == 150 and len(set(addresses)) == 150, "every address of the range, once"
    assert refusals == ["no free address in network busy-net"] * 50
    assert GuestIpAddress.objects.count() == 150
    assert len(set(GuestIpAddress.objects.values_list("mac_address", flat=True))) == 150
