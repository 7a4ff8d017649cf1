"""Every rule of the guide that the infrastructure services enforce, each
with an input that breaks it: a clear message naming the field, and
nothing created."""
import pytest

from cloudstack_ui.errors import InvalidParameter, PermissionDenied, ResourceInUse, ResourceUnavailable
from infrastructure.hypervisors import HostAuthenticationFailed
from infrastructure.models import Cluster, Host, ImageStore, Pod, SimulatedMachine, StoragePool, Zone
from infrastructure.services import clusters, hosts, pods, regions, storage, zones
from infrastructure.services.addressing import parse_vlan_ranges
from network.models import PhysicalNetwork, TrafficType, VlanIpRange
from network.services import ip_ranges, physical_networks

pytestmark = pytest.mark.django_db


@pytest.fixture
def zone(root_admin):
    return zones.create_zone(root_admin, name="z1", network_type="Advanced", dns1="8.8.8.8",
                             internal_dns1="10.0.0.2", guest_cidr="10.1.1.0/24")


@pytest.fixture
def pod(root_admin, zone):
    return pods.create_pod(root_admin, zone, name="p1", gateway="192.168.1.1", netmask="255.255.255.0",
                           start_ip="192.168.1.10", end_ip="192.168.1.20")


@pytest.fixture
def cluster(root_admin, pod):
    return clusters.add_cluster(root_admin, pod, name="c1", hypervisor="Simulator")


def refused(call, field, text, exc=InvalidParameter):
    with pytest.raises(exc) as error:
        call()
    assert error.value.field == field, error.value.message
    assert text in error.value.message
    return error.value


@pytest.mark.parametrize("changes, field, text", [
    ({"name": ""}, "name", "must not be empty"),
    ({"network_type": "Huge"}, "networktype", "Basic or Advanced"),
    ({"dns1": "8.8.8"}, "dns1", "not a valid IPv4 address"),
    ({"internal_dns1": None}, "internaldns1", "needs a DNS server"),
    ({"guest_cidr": "10.1.1.5/33"}, "guestcidraddress", "not a valid CIDR"),
    ({"guest_cidr": "8.8.8.0/24"}, "guestcidraddress", "not a private"),
    ({"network_type": "Basic", "guest_cidr": "10.1.1.0/24"}, "guestcidraddress", "only Advanced"),
    ({"network_domain": "bad domain"}, "networkdomain", "not a valid DNS domain"),
])
def test_zone_rules(root_admin, changes, field, text):
    fields = dict(name="z", network_type="Advanced", dns1="8.8.8.8", internal_dns1="10.0.0.2")
    fields.update(changes)
    refused(lambda: zones.create_zone(root_admin, **fields), field, text)
    assert not Zone.objects.exists()


def test_zone_names_are_unique_and_only_root_admins_build(root_admin, zone, tenancy):
    refused(lambda: zones.create_zone(root_admin, name="Z1", network_type="Basic", dns1="8.8.8.8",
                                      internal_dns1="10.0.0.2"), "name", "already exists")
    with pytest.raises(PermissionDenied):
        zones.create_zone(tenancy["comp1_admin"], name="mine", network_type="Basic", dns1="8.8.8.8",
                          internal_dns1="10.0.0.2")


@pytest.mark.parametrize("fields, field, text", [
    ({"start_ip": "192.168.2.10"}, "startip", "outside the subnet"),
    ({"end_ip": "192.168.1.5"}, "endip", "before the start IP"),
    ({"gateway": "192.168.1.15"}, "gateway", "must not be inside the range"),
    ({"netmask": "255.255.0.255"}, "netmask", "not a valid netmask"),
    ({"gateway": "192.168.1.300"}, "gateway", "not a valid IPv4 address"),
])
def test_pod_range_rules(root_admin, zone, fields, field, text):
    values = dict(name="p", gateway="192.168.1.1", netmask="255.255.255.0", start_ip="192.168.1.10",
                  end_ip="192.168.1.20")
    values.update(fields)
    refused(lambda: pods.create_pod(root_admin, zone, **values), field, text)
    assert not Pod.objects.exists()


def test_pods_do_not_overlap_and_names_are_unique(root_admin, zone, pod):
    refused(lambda: pods.create_pod(root_admin, zone, name="p2", gateway="192.168.1.129", netmask="/25",
                                    start_ip="192.168.1.130", end_ip="192.168.1.140"), "netmask", "overlaps")
    refused(lambda: pods.create_pod(root_admin, zone, name="P1", gateway="192.168.5.1", netmask="/24",
                                    start_ip="192.168.5.10"), "name", "already has a pod")
    second = pods.create_pod(root_admin, zone, name="p2", gateway="192.168.2.1", netmask="24", start_ip="192.168.2.10")
    assert second.end_ip == "192.168.2.254"


