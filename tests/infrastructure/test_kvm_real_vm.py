"""The KVM driver against a real libvirtd running QEMU (TCG guests, as the
machines of this project need): the shared operation suite on a real VM,
security rules as nwfilters, and a host going Down and Up with its daemon.
Every domain, volume, pool and filter the tests create is removed again."""
import shutil
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from cloudstack_ui.config.services import update_setting
from cloudstack_ui.jobs.models import Alert, Event
from infrastructure.hypervisors import (
    HostAccess,
    InstanceSpec,
    NicSpec,
    PoolSpec,
    SecurityRule,
    SecurityRuleSet,
    get_driver,
)
from infrastructure.models import Host
from infrastructure.services import clusters, hosts, monitoring, pods, zones
from tests.infrastructure.driver_suite import run_operation_suite

IMAGES = Path("/var/lib/libvirt/images")


@pytest.fixture
def pool(libvirtd):
    """A directory pool QEMU (running as libvirt-qemu) can reach, removed afterwards."""
    import libvirt

    spec = PoolSpec(uuid=str(uuid.uuid4()), protocol="SharedMountPoint", path=str(IMAGES / f"csui-test-{uuid.uuid4()}"))
    yield spec
    connection = libvirt.open(libvirtd.URL)
    try:
        storage = connection.storagePoolLookupByName(spec.uuid)
        for name in storage.listVolumes():
            storage.storageVolLookupByName(name).delete(0)
        if storage.isActive():
            storage.destroy()
        storage.undefine()
    except libvirt.libvirtError:
        pass
    finally:
        connection.close()
    shutil.rmtree(spec.path, ignore_errors=True)


def domain_disks(libvirtd):
    import libvirt

    def disk_paths(name):
        connection = libvirt.open(libvirtd.URL)
        try:
            xml = ET.fromstring(connection.lookupByName(name).XMLDesc(0))
            return {d.find("source").get("file") for d in xml.findall("devices/disk[@device='disk']")}
        finally:
            connection.close()
    return disk_paths


def test_a_real_vm_through_the_operation_suite(libvirtd, pool, tmp_path):
    import libvirt

    template = tmp_path / "template.raw"
    template.write_bytes(b"\0" * 1024 * 1024)
    run_operation_suite(get_driver("KVM"), HostAccess(libvirtd.URL), pool, template,
                        disk_paths=domain_disks(libvirtd))
    connection = libvirt.open(libvirtd.URL)
    try:
        assert connection.storagePoolLookupByName(pool.uuid).listVolumes() == [], "every volume was deleted"
    finally:
        connection.close()


def test_security_rules_become_an_nwfilter(libvirtd):
    import libvirt

    driver, host, name = get_driver("KVM"), HostAccess(libvirtd.URL), f"i-2-{uuid.uuid4().hex[:6]}-VM-def"
    rules = (SecurityRule("ingress", "tcp", "0.0.0.0/0", 22, 22),
             SecurityRule("ingress", "icmp", "10.1.0.0/16", icmp_type=8, icmp_code=0),
             SecurityRule("egress", "udp", "192.168.0.0/24", 53, 53))
    driver.apply_security_rules(host, SecurityRuleSet(name, "02:00:11:22:33:44", rules))
    connection = libvirt.open(libvirtd.URL)
    try:
        xml = ET.fromstring(connection.nwfilterLookupByName(name).XMLDesc(0))
        accepted = [r for r in xml.findall("rule") if r.get("action") == "accept" and r.get("priority") >= "100"]
        tcp = xml.find("rule/tcp")
        assert (tcp.get("srcipaddr"), tcp.get("srcipmask"), tcp.get("dstportstart")) == ("0.0.0.0", "0", "22")
        assert xml.find("rule/icmp").get("type") == "8" and xml.find("rule/udp").get("dstipaddr") == "192.168.0.0"
        drops = {r.get("direction") for r in xml.findall("rule") if r.get("action") == "drop"}
        assert drops == {"in", "out"}, "ingress is closed, and egress too once it has rules"
        assert len(accepted) >= 3
        driver.apply_security_rules(host, SecurityRuleSet(name, "02:00:11:22:33:44", rules[:1]))
        xml = ET.fromstring(connection.nwfilterLookupByName(name).XMLDesc(0))
        assert xml.find("rule/udp") is None, "applying again replaces the rules"
        assert {r.get("direction") for r in xml.findall("rule") if r.get("action") == "drop"} == {"in"}
    finally:
        driver.remove_security_rules(host, name)
        connection.close()
    with pytest.raises(libvirt.libvirtError):
        libvirt.open(libvirtd.URL).nwfilterLookupByName(name)
    driver.remove_security_rules(host, name)  # gone already: no error


