"""CloudStack commands of physical networks, traffic types, IP ranges,
network offerings and guest networks."""

from accounts.services.scope import get_account, get_domain
from cloudstack_ui.api.paging import filter_by_params
from cloudstack_ui.api.registry import ALL_ROLES, ROLE_ADMIN, Command, Param, register
from cloudstack_ui.errors import InvalidParameter
from infrastructure.lookups import find, find_optional
from infrastructure.models import Pod, Zone
from network.api.serializers import (
    NetworkOfferingSerializer,
    NetworkSerializer,
    PhysicalNetworkSerializer,
    SecurityGroupSerializer,
    StorageNetworkIpRangeSerializer,
    TrafficTypeSerializer,
    VlanIpRangeSerializer,
)
from network.models import (
    Network,
    NetworkOffering,
    PhysicalNetwork,
    StorageNetworkIpRange,
    TrafficType,
    VlanIpRange,
)
from network.services import ip_ranges, networks, offerings, physical_networks, routers, security_groups
from network.services.networks import find_network

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
        networks = filter_by_params(networks, p, id="uuid", name="name__iexact", zoneid="zone__uuid",
                                    keyword="name__icontains")
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
        Param("networkid", "uuid", description="the guest network of this range"),
        Param("account", description="public ranges: the account it is dedicated to (with domainid)"),
        Param("domainid", "uuid", description="public ranges: the domain it is dedicated to"),
    )

    def execute(self, caller, **p):
        account = _account(caller, p)
        return ip_ranges.create_vlan_ip_range(
            caller, find(Zone, p["zoneid"], "zoneid"), gateway=p["gateway"], netmask=p["netmask"],
            start_ip=p["startip"], end_ip=p.get("endip"), vlan=p.get("vlan"),
            pod=find_optional(Pod, p.get("podid"), "podid"),
            physical_network=find_optional(PhysicalNetwork, p.get("physicalnetworkid"), "physicalnetworkid"),
            for_virtual_network=p.get("forvirtualnetwork"),
            network=find_optional(Network, p.get("networkid"), "networkid"), account=account,
            domain=get_domain(caller, p["domainid"]) if "domainid" in p and account is None else None,
        )


@register
class DedicatePublicIpRange(Command):
    name = "dedicatePublicIpRange"
    description = "Dedicates a public IP range of the zone's pool to one account or domain"
    authorized = ADMIN
    response_name = "vlan"
    serializer = VlanIpRangeSerializer
    params = (Param("id", "uuid", required=True, description="the range's id"),
              Param("account", description="the account it is dedicated to (with domainid)"),
              Param("domainid", "uuid", required=True, description="the domain (of the account)"))

    def execute(self, caller, **p):
        account = _account(caller, p)
        return ip_ranges.dedicate_public_ip_range(
            caller, find(VlanIpRange, p["id"], "id"), account=account,
            domain=None if account is not None else get_domain(caller, p["domainid"]))


@register
class ReleasePublicIpRange(Command):
    name = "releasePublicIpRange"
    description = "Gives a dedicated public IP range back to the zone's pool"
    authorized = ADMIN
    params = (Param("id", "uuid", required=True, description="the range's id"),)

    def execute(self, caller, **p):
        ip_ranges.release_public_ip_range(caller, find(VlanIpRange, p["id"], "id"))
        return SUCCESS


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
        ranges = VlanIpRange.objects.select_related("zone", "pod", "physical_network", "network", "account__domain",
                                                    "domain")
        ranges = filter_by_params(ranges, p, id="uuid", zoneid="zone__uuid", podid="pod__uuid",
                                  physicalnetworkid="physical_network__uuid", forvirtualnetwork="for_virtual_network",
                                  vlan="vlan")
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
        ranges = filter_by_params(ranges, p, id="uuid", zoneid="zone__uuid", podid="pod__uuid")
        return ranges


# Network offerings ------------------------------------------------------------------------------

