"""Deploy throughput: 1,000 instances through the command API onto 100
Simulator hosts, run by real Celery workers over Redis on MariaDB.

Reports deploys per second (first submission to last job done), the p50
and p95 job latency (job created to job completed), and next to them the
throughput of a no-op Celery task (celery.accumulate) on the same workers
and broker. Run by hand, not in the test suite (MariaDB and Redis on
127.0.0.1, as CI has them):

    mysql -uroot -h127.0.0.1 -e "CREATE DATABASE IF NOT EXISTS bench_deploy"
    .venv/bin/python bench/deploy.py
    BENCH_WORKERS=2 BENCH_INSTANCES=1000 .venv/bin/python bench/deploy.py

Target: at least 20 deploys/s, and at least half the no-op throughput."""
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("CSUI_VAR_DIR", tempfile.mkdtemp(prefix="csui-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cloudstack_ui.settings")
os.environ.setdefault("DATABASE_URL", "mysql://root:@127.0.0.1:3306/bench_deploy")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/7")
RESULTS = "redis://127.0.0.1:6379/8"
INSTANCES = int(os.environ.get("BENCH_INSTANCES", "1000"))
HOSTS = 100
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))

import django  # noqa: E402

from cloudstack_ui.celery import app  # noqa: E402

# This process waits for the no-op tasks' results; set before anything
# asks the app for its result backend.
app.conf.result_backend = RESULTS
django.setup()

from celery import group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from accounts.models import User  # noqa: E402
from cloudstack_ui.jobs.models import AsyncJob  # noqa: E402
from compute.models import ServiceOffering, VirtualMachine  # noqa: E402
from infrastructure.models import SimulatedMachine  # noqa: E402
from infrastructure.services import clusters, hosts, storage  # noqa: E402
from tests.compute.conftest import build_simulator_zone, ready_template  # noqa: E402


def recreate_database():
    name = connection.settings_dict["NAME"]
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
        cursor.execute(f"USE `{name}`")
    call_command("migrate", verbosity=0)


def start_workers() -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "--result-backend", RESULTS, "-A", "cloudstack_ui", "worker",
         f"--concurrency={WORKERS}", "--without-mingle", "--without-gossip", "--loglevel=WARNING"],
        cwd=ROOT, env=env, start_new_session=True)
    app.tasks["celery.accumulate"].apply_async(args=(1,)).get(timeout=60)
    return worker


def noop_throughput() -> float:
    accumulate = app.tasks["celery.accumulate"]
    started = time.perf_counter()
    group(accumulate.s(n) for n in range(INSTANCES))().get(timeout=600)
    return INSTANCES / (time.perf_counter() - started)


def main():
    if connection.vendor != "mysql":
        sys.exit("bench/deploy.py needs MariaDB/MySQL: concurrent workers on SQLite measure its locking")
    recreate_database()
    admin = User.objects.get(username="admin", domain__parent=None)
    User.objects.filter(pk=admin.pk).update(must_change_password=False)
    # Two clusters of 50: a Simulator cluster takes at most 64 hosts.
    zone = build_simulator_zone(admin, Path(tempfile.mkdtemp(prefix="csui-bench-secondary-")), name="bench",
                                host_count=HOSTS // 2, cpu_number=64, cpu_speed=2000, memory_gb=256,
                                guest_range=("10.1.0.100", "10.1.15.250"), pod_cidr="/20")
    second = clusters.add_cluster(admin, zone.pod, name="bench-c2", hypervisor="Simulator")
    for index in range(HOSTS // 2 + 1, HOSTS + 1):
        SimulatedMachine.objects.create(name=f"bench-h{index}", cpu_number=64, cpu_speed=2000, memory=256 * 1024**3)
        hosts.add_host(admin, second, url=f"simulator://bench-h{index}", password="password")
    storage.create_storage_pool(admin, zone.zone, name="bench-ps2", url="nfs://10.0.0.5/export/primary2",
                                cluster=second)
    template = ready_template(zone, admin, name="bench-template")
    offering = ServiceOffering.objects.get(name="Small Instance")
    worker = start_workers()
    try:
        noop = noop_throughput()
        client = Client()
        session = client.post("/client/api", {"command": "login", "username": "admin", "password": "password",
                                              "response": "json"}).json()["loginresponse"]["sessionkey"]
        started = time.perf_counter()
        for n in range(INSTANCES):
            answer = client.get("/client/api", {
                "command": "deployVirtualMachine", "zoneid": zone.zone.uuid, "serviceofferingid": offering.uuid,
                "templateid": template.uuid, "name": f"bench{n:04d}", "response": "json", "sessionkey": session})
            assert answer.status_code == 200, answer.content[:300]
        submitted = time.perf_counter() - started
        while AsyncJob.objects.filter(command="deployVirtualMachine", status=AsyncJob.Status.PENDING).exists():
            time.sleep(0.5)
        elapsed = time.perf_counter() - started
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=60)
    jobs = list(AsyncJob.objects.filter(command="deployVirtualMachine").values_list("created", "completed", "status"))
    latencies = sorted((done - created).total_seconds() for created, done, _status in jobs)
    failed = sum(1 for *_rest, status in jobs if status == AsyncJob.Status.FAILED)
    running = VirtualMachine.objects.filter(state="Running").count()
    rate = INSTANCES / elapsed
    print(f"database {connection.vendor}, broker {os.environ['CELERY_BROKER_URL']}, {WORKERS} worker processes, "
          f"{HOSTS} Simulator hosts")
    print(f"no-op Celery task: {noop:.1f} tasks/s")
    print(f"deploys: {INSTANCES} submitted in {submitted:.1f} s, all done in {elapsed:.1f} s: {rate:.1f} deploys/s "
          f"({rate / noop:.2f}x the no-op rate); {running} Running, {failed} failed")
    print(f"job latency: p50 {statistics.median(latencies):.2f} s, "
          f"p95 {latencies[int(len(latencies) * 0.95) - 1]:.2f} s")


if __name__ == "__main__":
    main()