@pytest.mark.django_db
def test_a_host_goes_down_with_its_daemon_and_comes_back(libvirtd, root_admin):
    """Runs last in this module: it stops the daemon and starts it again."""
    zone = zones.create_zone(root_admin, name="kvm-zone", network_type="Basic", dns1="8.8.8.8",
                             internal_dns1="10.0.0.2")
    pod = pods.create_pod(root_admin, zone, name="p", gateway="10.9.0.1", netmask="/24", start_ip="10.9.0.2",
                          end_ip="10.9.0.20")
    cluster = clusters.add_cluster(root_admin, pod, name="kvm", hypervisor="KVM")
    update_setting(root_admin, "kvm.guest.acceleration", "qemu", scope="cluster", scope_uuid=cluster.uuid)
    host = hosts.add_host(root_admin, cluster, url=libvirtd.URL)
    assert host.hypervisor_version.startswith("QEMU ") and host.state == "Up"

    libvirtd.stop()
    try:
        assert monitoring.ping_hosts() == {"Disconnected": 1}
        Host.objects.update(last_answered=host.last_answered.replace(year=2000))
        assert monitoring.ping_hosts() == {"Down": 1}
        host.refresh_from_db()
        assert "Unable to connect to host localhost" in host.state_reason
        alert = Alert.objects.get(resource_uuid=host.uuid)
        assert alert.type == Alert.Type.HOST and "is Down" in alert.subject
    finally:
        libvirtd.start()
    assert monitoring.ping_hosts() == {"Up": 1}
    states = list(Event.objects.filter(resource_uuid=host.uuid, type="HOST.STATE").order_by("id")
                  .values_list("description", flat=True))
    assert [s.split(" is ")[1].split(",")[0] for s in states] == ["Disconnected", "Down", "Up"]


@pytest.fixture
def bridge():
    """A Linux bridge for the instance's NIC, removed afterwards."""
    import subprocess

    name = f"csuibr{uuid.uuid4().hex[:6]}"
    subprocess.run(["ip", "link", "add", name, "type", "bridge"], check=True)
    subprocess.run(["ip", "link", "set", name, "up"], check=True)
    yield name
    subprocess.run(["ip", "link", "del", name], check=False)


def test_an_instance_nic_is_filtered_by_its_security_rules(libvirtd, bridge):
    """The rule set installed for a NIC is the filter libvirt holds for the
    running instance's interface, and changing the rules changes it there."""
    import libvirt

    driver, host = get_driver("KVM"), HostAccess(libvirtd.URL)
    name, mac = f"i-2-{uuid.uuid4().hex[:5]}-VM", "02:00:7a:00:00:01"
    rules = SecurityRuleSet(f"{name}-nic0", mac, (SecurityRule("ingress", "tcp", "0.0.0.0/0", 22, 22),))
    driver.apply_security_rules(host, rules)
    driver.define_instance(host, InstanceSpec(name=name, uuid=str(uuid.uuid4()), vcpus=1, cpu_speed=500,
                                              memory=64 * 1024**2, vnc_password="vncSec-1", acceleration="qemu",
                                              nics=(NicSpec(mac=mac, network=bridge, security_filter=rules.name),)))
    connection = libvirt.open(libvirtd.URL)
    try:
        driver.start_instance(host, name)
        device = ET.fromstring(connection.lookupByName(name).XMLDesc(0)).find(
            "devices/interface/target").get("dev")
        binding = connection.nwfilterBindingLookupByPortDev(device)
        held = ET.fromstring(binding.XMLDesc(0))
        assert binding.filterName() == rules.name and held.find("mac").get("address") == mac
        driver.apply_security_rules(host, SecurityRuleSet(rules.name, mac, (
            SecurityRule("ingress", "tcp", "0.0.0.0/0", 443, 443),)))
        live = ET.fromstring(connection.nwfilterLookupByName(rules.name).XMLDesc(0))
        assert live.find("rule/tcp").get("dstportstart") == "443"
        assert connection.nwfilterBindingLookupByPortDev(device).filterName() == rules.name, "still bound"
    finally:
        driver.destroy_instance(host, name)
        driver.remove_security_rules(host, rules.name)
        connection.close()