@register
class ListNetworkOfferings(Command):
    name = "listNetworkOfferings"
    description = "Lists network offerings"
    authorized = ALL_ROLES
    response_name = "networkoffering"
    serializer = NetworkOfferingSerializer
    params = (Param("id", "uuid", description="the offering's id"), Param("name", description="the offering's name"),
              Param("guestiptype", choices=tuple(NetworkOffering.GuestIpType.values), description="Shared or Isolated"),
              Param("state", choices=tuple(NetworkOffering.State.values), description="Enabled or Disabled"),
              Param("isdefault", "boolean", description="only the shipped defaults (true) or the others"),
              Param("specifyvlan", "boolean", description="whether its networks name their VLAN"),
              Param("supportedservices", "list", description="offerings with all these services"),
              Param("keyword", description="List by keyword"))

    def execute(self, caller, **p):
        found = filter_by_params(offerings.visible_network_offerings(caller), p, id="uuid", name="name__iexact",
                                 guestiptype="guest_ip_type", state="state", isdefault="is_default",
                                 specifyvlan="specify_vlan", keyword="name__icontains")
        wanted = {s.lower() for s in p.get("supportedservices", [])}
        if wanted:
            return [o for o in found if wanted <= {s.lower() for s in o.services}]
        return found


class _OfferingParams:
    params = (
        Param("name", required=True, description="the offering's name"),
        Param("displaytext", required=True, description="what it offers, in words"),
        Param("guestiptype", required=True, choices=tuple(NetworkOffering.GuestIpType.values),
              description="Shared or Isolated"),
        Param("traffictype", required=True, choices=("Guest", "GUEST"), description="Guest"),
        Param("supportedservices", "list", required=True,
              description="the services: Dhcp, Dns, UserData, SecurityGroup, Firewall, Gateway, Lb, SourceNat, "
                          "StaticNat, PortForwarding, Vpn"),
        Param("serviceproviderlist", "map", description="provider of each service: "
                                                         "serviceproviderlist[0].service=Dhcp&...provider=VirtualRouter"),
        Param("specifyvlan", "boolean", description="its networks name their VLAN"),
        Param("specifyipranges", "boolean", description="its networks take IP ranges from the admin"),
        Param("conservemode", "boolean", description="several services may share one public IP"),
        Param("availability", choices=tuple(NetworkOffering.Availability.values), description="Optional or Required"),
        Param("egressdefaultpolicy", "boolean", description="true: egress allowed unless denied"),
        Param("networkrate", "integer", description="data transfer rate in Mbit/s"),
        Param("tags", description="tags of the physical networks it runs on"),
    )


@register
class CreateNetworkOffering(Command):
    name = "createNetworkOffering"
    description = "Creates a network offering (Disabled until it is enabled)"
    authorized = (ROLE_ADMIN,)
    response_name = "networkoffering"
    serializer = NetworkOfferingSerializer
    params = _OfferingParams.params

    def execute(self, caller, **p):
        services = offerings.offering_services(p["supportedservices"], p.get("serviceproviderlist", []))
        return offerings.create_network_offering(
            caller, name=p["name"], display_text=p["displaytext"], guest_ip_type=p["guestiptype"], services=services,
            specify_vlan=p.get("specifyvlan", False), specify_ip_ranges=p.get("specifyipranges"),
            conserve_mode=p.get("conservemode", True), availability=p.get("availability", "Optional"),
            egress_default_allow=p.get("egressdefaultpolicy"), network_rate=p.get("networkrate"),
            tags=p.get("tags", ""))


