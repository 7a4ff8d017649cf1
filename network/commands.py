"""CloudStack commands of physical networks, traffic types and IP ranges."""
from cloudstack_ui.api.registry import ROLE_ADMIN, Command, Param, register
from infrastructure.lookups import find, find_optional
from infrastructure.models import Pod, Zone
from network.api.serializers import (
    PhysicalNetworkSerializer,
    StorageNetworkIpRangeSerializer,
    TrafficTypeSerializer,
    VlanIpRangeSerializer,
)
from network.models import PhysicalNetwork, StorageNetworkIpRange, TrafficType, VlanIpRange
from network.services import ip_ranges, physical_networks

ADMIN = (ROLE_ADMIN,)
SUCCESS = {"success": True}


@register
class CreatePhysicalNetwork(Command):
    name = "createPhysicalNetwork"
    description = "Creates a physical network in a zone"
    authorized = ADMIN
    response_name = "physicalnetwork"
    serializer = PhysicalNetworkSerializer
    params = (
        Param("zoneid", "uuid", required=True, description="the network's zone"),
        Param("name", required=True, description="the network's name"),
        Param("isolationmethods", description="VLAN (default), L3, GRE, STT, VNS or VXLAN"),
        Param("vlan", description="guest VLAN ranges, e.g. 500-599,700-710"),
        Param("tags", description="comma-separated tags"),
        Param("broadcastdomainrange", choices=("ZONE", "POD"), description="ZONE (Advanced) or POD (Basic)"),
        Param("networkspeed", description="e.g. 10G"),
    )

    def execute(self, caller, **p):
        return physical_networks.create_physical_network(
            caller, find(Zone, p["zoneid"], "zoneid"), name=p["name"],
            isolation_methods=p.get("isolationmethods", "VLAN"), vlan=p.get("vlan", ""), tags=p.get("tags", ""),
            broadcast_domain_range=p.get("broadcastdomainrange", ""), network_speed=p.get("networkspeed", ""),
        )


@register
class UpdatePhysicalNetwork(Command):
    name = "updatePhysicalNetwork"
    description = "Changes a physical network's guest VLAN ranges, tags or state"
    authorized = ADMIN
    response_name = "physicalnetwork"
    serializer = PhysicalNetworkSerializer
    params = (
        Param("id", "uuid", required=True, description="the network's id"),
        Param("vlan", description="guest VLAN ranges, e.g. 500-599,700-710"),
        Param("tags", description="comma-separated tags"),
        Param("state", choices=tuple(PhysicalNetwork.State.values), description="Enabled or Disabled"),
    )

    def execute(self, caller, **p):
        return physical_networks.update_physical_network(
            caller, find(PhysicalNetwork, p["id"], "id"), vlan=p.get("vlan"), tags=p.get("tags"),
            state=p.get("state"))


@register
class DeletePhysicalNetwork(Command):
    name = "deletePhysicalNetwork"
    description = "Deletes a physical network without IP ranges"
    authorized = ADMIN
    params = (Param("id", "uuid", required=True, description="the network's id"),)

    def execute(self, caller, **p):
        physical_networks.delete_physical_network(caller, find(PhysicalNetwork, p["id"], "id"))
        return SUCCESS


@register
class ListPhysicalNetworks(Command):
    name = "listPhysicalNetworks"
    description = "Lists physical networks"
    authorized = ADMIN
    response_name = "physicalnetwork"
    serializer = PhysicalNetworkSerializer
    params = (Param("id", "uuid", description="the network's id"), Param("name", description="the network's name"),
              Param("zoneid", "uuid", description="the networks of this zone"),
              Param("keyword", description="list by keyword"))

    def execute(self, caller, **p):
        networks = PhysicalNetwork.objects.select_related("zone")
        for param, lookup in (("id", "uuid"), ("name", "name__iexact"), ("zoneid", "zone__uuid"),
                              ("keyword", "name__icontains")):
            if param in p:
                networks = networks.filter(**{lookup: p[param]})
        return networks


@register
class AddTrafficType(Command):
    name = "addTrafficType"
    description = "Makes a physical network carry a traffic type, with its labels per hypervisor"
    authorized = ADMIN
    response_name = "traffictype"
    serializer = TrafficTypeSerializer
    params = (
        Param("physicalnetworkid", "uuid", required=True, description="the physical network"),
        Param("traffictype", required=True, description="Management, Public, Guest or Storage"),
        Param("kvmnetworklabel", description="the KVM hosts' bridge for this traffic, e.g. cloudbr0"),
        Param("xennetworklabel", description="the XenServer network name-label, e.g. cloud-public"),
        Param("vmwarenetworklabel", description="the vSwitch or port group, e.g. vSwitch0"),
    )

    def execute(self, caller, **p):
        return physical_networks.add_traffic_type(
            caller, find(PhysicalNetwork, p["physicalnetworkid"], "physicalnetworkid"),
            traffic_type=p["traffictype"], kvm_label=p.get("kvmnetworklabel", ""),
            xen_label=p.get("xennetworklabel", ""), vmware_label=p.get("vmwarenetworklabel", ""),
        )


@register
class ListTrafficTypes(Command):
    name = "listTrafficTypes"
    description = "Lists the traffic types of a physical network"
    authorized = ADMIN
    response_name = "traffictype"
    serializer = TrafficTypeSerializer
    params = (Param("physicalnetworkid", "uuid", required=True, description="the physical network"),)

    def execute(self, caller, **p):
        network = find(PhysicalNetwork, p["physicalnetworkid"], "physicalnetworkid")
        return TrafficType.objects.filter(physical_network=network).select_related("physical_network")


