"""The VMware driver against govmomi's vCenter simulator: a real vSphere
SOAP peer (see tests/fakes/vcsim). Its default inventory: datacenter DC0,
cluster DC0_C0 with hosts DC0_C0_H0 and DC0_C0_H1, datastore LocalDS_0,
port groups "VM Network" and the distributed DC0_DVPG0, one VM
DC0_C0_RP0_VM0. vcsim does not implement RebootGuest (the driver falls
back to a reset), ExtendVirtualDisk or VMDK capacities; its ShutdownGuest
needs no VMware Tools."""
import http.server
import threading
import uuid
from contextlib import contextmanager

import pytest

from cloudstack_ui.errors import InvalidParameter
from infrastructure.hypervisors import (
    DiskSpec,
    HostAccess,
    HostAuthenticationFailed,
    HostUnreachable,
    HypervisorOperationFailed,
    InstanceSpec,
    NicSpec,
    PoolSpec,
    PowerState,
    SecurityRuleSet,
    UnsupportedOperation,
    VolumeRef,
    get_driver,
)
from tests.fakes.vcsim import PASSWORD, USER, start_vcsim

POOL = PoolSpec(uuid=str(uuid.uuid4()), protocol="VMFS", server="vcenter", path="/DC0/LocalDS_0")


@pytest.fixture(scope="module")
def vcsim_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("vcsim")


@pytest.fixture(scope="module")
def vcenter(vcsim_dir):
    process, address = start_vcsim(workdir=vcsim_dir)
    yield address
    process.terminate()
    process.wait(timeout=30)


@pytest.fixture
def host(vcenter):
    return HostAccess(f"http://{vcenter}/DC0/DC0_C0/DC0_C0_H0", USER, PASSWORD)


@contextmanager
def vsphere(vcenter):
    """A pyvmomi session of its own, to read effects back independently of the driver."""
    from pyVim.connect import Disconnect, SmartConnect

    server, port = vcenter.split(":")
    instance = SmartConnect(host=server, port=int(port), user=USER, pwd=PASSWORD, protocol="http")
    try:
        yield instance.RetrieveContent()
    finally:
        Disconnect(instance)


def vm_of(vcenter, name):
    """The VM as vCenter holds it, or None."""
    from pyVmomi import vim

    with vsphere(vcenter) as content:
        vm = content.searchIndex.FindByInventoryPath(f"DC0/vm/{name}")
        if vm is None:
            return None
        devices = vm.config.hardware.device
        nics = [d for d in devices if isinstance(d, vim.vm.device.VirtualEthernetCard)]
        return {"power": vm.runtime.powerState, "host": vm.runtime.host.name,
                "disks": sorted(d.backing.fileName for d in devices if isinstance(d, vim.vm.device.VirtualDisk)),
                "macs": [d.macAddress for d in nics], "nic_types": {type(d).__name__.split(".")[-1] for d in nics},
                "networks": [getattr(d.backing, "deviceName", None) or d.backing.port.portgroupKey for d in nics],
                "cpus": vm.config.hardware.numCPU, "memory_mb": vm.config.hardware.memoryMB,
                "extra": {o.key: o.value for o in vm.config.extraConfig},
                "snapshots": len(vm.rootSnapshot), "booted": vm.summary.runtime.bootTime}


def datastore_file(vcenter, name):
    """A file of LocalDS_0 read through vCenter's /folder HTTP access, or None."""
    import urllib.error
    import urllib.request

    from pyVim.connect import Disconnect, SmartConnect

    server, port = vcenter.split(":")
    instance = SmartConnect(host=server, port=int(port), user=USER, pwd=PASSWORD, protocol="http")
    try:
        request = urllib.request.Request(f"http://{vcenter}/folder/{name}?dcPath=DC0&dsName=LocalDS_0",
                                         headers={"Cookie": instance._stub.cookie})
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.read()
    except urllib.error.HTTPError:
        return None
    finally:
        Disconnect(instance)