@register
class UpdateNetworkOffering(Command):
    name = "updateNetworkOffering"
    description = "Renames a network offering, enables or disables it, changes its availability or tags"
    authorized = (ROLE_ADMIN,)
    response_name = "networkoffering"
    serializer = NetworkOfferingSerializer
    params = (Param("id", "uuid", required=True, description="the offering's id"),
              Param("name", description="a new name"), Param("displaytext", description="a new description"),
              Param("availability", choices=tuple(NetworkOffering.Availability.values),
                    description="Optional or Required"),
              Param("state", choices=tuple(NetworkOffering.State.values), description="Enabled or Disabled"),
              Param("tags", description="tags of the physical networks it runs on"))

    def execute(self, caller, **p):
        return offerings.update_network_offering(
            caller, find(NetworkOffering, p["id"], "id"), name=p.get("name"), display_text=p.get("displaytext"),
            availability=p.get("availability"), state=p.get("state"), tags=p.get("tags"))


@register
class DeleteNetworkOffering(Command):
    name = "deleteNetworkOffering"
    description = "Deletes a network offering no network uses"
    authorized = (ROLE_ADMIN,)
    params = (Param("id", "uuid", required=True, description="the ID of the network offering"),)

    def execute(self, caller, **p):
        offerings.delete_network_offering(caller, find(NetworkOffering, p["id"], "id"))
        return SUCCESS


# Guest networks ----------------------------------------------------------------------------------

@register
class ListNetworks(Command):
    name = "listNetworks"
    description = "Lists the guest networks the caller can use"
    authorized = ALL_ROLES
    response_name = "network"
    serializer = NetworkSerializer
    params = (Param("id", "uuid", description="the network's id"), Param("zoneid", "uuid", description="its zone"),
              Param("type", choices=("Shared", "Isolated", "shared", "isolated"), description="Shared or Isolated"),
              Param("traffictype", description="Guest"),
              Param("physicalnetworkid", "uuid", description="its physical network"),
              Param("networkofferingid", "uuid", description="its offering"),
              Param("canusefordeploy", "boolean", description="only networks instances may be deployed in"),
              Param("listall", "boolean", description="ignored: every network in reach is listed"),
              Param("keyword", description="List by keyword"))

    def execute(self, caller, **p):
        found = filter_by_params(networks.visible_networks(caller), p, id="uuid", zoneid="zone__uuid",
                                 type="offering__guest_ip_type__iexact", physicalnetworkid="physical_network__uuid",
                                 networkofferingid="offering__uuid", keyword="name__icontains")
        if p.get("traffictype", "Guest").lower() != "guest":
            return found.none()
        if p.get("canusefordeploy"):
            found = found.filter(offering__state=NetworkOffering.State.ENABLED)
        return found


def _account(caller, p):
    """The account named by `account` (in `domainid`, else the caller's domain), or None."""
    if "account" not in p:
        return None
    domain = get_domain(caller, p["domainid"]) if "domainid" in p else None
    return get_account(caller, name=p["account"], domain=domain)


@register
class CreateNetwork(Command):
    name = "createNetwork"
    description = ("Creates a guest network: an account's isolated network (any role), or a shared one (a Basic "
                   "zone's one network, or a VLAN of an Advanced zone; root admins)")
    authorized = ALL_ROLES
    response_name = "network"
    serializer = NetworkSerializer
    params = (
        Param("zoneid", "uuid", required=True, description="the network's zone"),
        Param("networkofferingid", "uuid", required=True, description="its network offering"),
        Param("name", required=True, description="the network's name"),
        Param("displaytext", description="its description"),
        Param("physicalnetworkid", "uuid", description="the physical network carrying it (default: the zone's "
                                                         "guest one)"),
        Param("gateway", description="Advanced: the network's gateway"),
        Param("netmask", description="Advanced: the network's netmask"),
        Param("startip", description="Advanced: the first guest IP"),
        Param("endip", description="Advanced: the last guest IP"),
        Param("vlan", description="Advanced: the network's VLAN id"),
        Param("acltype", choices=tuple(Network.AclType.values), description="Domain (default) or Account"),
        Param("domainid", "uuid", description="the domain it is open to (none: the whole zone)"),
        Param("account", description="the account it belongs to (with domainid)"),
        Param("subdomainaccess", "boolean", description="Domain networks: open to subdomains too (default true)"),
        Param("networkdomain", description="the DNS domain of its instances"),
    )

    def execute(self, caller, **p):
        account = _account(caller, p)
        domain = get_domain(caller, p["domainid"]) if "domainid" in p and account is None else None
        return networks.create_network(
            caller, find(Zone, p["zoneid"], "zoneid"), find(NetworkOffering, p["networkofferingid"],
                                                            "networkofferingid"),
            name=p["name"], display_text=p.get("displaytext", ""),
            physical_network=find_optional(PhysicalNetwork, p.get("physicalnetworkid"), "physicalnetworkid"),
            gateway=p.get("gateway", ""), netmask=p.get("netmask", ""), start_ip=p.get("startip", ""),
            end_ip=p.get("endip", ""), vlan=p.get("vlan", ""), acl_type=p.get("acltype", ""), domain=domain,
            account=account, subdomain_access=p.get("subdomainaccess", True),
            network_domain=p.get("networkdomain", ""))


