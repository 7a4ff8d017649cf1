"""Shared fixtures: the admin a fresh install has, and a small tenancy built
through the services (never by writing rows behind their back):

    ROOT
    ├── Comp1                  account comp1-admin (domain admin), comp1-user (user)
    │   └── sales              account sales-user (user)
    └── Other                  account other-admin (domain admin)
"""
import time
from pathlib import Path

import pytest
from django.test import Client

from accounts.models import Account, Domain, User
from accounts.services import accounts as account_services
from accounts.services import domains as domain_services

PASSWORD = "s3cret-Pass"


INSTALL_PASSWORD = "password"


@pytest.fixture
def fresh_admin(db) -> User:
    """The admin as a fresh install has it: password `password`, to be
    changed at first login (guide 5.1)."""
    return User.objects.select_related("account__domain", "account__role").get(username="admin", domain__parent=None)


@pytest.fixture
def root_admin(fresh_admin) -> User:
    """The admin after the first-login password change (to PASSWORD), made
    through the service as the first-login page makes it."""
    from accounts.services.users import change_password

    change_password(fresh_admin, fresh_admin, password=PASSWORD, current_password=INSTALL_PASSWORD)
    return User.objects.select_related("account__domain", "account__role").get(pk=fresh_admin.pk)


def make_account(caller, domain: Domain, name: str, account_type=Account.Type.USER) -> User:
    """An account with one user of the same name; returns the user."""
    account = account_services.create_account(
        caller,
        domain=domain,
        username=name,
        password=PASSWORD,
        first_name=name.capitalize(),
        last_name="Tester",
        email=f"{name}@example.com",
        account_type=account_type,
    )
    return User.objects.select_related("account__domain", "account__role").get(account=account)


@pytest.fixture
def tenancy(root_admin):
    comp1 = domain_services.create_domain(root_admin, name="Comp1")
    sales = domain_services.create_domain(root_admin, name="sales", parent=comp1)
    other = domain_services.create_domain(root_admin, name="Other")
    return {
        "root": Domain.objects.get(parent=None),
        "comp1": comp1,
        "sales": sales,
        "other": other,
        "comp1_admin": make_account(root_admin, comp1, "comp1-admin", Account.Type.DOMAIN_ADMIN),
        "comp1_user": make_account(root_admin, comp1, "comp1-user"),
        "sales_user": make_account(root_admin, sales, "sales-user"),
        "other_admin": make_account(root_admin, other, "other-admin", Account.Type.DOMAIN_ADMIN),
    }


def logged_in_client(user: User) -> Client:
    """A test client with a session for `user` (login through the real form
    is covered by the login tests and the browser test)."""
    client = Client()
    client.force_login(user, backend="accounts.backends.DomainUserBackend")
    return client


@pytest.fixture
def admin_client_ready(root_admin) -> Client:
    """A portal session of the admin after the first-login password change."""
    return logged_in_client(root_admin)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """PBKDF2's cost is for production; tests hash hundreds of passwords."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]


@pytest.fixture(autouse=True)
def jobs_run_eagerly(settings):
    """Async jobs run in-process at once, unless a test starts a real worker."""
    settings.CELERY_TASK_ALWAYS_EAGER = True


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """SQLite tests use a file, not memory, so that a worker or server started
    as a subprocess (see `subprocess_env`) reaches the same test database."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        database.setdefault("TEST", {})["NAME"] = str(settings.VAR_DIR / "test_cloudstack.sqlite3")


def subprocess_env(**extra) -> dict:
    """The environment for a product process (worker, integration server)
    that must work on this test's database. Use with transactional tests."""
    import os

    from django.db import connection

    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        url = f"sqlite:///{db['NAME']}"
    else:
        url = f"mysql://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 3306}/{db['NAME']}"
    return {**os.environ, "DATABASE_URL": url, "PYTHONUNBUFFERED": "1", **extra}


class Libvirtd:
    """The machine's libvirtd (and virtlogd), started for the test session
    when none runs, and stopped again at its end; `stop` and `start` let a
    test take the daemon away and bring it back."""

    URL = "qemu:///system"

    def __init__(self):
        self.started_here = False

    @staticmethod
    def _pid(name: str) -> int | None:
        import subprocess

        found = subprocess.run(["pgrep", "-x", name], capture_output=True, text=True).stdout.split()
        return int(found[0]) if found else None

    def answers(self) -> bool:
        import libvirt

        try:
            libvirt.open(self.URL).close()
            return True
        except libvirt.libvirtError:
            return False

    def start(self) -> None:
        import os
        import subprocess

        os.makedirs("/var/log/libvirt", exist_ok=True)
        os.makedirs("/var/run/libvirt", exist_ok=True)
        if self._pid("virtlogd") is None:
            subprocess.run(["/usr/sbin/virtlogd", "-d"], check=True)
        if self._pid("libvirtd") is None:
            subprocess.run(["/usr/sbin/libvirtd", "-d"], check=True)
        deadline = time.monotonic() + 30
        while not self.answers():
            if time.monotonic() > deadline:
                raise RuntimeError("libvirtd did not answer on qemu:///system within 30 s")
            time.sleep(0.2)

    def stop(self) -> None:
        import os
        import signal

        pid = self._pid("libvirtd")
        if pid is not None:
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 30
            while self._pid("libvirtd") is not None and time.monotonic() < deadline:
                time.sleep(0.2)