def test_facts_discovery_and_the_no_vms_rule(vcenter, host):
    driver = get_driver("VMware")
    facts = driver.connect(host)
    with vsphere(vcenter) as content:
        esx = content.searchIndex.FindByInventoryPath("DC0/host/DC0_C0/DC0_C0_H0")
        hardware, product = esx.summary.hardware, esx.config.product
        address = esx.config.network.vnic[0].spec.ip.ipAddress
        running = sum(vm.runtime.powerState == "poweredOn" for vm in esx.vm)
    assert facts.name == "DC0_C0_H0" and facts.ip_address == address == "127.0.0.1"
    assert facts.hypervisor_version == product.fullName and facts.hypervisor_version.startswith("VMware ESXi")
    assert (facts.cpu_sockets, facts.cpu_number, facts.cpu_speed, facts.cpu_model, facts.memory) == (
        hardware.numCpuPkgs, hardware.numCpuCores, hardware.cpuMhz, hardware.cpuModel, hardware.memorySize)
    assert facts.cpu_speed > 0 and facts.memory > 2**30 and facts.running_vms == running
    cluster = HostAccess(f"http://{vcenter}/DC0/DC0_C0", USER, PASSWORD)
    assert [h.name for h in driver.discover_hosts(cluster)] == ["DC0_C0_H0", "DC0_C0_H1"]
    assert driver.cluster_vms(cluster) == 1, "guide 8.3: this cluster already holds a VM"
    assert driver.ping(host) is True


def test_refusals_name_what_is_wrong(vcenter):
    driver = get_driver("VMware")
    with pytest.raises(InvalidParameter, match="datacenter DC9 not found in vCenter 127.0.0.1"):
        driver.connect(HostAccess(f"http://{vcenter}/DC9/DC0_C0", USER, PASSWORD))
    with pytest.raises(InvalidParameter, match="cluster C9 not found in datacenter DC0"):
        driver.connect(HostAccess(f"http://{vcenter}/DC0/C9", USER, PASSWORD))
    with pytest.raises(InvalidParameter, match="host H9 is not in cluster DC0_C0"):
        driver.connect(HostAccess(f"http://{vcenter}/DC0/DC0_C0/H9", USER, PASSWORD))
    with pytest.raises(HostAuthenticationFailed, match="Unable to log in to vCenter 127.0.0.1"):
        driver.connect(HostAccess(f"http://{vcenter}/DC0/DC0_C0", USER, "wrong"))
    with pytest.raises(HostUnreachable, match="Unable to connect to vCenter 127.0.0.1"):
        driver.connect(HostAccess("http://127.0.0.1:1/DC0/DC0_C0", USER, PASSWORD))
    with pytest.raises(InvalidParameter, match="is written http") as refused:
        driver.connect(HostAccess("qemu:///system", USER, PASSWORD))
    assert refused.value.field == "url"
    with pytest.raises(InvalidParameter, match="is written http"):
        driver.connect(HostAccess(f"http://{vcenter}/DC0", USER, PASSWORD))


def test_a_web_server_that_is_no_vcenter_is_unreachable():
    server = http.server.HTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(HostUnreachable, match="not a VIM server"):
            get_driver("VMware").ping(HostAccess(f"http://127.0.0.1:{server.server_port}/DC0/DC0_C0", USER, "x"))
    finally:
        server.shutdown()
        server.server_close()