class _NetworkJob(Command):
    authorized = ALL_ROLES
    is_async = True
    instance_type = "Network"

    def job_instance(self, caller, params):
        return find_network(caller, params["id"])


@register
class UpdateNetwork(_NetworkJob):
    name = "updateNetwork"
    description = "Renames a guest network or changes its network offering (guide 13.6.2)"
    response_name = "network"
    serializer = NetworkSerializer
    params = (Param("id", "uuid", required=True, description="the network's id"),
              Param("name", description="a new name"), Param("displaytext", description="a new description"),
              Param("networkdomain", description="a new DNS domain"),
              Param("networkofferingid", "uuid", description="a new offering of the same guest type"))

    def execute(self, caller, **p):
        return networks.update_network(
            caller, find_network(caller, p["id"]), name=p.get("name"), display_text=p.get("displaytext"),
            network_domain=p.get("networkdomain"),
            offering=find_optional(NetworkOffering, p.get("networkofferingid"), "networkofferingid"))


@register
class DeleteNetwork(_NetworkJob):
    name = "deleteNetwork"
    description = "Deletes a guest network no instance uses"
    params = (Param("id", "uuid", required=True, description="the network's id"),)

    def execute(self, caller, **p):
        networks.delete_network(caller, find_network(caller, p["id"]))
        return SUCCESS


@register
class RestartNetwork(_NetworkJob):
    name = "restartNetwork"
    description = "Applies every rule of an isolated network to its router again; with cleanup, on a new router"
    params = (Param("id", "uuid", required=True, description="the network's id"),
              Param("cleanup", "boolean", description="destroy the router and start a new one (default false)"))

    def execute(self, caller, **p):
        routers.restart_network(caller, find_network(caller, p["id"]), cleanup=p.get("cleanup", False))
        return SUCCESS


# Security groups ---------------------------------------------------------------------------------

def _owner(caller, p):
    """The account acting on: the named one (admins, with domainid) or the caller's."""
    return _account(caller, p) or caller.account


@register
class CreateSecurityGroup(Command):
    name = "createSecurityGroup"
    description = "Creates a security group (guide 13.7.3)"
    authorized = ALL_ROLES
    response_name = "securitygroup"
    serializer = SecurityGroupSerializer
    params = (Param("name", required=True, description="the group's name"),
              Param("description", description="what it is for"),
              Param("account", description="admins: the account it belongs to (with domainid)"),
              Param("domainid", "uuid", description="admins: the account's domain"))

    def execute(self, caller, **p):
        return security_groups.create_security_group(caller, _owner(caller, p), name=p["name"],
                                                     description=p.get("description", ""))


@register
class DeleteSecurityGroup(Command):
    name = "deleteSecurityGroup"
    description = "Deletes a security group (never the default one)"
    authorized = ALL_ROLES
    params = (Param("id", "uuid", description="the group's id"),
              Param("name", description="the group's name (of the caller's account, or account/domainid)"),
              Param("account", description="admins: the group's account"),
              Param("domainid", "uuid", description="admins: the account's domain"))

    def execute(self, caller, **p):
        if "id" in p:
            group = security_groups.find_group(caller, p["id"])
        elif "name" in p:
            group = security_groups.find_group_by_name(caller, _owner(caller, p), p["name"])
        else:
            raise InvalidParameter("id: give the group's id or name", field="id")
        security_groups.delete_security_group(caller, group)
        return SUCCESS


