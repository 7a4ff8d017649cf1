"""One placement decision among 10,000 hosts.

A zone of 100 clusters with 100 Simulator hosts each (rows made in bulk,
as capacity and tags matter here, not the hosts' answers), one primary
storage pool per cluster, and 20,000 running instances spread over them.
Times `allocate_host` (evaluation of every host plus the locked claim) and
`explain_placement` (the dry run), median of 20, with their SQL queries.
Run by hand, not in the test suite:

    .venv/bin/python bench/planner.py            # SQLite in a temp dir
    mysql -uroot -h127.0.0.1 -e "CREATE DATABASE IF NOT EXISTS bench_planner"
    DATABASE_URL=mysql://root:@127.0.0.1:3306/bench_planner .venv/bin/python bench/planner.py

Target: under 20 ms per decision."""
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
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import Account  # noqa: E402
from compute.models import OsType, ServiceOffering, Template, VirtualMachine, Volume  # noqa: E402
from compute.services import planner  # noqa: E402
from infrastructure.models import Cluster, Host, Pod, StoragePool, Zone  # noqa: E402
from infrastructure.services.capacity import recalculate_capacity  # noqa: E402

CLUSTERS, HOSTS_PER_CLUSTER, INSTANCES, RUNS = 100, 100, 20_000, 20
GB = 1024 ** 3


def populate():
    if Host.objects.count() >= CLUSTERS * HOSTS_PER_CLUSTER:
        return Zone.objects.get(name="bench")
    zone = Zone.objects.create(name="bench", network_type="Basic", dns1="8.8.8.8", internal_dns1="10.0.0.2",
                               allocation_state="Enabled")
    pod = Pod.objects.create(zone=zone, name="p", gateway="10.0.0.1", netmask="255.255.0.0", start_ip="10.0.0.2",
                             end_ip="10.0.0.9", allocation_state="Enabled")
    Cluster.objects.bulk_create([Cluster(uuid=uuid.uuid4(), zone=zone, pod=pod, name=f"c{n}", hypervisor="Simulator",
                                         allocation_state="Enabled") for n in range(CLUSTERS)])
    clusters = list(Cluster.objects.filter(zone=zone).order_by("id"))
    Host.objects.bulk_create([Host(
        uuid=uuid.uuid4(), name=f"h{c.pk}-{n}", zone=zone, pod=pod, cluster=c, hypervisor="Simulator",
        url=f"simulator://h{c.pk}-{n}", cpu_number=32, cpu_speed=2000, memory=128 * GB, state="Up",
        tags="ssd" if n % 2 else "") for c in clusters for n in range(HOSTS_PER_CLUSTER)], batch_size=2000)
    StoragePool.objects.bulk_create([StoragePool(
        uuid=uuid.uuid4(), name=f"ps{c.pk}", zone=zone, pod=pod, cluster=c, protocol="NetworkFilesystem",
        url=f"nfs://10.0.0.5/p{c.pk}", capacity_bytes=100 * 1024 * GB) for c in clusters])
    account = Account.objects.get(name="admin")
    template = Template.objects.create(name="bench", display_text="bench", url="http://example.invalid/b.qcow2",
                                       format="QCOW2", hypervisor="Simulator", account=account, size=2 * GB,
                                       os_type=OsType.objects.get_or_create(description="Other (64-bit)",
                                                                            defaults={"category": "Other"})[0])
    offering = ServiceOffering.objects.get(name="Small Instance")
    host_ids = list(Host.objects.values_list("pk", flat=True))
    VirtualMachine.objects.bulk_create([VirtualMachine(
        uuid=uuid.uuid4(), name=f"vm{n}", account=account, zone=zone, template=template, service_offering=offering,
        state="Running", host_id=host_ids[n % len(host_ids)]) for n in range(INSTANCES)], batch_size=2000)
    recalculate_capacity()
    return zone


def main():
    call_command("migrate", verbosity=0)
    zone = populate()
    template = Template.objects.get(name="bench")
    offering = ServiceOffering.objects.get(name="Medium Instance")
    vm = VirtualMachine.objects.create(name="probe", account=template.account, zone=zone, template=template,
                                       service_offering=offering)
    Volume.objects.create(name="ROOT-probe", account=vm.account, zone=zone, volume_type="ROOT", size=2 * GB,
                          instance=vm, device_id=0)

    def allocate():
        return planner.allocate_host(vm)

    def reset():
        planner.release_host(vm)
        Volume.objects.filter(instance=vm).update(storage_pool=None)

    def explain():
        return planner.explain_placement(zone, offering, template)

    print(f"database {connection.vendor}: {Host.objects.count()} hosts in {CLUSTERS} clusters, "
          f"{VirtualMachine.objects.count()} instances")
    for label, fn, after in (("allocate_host", allocate, reset), ("explain_placement", explain, lambda: None)):
        fn()
        after()
        samples = []
        for _ in range(RUNS):
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                fn()
                samples.append((time.perf_counter() - start) * 1000)
            after()
        print(f"{label:<18} median {statistics.median(samples):7.1f} ms   max {max(samples):7.1f} ms   "
              f"queries {len(queries.captured_queries)}")


if __name__ == "__main__":
    main()
