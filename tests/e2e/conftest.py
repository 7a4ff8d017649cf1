"""Browser fixtures: Debian's Chromium driven by Playwright against Django's
live server. No Playwright-managed browser is downloaded."""
import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CSUI_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]

# The live server runs in a thread of this process; Playwright's sync API
# keeps an event loop running, which Django's async-safety check mistakes for
# async code touching the ORM.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def fresh_install(transactional_db):
    """What a fresh install has (ROOT, the default roles, admin/password, the
    default network, service and disk offerings),
    recreated for each browser test after the previous one's flush.
    (Browser tests do not use serialized_rollback: on MariaDB its restore
    collided with content types recreated by the flush.)"""
    from importlib import import_module

    from django.apps import apps
    from django.contrib.auth.hashers import make_password

    from accounts.models import Domain, User

    if not Domain.objects.exists():
        import_module("accounts.migrations.0002_initial_data").create_initial_data(apps, None)
        import_module("network.migrations.0004_default_network_offerings").create_offerings(apps, None)
        import_module("compute.migrations.0002_default_offerings").create_offerings(apps, None)
        # Hashed as the product hashes it: a server started as a subprocess
        # does not have the tests' fast hasher.
        User.objects.filter(username="admin").update(password=make_password("password", hasher="pbkdf2_sha256"))


@pytest.fixture(autouse=True)
def fast_password_hashing():
    """Browser tests keep the product's hashers (overriding the suite's fast
    one): a server started as a subprocess must verify the passwords that
    fixtures set, such as the admin's after its first-login change."""


@pytest.fixture(scope="module")
def browser():
    # Module scope: Playwright's sync API keeps an event loop running in this
    # thread while it lives, which async tests run later must not inherit.
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (bin/test does)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.fixture
def product_server():
    """The real ASGI server (daphne, with websockets) on this test's database,
    in a subprocess. Use with transactional tests."""
    import signal
    import socket
    import subprocess
    import sys
    import time

    from tests.conftest import subprocess_env

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "cloudstack_ui.asgi:application"],
        cwd=Path(__file__).resolve().parents[2], env=subprocess_env(CELERY_TASK_ALWAYS_EAGER="true"),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.2)
    else:
        os.killpg(server.pid, signal.SIGKILL)
        pytest.fail("daphne did not start")
    yield f"http://127.0.0.1:{port}"
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(10)


@pytest.fixture(scope="module")
def celery_worker(django_db_setup, django_db_blocker):
    """A real Celery worker on this test database, for journeys whose jobs
    must run while the browser watches."""
    import signal
    import subprocess
    import sys

    from tests.conftest import subprocess_env

    with django_db_blocker.unblock():
        env = subprocess_env(JOB_HEARTBEAT_SECONDS="1")
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "cloudstack_ui", "worker", "--pool=solo", "--loglevel=INFO",
         "--without-mingle", "--without-gossip", "--without-heartbeat"],
        cwd=Path(__file__).resolve().parents[2], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    yield worker
    os.killpg(worker.pid, signal.SIGTERM)
    worker.wait(20)