def test_ip_range_rules(root_admin, zone, pod):
    public = dict(gateway="203.0.113.1", netmask="255.255.255.0", start_ip="203.0.113.10", end_ip="203.0.113.20")
    ip_ranges.create_vlan_ip_range(root_admin, zone, vlan="100", **public)
    refused(lambda: ip_ranges.create_vlan_ip_range(root_admin, zone, **dict(public, start_ip="203.0.113.15",
                                                                             end_ip="203.0.113.30")),
            "startip", "overlaps the IP range")
    refused(lambda: ip_ranges.create_vlan_ip_range(root_admin, zone, **dict(public, start_ip="203.0.113.1",
                                                                             end_ip="203.0.113.5")),
            "gateway", "must not be inside")
    refused(lambda: ip_ranges.create_vlan_ip_range(root_admin, zone, gateway="192.168.1.1", netmask="/24",
                                                   start_ip="192.168.1.15", end_ip="192.168.1.30"),
            "startip", "reserved system range")
    refused(lambda: ip_ranges.create_vlan_ip_range(root_admin, zone, vlan="4095", gateway="198.51.100.1",
                                                   netmask="/24", start_ip="198.51.100.5"), "vlan", "VLAN id")
    refused(lambda: ip_ranges.create_vlan_ip_range(root_admin, zone, pod=pod, for_virtual_network=False,
                                                   gateway="198.51.100.1", netmask="/24", start_ip="198.51.100.5"),
            "networkid", "a guest range of an Advanced zone belongs to a guest network")
    refused(lambda: pods.create_pod(root_admin, zone, name="p9", gateway="203.0.113.1", netmask="/24",
                                    start_ip="203.0.113.15", end_ip="203.0.113.40"), "startip",
            "overlaps the IP range")
    assert VlanIpRange.objects.count() == 1


def test_basic_zone_ranges(root_admin):
    basic = zones.create_zone(root_admin, name="b", network_type="Basic", dns1="8.8.8.8", internal_dns1="10.0.0.2")
    pod = pods.create_pod(root_admin, basic, name="p", gateway="10.10.0.1", netmask="/24", start_ip="10.10.0.2",
                          end_ip="10.10.0.9")
    refused(lambda: ip_ranges.create_vlan_ip_range(root_admin, basic, gateway="10.10.0.1", netmask="/24",
                                                   start_ip="10.10.0.100"), "forvirtualnetwork", "NetScaler")
    refused(lambda: ip_ranges.create_vlan_ip_range(root_admin, basic, gateway="10.10.0.1", netmask="/24",
                                                   start_ip="10.10.0.100", for_virtual_network=False),
            "podid", "belongs to a pod")
    guest = ip_ranges.create_vlan_ip_range(root_admin, basic, pod=pod, gateway="10.10.0.1", netmask="/24",
                                           start_ip="10.10.0.100", end_ip="10.10.0.200")
    assert guest.for_virtual_network is False and guest.vlan == "untagged"
    physical_networks.create_physical_network(root_admin, basic, name="n1")
    refused(lambda: physical_networks.create_physical_network(root_admin, basic, name="n2"), "zoneid",
            "one physical network")


@pytest.mark.parametrize("text, message", [
    ("0-10", "VLAN ids go from 1 to 4094"), ("100-4095", "VLAN ids go from 1 to 4094"), ("20-10", "ends before"),
    ("100-200,150-250", "overlap"), ("abc", "not a VLAN id"),
])
def test_vlan_range_rules(text, message):
    with pytest.raises(InvalidParameter, match=message):
        parse_vlan_ranges(text)


def test_physical_network_and_traffic_type_rules(root_admin, zone):
    first = physical_networks.create_physical_network(root_admin, zone, name="n1", vlan="500-599")
    refused(lambda: physical_networks.create_physical_network(root_admin, zone, name="n2", vlan="550-650"),
            "vlan", "overlaps the VLAN range 500-599")
    refused(lambda: physical_networks.create_physical_network(root_admin, zone, name="n2", isolation_methods="FOO"),
            "isolationmethods", "FOO")
    second = physical_networks.create_physical_network(root_admin, zone, name="n2", vlan="600-650")
    physical_networks.add_traffic_type(root_admin, first, traffic_type="Public", kvm_label="cloudbr1")
    refused(lambda: physical_networks.add_traffic_type(root_admin, second, traffic_type="public"), "traffictype",
            "already carried by physical network n1")
    refused(lambda: physical_networks.add_traffic_type(root_admin, first, traffic_type="Public"), "traffictype",
            "already carries")
    refused(lambda: physical_networks.add_traffic_type(root_admin, first, traffic_type="Video"), "traffictype",
            "must be one of")
    physical_networks.add_traffic_type(root_admin, second, traffic_type="Guest")
    physical_networks.add_traffic_type(root_admin, first, traffic_type="Guest")
    assert TrafficType.objects.filter(traffic_type="Guest").count() == 2
    assert PhysicalNetwork.objects.count() == 2


