"""How much the APIs add over the bare ORM query.

10,000 accounts (one user each); `listAccounts` with pagesize 500 through
the command API and through REST, against the ORM fetching the same rows
with the same joins. Reports median latency of each, the ratios, and SQL
queries per request. Run by hand, not in the test suite:

    .venv/bin/python bench/api_overhead.py            # SQLite in a temp dir
    DATABASE_URL=mysql://cloud:cloud@127.0.0.1:3306/bench .venv/bin/python bench/api_overhead.py

Target: each API within 3x the bare query; queries per request not growing
with the page size."""
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

ACCOUNTS = 10_000
PAGE = 500
RUNS = 25


def populate():
    root = Domain.objects.get(parent=None)
    if Account.objects.count() >= ACCOUNTS:
        return
    role = Role.objects.get(type=Role.Type.USER, is_default=True)
    accounts = Account.objects.bulk_create(
        [Account(uuid=uuid.uuid4(), name=f"bench{n:05d}", domain=root, role=role) for n in range(ACCOUNTS)],
        batch_size=1000,
    )
    accounts = list(Account.objects.filter(name__startswith="bench"))
    User.objects.bulk_create(
        [User(uuid=uuid.uuid4(), account=a, domain=root, username=a.name, first_name="B", last_name="Ench",
              email=f"{a.name}@example.com", password="!") for a in accounts],
        batch_size=1000,
    )


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
    populate()
    admin = User.objects.get(username="admin", domain__parent=None)
    User.objects.filter(pk=admin.pk).update(must_change_password=False)
    client = Client()
    login = client.post("/client/api", {"command": "login", "username": "admin", "password": "password",
                                        "response": "json"}).json()["loginresponse"]

    def bare_orm():
        rows = list(Account.objects.select_related("domain", "role").prefetch_related("users")[:PAGE])
        assert len(rows) == PAGE

    def command_api():
        r = client.get("/client/api", {"command": "listAccounts", "pagesize": PAGE, "page": 1,
                                       "response": "json", "sessionkey": login["sessionkey"]})
        assert r.status_code == 200 and len(r.json()["listaccountsresponse"]["account"]) == PAGE

    def rest_api():
        r = client.get("/api/v1/accounts/", {"pagesize": PAGE, "page": 1})
        assert r.status_code == 200 and len(r.json()["results"]) == PAGE, r.content[:300]

    bare_ms, bare_q = timed(bare_orm)
    print(f"database: {connection.vendor}, {Account.objects.count()} accounts, page size {PAGE}, {RUNS} runs")
    print(f"{'bare ORM':<12} median {bare_ms:8.1f} ms   queries {bare_q}")
    for label, fn in (("command API", command_api), ("REST API", rest_api)):
        ms, q = timed(fn)
        print(f"{label:<12} median {ms:8.1f} ms   queries {q}   ratio {ms / bare_ms:.2f}x")
    with CaptureQueriesContext(connection) as small:
        client.get("/client/api", {"command": "listAccounts", "pagesize": 10, "page": 1, "response": "json",
                                   "sessionkey": login["sessionkey"]})
    print(f"command API queries at page size 10: {len(small.captured_queries)}")


if __name__ == "__main__":
    main()
