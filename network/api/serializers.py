"""PhysicalNetworkResponse, TrafficTypeResponse, VlanIpRangeResponse,
NetworkOfferingResponse and NetworkResponse fields."""
from rest_framework import serializers

from cloudstack_ui.api.fields import CloudStackDateTimeField, OmitEmptySerializer


class PhysicalNetworkSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    name = serializers.CharField(read_only=True)
    zoneid = serializers.UUIDField(source="zone.uuid", read_only=True)
    zonename = serializers.CharField(source="zone.name", read_only=True)
    state = serializers.CharField(read_only=True)
    vlan = serializers.CharField(read_only=True)
    isolationmethods = serializers.CharField(source="isolation_methods", read_only=True)
    tags = serializers.CharField(read_only=True)
    broadcastdomainrange = serializers.CharField(source="broadcast_domain_range", read_only=True)
    networkspeed = serializers.CharField(source="network_speed", read_only=True)


class TrafficTypeSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    traffictype = serializers.CharField(source="traffic_type", read_only=True)
    physicalnetworkid = serializers.UUIDField(source="physical_network.uuid", read_only=True)
    kvmnetworklabel = serializers.CharField(source="kvm_label", read_only=True)
    xennetworklabel = serializers.CharField(source="xen_label", read_only=True)
    vmwarenetworklabel = serializers.CharField(source="vmware_label", read_only=True)


class VlanIpRangeSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    forvirtualnetwork = serializers.BooleanField(source="for_virtual_network", read_only=True)
    zoneid = serializers.UUIDField(source="zone.uuid", read_only=True)
    podid = serializers.UUIDField(source="pod.uuid", read_only=True, default=None)
    podname = serializers.CharField(source="pod.name", read_only=True, default=None)
    physicalnetworkid = serializers.UUIDField(source="physical_network.uuid", read_only=True, default=None)
    vlan = serializers.CharField(read_only=True)
    gateway = serializers.CharField(read_only=True)
    netmask = serializers.CharField(read_only=True)
    startip = serializers.CharField(source="start_ip", read_only=True)
    endip = serializers.CharField(source="end_ip", read_only=True)
    networkid = serializers.UUIDField(source="network.uuid", read_only=True, default=None)
    account = serializers.CharField(source="account.name", read_only=True, default=None)
    domainid = serializers.SerializerMethodField()
    domain = serializers.SerializerMethodField()

    def _domain(self, ip_range):
        return ip_range.account.domain if ip_range.account_id else ip_range.domain

    def get_domainid(self, ip_range) -> str | None:
        domain = self._domain(ip_range)
        return str(domain.uuid) if domain else None

    def get_domain(self, ip_range) -> str | None:
        domain = self._domain(ip_range)
        return domain.name if domain else None


class StorageNetworkIpRangeSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    zoneid = serializers.UUIDField(source="zone.uuid", read_only=True)
    podid = serializers.UUIDField(source="pod.uuid", read_only=True)
    vlan = serializers.CharField(read_only=True)
    gateway = serializers.CharField(read_only=True)
    netmask = serializers.CharField(read_only=True)
    startip = serializers.CharField(source="start_ip", read_only=True)
    endip = serializers.CharField(source="end_ip", read_only=True)


def _services(offering) -> list[dict]:
    return [{"name": service, "provider": [{"name": p} for p in providers]}
            for service, providers in sorted(offering.services.items())]


class NetworkOfferingSerializer(serializers.Serializer):
    """NetworkOfferingResponse's fields."""

    id = serializers.UUIDField(source="uuid", read_only=True)
    name = serializers.CharField(read_only=True)
    displaytext = serializers.CharField(source="display_text", read_only=True)
    traffictype = serializers.CharField(source="traffic_type", read_only=True)
    guestiptype = serializers.CharField(source="guest_ip_type", read_only=True)
    isdefault = serializers.BooleanField(source="is_default", read_only=True)
    specifyvlan = serializers.BooleanField(source="specify_vlan", read_only=True)
    specifyipranges = serializers.BooleanField(source="specify_ip_ranges", read_only=True)
    conservemode = serializers.BooleanField(source="conserve_mode", read_only=True)
    availability = serializers.CharField(read_only=True)
    egressdefaultpolicy = serializers.BooleanField(source="egress_default_allow", read_only=True)
    networkrate = serializers.IntegerField(source="network_rate", read_only=True)
    state = serializers.CharField(read_only=True)
    tags = serializers.CharField(read_only=True)
    forvpc = serializers.SerializerMethodField()
    service = serializers.SerializerMethodField()
    created = CloudStackDateTimeField()

    def get_forvpc(self, offering) -> bool:
        return False

    def get_service(self, offering) -> list[dict]:
        return _services(offering)


