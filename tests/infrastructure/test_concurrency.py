"""Concurrent requests must not both get overlapping ranges: the services
lock the zone row, so the second sees the first's range (run on MariaDB in
CI, where the lock is a real row lock; SQLite serialises writers)."""
import threading

import pytest
from django.db import close_old_connections

from cloudstack_ui.errors import InvalidParameter
from infrastructure.services import pods, zones
from network.models import PhysicalNetwork, VlanIpRange
from network.services import ip_ranges, physical_networks

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def race(calls):
    """Run the calls at once from threads; answers (successes, refusals)."""
    barrier = threading.Barrier(len(calls))
    outcomes = []

    def run(call):
        try:
            barrier.wait()
            call()
            outcomes.append("ok")
        except InvalidParameter as exc:
            outcomes.append(exc.message)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return outcomes.count("ok"), [o for o in outcomes if o != "ok"]


def test_overlapping_public_ranges_at_once(root_admin):
    zone = zones.create_zone(root_admin, name="z", network_type="Advanced", dns1="8.8.8.8", internal_dns1="10.0.0.2")
    calls = [lambda n=n: ip_ranges.create_vlan_ip_range(root_admin, zone, gateway="203.0.113.1", netmask="/24",
                                                        start_ip=f"203.0.113.{10 + n}", end_ip=f"203.0.113.{60 + n}")
             for n in range(4)]
    succeeded, refusals = race(calls)
    assert succeeded == 1 and VlanIpRange.objects.count() == 1
    assert all("overlaps" in message for message in refusals)


def test_overlapping_vlan_ranges_and_pods_at_once(root_admin):
    zone = zones.create_zone(root_admin, name="z", network_type="Advanced", dns1="8.8.8.8", internal_dns1="10.0.0.2")
    succeeded, _ = race([lambda n=n: physical_networks.create_physical_network(root_admin, zone, name=f"n{n}",
                                                                               vlan=f"{500 + n}-{600 + n}")
                         for n in range(3)])
    assert succeeded == 1 and PhysicalNetwork.objects.count() == 1
    succeeded, _ = race([lambda n=n: pods.create_pod(root_admin, zone, name=f"p{n}", gateway="10.5.0.1",
                                                     netmask="/24", start_ip=f"10.5.0.{10 + n}")
                         for n in range(3)])
    assert succeeded == 1 and zone.pods.count() == 1
