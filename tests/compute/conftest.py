"""Shared compute fixtures: a Basic Simulator zone built through the
services, as the add-zone wizard builds one (zone, guest network with a
pod range, a cluster with two Simulator hosts, primary storage, a local
image store). Other compute fixtures build on it; add yours below."""
import http.server
import os
import subprocess
import tarfile
import threading
import urllib.parse
from dataclasses import dataclass

import pytest

from cloudstack_ui.api.registry import prepare
from cloudstack_ui.errors import CloudStackError
from cloudstack_ui.jobs.models import AsyncJob
from cloudstack_ui.jobs.services import submit_job
from compute.models import DiskOffering, OsType, ServiceOffering, Template, TemplateZone, VirtualMachine, Volume
from infrastructure.models import (
    Cluster,
    Host,
    ImageStore,
    Pod,
    SimulatedMachine,
    SimulatedVolume,
    StoragePool,
    Zone,
)
from infrastructure.services import clusters, hosts, pods, storage, zones
from network.models import Network, NetworkOffering
from network.services import ip_ranges, networks, physical_networks
from tests.conftest import logged_in_client


@dataclass
class SimulatorZone:
    zone: Zone
    pod: Pod
    cluster: Cluster
    hosts: list[Host]
    pool: StoragePool
    image_store: ImageStore
    network: Network


def build_simulator_zone(admin, tmp_path, *, name: str = "sim", host_count: int = 2, cpu_number: int = 8,
                         cpu_speed: int = 2000, memory_gb: int = 16, guest_range=("10.1.0.100", "10.1.0.199"),
                         pod_cidr: str = "/24") -> SimulatorZone:
    zone = zones.create_zone(admin, name=name, network_type="Basic", dns1="8.8.8.8", internal_dns1="10.0.0.2")
    physical = physical_networks.create_physical_network(admin, zone, name=f"{name}-phys")
    physical_networks.add_traffic_type(admin, physical, traffic_type="Guest")
    network = networks.create_network(admin, zone, NetworkOffering.objects.get(
        name="DefaultSharedNetworkOfferingWithSGService"), name="defaultGuestNetwork")
    pod = pods.create_pod(admin, zone, name=f"{name}-pod", gateway="10.1.0.1", netmask=pod_cidr,
                          start_ip="10.1.0.2", end_ip="10.1.0.20")
    ip_ranges.create_vlan_ip_range(admin, zone, pod=pod, gateway="10.1.0.1", netmask=pod_cidr,
                                   start_ip=guest_range[0], end_ip=guest_range[1], for_virtual_network=False)
    cluster = clusters.add_cluster(admin, pod, name=f"{name}-c1", hypervisor="Simulator")
    added = []
    for index in range(1, host_count + 1):
        machine = f"{name}-h{index}"
        SimulatedMachine.objects.create(name=machine, cpu_number=cpu_number, cpu_speed=cpu_speed,
                                        memory=memory_gb * 1024**3)
        added.append(hosts.add_host(admin, cluster, url=f"simulator://{machine}", password="password"))
    pool = storage.create_storage_pool(admin, zone, name=f"{name}-ps1", url="nfs://10.0.0.5/export/primary",
                                       cluster=cluster)
    secondary = tmp_path / f"{name}-secondary"
    secondary.mkdir()
    store = storage.add_image_store(admin, zone, url=f"file://{secondary}")
    zones.update_zone(admin, zone, allocation_state="Enabled")
    zone.refresh_from_db()
    return SimulatorZone(zone=zone, pod=pod, cluster=cluster, hosts=added, pool=pool, image_store=store,
                         network=network)


@pytest.fixture
def simulator_zone(root_admin, tmp_path) -> SimulatorZone:
    return build_simulator_zone(root_admin, tmp_path)


def ready_template(zone: SimulatorZone, owner, *, name: str = "sim-template", size: int = 2 * 1024**3,
                   **fields) -> Template:
    """A Simulator template already downloaded into the zone's image store
    (the download itself is tested with the templates): a real, empty
    qcow2 of `size`, as the checks before a pool copy require."""
    image = zone.image_store.path + f"/{name}.qcow2"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", image, str(size)], check=True)
    template = Template.objects.create(
        name=name, display_text=name, url=f"http://example.invalid/{name}.qcow2", format="QCOW2",
        hypervisor="Simulator", os_type=OsType.objects.get_or_create(
            description="Other Linux (64-bit)", defaults={"category": "Other"})[0],
        account=owner.account, is_public=True, is_featured=True, size=size, **fields)
    TemplateZone.objects.create(template=template, zone=zone.zone, image_store=zone.image_store,
                                status=TemplateZone.Status.DOWNLOADED, download_percent=100, install_path=image,
                                size=size, physical_size=os.path.getsize(image))
    return template


@pytest.fixture
def local_template_sites(root_admin):
    """Template downloads from servers on 127.0.0.1 allowed (through
    secstorage.allowed.internal.sites, as an operator allows a mirror
    inside the datacenter); the tests' HTTP servers listen there."""
    from cloudstack_ui.config.services import update_setting

    update_setting(root_admin, "secstorage.allowed.internal.sites", "127.0.0.1/32")
    return "127.0.0.1/32"