def test_instances_volumes_snapshots_and_console(vcenter, host, tmp_path):
    driver, name = get_driver("VMware"), f"i-2-{uuid.uuid4().hex[:4]}-VM"
    template_file = tmp_path / "template.vmdk"
    template_file.write_bytes(b"# Disk DescriptorFile\n")
    refs = {k: VolumeRef(POOL, f"{name}-{k}") for k in ("template", "root", "data", "snapshot", "copy")}
    capacity, available = driver.prepare_storage_pool(host, POOL)
    with vsphere(vcenter) as content:
        store = content.searchIndex.FindByInventoryPath("DC0/datastore/LocalDS_0")
        assert (capacity, available) == (store.summary.capacity, store.summary.freeSpace)
    assert capacity > available > 0
    with pytest.raises(InvalidParameter, match="datastore NoSuchDS not found in datacenter DC0"):
        driver.prepare_storage_pool(host, PoolSpec(uuid="x", protocol="VMFS", path="/DC0/NoSuchDS"))
    imported = driver.import_volume(host, VolumeRef(POOL, f"{name}-upload"), str(template_file))
    assert imported.path == f"[LocalDS_0] {name}-upload.vmdk" and imported.size == template_file.stat().st_size
    assert datastore_file(vcenter, f"{name}-upload.vmdk") == template_file.read_bytes()
    driver.delete_volume(host, VolumeRef(POOL, f"{name}-upload"))
    assert datastore_file(vcenter, f"{name}-upload.vmdk") is None

    with pytest.raises(HypervisorOperationFailed, match=f"volume {name}-template is not in storage pool"):
        driver.create_volume(host, refs["root"], 64 * 1024**2, template=refs["template"])
    driver.create_volume(host, refs["template"], 8 * 1024**2)
    assert datastore_file(vcenter, f"{name}-template.vmdk") is not None
    root = driver.create_volume(host, refs["root"], 64 * 1024**2, template=refs["template"])
    assert root.path == f"[LocalDS_0] {name}-root.vmdk" and root.size == 64 * 1024**2 and not root.backing
    assert datastore_file(vcenter, f"{name}-root-flat.vmdk") is not None, "a full copy, extent and all"
    data = driver.create_volume(host, refs["data"], 64 * 1024**2)
    assert data.path == f"[LocalDS_0] {name}-data.vmdk" and data.format == "vmdk"
    with pytest.raises(HypervisorOperationFailed, match="already exists"):
        driver.create_volume(host, refs["data"], 64 * 1024**2)

    nics = (NicSpec(mac="02:00:4c:11:22:33", network="VM Network"), NicSpec(mac="02:00:4c:11:22:34",
                                                                            network="DC0_DVPG0"))
    spec = InstanceSpec(name=name, uuid=str(uuid.uuid4()), vcpus=2, cpu_speed=1000, memory=256 * 1024**2,
                        vnc_password="vncSec-1-longer", disks=(DiskSpec(refs["root"], 0),), nics=nics)
    with pytest.raises(HypervisorOperationFailed, match="network NoSuchNet is not available on host DC0_C0_H0"):
        driver.define_instance(host, InstanceSpec(name=name, uuid=spec.uuid, vcpus=1, cpu_speed=1000,
                                                  memory=256 * 1024**2, vnc_password="x",
                                                  nics=(NicSpec(mac="02:00:4c:11:22:35", network="NoSuchNet"),)))
    assert vm_of(vcenter, name) is None
    driver.define_instance(host, spec)
    try:
        with pytest.raises(HypervisorOperationFailed, match="already defined"):
            driver.define_instance(host, spec)
        seen = vm_of(vcenter, name)
        assert seen["power"] == "poweredOff" and seen["disks"] == [f"[LocalDS_0] {name}-root.vmdk"]
        assert seen["macs"] == ["02:00:4c:11:22:33", "02:00:4c:11:22:34"] and seen["host"] == "DC0_C0_H0"
        assert seen["nic_types"] == {"VirtualE1000"} and seen["networks"][0] == "VM Network"
        assert seen["networks"][1].startswith("dvportgroup-"), "the distributed port group's key"
        assert (seen["cpus"], seen["memory_mb"]) == (2, 256)
        assert seen["extra"]["RemoteDisplay.vnc.enabled"] == "true"
        assert seen["extra"]["RemoteDisplay.vnc.password"] == "vncSec-1", "VNC takes 8 characters"
        assert driver.instance_power_state(host, name) == PowerState.OFF

        driver.start_instance(host, name)
        driver.start_instance(host, name)
        assert vm_of(vcenter, name)["power"] == "poweredOn" and driver.instance_power_states(host)[name] == "PowerOn"
        console = driver.console_address(host, name)
        assert console.port == int(vm_of(vcenter, name)["extra"]["RemoteDisplay.vnc.port"]) >= 5900
        assert console.password == "vncSec-1" and console.host == "127.0.0.1"

        driver.attach_volume(host, name, DiskSpec(refs["data"], 1))
        assert vm_of(vcenter, name)["disks"] == sorted([root.path, data.path])
        snapshot = driver.snapshot_volume(host, refs["root"], refs["snapshot"], instance=name)
        assert snapshot.path == f"[LocalDS_0] {name}-snapshot.vmdk"
        assert datastore_file(vcenter, f"{name}-snapshot-flat.vmdk") is not None
        seen = vm_of(vcenter, name)
        assert seen["power"] == "poweredOn" and not seen["snapshots"], "the VM snapshot used for the copy is gone"
        copy = driver.snapshot_volume(host, refs["data"], refs["copy"])
        assert copy.path == f"[LocalDS_0] {name}-copy.vmdk" and datastore_file(vcenter, f"{name}-copy.vmdk") is not None

        booted = vm_of(vcenter, name)["booted"]
        driver.reboot_instance(host, name)
        seen = vm_of(vcenter, name)
        assert seen["power"] == "poweredOn" and seen["booted"] > booted, "reset: off, then on again"
        driver.detach_volume(host, name, DiskSpec(refs["data"], 1))
        assert vm_of(vcenter, name)["disks"] == [root.path]
        assert datastore_file(vcenter, f"{name}-data.vmdk") is not None, "a detached volume stays"
        with pytest.raises(HypervisorOperationFailed, match="not attached"):
            driver.detach_volume(host, name, DiskSpec(refs["data"], 1))

        other = HostAccess(f"http://{vcenter}/DC0/DC0_C0/DC0_C0_H1", USER, PASSWORD)
        with pytest.raises(UnsupportedOperation, match="only between hosts of vCenter"):
            driver.migrate_instance(host, name, HostAccess("http://127.0.0.1:1/DC0/DC0_C0", USER, PASSWORD))
        driver.migrate_instance(host, name, other)
        assert vm_of(vcenter, name)["host"] == "DC0_C0_H1" and name in driver.instance_power_states(other)
        assert name not in driver.instance_power_states(host)
        driver.stop_instance(other, name, timeout=2)
        assert vm_of(vcenter, name)["power"] == "poweredOff"
        assert driver.instance_power_state(other, name) == PowerState.OFF
        with pytest.raises(HypervisorOperationFailed, match="not running"):
            driver.console_address(other, name)
        with pytest.raises(HypervisorOperationFailed, match="not running"):
            driver.reboot_instance(other, name)

        driver.start_instance(other, name)
        suspend(vcenter, name)
        assert driver.instance_power_state(other, name) == PowerState.ON, "a suspended VM holds its resources"
        driver.stop_instance(other, name, forced=True)
        assert vm_of(vcenter, name)["power"] == "poweredOff"
        driver.start_instance(other, name)
        driver.stop_instance(other, name, forced=True)
        assert vm_of(vcenter, name)["power"] == "poweredOff"
        assert driver.instance_power_state(other, name) == PowerState.OFF
    finally:
        driver.destroy_instance(host, name)
    assert vm_of(vcenter, name) is None and driver.instance_power_state(host, name) == PowerState.MISSING
    assert datastore_file(vcenter, f"{name}-root.vmdk") is not None, "destroying an instance keeps its volumes"
    driver.destroy_instance(host, name)
    with pytest.raises(HypervisorOperationFailed, match="not defined"):
        driver.start_instance(host, name)
    for ref in refs.values():
        driver.delete_volume(host, ref)
        driver.delete_volume(host, ref)
        assert datastore_file(vcenter, f"{ref.name}.vmdk") is None
        assert datastore_file(vcenter, f"{ref.name}-flat.vmdk") is None
    with pytest.raises(UnsupportedOperation, match="not available on VMware"):
        driver.apply_security_rules(host, SecurityRuleSet("x", "02:00:00:00:00:01"))
    with pytest.raises(UnsupportedOperation, match="not available on VMware"):
        driver.remove_security_rules(host, "x")


