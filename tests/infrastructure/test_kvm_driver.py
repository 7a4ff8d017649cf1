"""The KVM driver through libvirt, against libvirt's own test driver (no
daemon: a node described in an XML file, state in this process)."""
import pytest

from cloudstack_ui.config.services import update_setting
from cloudstack_ui.errors import InvalidParameter, ResourceUnavailable
from infrastructure.hypervisors import HostAccess, get_driver
from infrastructure.hypervisors.kvm import KVMDriver
from infrastructure.models import Host
from infrastructure.services import clusters, hosts, pods, zones

NODE = """<node xmlns:test="http://libvirt.org/schemas/hypervisor/test/1.0">
  <cpu><nodes>1</nodes><sockets>2</sockets><cores>4</cores><threads>1</threads><active>8</active><mhz>2600</mhz>
       <model>x86_64</model></cpu>
  <memory>8388608</memory>
  <domain type="test" xmlns:test="http://libvirt.org/schemas/domain/test/1.0">
    <name>stopped-vm</name><memory>524288</memory><vcpu>1</vcpu><os><type>hvm</type></os>
    <test:runstate>5</test:runstate>
  </domain>
</node>"""


@pytest.fixture
def idle_node(tmp_path):
    path = tmp_path / "node.xml"
    path.write_text(NODE)
    return f"test://{path}"


def test_facts_of_a_libvirt_node(idle_node):
    facts = KVMDriver().connect(HostAccess(idle_node))
    assert (facts.cpu_sockets, facts.cpu_number, facts.cpu_speed) == (2, 8, 2600)
    assert facts.memory == 8 * 1024**3 and facts.cpu_model == "x86_64"
    assert facts.running_vms == 0 and facts.hypervisor_version.startswith("TEST ")
    assert "libvirt 9." in facts.hypervisor_version or "libvirt 1" in facts.hypervisor_version
    assert KVMDriver().ping(HostAccess(idle_node)) is True


def test_refusals_say_what_is_wrong():
    with pytest.raises(InvalidParameter, match="a KVM host is a libvirt URL"):
        KVMDriver().connect(HostAccess("http://kvm1", "root", "x"))
    with pytest.raises(ResourceUnavailable, match="Unable to connect to host 127.0.0.1: unable to connect"):
        KVMDriver().connect(HostAccess("qemu+tcp://127.0.0.1:1/system", "root", "x"))
    with pytest.raises(ResourceUnavailable, match="Unable to connect to host 127.0.0.1"):
        KVMDriver().ping(HostAccess("qemu+tcp://127.0.0.1:1/system", "root", "x"))


@pytest.mark.django_db
def test_a_kvm_host_added_through_the_service(root_admin, idle_node):
    zone = zones.create_zone(root_admin, name="kz", network_type="Basic", dns1="8.8.8.8", internal_dns1="10.0.0.2")
    pod = pods.create_pod(root_admin, zone, name="p", gateway="10.7.0.1", netmask="/24", start_ip="10.7.0.2",
                          end_ip="10.7.0.9")
    cluster = clusters.add_cluster(root_admin, pod, name="kvm", hypervisor="KVM")
    busy = pytest.raises(InvalidParameter, match=r"already runs 1 VM\(s\)")
    with busy:
        hosts.add_host(root_admin, cluster, url="test:///default")
    host = hosts.add_host(root_admin, cluster, url=idle_node, password="pw")
    assert host.cpu_number == 8 and host.hypervisor == "KVM" and isinstance(get_driver("KVM"), KVMDriver)
    assert Host.objects.count() == 1


@pytest.mark.django_db
def test_acceleration_setting_per_cluster(root_admin):
    from infrastructure.hypervisors.base import HostFacts
    from infrastructure.services.hosts import _ensure_acceleration

    zone = zones.create_zone(root_admin, name="kz", network_type="Basic", dns1="8.8.8.8", internal_dns1="10.0.0.2")
    pod = pods.create_pod(root_admin, zone, name="p", gateway="10.7.0.1", netmask="/24", start_ip="10.7.0.2")
    cluster = clusters.add_cluster(root_admin, pod, name="kvm", hypervisor="KVM")
    facts = HostFacts(name="h", ip_address="", cpu_sockets=1, cpu_number=2, cpu_speed=2000, cpu_model="m",
                      cpu_flags="", memory=1, hypervisor_version="QEMU 7.2.0", running_vms=0, accelerations=("qemu",))
    with pytest.raises(InvalidParameter, match="set kvm.guest.acceleration to qemu for cluster kvm"):
        _ensure_acceleration(cluster, facts)
    update_setting(root_admin, "kvm.guest.acceleration", "qemu", scope="cluster", scope_uuid=cluster.uuid)
    _ensure_acceleration(cluster, facts)


@pytest.mark.django_db
def test_acceleration_takes_kvm_or_qemu_only(root_admin):
    with pytest.raises(InvalidParameter, match="must be one of kvm, qemu"):
        update_setting(root_admin, "kvm.guest.acceleration", "xen")