class NetworkSerializer(OmitEmptySerializer):
    """NetworkResponse's fields."""

    id = serializers.UUIDField(source="uuid", read_only=True)
    name = serializers.CharField(read_only=True)
    displaytext = serializers.CharField(source="display_text", read_only=True)
    zoneid = serializers.UUIDField(source="zone.uuid", read_only=True)
    zonename = serializers.CharField(source="zone.name", read_only=True)
    physicalnetworkid = serializers.UUIDField(source="physical_network.uuid", read_only=True, default=None)
    networkofferingid = serializers.UUIDField(source="offering.uuid", read_only=True)
    networkofferingname = serializers.CharField(source="offering.name", read_only=True)
    networkofferingdisplaytext = serializers.CharField(source="offering.display_text", read_only=True)
    networkofferingavailability = serializers.CharField(source="offering.availability", read_only=True)
    networkofferingconservemode = serializers.BooleanField(source="offering.conserve_mode", read_only=True)
    type = serializers.CharField(source="offering.guest_ip_type", read_only=True)
    traffictype = serializers.SerializerMethodField()
    state = serializers.CharField(read_only=True)
    vlan = serializers.CharField(read_only=True)
    broadcastdomaintype = serializers.SerializerMethodField()
    broadcasturi = serializers.SerializerMethodField()
    gateway = serializers.CharField(read_only=True)
    cidr = serializers.CharField(read_only=True)
    netmask = serializers.CharField(read_only=True)
    networkdomain = serializers.CharField(source="network_domain", read_only=True)
    acltype = serializers.CharField(source="acl_type", read_only=True)
    subdomainaccess = serializers.BooleanField(source="subdomain_access", read_only=True)
    domainid = serializers.UUIDField(source="domain.uuid", read_only=True, default=None)
    domain = serializers.CharField(source="domain.name", read_only=True, default=None)
    account = serializers.CharField(source="account.name", read_only=True, default=None)
    dns1 = serializers.CharField(source="zone.dns1", read_only=True)
    dns2 = serializers.CharField(source="zone.dns2", read_only=True)
    specifyipranges = serializers.BooleanField(source="offering.specify_ip_ranges", read_only=True)
    canusefordeploy = serializers.SerializerMethodField()
    issystem = serializers.SerializerMethodField()
    restartrequired = serializers.BooleanField(source="restart_required", read_only=True)
    ispersistent = serializers.SerializerMethodField()
    egressdefaultpolicy = serializers.BooleanField(source="offering.egress_default_allow", read_only=True)
    service = serializers.SerializerMethodField()
    created = CloudStackDateTimeField()

    def get_traffictype(self, network) -> str:
        return "Guest"

    def get_broadcastdomaintype(self, network) -> str:
        return "Vlan" if network.is_isolated or network.vlan not in ("", "untagged") else "Native"

    def get_broadcasturi(self, network) -> str | None:
        return f"vlan://{network.vlan}" if network.vlan else None

    def get_canusefordeploy(self, network) -> bool:
        return network.offering.state == "Enabled"

    def get_issystem(self, network) -> bool:
        return False

    def get_ispersistent(self, network) -> bool:
        return False

    def get_service(self, network) -> list[dict]:
        return _services(network.offering)