def test_host_rules(root_admin, cluster):
    SimulatedMachine.objects.create(name="locked", password="right")
    refused(lambda: hosts.add_host(root_admin, cluster, url="simulator://locked", password="wrong"), "password",
            "username or password is wrong")
    SimulatedMachine.objects.create(name="down", refuse_connection=True)
    refused(lambda: hosts.add_host(root_admin, cluster, url="simulator://down"), "url", "connection refused",
            exc=ResourceUnavailable)
    SimulatedMachine.objects.create(name="busy", running_vms=3)
    refused(lambda: hosts.add_host(root_admin, cluster, url="simulator://busy"), "url", "already runs 3 VM(s)")
    SimulatedMachine.objects.create(name="inside", ip_address="192.168.1.15")
    refused(lambda: hosts.add_host(root_admin, cluster, url="simulator://inside"), "url", "reserved system range")
    refused(lambda: hosts.add_host(root_admin, cluster, url="http://xen"), "url", "simulator://NAME")
    assert not Host.objects.exists()

    host = hosts.add_host(root_admin, cluster, url="simulator://h1", password="x", tags="a, b,a")
    assert host.tags == "a,b" and host.cpu_speed == 2400 and host.password == "x"
    refused(lambda: hosts.add_host(root_admin, cluster, url="simulator://h1"), "url",
            "simulator://h1 is already host h1 in cluster c1 of zone z1")
    other_zone = zones.create_zone(root_admin, name="z2", network_type="Basic", dns1="8.8.8.8", internal_dns1="10.0.0.2")
    other_pod = pods.create_pod(root_admin, other_zone, name="p2", gateway="10.3.0.1", netmask="/24",
                                start_ip="10.3.0.10")
    other_cluster = clusters.add_cluster(root_admin, other_pod, name="c2", hypervisor="Simulator")
    refused(lambda: hosts.add_host(root_admin, other_cluster, url="SIMULATOR://h1"), "url", "already host h1")
    refused(lambda: hosts.delete_host(root_admin, host), "id", "maintenance", exc=ResourceInUse)


def test_cluster_size_follows_the_hypervisor_capability(root_admin, cluster):
    clusters.update_hypervisor_capability(
        root_admin, clusters.HypervisorCapability.objects.get(hypervisor="Simulator"), max_hosts_per_cluster=1)
    hosts.add_host(root_admin, cluster, url="simulator://one")
    refused(lambda: hosts.add_host(root_admin, cluster, url="simulator://two"), "clusterid", "already has 1 hosts")


def test_xenserver_hosts_through_xapi_and_vmware_clusters_need_vcenter(root_admin, pod):
    from tests.fakes.xapi import XapiServer

    xen = clusters.add_cluster(root_admin, pod, name="xen", hypervisor="XenServer")
    refused(lambda: hosts.add_host(root_admin, xen, url="qemu:///system"), "url", "is written http://address")
    with XapiServer() as xapi:
        refused(lambda: hosts.add_host(root_admin, xen, url=xapi.url, password="wrong"), "password",
                "Unable to log in", exc=HostAuthenticationFailed)
        host = hosts.add_host(root_admin, xen, url=xapi.url, password="xen-secret")
    assert (host.name, host.hypervisor, host.cpu_number) == ("xen1", "XenServer", 8)
    refused(lambda: clusters.add_cluster(root_admin, pod, name="vc", hypervisor="VMware"), "url",
            "needs the vCenter URL")


