"""Guest VLAN and public IP allocation under concurrent requests.

50 threads at once implement 50 isolated networks (each takes a guest VLAN
and a source NAT address on a Simulator host), then 50 threads at once
acquire one more public address each (associateIpAddress's service). Each
phase reports its wall time, the median and slowest request, and checks
that no VLAN or address was given twice. Row locks matter here, so run it
on MariaDB (SQLite serialises writers and may report "database is locked"):

    DATABASE_URL=mysql://root:@127.0.0.1:3306/bench_alloc .venv/bin/python bench/ip_vlan_allocation.py

Run by hand, not in the test suite."""
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("CSUI_VAR_DIR", tempfile.mkdtemp(prefix="csui-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cloudstack_ui.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402

from accounts.models import User  # noqa: E402
from infrastructure.models import SimulatedMachine  # noqa: E402
from infrastructure.services import clusters, hosts, pods, zones  # noqa: E402
from network.models import GuestVlan, NetworkOffering, PublicIpAddress  # noqa: E402
from network.services import ip_ranges, networks, physical_networks, public_ips, routers  # noqa: E402

CONCURRENT = 50


def build():
    admin = User.objects.get(username="admin")
    name = f"bench-{int(time.time())}"
    zone = zones.create_zone(admin, name=name, network_type="Advanced", dns1="8.8.8.8", internal_dns1="10.0.0.2")
    physical = physical_networks.create_physical_network(admin, zone, name="phys", vlan="1000-1999")
    for kind in ("Guest", "Public", "Management"):
        physical_networks.add_traffic_type(admin, physical, traffic_type=kind, kvm_label="cloudbr0")
    ip_ranges.create_vlan_ip_range(admin, zone, gateway="100.64.0.1", netmask="255.255.0.0", start_ip="100.64.0.10",
                                   end_ip="100.64.3.250", physical_network=physical, for_virtual_network=True)
    pod = pods.create_pod(admin, zone, name="pod", gateway="192.168.50.1", netmask="/24", start_ip="192.168.50.10",
                          end_ip="192.168.50.20")
    cluster = clusters.add_cluster(admin, pod, name="c", hypervisor="Simulator")
    SimulatedMachine.objects.get_or_create(name=f"{name}-h1")
    host = hosts.add_host(admin, cluster, url=f"simulator://{name}-h1", password="password")
    offering = NetworkOffering.objects.get(name="DefaultIsolatedNetworkOfferingWithSourceNatService")
    made = [networks.create_isolated_network(admin, zone, offering, name=f"n{i}", gateway=f"10.{i}.0.1",
                                             netmask="255.255.255.0") for i in range(CONCURRENT)]
    return admin, zone, host, made


def timed(fn, items):
    def run(item):
        start = time.perf_counter()
        try:
            fn(item)
        finally:
            connections.close_all()
        return (time.perf_counter() - start) * 1000

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=CONCURRENT) as pool:
        samples = list(pool.map(run, items))
    return (time.perf_counter() - start) * 1000, samples


def report(label, wall, samples):
    print(f"{label:<28} {len(samples)} requests in {wall:7.1f} ms   median {statistics.median(samples):7.1f} ms   "
          f"slowest {max(samples):7.1f} ms")


def main():
    call_command("migrate", verbosity=0)
    admin, zone, host, made = build()
    print(f"database {connection.vendor}, {CONCURRENT} concurrent requests")
    wall, samples = timed(lambda network: routers.implement_network(network, host), made)
    report("implement (VLAN + source NAT)", wall, samples)
    vlans = list(GuestVlan.objects.filter(network__zone=zone).values_list("vnet", flat=True))
    assert len(vlans) == len(set(vlans)) == CONCURRENT, "a VLAN was given twice"
    wall, samples = timed(lambda network: public_ips.allocate_public_ip(admin.account, network), made)
    report("acquire a public IP", wall, samples)
    addresses = list(PublicIpAddress.objects.filter(zone=zone).values_list("address", flat=True))
    assert len(addresses) == len(set(addresses)) == 2 * CONCURRENT, "an address was given twice"
    print(f"checked: {len(vlans)} distinct VLANs, {len(addresses)} distinct public addresses "
          f"(zone {zone.name} is left in the bench database)")


if __name__ == "__main__":
    main()
