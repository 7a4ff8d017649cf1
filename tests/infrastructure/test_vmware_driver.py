"""The VMware driver against govmomi's vCenter simulator: a real vSphere
SOAP peer (see tests/fakes/vcsim). Its default inventory: datacenter DC0,
cluster DC0_C0 with hosts DC0_C0_H0 and DC0_C0_H1, datastore LocalDS_0,
one VM DC0_C0_RP0_VM0."""
import uuid

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
def vcenter():
    process, address = start_vcsim()
    yield address
    process.terminate()
    process.wait(timeout=30)


@pytest.fixture
def host(vcenter):
    return HostAccess(f"http://{vcenter}/DC0/DC0_C0/DC0_C0_H0", USER, PASSWORD)


def vm_of(vcenter, name):
    """Reads a VM back through pyvmomi, independently of the driver."""
    from pyVim.connect import Disconnect, SmartConnect
    from pyVmomi import vim

    server, port = vcenter.split(":")
    instance = SmartConnect(host=server, port=int(port), user=USER, pwd=PASSWORD, protocol="http")
    content = instance.RetrieveContent()
    try:
        vm = content.searchIndex.FindByInventoryPath(f"DC0/vm/{name}")
        if vm is None:
            return None
        return {"power": vm.runtime.powerState, "host": vm.runtime.host.name,
                "disks": sorted(d.backing.fileName for d in vm.config.hardware.device
                                if isinstance(d, vim.vm.device.VirtualDisk)),
                "macs": [d.macAddress for d in vm.config.hardware.device
                         if isinstance(d, vim.vm.device.VirtualEthernetCard)],
                "snapshots": len(vm.rootSnapshot)}
    finally:
        Disconnect(instance)


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
    assert facts.name == "DC0_C0_H0" and facts.hypervisor_version.startswith("VMware ESXi")
    assert facts.cpu_sockets == 2 and facts.cpu_number == 2 and facts.cpu_speed > 0 and facts.memory > 2**30
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
    with pytest.raises(InvalidParameter, match="is written http"):
        driver.connect(HostAccess("qemu:///system", USER, PASSWORD))


def test_instances_volumes_snapshots_and_console(vcenter, host, tmp_path):
    driver, name = get_driver("VMware"), f"i-2-{uuid.uuid4().hex[:4]}-VM"
    template_file = tmp_path / "template.vmdk"
    template_file.write_bytes(b"# Disk DescriptorFile\n")
    refs = {k: VolumeRef(POOL, f"{name}-{k}") for k in ("template", "root", "data", "snapshot")}
    capacity, available = driver.prepare_storage_pool(host, POOL)
    assert capacity > available > 0
    imported = driver.import_volume(host, VolumeRef(POOL, f"{name}-upload"), str(template_file))
    assert imported.path == f"[LocalDS_0] {name}-upload.vmdk" and imported.size == template_file.stat().st_size
    assert datastore_file(vcenter, f"{name}-upload.vmdk") == template_file.read_bytes()
    driver.delete_volume(host, VolumeRef(POOL, f"{name}-upload"))
    assert datastore_file(vcenter, f"{name}-upload.vmdk") is None
    driver.create_volume(host, refs["template"], 8 * 1024**2)
    driver.create_volume(host, refs["root"], 0, template=refs["template"])
    data = driver.create_volume(host, refs["data"], 64 * 1024**2)
    assert data.path == f"[LocalDS_0] {name}-data.vmdk" and data.format == "vmdk"

    spec = InstanceSpec(name=name, uuid=str(uuid.uuid4()), vcpus=1, cpu_speed=1000, memory=256 * 1024**2,
                        vnc_password="vncSec-1", disks=(DiskSpec(refs["root"], 0),),
                        nics=(NicSpec(mac="02:00:4c:11:22:33", network="VM Network"),))
    driver.define_instance(host, spec)
    try:
        with pytest.raises(HypervisorOperationFailed, match="already defined"):
            driver.define_instance(host, spec)
        seen = vm_of(vcenter, name)
        assert seen["power"] == "poweredOff" and seen["disks"] == [f"[LocalDS_0] {name}-root.vmdk"]
        assert seen["macs"] == ["02:00:4c:11:22:33"] and seen["host"] == "DC0_C0_H0"
        assert driver.instance_power_state(host, name) == PowerState.OFF

        driver.start_instance(host, name)
        assert vm_of(vcenter, name)["power"] == "poweredOn" and driver.instance_power_states(host)[name] == "PowerOn"
        console = driver.console_address(host, name)
        assert console.port >= 5900 and console.password == "vncSec-1" and console.host == "DC0_C0_H0"

        driver.attach_volume(host, name, DiskSpec(refs["data"], 1))
        assert len(vm_of(vcenter, name)["disks"]) == 2
        snapshot = driver.snapshot_volume(host, refs["root"], refs["snapshot"], instance=name)
        assert snapshot.path == f"[LocalDS_0] {name}-snapshot.vmdk"
        assert not vm_of(vcenter, name)["snapshots"], "the VM snapshot used for the copy is gone again"
        driver.reboot_instance(host, name)
        driver.detach_volume(host, name, DiskSpec(refs["data"], 1))
        assert vm_of(vcenter, name)["disks"] == [f"[LocalDS_0] {name}-root.vmdk"]
        with pytest.raises(HypervisorOperationFailed, match="not attached"):
            driver.detach_volume(host, name, DiskSpec(refs["data"], 1))

        other = HostAccess(f"http://{vcenter}/DC0/DC0_C0/DC0_C0_H1", USER, PASSWORD)
        driver.migrate_instance(host, name, other)
        assert vm_of(vcenter, name)["host"] == "DC0_C0_H1"
        driver.stop_instance(other, name, timeout=2)
        assert driver.instance_power_state(other, name) == PowerState.OFF
        with pytest.raises(HypervisorOperationFailed, match="not running"):
            driver.console_address(other, name)
    finally:
        driver.destroy_instance(host, name)
    assert vm_of(vcenter, name) is None and driver.instance_power_state(host, name) == PowerState.MISSING
    driver.destroy_instance(host, name)
    for ref in refs.values():
        driver.delete_volume(host, ref)
        driver.delete_volume(host, ref)
    with pytest.raises(UnsupportedOperation, match="not available on VMware"):
        driver.apply_security_rules(host, SecurityRuleSet("x", "02:00:00:00:00:01"))


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
