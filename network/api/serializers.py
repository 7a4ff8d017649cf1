"""PhysicalNetworkResponse, TrafficTypeResponse and VlanIpRangeResponse fields."""
from rest_framework import serializers


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