def put_datastore_file(vcenter, name, content: bytes):
    """Write a file of LocalDS_0 through vCenter's /folder HTTP access."""
    import urllib.request

    from pyVim.connect import Disconnect, SmartConnect

    server, port = vcenter.split(":")
    instance = SmartConnect(host=server, port=int(port), user=USER, pwd=PASSWORD, protocol="http")
    try:
        request = urllib.request.Request(f"http://{vcenter}/folder/{name}?dcPath=DC0&dsName=LocalDS_0",
                                         data=content, method="PUT", headers={"Cookie": instance._stub.cookie})
        urllib.request.urlopen(request, timeout=30).close()
    finally:
        Disconnect(instance)


def disk_capacities(vcenter, name):
    from pyVmomi import vim

    with vsphere(vcenter) as content:
        vm = content.searchIndex.FindByInventoryPath(f"DC0/vm/{name}")
        return {d.backing.fileName: d.capacityInKB * 1024 for d in vm.config.hardware.device
                if isinstance(d, vim.vm.device.VirtualDisk)}


def test_volumes_grow_copy_and_revert(vcenter, host):
    """An attached disk grows by reconfiguring its VM (hot-extend while it
    runs); copies are CopyVirtualDisk, a revert a copy moved over the
    volume's VMDK. vcsim does not implement ExtendVirtualDisk, the call for
    a detached disk: its refusal is seen coming back from vCenter."""
    driver, name, MiB = get_driver("VMware"), f"i-2-{uuid.uuid4().hex[:4]}-VM", 1024**2
    root, snap, copy = (VolumeRef(POOL, f"{name}-{k}") for k in ("root", "snap", "copy"))
    driver.create_volume(host, root, 64 * MiB)
    driver.snapshot_volume(host, root, snap)
    put_datastore_file(vcenter, f"{name}-root-flat.vmdk", b"written after the snapshot")

    copied = driver.copy_volume(host, snap, copy)
    assert copied.path == f"[LocalDS_0] {name}-copy.vmdk" and datastore_file(vcenter, f"{name}-copy-flat.vmdk") == b""
    with pytest.raises(HypervisorOperationFailed, match="does not implement: ExtendVirtualDisk_Task"):
        driver.resize_volume(host, copy, 128 * MiB)

    driver.define_instance(host, InstanceSpec(name=name, uuid=str(uuid.uuid4()), vcpus=1, cpu_speed=1000,
                                              memory=256 * MiB, vnc_password="x", disks=(DiskSpec(root, 0),)))
    try:
        driver.start_instance(host, name)
        assert driver.resize_volume(host, root, 128 * MiB, instance=name).size == 128 * MiB
        assert disk_capacities(vcenter, name) == {f"[LocalDS_0] {name}-root.vmdk": 128 * MiB}
        assert vm_of(vcenter, name)["power"] == "poweredOn", "grown while it runs"
        with pytest.raises(UnsupportedOperation, match="only grow"):
            driver.resize_volume(host, root, 96 * MiB, instance=name)
        driver.stop_instance(host, name, forced=True)
        driver.revert_volume(host, root, snap)
        assert datastore_file(vcenter, f"{name}-root-flat.vmdk") == b"", "the snapshot's content is back"
        assert datastore_file(vcenter, f"{name}-root-reverting.vmdk") is None, "nothing staged is left"
        assert vm_of(vcenter, name)["disks"] == [f"[LocalDS_0] {name}-root.vmdk"], "the VM keeps its disk"
    finally:
        driver.destroy_instance(host, name)
    for ref in (root, snap, copy):
        driver.delete_volume(host, ref)