def test_primary_storage_rules(root_admin, zone, pod, cluster):
    refused(lambda: storage.create_storage_pool(root_admin, zone, name="s", url="nfs://10.0.0.5/p", cluster=cluster),
            "clusterid", "add a host")
    hosts.add_host(root_admin, cluster, url="simulator://h1")
    for url, text in (("nfs:///path", "NFS server is missing"), ("iscsi://srv/iqn.2026-01.x:t/lun", "LUN a number"),
                      ("rbd://monitor/pool", "rbd://user:secret@monitor/pool"), ("ftp://x/y", "not a primary storage URL"),
                      ("vmfs://vc/onlydc", "vmfs://vcenter/datacenter/datastore")):
        refused(lambda url=url: storage.create_storage_pool(root_admin, zone, name="s", url=url, cluster=cluster),
                "url", text)
    xen = clusters.add_cluster(root_admin, pod, name="xen", hypervisor="XenServer")
    refused(lambda: storage.create_storage_pool(root_admin, zone, name="s", url="rbd://u:k@m/pool", cluster=xen),
            "url", "RBD is not offered for XenServer; use NFS, iSCSI, PreSetup")

    rbd = storage.create_storage_pool(root_admin, zone, name="ceph", url="rbd://admin:s3cret@mon1/rbdpool",
                                      cluster=cluster, tags="fast")
    assert rbd.secret == "s3cret" and rbd.details == {"user": "admin"} and rbd.path == "/rbdpool"
    refused(lambda: storage.create_storage_pool(root_admin, zone, name="CEPH", url="nfs://n/p", cluster=cluster),
            "name", "already has primary storage")
    second = clusters.add_cluster(root_admin, pod, name="c2", hypervisor="Simulator")
    hosts.add_host(root_admin, second, url="simulator://h2")
    refused(lambda: storage.create_storage_pool(root_admin, zone, name="other", url="nfs://n/p", cluster=second,
                                                tags="slow"), "tags", "cluster c1 has fast")
    storage.create_storage_pool(root_admin, zone, name="other", url="nfs://n/p", cluster=second, tags="fast")
    assert StoragePool.objects.count() == 2


def test_secondary_storage_rules(root_admin, zone, tmp_path):
    refused(lambda: storage.add_image_store(root_admin, zone, url="file:///no/such/dir"), "url",
            "not a writable directory")
    refused(lambda: storage.add_image_store(root_admin, zone, url="smb://x/y"), "url", "nfs://server/path")
    storage.add_image_store(root_admin, zone, url="nfs://10.0.0.9/export/secondary")
    refused(lambda: storage.add_image_store(root_admin, zone, url="nfs://10.0.0.9/export/secondary"), "url",
            "already uses")
    local = storage.add_image_store(root_admin, zone, url=f"file://{tmp_path}")
    assert local.protocol == "file" and ImageStore.objects.count() == 2


def test_deleting_refuses_what_is_still_used(root_admin, zone, pod, cluster):
    refused(lambda: zones.delete_zone(root_admin, zone), "id", "Zone z1 still has 1 cluster: c1; 1 pod: p1", exc=ResourceInUse)
    refused(lambda: pods.delete_pod(root_admin, pod), "id", "Pod p1 still has 1 cluster: c1", exc=ResourceInUse)
    clusters.delete_cluster(root_admin, cluster)
    pods.delete_pod(root_admin, pod)
    zones.delete_zone(root_admin, zone)
    assert not Zone.objects.exists() and not Cluster.objects.exists()


def test_region_rules(root_admin):
    refused(lambda: regions.add_region(root_admin, id=1, name="x", endpoint="http://a/client"), "id", "already exists")
    refused(lambda: regions.add_region(root_admin, id=2, name="x", endpoint="ftp://a"), "endpoint", "http(s) URL")
    refused(lambda: regions.add_region(root_admin, id=2, name="local", endpoint="http://a/client"), "name",
            "already exists")
    second = regions.add_region(root_admin, id=2, name="West", endpoint="http://10.0.0.5:8080/client")
    regions.update_region(root_admin, second, name="Western")
    refused(lambda: regions.remove_region(root_admin, regions.Region.objects.get(id=1)), "id", "cannot be removed")
    regions.remove_region(root_admin, second)


def test_hosts_of_a_cluster_share_cpu_model_and_flags(root_admin, cluster):
    hosts.add_host(root_admin, cluster, url="simulator://first")
    SimulatedMachine.objects.create(name="other-model", cpu_model="Simulated EPYC")
    refused(lambda: hosts.add_host(root_admin, cluster, url="simulator://other-model"), "url",
            "has a Simulated EPYC CPU; the hosts of cluster c1 have Simulated Xeon")
    SimulatedMachine.objects.create(name="fewer-flags", cpu_flags="vmx sse4_2")
    refused(lambda: hosts.add_host(root_admin, cluster, url="simulator://fewer-flags"), "url",
            "CPU flags differ from cluster c1's in aes, avx2")
