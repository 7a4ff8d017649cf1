"""The add-zone wizard through Django's test client: each step validated on
the server, Back keeps entries, Launch builds everything or nothing."""
import pytest

from infrastructure.models import Cluster, Host, ImageStore, Pod, SimulatedMachine, StoragePool, Zone
from network.models import PhysicalNetwork, TrafficType, VlanIpRange
from tests.conftest import logged_in_client

pytestmark = pytest.mark.django_db

BASIC = [
    ("type", {"networktype": "Basic"}),
    ("zone", {"name": "basic-zone", "dns1": "8.8.8.8", "internaldns1": "10.0.0.2", "hypervisor": "Simulator",
              "networkoffering": "DefaultSharedNetworkOfferingWithSGService", "ispublic": "on"}),
    ("network", {"name": "Physical Network 1", "isolationmethods": "VLAN", "management_label": "cloudbr0",
                 "guest_label": "cloudbr1"}),
    ("pod", {"name": "pod1", "gateway": "192.168.50.1", "netmask": "255.255.255.0", "startip": "192.168.50.10",
             "endip": "192.168.50.20"}),
    ("guest", {"gateway": "192.168.50.1", "netmask": "255.255.255.0", "startip": "192.168.50.100",
               "endip": "192.168.50.200"}),
    ("cluster", {"name": "cluster1"}),
    ("host", {"hostname": "wizard-host", "username": "root", "password": "secret-pw"}),
    ("primary", {"name": "primary1", "protocol": "NetworkFilesystem", "server": "10.0.0.5", "path": "/export/primary"}),
    ("secondary", {"kind": "nfs", "server": "10.0.0.5", "path": "/export/secondary"}),
]


@pytest.fixture
def admin(root_admin):
    return logged_in_client(root_admin)


def walk(client, steps):
    for step, data in steps:
        response = client.post(f"/client/zones/wizard/{step}", data)
        assert response.status_code == 302, (step, response.content.decode()[:3000])
    return response


def test_basic_zone_through_the_wizard(admin):
    last = walk(admin, BASIC)
    assert last["Location"].endswith("/summary")
    summary = admin.get("/client/zones/wizard/summary").content.decode()
    assert "basic-zone" in summary and "192.168.50.100" in summary and "secret-pw" not in summary
    launched = admin.post("/client/zones/wizard/summary", {"launch": ""})
    assert launched.status_code == 302
    progress = admin.get(launched["Location"]).content.decode()
    assert "Zone <strong>basic-zone</strong> is ready" in progress and "Enable zone" in progress

    zone = Zone.objects.get(name="basic-zone")
    assert zone.network_type == "Basic" and zone.security_groups_enabled and zone.allocation_state == "Disabled"
    assert set(TrafficType.objects.values_list("traffic_type", flat=True)) == {"Management", "Guest"}
    assert PhysicalNetwork.objects.get().state == "Enabled"
    guest = VlanIpRange.objects.get()
    assert guest.pod.name == "pod1" and not guest.for_virtual_network
    host = Host.objects.get()
    assert host.name == "wizard-host" and host.password == "secret-pw"
    assert StoragePool.objects.get().url == "nfs://10.0.0.5/export/primary"
    assert ImageStore.objects.get().url == "nfs://10.0.0.5/export/secondary"


def test_each_step_is_validated_and_back_keeps_entries(admin):
    walk(admin, BASIC[:3])
    bad_pod = admin.post("/client/zones/wizard/pod", {"name": "pod1", "gateway": "192.168.50.15",
                                                      "netmask": "255.255.255.0", "startip": "192.168.50.10",
                                                      "endip": "192.168.50.20"})
    assert bad_pod.status_code == 200 and "must not be inside the range" in bad_pod.content.decode()
    walk(admin, [BASIC[3]])
    overlapping = admin.post("/client/zones/wizard/guest", {"gateway": "192.168.50.1", "netmask": "255.255.255.0",
                                                            "startip": "192.168.50.15", "endip": "192.168.50.30"})
    assert "reserved system range 192.168.50.10-192.168.50.20" in overlapping.content.decode()
    back = admin.post("/client/zones/wizard/guest", {"gateway": "192.168.50.1", "startip": "192.168.50.99",
                                                     "back": ""})
    assert back["Location"].endswith("/pod")
    assert 'value="192.168.50.99"' in admin.get("/client/zones/wizard/guest").content.decode()
    assert not Zone.objects.exists()