class PublicIpAddressSerializer(OmitEmptySerializer):
    """IPAddressResponse's fields."""

    id = serializers.UUIDField(source="uuid", read_only=True)
    ipaddress = serializers.CharField(source="address", read_only=True)
    allocated = CloudStackDateTimeField()
    zoneid = serializers.UUIDField(source="zone.uuid", read_only=True)
    zonename = serializers.CharField(source="zone.name", read_only=True)
    issourcenat = serializers.BooleanField(source="is_source_nat", read_only=True)
    account = serializers.CharField(source="account.name", read_only=True)
    domainid = serializers.UUIDField(source="account.domain.uuid", read_only=True)
    domain = serializers.CharField(source="account.domain.name", read_only=True)
    forvirtualnetwork = serializers.BooleanField(source="ip_range.for_virtual_network", read_only=True)
    vlanid = serializers.UUIDField(source="ip_range.uuid", read_only=True)
    vlanname = serializers.CharField(source="ip_range.vlan", read_only=True)
    isstaticnat = serializers.BooleanField(source="is_static_nat", read_only=True)
    issystem = serializers.SerializerMethodField()
    virtualmachineid = serializers.UUIDField(source="static_nat_ip.nic.instance.uuid", read_only=True, default=None)
    virtualmachinename = serializers.CharField(source="static_nat_ip.nic.instance.name", read_only=True, default=None)
    virtualmachinedisplayname = serializers.CharField(source="static_nat_ip.nic.instance.display_name",
                                                      read_only=True, default=None)
    vmipaddress = serializers.CharField(source="static_nat_ip.address", read_only=True, default=None)
    associatednetworkid = serializers.UUIDField(source="network.uuid", read_only=True, default=None)
    associatednetworkname = serializers.CharField(source="network.name", read_only=True, default=None)
    physicalnetworkid = serializers.UUIDField(source="ip_range.physical_network.uuid", read_only=True, default=None)
    state = serializers.CharField(read_only=True)
    purpose = serializers.SerializerMethodField()
    fordisplay = serializers.SerializerMethodField()

    def get_issystem(self, ip) -> bool:
        return False

    def get_purpose(self, ip) -> str | None:
        if ip.is_static_nat:
            return "StaticNat"
        return None

    def get_fordisplay(self, ip) -> bool:
        return True


class VirtualRouterSerializer(OmitEmptySerializer):
    """DomainRouterResponse's fields."""

    id = serializers.UUIDField(source="uuid", read_only=True)
    name = serializers.CharField(read_only=True)
    state = serializers.CharField(read_only=True)
    role = serializers.SerializerMethodField()
    zoneid = serializers.UUIDField(source="zone.uuid", read_only=True)
    zonename = serializers.CharField(source="zone.name", read_only=True)
    podid = serializers.UUIDField(source="host.pod.uuid", read_only=True, default=None)
    hostid = serializers.UUIDField(source="host.uuid", read_only=True, default=None)
    hostname = serializers.CharField(source="host.name", read_only=True, default=None)
    hypervisor = serializers.CharField(source="host.hypervisor", read_only=True, default=None)
    dns1 = serializers.CharField(source="zone.dns1", read_only=True)
    dns2 = serializers.CharField(source="zone.dns2", read_only=True, default=None)
    networkdomain = serializers.CharField(source="network.network_domain", read_only=True)
    gateway = serializers.SerializerMethodField()
    publicip = serializers.SerializerMethodField()
    publicmacaddress = serializers.CharField(source="public_mac", read_only=True)
    publicnetmask = serializers.SerializerMethodField()
    guestipaddress = serializers.CharField(source="network.gateway", read_only=True)
    guestmacaddress = serializers.CharField(source="guest_mac", read_only=True)
    guestnetmask = serializers.CharField(source="network.netmask", read_only=True)
    guestnetworkid = serializers.UUIDField(source="network.uuid", read_only=True)
    guestnetworkname = serializers.CharField(source="network.name", read_only=True)
    linklocalip = serializers.CharField(source="link_local_ip", read_only=True)
    linklocalnetmask = serializers.SerializerMethodField()
    account = serializers.CharField(source="network.account.name", read_only=True, default=None)
    domainid = serializers.UUIDField(source="network.account.domain.uuid", read_only=True, default=None)
    domain = serializers.CharField(source="network.account.domain.name", read_only=True, default=None)
    isredundantrouter = serializers.SerializerMethodField()
    redundantstate = serializers.SerializerMethodField()
    requiresupgrade = serializers.SerializerMethodField()
    created = CloudStackDateTimeField()

    def _source_nat(self, router):
        return next((ip for ip in router.network.public_ips.all() if ip.is_source_nat), None)

    def get_role(self, router) -> str:
        return "VIRTUAL_ROUTER"

    def get_gateway(self, router) -> str | None:
        ip = self._source_nat(router)
        return ip.ip_range.gateway if ip else None

    def get_publicip(self, router) -> str | None:
        ip = self._source_nat(router)
        return ip.address if ip else None

    def get_publicnetmask(self, router) -> str | None:
        ip = self._source_nat(router)
        return ip.ip_range.netmask if ip else None

    def get_linklocalnetmask(self, router) -> str:
        return "255.255.0.0"

    def get_isredundantrouter(self, router) -> bool:
        return False

    def get_redundantstate(self, router) -> str:
        return "UNKNOWN"

    def get_requiresupgrade(self, router) -> bool:
        return False


