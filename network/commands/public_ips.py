"""CloudStack commands of public IP addresses (guide 13.11-13.12)."""
from cloudstack_ui.api.paging import filter_by_params
from cloudstack_ui.api.registry import ALL_ROLES, Command, Param, register
from cloudstack_ui.errors import InvalidParameter
from infrastructure.lookups import find
from infrastructure.models import Zone
from network.api.serializers import PublicIpAddressSerializer
from network.models import Network
from network.services import public_ips
from network.services.networks import find_network, visible_networks


def _network_for(caller, p) -> Network:
    """The network named by networkid, or the caller's one isolated network of zoneid."""
    if "networkid" in p:
        return find_network(caller, p["networkid"], "networkid")
    if "zoneid" not in p:
        raise InvalidParameter("networkid: name the network (or the zone of your one isolated network)",
                               field="networkid")
    zone = find(Zone, p["zoneid"], "zoneid")
    own = list(visible_networks(caller).filter(zone=zone, account=caller.account,
                                               offering__guest_ip_type="Isolated")[:2])
    if len(own) != 1:
        raise InvalidParameter(f"networkid: you have {len(own) or 'no'} isolated networks in zone {zone.name}; name "
                               f"the network", field="networkid")
    return own[0]


@register
class AssociateIpAddress(Command):
    name = "associateIpAddress"
    description = "Acquires a public IP address for an isolated network"
    authorized = ALL_ROLES
    is_async = True
    instance_type = "IpAddress"
    response_name = "ipaddress"
    serializer = PublicIpAddressSerializer
    params = (Param("networkid", "uuid", description="the isolated network the address is for"),
              Param("zoneid", "uuid", description="the zone (when the caller has one isolated network there)"),
              Param("ipaddress", description="the free public address to acquire (the first free one when absent)"))

    def execute(self, caller, **p):
        return public_ips.associate_ip_address(caller, _network_for(caller, p), p.get("ipaddress"))


@register
class DisassociateIpAddress(Command):
    name = "disassociateIpAddress"
    description = "Releases an acquired public IP address back to the zone's pool"
    authorized = ALL_ROLES
    is_async = True
    instance_type = "IpAddress"
    params = (Param("id", "uuid", required=True, description="the public IP address's id"),)

    def job_instance(self, caller, params):
        return public_ips.find_public_ip(caller, params["id"], "id")

    def execute(self, caller, **p):
        public_ips.disassociate_ip_address(caller, public_ips.find_public_ip(caller, p["id"], "id"))
        return {"success": True}


@register
class ListPublicIpAddresses(Command):
    name = "listPublicIpAddresses"
    description = "Lists the public IP addresses the caller's accounts hold"
    authorized = ALL_ROLES
    response_name = "publicipaddress"
    serializer = PublicIpAddressSerializer
    params = (Param("id", "uuid", description="the address's id"),
              Param("ipaddress", description="the address"),
              Param("zoneid", "uuid", description="its zone"),
              Param("associatednetworkid", "uuid", description="its network"),
              Param("issourcenat", "boolean", description="only source NAT addresses (true) or only others"),
              Param("isstaticnat", "boolean", description="only static NAT addresses (true) or only others"),
              Param("vlanid", "uuid", description="its public range"),
              Param("allocatedonly", "boolean", description="ignored: only held addresses are listed"),
              Param("forvirtualnetwork", "boolean", description="public addresses (true)"),
              Param("listall", "boolean", description="ignored: every address in reach is listed"),
              Param("account", description="the addresses of this account"),
              Param("domainid", "uuid", description="the addresses of accounts of this domain"),
              Param("keyword", description="List by keyword"))

    def execute(self, caller, **p):
        found = filter_by_params(public_ips.visible_public_ips(caller), p, id="uuid", ipaddress="address",
                                 zoneid="zone__uuid", associatednetworkid="network__uuid",
                                 issourcenat="is_source_nat", vlanid="ip_range__uuid", account="account__name",
                                 domainid="account__domain__uuid", keyword="address__contains",
                                 forvirtualnetwork="ip_range__for_virtual_network")
        if "isstaticnat" in p:
            found = found.filter(static_nat_ip__isnull=not p["isstaticnat"])
        return found.order_by("id")
