"""The infrastructure pages and dialogs, through Django's test client."""
import pytest

from infrastructure.models import Host, Pod, Zone
from infrastructure.services import clusters, hosts, pods, storage, zones
from network.services import ip_ranges, physical_networks
from tests.conftest import logged_in_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(root_admin):
    return logged_in_client(root_admin)


@pytest.fixture
def built(root_admin, tmp_path):
    zone = zones.create_zone(root_admin, name="z1", network_type="Advanced", dns1="8.8.8.8", internal_dns1="10.0.0.2")
    net = physical_networks.create_physical_network(root_admin, zone, name="n1", vlan="500-599")
    physical_networks.add_traffic_type(root_admin, net, traffic_type="Public", kvm_label="cloudbr1")
    ip_ranges.create_vlan_ip_range(root_admin, zone, gateway="203.0.113.1", netmask="/24", start_ip="203.0.113.10",
                                   end_ip="203.0.113.20")
    pod = pods.create_pod(root_admin, zone, name="p1", gateway="192.168.1.1", netmask="/24", start_ip="192.168.1.10",
                          end_ip="192.168.1.20")
    cluster = clusters.add_cluster(root_admin, pod, name="c1", hypervisor="Simulator")
    host = hosts.add_host(root_admin, cluster, url="simulator://h1")
    pool = storage.create_storage_pool(root_admin, zone, name="ps1", url="nfs://10.0.0.5/p", cluster=cluster)
    storage.add_image_store(root_admin, zone, url=f"file://{tmp_path}")
    return {"zone": zone, "pod": pod, "cluster": cluster, "host": host, "pool": pool}


def test_every_page_renders_for_the_root_admin(admin, built):
    overview = admin.get("/client/infrastructure/").content.decode()
    assert "Hosts" in overview and "Physical networks" in overview
    pages = ["/client/zones/", "/client/pods/", "/client/clusters/", "/client/hosts/", "/client/primary-storage/",
             "/client/secondary-storage/", "/client/physical-networks/",
             f"/client/zones/{built['zone'].uuid}/", f"/client/pods/{built['pod'].uuid}/",
             f"/client/clusters/{built['cluster'].uuid}/", f"/client/hosts/{built['host'].uuid}/",
             f"/client/primary-storage/{built['pool'].uuid}/"]
    for url in pages:
        assert admin.get(url).status_code == 200, url
    zone_page = admin.get(f"/client/zones/{built['zone'].uuid}/").content.decode()
    for text in ("n1", "Public: cloudbr1", "203.0.113.10", "p1", "c1", "h1", "ps1", "Enable zone"):
        assert text in zone_page
    host_page = admin.get(f"/client/hosts/{built['host'].uuid}/").content.decode()
    assert "2 socket(s), 8 cores at 2400 MHz" in host_page and "16.0 GiB" in host_page


def test_users_do_not_see_the_infrastructure(tenancy, built):
    domain_admin = logged_in_client(tenancy["comp1_admin"])
    assert domain_admin.get("/client/hosts/").status_code in (403, 404)
    assert domain_admin.get(f"/client/zones/{built['zone'].uuid}/").status_code in (403, 404)
    assert domain_admin.post(f"/client/zones/{built['zone'].uuid}/enable").status_code in (403, 404)
    assert Zone.objects.get().allocation_state == "Disabled"


def test_dialogs_show_the_rule_that_failed_and_change_nothing(admin, built):
    zone = built["zone"]
    response = admin.post(f"/client/zones/{zone.uuid}/add-pod", {"name": "p2", "gateway": "192.168.1.129",
                                                                "netmask": "255.255.255.128",
                                                                "startip": "192.168.1.130"})
    assert response.status_code == 200 and "overlaps the subnet 192.168.1.0/24 of pod p1" in response.content.decode()
    assert Pod.objects.count() == 1
    response = admin.post(f"/client/clusters/{built['cluster'].uuid}/add-host", {"url": "simulator://h1",
                                                                                 "username": "root"})
    assert "simulator://h1 is already host h1 in cluster c1 of zone z1" in response.content.decode()
    assert Host.objects.count() == 1


def test_dialogs_change_states(admin, built):
    zone, host = built["zone"], built["host"]
    assert admin.post(f"/client/zones/{zone.uuid}/enable").status_code == 302
    assert Zone.objects.get().allocation_state == "Enabled"
    admin.post(f"/client/hosts/{host.uuid}/maintenance")
    assert Host.objects.get().resource_state == "Maintenance"
    admin.post(f"/client/hosts/{host.uuid}/cancel-maintenance")
    assert Host.objects.get().resource_state == "Enabled"
    admin.post(f"/client/clusters/{built['cluster'].uuid}/unmanage")
    built["cluster"].refresh_from_db()
    assert built["cluster"].managed_state == "Unmanaged"
    created = admin.post(f"/client/clusters/{built['cluster'].uuid}/add-host", {"url": "simulator://h2", "username": "root"})
    assert "unmanaged" in created.content.decode()


def test_dashboard_panel(admin, root_admin, tenancy):
    assert "/client/zones/wizard/" in admin.get("/client/").content.decode()
    zones.create_zone(root_admin, name="z9", network_type="Basic", dns1="8.8.8.8", internal_dns1="10.0.0.2")
    assert "Zones (0 enabled)" in admin.get("/client/").content.decode()
    assert "Zones (" not in logged_in_client(tenancy["comp1_admin"]).get("/client/").content.decode()