@register
class ListSecurityGroups(Command):
    name = "listSecurityGroups"
    description = "Lists security groups with their ingress and egress rules"
    authorized = ALL_ROLES
    response_name = "securitygroup"
    serializer = SecurityGroupSerializer
    params = (Param("id", "uuid", description="the group's id"),
              Param("securitygroupname", description="the group's name"),
              Param("listall", "boolean", description="groups of every account in reach (admins)"),
              Param("keyword", description="List by keyword"))

    def execute(self, caller, **p):
        groups = security_groups.listed_groups(caller, listall=p.get("listall", False))
        return filter_by_params(groups, p, id="uuid", securitygroupname="name__iexact", keyword="name__icontains")


class _Authorize(Command):
    authorized = ALL_ROLES
    is_async = True
    instance_type = "SecurityGroup"
    response_name = "securitygroup"
    serializer = SecurityGroupSerializer
    direction = ""
    params = (
        Param("securitygroupid", "uuid", required=True, description="the group's id"),
        Param("protocol", required=True, description="tcp, udp, icmp or all"),
        Param("startport", "integer", description="TCP/UDP: the first port"),
        Param("endport", "integer", description="TCP/UDP: the last port"),
        Param("icmptype", "integer", description="ICMP: the type (-1: any)"),
        Param("icmpcode", "integer", description="ICMP: the code (-1: any)"),
        Param("cidrlist", "list", description="CIDRs the rule opens to, e.g. 0.0.0.0/0"),
        Param("usersecuritygrouplist", "map", description=(
            "groups whose members the rule opens to: usersecuritygrouplist[0].account=a&...group=web; the account "
            "is looked up in the domain of the group changed unless ...domainid= names another")),
    )

    def job_instance(self, caller, params):
        return security_groups.find_group(caller, params["securitygroupid"], "securitygroupid")

    def execute(self, caller, **p):
        group = security_groups.find_group(caller, p["securitygroupid"], "securitygroupid")
        security_groups.authorize(
            caller, group, self.direction, protocol=p["protocol"], start_port=p.get("startport"),
            end_port=p.get("endport"), icmp_type=p.get("icmptype"), icmp_code=p.get("icmpcode"),
            cidrs=p.get("cidrlist"),
            source_groups=[(g.get("account", ""), g.get("group", ""), g.get("domainid"))
                           for g in p.get("usersecuritygrouplist", [])])
        return group


@register
class AuthorizeSecurityGroupIngress(_Authorize):
    name = "authorizeSecurityGroupIngress"
    description = "Opens ingress to a security group's members (guide 13.7.5)"
    direction = "ingress"


@register
class AuthorizeSecurityGroupEgress(_Authorize):
    name = "authorizeSecurityGroupEgress"
    description = "Opens egress from a security group's members (guide 13.7.5)"
    direction = "egress"


class _Revoke(Command):
    authorized = ALL_ROLES
    is_async = True
    instance_type = "SecurityGroup"
    direction = ""
    params = (Param("id", "uuid", required=True, description="the rule's id"),)

    def job_instance(self, caller, params):
        return security_groups.find_rule(caller, params["id"], self.direction).group

    def execute(self, caller, **p):
        security_groups.revoke(caller, security_groups.find_rule(caller, p["id"], self.direction))
        return SUCCESS


@register
class RevokeSecurityGroupIngress(_Revoke):
    name = "revokeSecurityGroupIngress"
    description = "Removes an ingress rule"
    direction = "ingress"


@register
class RevokeSecurityGroupEgress(_Revoke):
    name = "revokeSecurityGroupEgress"
    description = "Removes an egress rule"
    direction = "egress"
