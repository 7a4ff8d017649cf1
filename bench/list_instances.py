"""listVirtualMachines at scale.

100,000 instances (each with a NIC, its guest address and the account's
default security group) of 1,000 accounts; `listVirtualMachines` with
pagesize 500 as root admin through the command API, against the ORM
fetching the same rows with the same joins and prefetches. Reports median
latency, the ratio, and SQL queries per request (which must not grow with
the page size). Run by hand, not in the test suite:

    .venv/bin/python bench/list_instances.py            # SQLite in a temp dir
    mysql -uroot -h127.0.0.1 -e "CREATE DATABASE IF NOT EXISTS bench_vms"
    DATABASE_URL=mysql://root:@127.0.0.1:3306/bench_vms .venv/bin/python bench/list_instances.py

Target: within 3x the bare query; constant query count."""
import ipaddress
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("CSUI_VAR_DIR", tempfile.mkdtemp(prefix="csui-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cloudstack_ui.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import Account, Domain, Role, User  # noqa: E402
from compute.models import Nic, OsType, ServiceOffering, Template, VirtualMachine  # noqa: E402
from compute.services.instances import visible_instances  # noqa: E402
from infrastructure.models import Zone  # noqa: E402
from network.models import GuestIpAddress, Network, NetworkOffering, SecurityGroup, VlanIpRange  # noqa: E402

INSTANCES = 100_000
ACCOUNTS = 1_000
PAGE = 500
RUNS = 15
BATCH = 2_000


def populate():
    if VirtualMachine.objects.count() >= INSTANCES:
        return
    root = Domain.objects.get(parent=None)
    role = Role.objects.get(type=Role.Type.USER, is_default=True)
    Account.objects.bulk_create([Account(uuid=uuid.uuid4(), name=f"bench{n:04d}", domain=root, role=role)
                                 for n in range(ACCOUNTS)], batch_size=BATCH)
    accounts = list(Account.objects.filter(name__startswith="bench"))
    SecurityGroup.objects.bulk_create([SecurityGroup(uuid=uuid.uuid4(), account=a, name="default")
                                       for a in accounts], batch_size=BATCH)
    groups = dict(SecurityGroup.objects.values_list("account_id", "pk"))
    zone = Zone.objects.create(name="bench", network_type="Basic", dns1="8.8.8.8", internal_dns1="10.0.0.2",
                               allocation_state="Enabled")
    network = Network.objects.create(name="defaultGuestNetwork", zone=zone, offering=NetworkOffering.objects.get(
        name="DefaultSharedNetworkOfferingWithSGService"), gateway="10.0.0.1", cidr="10.0.0.0/12")
    ip_range = VlanIpRange.objects.create(zone=zone, network=network, gateway="10.0.0.1", netmask="255.240.0.0",
                                          start_ip="10.0.0.10", end_ip="10.15.255.250", for_virtual_network=False)
    template = Template.objects.create(name="bench", display_text="bench", url="http://example.invalid/b.qcow2",
                                       format="QCOW2", hypervisor="Simulator", account=accounts[0],
                                       os_type=OsType.objects.get_or_create(description="Other (64-bit)",
                                                                            defaults={"category": "Other"})[0])
    offering = ServiceOffering.objects.get(name="Small Instance")
    first = ipaddress.IPv4Address("10.0.0.10")
    for start in range(0, INSTANCES, BATCH):
        numbers = range(start, min(start + BATCH, INSTANCES))
        vms = VirtualMachine.objects.bulk_create([VirtualMachine(
            uuid=uuid.uuid4(), name=f"vm{n:06d}", display_name=f"vm{n:06d}", account=accounts[n % ACCOUNTS],
            zone=zone, template=template, service_offering=offering, state="Running", internal_name=f"i-{n}-VM")
            for n in numbers])
        vms = list(VirtualMachine.objects.filter(name__in=[f"vm{n:06d}" for n in numbers]).order_by("name"))
        addresses = GuestIpAddress.objects.bulk_create([GuestIpAddress(
            uuid=uuid.uuid4(), network=network, ip_range=ip_range, zone=zone, address=str(first + n),
            mac_address="02:00:" + ":".join(f"{b:02x}" for b in (n + 1).to_bytes(4, "big"))) for n in numbers])
        addresses = list(GuestIpAddress.objects.filter(address__in=[str(first + n) for n in numbers])
                         .order_by("id"))
        Nic.objects.bulk_create([Nic(uuid=uuid.uuid4(), instance=vm, network=network, guest_ip=address,
                                     is_default=True) for vm, address in zip(vms, addresses, strict=True)])
        VirtualMachine.security_groups.through.objects.bulk_create([
            VirtualMachine.security_groups.through(virtualmachine_id=vm.pk, securitygroup_id=groups[vm.account_id])
            for vm in vms])


def timed(fn):
    samples, queries = [], []
    for _ in range(RUNS):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - start)
        queries.append(len(ctx.captured_queries))
    return statistics.median(samples) * 1000, max(queries)


def main():
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    populate()
    print(f"populated in {time.perf_counter() - started:.0f} s")
    admin = User.objects.get(username="admin", domain__parent=None)
    User.objects.filter(pk=admin.pk).update(must_change_password=False)
    client = Client()
    login = client.post("/client/api", {"command": "login", "username": "admin", "password": "password",
                                        "response": "json"}).json()["loginresponse"]

    def bare_orm():
        rows = list(visible_instances(admin)[:PAGE])
        for vm in rows:
            list(vm.nics.all()), list(vm.security_groups.all())
        assert len(rows) == PAGE

    def command_api(pagesize=PAGE):
        r = client.get("/client/api", {"command": "listVirtualMachines", "listall": "true", "pagesize": pagesize,
                                       "page": 2, "response": "json", "sessionkey": login["sessionkey"]})
        body = r.json()["listvirtualmachinesresponse"]
        assert r.status_code == 200 and len(body["virtualmachine"]) == pagesize, str(body)[:300]

    bare_ms, bare_q = timed(bare_orm)
    print(f"database: {connection.vendor}, {VirtualMachine.objects.count()} instances, page size {PAGE}, {RUNS} runs")
    print(f"{'bare ORM':<12} median {bare_ms:8.1f} ms   queries {bare_q}")
    ms, q = timed(command_api)
    print(f"{'command API':<12} median {ms:8.1f} ms   queries {q}   ratio {ms / bare_ms:.2f}x")
    with CaptureQueriesContext(connection) as small:
        command_api(10)
    print(f"command API queries at page size 10: {len(small.captured_queries)}")


if __name__ == "__main__":
    main()