def suspend(vcenter, name):
    from pyVim.task import WaitForTask

    with vsphere(vcenter) as content:
        WaitForTask(content.searchIndex.FindByInventoryPath(f"DC0/vm/{name}").SuspendVM_Task())
    assert vm_of(vcenter, name)["power"] == "suspended"


def test_nfs_primary_storage_is_mounted_on_every_host(vcenter, vcsim_dir, host):
    driver, pool_uuid = get_driver("VMware"), str(uuid.uuid4())
    export = vcsim_dir / pool_uuid  # vcsim's stand-in for the NFS export
    export.mkdir()
    pool = PoolSpec(uuid=pool_uuid, protocol="NetworkFilesystem", server="10.1.1.5", path="/export/primary")
    capacity, available = driver.prepare_storage_pool(host, pool)
    assert capacity > available > 0
    assert driver.prepare_storage_pool(host, pool) == (capacity, available), "mounted once"
    with vsphere(vcenter) as content:
        store = content.searchIndex.FindByInventoryPath(f"DC0/datastore/{pool_uuid}")
        assert (store.info.nas.remoteHost, store.info.nas.remotePath) == ("10.1.1.5", "/export/primary")
        cluster = content.searchIndex.FindByInventoryPath("DC0/host/DC0_C0")
        assert all(pool_uuid in [d.name for d in esx.datastore] for esx in cluster.host), "on every host"
        assert (capacity, available) == (store.summary.capacity, store.summary.freeSpace)

    volume = driver.create_volume(host, VolumeRef(pool, "vol-1"), 1024**2)
    assert volume.path == f"[{pool_uuid}] vol-1.vmdk" and (export / "vol-1.vmdk").exists()
    driver.delete_volume(host, VolumeRef(pool, "vol-1"))
    assert not (export / "vol-1.vmdk").exists() and not (export / "vol-1-flat.vmdk").exists()
    with pytest.raises(UnsupportedOperation, match="they take NFS and VMFS"):
        driver.prepare_storage_pool(host, PoolSpec(uuid="x", protocol="RBD", path="/pool"))


