"""An Advanced Simulator zone built through the services, as the add-zone
wizard builds one: a physical network carrying guest (VLANs 600-799),
public and management traffic, a public range, a pod, a cluster of
Simulator hosts, primary storage and an image store."""
from dataclasses import dataclass

from cloudstack_ui.api.registry import prepare
from compute.models import ServiceOffering
from infrastructure.models import Cluster, Host, ImageStore, Pod, SimulatedMachine, StoragePool, Zone
from infrastructure.services import clusters, hosts, pods, storage, zones
from network.models import NetworkOffering, PhysicalNetwork, VlanIpRange
from network.services import ip_ranges, physical_networks
from tests.compute.conftest import call


@dataclass
class AdvancedZone:
    zone: Zone
    physical: PhysicalNetwork
    public_range: VlanIpRange
    pod: Pod
    cluster: Cluster
    hosts: list[Host]
    pool: StoragePool
    image_store: ImageStore


def build_advanced_zone(admin, tmp_path, *, name: str = "adv", host_count: int = 1, vlans: str = "600-799",
                        public=("203.0.113.10", "203.0.113.40")) -> AdvancedZone:
    zone = zones.create_zone(admin, name=name, network_type="Advanced", dns1="8.8.8.8", internal_dns1="10.0.0.2",
                             guest_cidr="10.1.1.0/24")
    physical = physical_networks.create_physical_network(admin, zone, name=f"{name}-phys", vlan=vlans)
    for kind, label in (("Guest", "cloudbr1"), ("Public", "cloudbr0"), ("Management", "cloudbr0")):
        physical_networks.add_traffic_type(admin, physical, traffic_type=kind, kvm_label=label)
    physical_networks.update_physical_network(admin, physical, state="Enabled")
    public_range = ip_ranges.create_vlan_ip_range(admin, zone, gateway="203.0.113.1", netmask="255.255.255.0",
                                                  start_ip=public[0], end_ip=public[1], vlan="untagged",
                                                  physical_network=physical, for_virtual_network=True)
    pod = pods.create_pod(admin, zone, name=f"{name}-pod", gateway="192.168.10.1", netmask="255.255.255.0",
                          start_ip="192.168.10.10", end_ip="192.168.10.50")
    cluster = clusters.add_cluster(admin, pod, name=f"{name}-c1", hypervisor="Simulator")
    added = []
    for index in range(1, host_count + 1):
        machine = f"{name}-h{index}"
        SimulatedMachine.objects.create(name=machine)
        added.append(hosts.add_host(admin, cluster, url=f"simulator://{machine}", password="password"))
    pool = storage.create_storage_pool(admin, zone, name=f"{name}-ps1", url="nfs://10.0.0.5/export/primary",
                                       cluster=cluster)
    secondary = tmp_path / f"{name}-secondary"
    secondary.mkdir()
    store = storage.add_image_store(admin, zone, url=f"file://{secondary}")
    zones.update_zone(admin, zone, allocation_state="Enabled")
    zone.refresh_from_db()
    return AdvancedZone(zone=zone, physical=physical, public_range=public_range, pod=pod, cluster=cluster,
                        hosts=added, pool=pool, image_store=store)


def api(caller, command: str, **params):
    """Run a command as `call` does, answering what the API renders: a
    sync command's body ({"network": {...}}), a list's items, a job's result."""
    cmd, parsed = prepare(caller, command, params)
    if cmd.is_async:
        return call(caller, command, **params)
    result = cmd.execute(caller, **parsed)
    if cmd.is_list:
        return cmd.render_list(result, len(result)).get(cmd.response_name, [])
    return cmd.render(result)


def isolated_offering() -> NetworkOffering:
    return NetworkOffering.objects.get(name="DefaultIsolatedNetworkOfferingWithSourceNatService")


def create_isolated_network(user, zone: AdvancedZone, name: str = "net1", **params) -> dict:
    """An isolated network made through createNetwork, as its answer."""
    return api(user, "createNetwork", zoneid=zone.zone.uuid, networkofferingid=isolated_offering().uuid,
                name=name, displaytext=name, **params)["network"]


def deploy_in(user, zone: AdvancedZone, template, network_id, name: str, **params) -> dict:
    """An instance deployed through deployVirtualMachine on the network, as its answer."""
    return call(user, "deployVirtualMachine", zoneid=zone.zone.uuid, name=name, templateid=template.uuid,
                serviceofferingid=ServiceOffering.objects.get(name="Small Instance").uuid,
                networkids=str(network_id), **params)["virtualmachine"]