@pytest.fixture(scope="module")
def image_files(tmp_path_factory):
    """A local HTTP server on 127.0.0.1 with real images made by qemu-img
    (a good qcow2, unsafe ones, a raw disk, VHDs) and a file that is not an
    image; /redirect?to=URL answers a 302 to URL, and every request's Host
    header is recorded in `hosts`."""
    root = tmp_path_factory.mktemp("images")
    for command in (
        ["create", "-f", "qcow2", "disk.qcow2", "3G"],
        ["create", "-f", "qcow2", "-b", "/etc/passwd", "-F", "raw", "backing.qcow2"],
        ["create", "-f", "raw", "data.raw", "1M"],
        ["create", "-f", "qcow2", "-o", f"data_file={root / 'data.raw'}", "datafile.qcow2", "1M"],
        ["create", "-f", "raw", "plain.raw", "1M"],
        ["create", "-f", "vpc", "-o", "subformat=dynamic", "dynamic.vhd", "64M"],
        ["create", "-f", "vpc", "-o", "subformat=fixed", "fixed.vhd", "8M"],
    ):
        subprocess.run(["qemu-img", command[0], "-q", *command[1:]], cwd=root, check=True)
    (root / "notqcow.qcow2").write_bytes(b"hello world" * 100)
    for ova, members in (("appliance.ova", ("appliance.ovf", "disk.vmdk")), ("escaping.ova", ("appliance.ovf",
                                                                                         "../disk.vmdk"))):
        with tarfile.open(root / ova, "w") as archive:
            for member in members:
                archive.add(root / "plain.raw", arcname=member)
    hosts = []

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(root), **kwargs)

        def do_GET(self):
            hosts.append(self.headers.get("Host"))
            target = urllib.parse.urlsplit(self.path)
            if target.path == "/redirect":
                self.send_response(302)
                self.send_header("Location", urllib.parse.parse_qs(target.query)["to"][0])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            super().do_GET()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", root, hosts
    server.shutdown()


@pytest.fixture
def image_server(image_files, local_template_sites):
    """The image server's base URL and directory, its address allowed."""
    base, root, _hosts = image_files
    return base, root


# Volumes and snapshots ---------------------------------------------------------------------------

GB = 1024**3


class JobFailed(CloudStackError):
    """A job's error, as queryAsyncJobResult answers it (its errorcode and text)."""
    def __init__(self, result: dict):
        super().__init__(result["errortext"])
        self.errorcode = result["errorcode"]


def call(caller, command: str, **params):
    """Run a command as the API does, async ones as a job (eager here):
    answers what it answers (a job's rendered result), or raises its error."""
    cmd, parsed = prepare(caller, command, params)
    if not cmd.is_async:
        return cmd.execute(caller, **parsed)
    job = submit_job(caller, cmd, parsed)
    job.refresh_from_db()
    if job.status == AsyncJob.Status.FAILED:
        raise JobFailed(job.result)
    return job.result


def refused(action, field: str, error=CloudStackError, text: str = ""):
    """The action is refused naming `field` (as the error's field, or at
    the start of a job's error text) and changes no volume."""
    before = list(Volume.objects.order_by("pk").values())
    with pytest.raises(CloudStackError) as raised:
        action()
    assert isinstance(raised.value, error) or raised.value.errorcode == error.errorcode, raised.value
    assert raised.value.field == field or raised.value.message.startswith(f"{field}: "), raised.value.message
    assert text in raised.value.message
    assert list(Volume.objects.order_by("pk").values()) == before, "a refusal changes nothing"
    return raised.value


def deployed_instance(world, name: str, *, running: bool = True) -> VirtualMachine:
    """An instance of the world's user deployed through deployVirtualMachine
    (Small Instance, the world's template), stopped through
    stopVirtualMachine unless `running`."""
    answer = call(world["user"], "deployVirtualMachine", zoneid=world["zone"].zone.uuid, name=name,
                  serviceofferingid=ServiceOffering.objects.get(name="Small Instance").uuid,
                  templateid=world["template"].uuid)
    vm = VirtualMachine.objects.get(uuid=answer["virtualmachine"]["id"])
    if not running:
        call(world["user"], "stopVirtualMachine", id=vm.uuid)
        vm.refresh_from_db()
    return vm


@pytest.fixture
def volume_world(simulator_zone, root_admin, tenancy):
    """A Simulator zone with a template, the Comp1 user's running instance
    web1 and the default disk offerings, for the volume and snapshot tests."""
    world = {"zone": simulator_zone, "template": ready_template(simulator_zone, root_admin),
             "user": tenancy["comp1_user"], "tenancy": tenancy, "small": DiskOffering.objects.get(name="Small"),
             "custom": DiskOffering.objects.get(name="Custom")}
    world["vm"] = deployed_instance(world, "web1")
    return world


def new_volume(world, caller=None, **params):
    """A volume of the Small offering made through createVolume."""
    caller = caller or world["user"]
    answer = call(caller, "createVolume", **{"zoneid": world["zone"].zone.uuid,
                                             "diskofferingid": world["small"].uuid, **params})
    return Volume.objects.get(uuid=answer["volume"]["id"])


def fail_on_hosts(world, operation: str) -> None:
    """Make every host of the zone fail `operation` (a driver method)."""
    SimulatedMachine.objects.filter(name__in=[h.url.split("//")[1] for h in world["zone"].hosts]).update(
        failing_operations=operation)


def simulated(volume):
    """The volume as its Simulator pool holds it."""
    volume.refresh_from_db()
    return SimulatedVolume.objects.select_related("instance").get(pool=str(volume.storage_pool.uuid),
                                                                  name=volume.path)


def client_of(user):
    """A logged-in test client for `user`, past the first-login password change."""
    return logged_in_client(user)