class SecurityGroupRuleSerializer(OmitEmptySerializer):
    """IngressRuleResponse / EgressRuleResponse fields."""

    ruleid = serializers.UUIDField(source="uuid", read_only=True)
    protocol = serializers.CharField(read_only=True)
    startport = serializers.IntegerField(source="start_port", read_only=True)
    endport = serializers.IntegerField(source="end_port", read_only=True)
    icmptype = serializers.IntegerField(source="icmp_type", read_only=True)
    icmpcode = serializers.IntegerField(source="icmp_code", read_only=True)
    cidr = serializers.CharField(read_only=True)
    account = serializers.CharField(source="source_group.account.name", read_only=True, default=None)
    securitygroupname = serializers.CharField(source="source_group.name", read_only=True, default=None)


class SecurityGroupSerializer(serializers.Serializer):
    """SecurityGroupResponse's fields, rules included."""

    id = serializers.UUIDField(source="uuid", read_only=True)
    name = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    account = serializers.CharField(source="account.name", read_only=True)
    domainid = serializers.UUIDField(source="account.domain.uuid", read_only=True)
    domain = serializers.CharField(source="account.domain.name", read_only=True)
    ingressrule = serializers.SerializerMethodField()
    egressrule = serializers.SerializerMethodField()

    def _rules(self, group, direction):
        return SecurityGroupRuleSerializer([r for r in group.rules.all() if r.direction == direction],
                                           many=True).data

    def get_ingressrule(self, group) -> list[dict]:
        return self._rules(group, "ingress")

    def get_egressrule(self, group) -> list[dict]:
        return self._rules(group, "egress")


class FirewallRuleSerializer(OmitEmptySerializer):
    """FirewallResponse's fields: an ingress rule of a public address or an
    egress rule of a network."""

    id = serializers.UUIDField(source="uuid", read_only=True)
    protocol = serializers.CharField(read_only=True)
    startport = serializers.IntegerField(source="start_port", read_only=True)
    endport = serializers.IntegerField(source="end_port", read_only=True)
    ipaddressid = serializers.UUIDField(source="public_ip.uuid", read_only=True, default=None)
    ipaddress = serializers.CharField(source="public_ip.address", read_only=True, default=None)
    networkid = serializers.UUIDField(source="network.uuid", read_only=True)
    state = serializers.CharField(read_only=True)
    cidrlist = serializers.CharField(source="cidr_list", read_only=True)
    destcidrlist = serializers.CharField(source="dest_cidr_list", read_only=True)
    icmptype = serializers.IntegerField(source="icmp_type", read_only=True)
    icmpcode = serializers.IntegerField(source="icmp_code", read_only=True)
    traffictype = serializers.CharField(source="traffic_type", read_only=True)
    fordisplay = serializers.SerializerMethodField()
    tags = serializers.SerializerMethodField()

    def get_fordisplay(self, rule) -> bool:
        return True

    def get_tags(self, rule) -> list:
        return []


class PortForwardingRuleSerializer(OmitEmptySerializer):
    """FirewallRuleResponse's fields (CloudStack answers the ports as strings)."""

    id = serializers.UUIDField(source="uuid", read_only=True)
    privateport = serializers.CharField(source="private_start", read_only=True)
    privateendport = serializers.CharField(source="private_end", read_only=True)
    protocol = serializers.CharField(read_only=True)
    publicport = serializers.CharField(source="public_start", read_only=True)
    publicendport = serializers.CharField(source="public_end", read_only=True)
    virtualmachineid = serializers.UUIDField(source="guest_ip.nic.instance.uuid", read_only=True)
    virtualmachinename = serializers.CharField(source="guest_ip.nic.instance.name", read_only=True)
    virtualmachinedisplayname = serializers.SerializerMethodField()
    ipaddressid = serializers.UUIDField(source="public_ip.uuid", read_only=True)
    ipaddress = serializers.CharField(source="public_ip.address", read_only=True)
    state = serializers.CharField(read_only=True)
    cidrlist = serializers.CharField(source="cidr_list", read_only=True)
    vmguestip = serializers.CharField(source="guest_ip.address", read_only=True)
    networkid = serializers.UUIDField(source="network.uuid", read_only=True)
    fordisplay = serializers.SerializerMethodField()
    tags = serializers.SerializerMethodField()

    def get_virtualmachinedisplayname(self, rule) -> str:
        instance = rule.guest_ip.nic.instance
        return instance.display_name or instance.name

    def get_fordisplay(self, rule) -> bool:
        return True

    def get_tags(self, rule) -> list:
        return []