@pytest.fixture
def empty_vcenter():
    process, address = start_vcsim(vms=0)
    yield address
    process.terminate()
    process.wait(timeout=30)


@pytest.mark.django_db
def test_a_vmware_cluster_brings_its_hosts(root_admin, vcenter, empty_vcenter):
    from infrastructure.models import Cluster, Host
    from infrastructure.services import clusters, pods, zones

    zone = zones.create_zone(root_admin, name="vz", network_type="Advanced", dns1="8.8.8.8", internal_dns1="10.0.0.2")
    pod = pods.create_pod(root_admin, zone, name="p", gateway="10.8.0.1", netmask="/24", start_ip="10.8.0.2")
    with pytest.raises(InvalidParameter, match=r"already holds 1 VM\(s\); a cluster must contain no VMs"):
        clusters.add_cluster(root_admin, pod, name="DC0_C0", hypervisor="VMware", url=f"http://{vcenter}/DC0/DC0_C0",
                             username=USER, password=PASSWORD)
    with pytest.raises(HostAuthenticationFailed):
        clusters.add_cluster(root_admin, pod, name="DC0_C0", hypervisor="VMware",
                             url=f"http://{empty_vcenter}/DC0/DC0_C0", username=USER, password="wrong")
    assert not Cluster.objects.exists()

    cluster = clusters.add_cluster(root_admin, pod, name="DC0_C0", hypervisor="VMware",
                                   url=f"http://{empty_vcenter}/DC0/DC0_C0", username=USER, password=PASSWORD)
    assert cluster.cluster_type == "ExternalManaged"
    found = Host.objects.filter(cluster=cluster).order_by("name")
    assert [h.name for h in found] == ["DC0_C0_H0", "DC0_C0_H1"]
    assert found[0].hypervisor_version.startswith("VMware ESXi") and found[0].password == PASSWORD
    assert found[0].url == f"http://{empty_vcenter}/DC0/DC0_C0/DC0_C0_H0"