def test_a_failed_launch_leaves_nothing_and_a_fixed_one_succeeds(admin):
    SimulatedMachine.objects.create(name="refusing", refuse_connection=True)
    walk(admin, BASIC[:6] + [("host", {"hostname": "refusing", "username": "root", "password": "x"})] + BASIC[7:])
    launched = admin.post("/client/zones/wizard/summary", {"launch": ""})
    failed = admin.get(launched["Location"]).content.decode()
    assert "The launch failed at <strong>Host</strong>" in failed and "connection refused" in failed
    assert "/client/zones/wizard/host" in failed
    for model in (Zone, PhysicalNetwork, TrafficType, Pod, VlanIpRange, Cluster, Host, StoragePool, ImageStore):
        assert not model.objects.exists(), model

    walk(admin, [("host", {"hostname": "healthy", "username": "root", "password": "x"})] + BASIC[7:])
    relaunched = admin.post("/client/zones/wizard/summary", {"launch": ""})
    assert "is ready" in admin.get(relaunched["Location"]).content.decode()
    assert Host.objects.get().name == "healthy" and Zone.objects.count() == 1


def test_advanced_zone_steps_include_public_ranges_and_vlans(admin):
    steps = [("type", {"networktype": "Advanced"}),
             ("zone", {"name": "adv", "dns1": "8.8.8.8", "internaldns1": "10.0.0.2", "hypervisor": "Simulator",
                       "guestcidraddress": "10.1.1.0/24", "ispublic": "on"}),
             ("network", {"name": "pn", "isolationmethods": "VLAN", "management_label": "cloudbr0",
                          "public_label": "cloudbr1", "guest_label": "cloudbr1"}),
             ("public", {"gateway": "203.0.113.1", "netmask": "255.255.255.0", "vlan": "100",
                         "startip": "203.0.113.10", "endip": "203.0.113.50"}),
             ("pod", {"name": "pod1", "gateway": "192.168.60.1", "netmask": "/24", "startip": "192.168.60.10",
                      "endip": "192.168.60.20"}),
             ("guest", {"vlanstart": "500", "vlanend": "599"})] + BASIC[5:]
    walk(admin, steps)
    launched = admin.post("/client/zones/wizard/summary", {"launch": ""})
    assert "is ready" in admin.get(launched["Location"]).content.decode()
    zone = Zone.objects.get(name="adv")
    assert zone.network_type == "Advanced" and zone.guest_cidr == "10.1.1.0/24"
    assert PhysicalNetwork.objects.get().vlan == "500-599"
    public = VlanIpRange.objects.get()
    assert public.for_virtual_network and public.vlan == "100"
    assert TrafficType.objects.filter(traffic_type="Public").exists()


def test_a_zone_dedicated_to_a_domain(admin, tenancy):
    zone_step = dict(BASIC[1][1], name="dedicated")
    del zone_step["ispublic"]
    walk(admin, BASIC[:1])
    refused = admin.post("/client/zones/wizard/zone", zone_step)
    assert "Choose the domain" in refused.content.decode()
    walk(admin, [("zone", dict(zone_step, domainid=str(tenancy["comp1"].uuid)))] + BASIC[2:])
    launched = admin.post("/client/zones/wizard/summary", {"launch": ""})
    assert "is ready" in admin.get(launched["Location"]).content.decode()
    assert Zone.objects.get(name="dedicated").domain == tenancy["comp1"]


def test_storage_traffic_gets_its_step_and_range(admin):
    from network.models import StorageNetworkIpRange

    network = dict(BASIC[2][1], storage_label="cloudbr2")
    after_guest = walk(admin, BASIC[:2] + [("network", network)] + BASIC[3:5])
    assert after_guest["Location"].endswith("/storage")
    bad = admin.post("/client/zones/wizard/storage", {"gateway": "172.16.0.1", "netmask": "/24",
                                                      "startip": "172.16.1.10"})
    assert "outside the subnet" in bad.content.decode()
    walk(admin, [("storage", {"gateway": "172.16.0.1", "netmask": "/24", "startip": "172.16.0.10",
                              "endip": "172.16.0.50"})] + BASIC[5:])
    launched = admin.post("/client/zones/wizard/summary", {"launch": ""})
    assert "is ready" in admin.get(launched["Location"]).content.decode()
    assert StorageNetworkIpRange.objects.get().start_ip == "172.16.0.10"
    assert TrafficType.objects.filter(traffic_type="Storage", kvm_label="cloudbr2").exists()


