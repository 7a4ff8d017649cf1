"""PhysicalNetworkResponse, TrafficTypeResponse, VlanIpRangeResponse,
NetworkOfferingResponse and NetworkResponse fields."""
from rest_framework import serializers

from cloudstack_ui.api.fields import CloudStackDateTimeField


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


class NetworkSerializer(serializers.Serializer):
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
    type = serializers.CharField(source="offering.guest_ip_type", read_only=True)
    traffictype = serializers.SerializerMethodField()
    state = serializers.CharField(read_only=True)
    vlan = serializers.CharField(read_only=True)
    broadcasturi = serializers.SerializerMethodField()
    gateway = serializers.CharField(read_only=True)
    cidr = serializers.CharField(read_only=True)
    netmask = serializers.SerializerMethodField()
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
    service = serializers.SerializerMethodField()
    created = CloudStackDateTimeField()

    def get_traffictype(self, network) -> str:
        return "Guest"

    def get_broadcasturi(self, network) -> str:
        return f"vlan://{network.vlan}"

    def get_netmask(self, network) -> str | None:
        from ipaddress import IPv4Network

        return str(IPv4Network(network.cidr).netmask) if network.cidr else None

    def get_canusefordeploy(self, network) -> bool:
        return network.offering.state == "Enabled"

    def get_issystem(self, network) -> bool:
        return False

    def get_service(self, network) -> list[dict]:
        return _services(network.offering)

    def to_representation(self, network):
        return {k: v for k, v in super().to_representation(network).items() if v not in (None, "")}


class SecurityGroupRuleSerializer(serializers.Serializer):
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

    def to_representation(self, rule):
        return {k: v for k, v in super().to_representation(rule).items() if v not in (None, "")}


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


def _dropping_empty(data: dict) -> dict:
    """CloudStack leaves out fields that have no value."""
    return {k: v for k, v in data.items() if v not in (None, "")}


class FirewallRuleSerializer(serializers.Serializer):
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

    def to_representation(self, rule):
        return _dropping_empty(super().to_representation(rule))


class PortForwardingRuleSerializer(serializers.Serializer):
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

    def to_representation(self, rule):
        return _dropping_empty(super().to_representation(rule))
