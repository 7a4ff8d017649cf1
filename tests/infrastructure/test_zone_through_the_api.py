"""A whole zone built through the API with the real `cs` client, on the
Simulator hypervisor: the order the add-zone wizard follows (guide 6.3)."""
import pytest
from cs import CloudStack, CloudStackApiException

from accounts.services.users import register_user_keys
from infrastructure.models import Host, SimulatedMachine, Zone

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def api(live_server, root_admin):
    key, secret = register_user_keys(root_admin, root_admin)
    return CloudStack(endpoint=f"{live_server.url}/client/api", key=key, secret=secret, poll_interval=0.2,
                      job_timeout=30)


def test_advanced_zone_through_cs(api, tmp_path):
    zone = api.createZone(name="zone-adv", networktype="Advanced", dns1="8.8.8.8", internaldns1="10.0.0.2",
                          guestcidraddress="10.1.1.0/24", hypervisor="Simulator")["zone"]
    assert zone["allocationstate"] == "Disabled" and zone["guestcidraddress"] == "10.1.1.0/24"

    physnet = api.createPhysicalNetwork(zoneid=zone["id"], name="physnet1", isolationmethods="VLAN")["physicalnetwork"]
    for traffic, label in (("Management", "cloudbr0"), ("Public", "cloudbr1"), ("Guest", "cloudbr1")):
        added = api.addTrafficType(physicalnetworkid=physnet["id"], traffictype=traffic, kvmnetworklabel=label)
        assert added["traffictype"]["kvmnetworklabel"] == label
    api.updatePhysicalNetwork(id=physnet["id"], vlan="500-599", state="Enabled")
    public = api.createVlanIpRange(zoneid=zone["id"], physicalnetworkid=physnet["id"], gateway="203.0.113.1",
                                   netmask="255.255.255.0", startip="203.0.113.10", endip="203.0.113.50",
                                   vlan="100", forvirtualnetwork=True)["vlan"]
    assert public["vlan"] == "100" and public["forvirtualnetwork"] is True

    pod = api.createPod(zoneid=zone["id"], name="pod1", gateway="192.168.10.1", netmask="255.255.255.0",
                        startip="192.168.10.20", endip="192.168.10.40")["pod"]
    cluster = api.addCluster(zoneid=zone["id"], podid=pod["id"], clustername="cluster1",
                             hypervisor="Simulator")["cluster"][0]
    host = api.addHost(zoneid=zone["id"], podid=pod["id"], clusterid=cluster["id"], hypervisor="Simulator",
                       url="simulator://sim-host-1", username="root", password="password")["host"][0]
    assert host["name"] == "sim-host-1" and host["state"] == "Up" and host["cpunumber"] == 8
    assert host["memorytotal"] == 16 * 1024**3 and "password" not in host

    pool = api.createStoragePool(zoneid=zone["id"], podid=pod["id"], clusterid=cluster["id"], name="primary1",
                                 url="nfs://10.0.0.5/export/primary", tags="ssd")["storagepool"]
    assert pool["type"] == "NetworkFilesystem" and pool["path"] == "/export/primary"
    store = api.addImageStore(zoneid=zone["id"], url=f"file://{tmp_path}", name="secondary1")["imagestore"]
    assert store["protocol"] == "file"

    enabled = api.updateZone(id=zone["id"], allocationstate="Enabled")["zone"]
    assert enabled["allocationstate"] == "Enabled"
    assert api.listHosts(zoneid=zone["id"])["count"] == 1
    assert api.listStoragePools(zoneid=zone["id"])["storagepool"][0]["tags"] == "ssd"

    maintenance = api.prepareHostForMaintenance(id=host["id"], fetch_result=True)
    assert maintenance["host"]["resourcestate"] == "Maintenance"
    assert Host.objects.get(uuid=host["id"]).password == "password"


def test_basic_zone_and_refusals_through_cs(api):
    zone = api.createZone(name="zone-basic", networktype="Basic", dns1="8.8.8.8", internaldns1="10.0.0.2")["zone"]
    assert zone["securitygroupsenabled"] is True
    api.createPhysicalNetwork(zoneid=zone["id"], name="physnet1")
    pod = api.createPod(zoneid=zone["id"], name="pod1", gateway="192.168.20.1", netmask="/24",
                        startip="192.168.20.2", endip="192.168.20.20")["pod"]
    assert pod["netmask"] == "255.255.255.0"
    guest = api.createVlanIpRange(zoneid=zone["id"], podid=pod["id"], gateway="192.168.20.1", netmask="255.255.255.0",
                                  startip="192.168.20.100", endip="192.168.20.200", forvirtualnetwork=False)["vlan"]
    assert guest["podid"] == pod["id"]

    with pytest.raises(CloudStackApiException) as overlap:
        api.createVlanIpRange(zoneid=zone["id"], podid=pod["id"], gateway="192.168.20.1", netmask="255.255.255.0",
                              startip="192.168.20.150", endip="192.168.20.250", forvirtualnetwork=False)
    assert overlap.value.error["errorcode"] == 431 and "overlaps" in overlap.value.error["errortext"]

    cluster = api.addCluster(zoneid=zone["id"], podid=pod["id"], clustername="c1", hypervisor="Simulator")["cluster"][0]
    SimulatedMachine.objects.create(name="busy", running_vms=2)
    with pytest.raises(CloudStackApiException) as busy:
        api.addHost(zoneid=zone["id"], podid=pod["id"], clusterid=cluster["id"], hypervisor="Simulator",
                    url="simulator://busy", username="root", password="x")
    assert "already runs 2 VM(s)" in busy.value.error["errortext"]
    SimulatedMachine.objects.create(name="gone", refuse_connection=True)
    with pytest.raises(CloudStackApiException) as gone:
        api.addHost(zoneid=zone["id"], podid=pod["id"], clusterid=cluster["id"], hypervisor="Simulator",
                    url="simulator://gone", username="root", password="x")
    assert gone.value.error["errorcode"] == 534 and "connection refused" in gone.value.error["errortext"]
    assert not Host.objects.exists()
    assert Zone.objects.get(uuid=zone["id"]).allocation_state == "Disabled"