def test_advanced_zone_on_two_physical_networks(admin):
    steps = [("type", {"networktype": "Advanced"}),
             ("zone", {"name": "two-nets", "dns1": "8.8.8.8", "internaldns1": "10.0.0.2", "hypervisor": "Simulator",
                       "ispublic": "on"})]
    walk(admin, steps)
    network = {"name": "mgmt-net", "isolationmethods": "VLAN", "management_label": "cloudbr0",
               "management_network": "1", "public_label": "cloudbr1", "public_network": "2",
               "guest_label": "cloudbr1", "guest_network": "2", "storage_network": "1"}
    unnamed = admin.post("/client/zones/wizard/network", network)
    assert "Name the second physical network" in unnamed.content.decode()
    walk(admin, [("network", dict(network, name2="data-net")),
                 ("public", {"gateway": "203.0.113.1", "netmask": "/24", "startip": "203.0.113.10"}),
                 ("pod", {"name": "pod1", "gateway": "192.168.70.1", "netmask": "/24", "startip": "192.168.70.10",
                          "endip": "192.168.70.20"}),
                 ("guest", {"vlanstart": "700", "vlanend": "799"})] + BASIC[5:])
    launched = admin.post("/client/zones/wizard/summary", {"launch": ""})
    assert "is ready" in admin.get(launched["Location"]).content.decode()
    data = PhysicalNetwork.objects.get(name="data-net")
    assert data.vlan == "700-799" and data.state == "Enabled"
    assert set(data.traffic_types.values_list("traffic_type", flat=True)) == {"Public", "Guest"}
    assert list(PhysicalNetwork.objects.get(name="mgmt-net").traffic_types.values_list("traffic_type", flat=True)) \
        == ["Management"]
    assert VlanIpRange.objects.get().physical_network == data


def test_secrets_are_not_sent_back_and_a_blank_one_keeps_the_entry(admin):
    walk(admin, BASIC[:-2])
    back = admin.post("/client/zones/wizard/primary", {"back": ""})
    assert back["Location"].endswith("/host")
    page = admin.get("/client/zones/wizard/host").content.decode()
    assert "secret-pw" not in page, "the host password is not rendered back"
    walk(admin, [("host", {"hostname": "wizard-host", "username": "root", "password": ""})])
    walk(admin, BASIC[-2:])
    admin.post("/client/zones/wizard/summary", {"launch": ""})
    assert Host.objects.get().password == "secret-pw"


def test_a_vmware_zone_brings_the_clusters_esxi_hosts(admin):
    from tests.fakes.vcsim import PASSWORD, USER, start_vcsim

    process, address = start_vcsim(vms=0)
    try:
        steps = [step for step in BASIC if step[0] not in ("host", "cluster", "primary")]
        steps[1] = ("zone", {**BASIC[1][1], "hypervisor": "VMware"})
        steps.insert(5, ("cluster", {"name": "DC0_C0", "vcenterhost": address, "vcenterusername": USER,
                                     "vcenterpassword": PASSWORD, "vcenterdatacenter": "DC0"}))
        steps.insert(6, ("primary", {"name": "primary1", "protocol": "VMFS", "server": address,
                                     "datacenter": "DC0", "datastore": "LocalDS_0"}))
        last = walk(admin, steps)
        assert last["Location"].endswith("/summary")
        summary = admin.get("/client/zones/wizard/summary").content.decode()
        assert PASSWORD not in summary and "DC0_C0" in summary
        admin.post("/client/zones/wizard/summary", {"launch": ""})
    finally:
        process.terminate()
        process.wait(timeout=30)
    cluster = Cluster.objects.get()
    assert cluster.hypervisor == "VMware" and cluster.url == f"http://{address}/DC0/DC0_C0"
    assert sorted(Host.objects.values_list("name", flat=True)) == ["DC0_C0_H0", "DC0_C0_H1"]
    assert StoragePool.objects.get().protocol == "VMFS"