@register
class CreateVlanIpRange(Command):
    name = "createVlanIpRange"
    description = "Adds a public IP range to a zone, or a guest IP range to a Basic zone's pod"
    authorized = ADMIN
    response_name = "vlan"
    serializer = VlanIpRangeSerializer
    params = (
        Param("zoneid", "uuid", required=True, description="the range's zone"),
        Param("podid", "uuid", description="Basic zones: the pod of this guest range"),
        Param("physicalnetworkid", "uuid", description="the physical network carrying it"),
        Param("gateway", required=True, description="the range's gateway"),
        Param("netmask", required=True, description="the range's netmask"),
        Param("startip", required=True, description="the first IP"),
        Param("endip", description="the last IP; the subnet's last usable if omitted"),
        Param("vlan", description="VLAN id, or untagged"),
        Param("forvirtualnetwork", "boolean", description="true for public IPs, false for a pod's guest IPs"),
    )

    def execute(self, caller, **p):
        return ip_ranges.create_vlan_ip_range(
            caller, find(Zone, p["zoneid"], "zoneid"), gateway=p["gateway"], netmask=p["netmask"],
            start_ip=p["startip"], end_ip=p.get("endip"), vlan=p.get("vlan"),
            pod=find_optional(Pod, p.get("podid"), "podid"),
            physical_network=find_optional(PhysicalNetwork, p.get("physicalnetworkid"), "physicalnetworkid"),
            for_virtual_network=p.get("forvirtualnetwork"),
        )


@register
class DeleteVlanIpRange(Command):
    name = "deleteVlanIpRange"
    description = "Deletes an IP range"
    authorized = ADMIN
    params = (Param("id", "uuid", required=True, description="the range's id"),)

    def execute(self, caller, **p):
        ip_ranges.delete_vlan_ip_range(caller, find(VlanIpRange, p["id"], "id"))
        return SUCCESS


@register
class ListVlanIpRanges(Command):
    name = "listVlanIpRanges"
    description = "Lists IP ranges"
    authorized = ADMIN
    response_name = "vlaniprange"
    serializer = VlanIpRangeSerializer
    params = (Param("id", "uuid", description="the range's id"),
              Param("zoneid", "uuid", description="the ranges of this zone"),
              Param("podid", "uuid", description="the ranges of this pod"),
              Param("physicalnetworkid", "uuid", description="the ranges of this physical network"),
              Param("forvirtualnetwork", "boolean", description="public (true) or guest (false)"),
              Param("vlan", description="the ranges of this VLAN"))

    def execute(self, caller, **p):
        ranges = VlanIpRange.objects.select_related("zone", "pod", "physical_network")
        for param, lookup in (("id", "uuid"), ("zoneid", "zone__uuid"), ("podid", "pod__uuid"),
                              ("physicalnetworkid", "physical_network__uuid"),
                              ("forvirtualnetwork", "for_virtual_network"), ("vlan", "vlan")):
            if param in p:
                ranges = ranges.filter(**{lookup: p[param]})
        return ranges


@register
class CreateStorageNetworkIpRange(Command):
    name = "createStorageNetworkIpRange"
    description = "Adds a pod's addresses on the storage network"
    authorized = ADMIN
    response_name = "storagenetworkiprange"
    serializer = StorageNetworkIpRangeSerializer
    params = (
        Param("podid", "uuid", required=True, description="the range's pod"),
        Param("gateway", required=True, description="the storage network's gateway"),
        Param("netmask", required=True, description="the storage network's netmask"),
        Param("startip", required=True, description="the first IP"),
        Param("endip", description="the last IP; the subnet's last usable if omitted"),
        Param("vlan", description="VLAN id, or untagged"),
    )

    def execute(self, caller, **p):
        return ip_ranges.create_storage_ip_range(caller, find(Pod, p["podid"], "podid"), gateway=p["gateway"],
                                                 netmask=p["netmask"], start_ip=p["startip"], end_ip=p.get("endip"),
                                                 vlan=p.get("vlan"))


@register
class DeleteStorageNetworkIpRange(Command):
    name = "deleteStorageNetworkIpRange"
    description = "Deletes a storage network IP range"
    authorized = ADMIN
    params = (Param("id", "uuid", required=True, description="the range's id"),)

    def execute(self, caller, **p):
        ip_ranges.delete_storage_ip_range(caller, find(StorageNetworkIpRange, p["id"], "id"))
        return SUCCESS


@register
class ListStorageNetworkIpRange(Command):
    name = "listStorageNetworkIpRange"
    description = "Lists storage network IP ranges"
    authorized = ADMIN
    response_name = "storagenetworkiprange"
    serializer = StorageNetworkIpRangeSerializer
    params = (Param("id", "uuid", description="the range's id"),
              Param("zoneid", "uuid", description="the ranges of this zone"),
              Param("podid", "uuid", description="the ranges of this pod"))

    def execute(self, caller, **p):
        ranges = StorageNetworkIpRange.objects.select_related("zone", "pod")
        for param, lookup in (("id", "uuid"), ("zoneid", "zone__uuid"), ("podid", "pod__uuid")):
            if param in p:
                ranges = ranges.filter(**{lookup: p[param]})
        return ranges