@pytest.fixture(scope="session")
def libvirtd():
    """A real libvirtd with QEMU (TCG guests) on qemu:///system."""
    import os
    import signal
    from pathlib import Path

    if os.geteuid() != 0 or not Path("/usr/sbin/libvirtd").exists():
        pytest.fail("the KVM tests need root and Debian's libvirt-daemon (bin/test installs it)")
    daemon = Libvirtd()
    if not daemon.answers():
        daemon.started_here = True
        daemon.start()
    yield daemon
    if daemon.started_here:
        daemon.stop()
        pid = daemon._pid("virtlogd")
        if pid is not None:
            os.kill(pid, signal.SIGTERM)


def build_kvm_zone(admin, secondary: Path, libvirt_url: str = "qemu:///system"):
    """A Basic zone whose one host is the libvirtd at `libvirt_url` (QEMU
    with software emulation; the built-in template is copied into its
    secondary storage), built through the services as the wizard builds it.
    Answers the zone and its primary storage directory."""
    import uuid

    from cloudstack_ui.config.services import update_setting
    from infrastructure.services import clusters, hosts, pods, storage, zones
    from network.models import NetworkOffering
    from network.services import ip_ranges, networks, physical_networks

    zone = zones.create_zone(admin, name="kvm", network_type="Basic", dns1="8.8.8.8", internal_dns1="10.0.0.2")
    physical = physical_networks.create_physical_network(admin, zone, name="kvm-phys")
    physical_networks.add_traffic_type(admin, physical, traffic_type="Guest")
    networks.create_network(admin, zone, NetworkOffering.objects.get(
        name="DefaultSharedNetworkOfferingWithSGService"), name="defaultGuestNetwork")
    pod = pods.create_pod(admin, zone, name="kvm-pod", gateway="10.7.0.1", netmask="/24",
                          start_ip="10.7.0.2", end_ip="10.7.0.20")
    ip_ranges.create_vlan_ip_range(admin, zone, pod=pod, gateway="10.7.0.1", netmask="/24",
                                   start_ip="10.7.0.100", end_ip="10.7.0.199", for_virtual_network=False)
    cluster = clusters.add_cluster(admin, pod, name="kvm-c1", hypervisor="KVM")
    update_setting(admin, "kvm.guest.acceleration", "qemu", scope="cluster", scope_uuid=cluster.uuid)
    hosts.add_host(admin, cluster, url=libvirt_url)
    pool_dir = Path("/var/lib/libvirt/images") / f"csui-lifecycle-{uuid.uuid4().hex[:8]}"
    storage.create_storage_pool(admin, zone, name="kvm-ps", url=f"sharedmountpoint://{pool_dir}", cluster=cluster)
    secondary.mkdir(exist_ok=True)
    storage.add_image_store(admin, zone, url=f"file://{secondary}")
    zones.update_zone(admin, zone, allocation_state="Enabled")
    return zone, pool_dir


@pytest.fixture
def kvm_zone(libvirtd, root_admin, tmp_path):
    """build_kvm_zone on this machine's libvirtd; its storage pool is removed
    afterwards. Use with transactional tests."""
    import shutil

    zone, pool_dir = build_kvm_zone(root_admin, tmp_path / "secondary", libvirtd.URL)
    yield zone
    remove_pool(libvirtd.URL, pool_dir)
    shutil.rmtree(pool_dir, ignore_errors=True)


def remove_pool(url: str, pool_dir: Path) -> None:
    """Delete the libvirt storage pool over `pool_dir` and its volumes."""
    import libvirt

    connection = libvirt.open(url)
    try:
        for name in connection.listAllStoragePools():
            if name.XMLDesc(0).find(str(pool_dir)) >= 0:
                for volume in name.listAllVolumes():
                    volume.delete(0)
                if name.isActive():
                    name.destroy()
                name.undefine()
    finally:
        connection.close()


@pytest.fixture
def console_proxy(monkeypatch, settings):
    """`manage.py consoleproxy` on a free port, on this test's database, in a
    subprocess; pages rendered here and product servers started after it
    point browsers at it. Use with transactional tests."""
    import os
    import signal
    import socket
    import subprocess
    import sys

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("CONSOLE_PROXY_PORT", str(port))
    settings.CONSOLE_PROXY_PORT = port
    log = open(Path(os.environ.get("CSUI_VAR_DIR", "/tmp")) / f"consoleproxy-{port}.log", "w")
    proxy = subprocess.Popen([sys.executable, "manage.py", "consoleproxy", "--port", str(port)],
                             cwd=Path(__file__).resolve().parents[1], env=subprocess_env(), stdout=log,
                             stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 30
    while True:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                break
        if time.monotonic() > deadline or proxy.poll() is not None:
            os.killpg(proxy.pid, signal.SIGKILL)
            pytest.fail(f"the console proxy did not start: {Path(log.name).read_text()}")
        time.sleep(0.1)
    yield port
    os.killpg(proxy.pid, signal.SIGTERM)
    proxy.wait(10)
    log.close()


def wait_for(predicate, timeout: float, what: str) -> None:
    """Poll `predicate()` until it holds; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def all_at_once(action, times: int) -> None:
    """Run `action()` in `times` threads released together, each closing its
    own database connections; returns when every one has finished."""
    import threading

    from django.db import connections

    barrier = threading.Barrier(times)

    def run():
        try:
            barrier.wait()
            action()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
