"""Response objects of the infrastructure, with CloudStack's field names
(ZoneResponse, PodResponse, ClusterResponse, HostResponse,
StoragePoolResponse, ImageStoreResponse, RegionResponse,
HypervisorCapabilitiesResponse). Secrets are never among them."""
from rest_framework import serializers

from cloudstack_ui.api.fields import CloudStackDateTimeField


def ref(source: str, field=serializers.CharField):
    return field(source=source, read_only=True, default=None)


class RegionSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    endpoint = serializers.CharField(read_only=True)


class ZoneSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    name = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    networktype = serializers.CharField(source="network_type", read_only=True)
    dns1 = serializers.CharField(read_only=True)
    dns2 = serializers.CharField(read_only=True)
    internaldns1 = serializers.CharField(source="internal_dns1", read_only=True)
    internaldns2 = serializers.CharField(source="internal_dns2", read_only=True)
    guestcidraddress = serializers.CharField(source="guest_cidr", read_only=True)
    networkdomain = serializers.CharField(source="network_domain", read_only=True)
    domainid = ref("domain.uuid", serializers.UUIDField)
    domain = ref("domain.full_path")
    hypervisor = serializers.CharField(read_only=True)
    securitygroupsenabled = serializers.BooleanField(source="security_groups_enabled", read_only=True)
    localstorageenabled = serializers.BooleanField(source="local_storage_enabled", read_only=True)
    allocationstate = serializers.CharField(source="allocation_state", read_only=True)
    created = CloudStackDateTimeField()


class PodSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    name = serializers.CharField(read_only=True)
    zoneid = serializers.UUIDField(source="zone.uuid", read_only=True)
    zonename = serializers.CharField(source="zone.name", read_only=True)
    gateway = serializers.CharField(read_only=True)
    netmask = serializers.CharField(read_only=True)
    startip = serializers.CharField(source="start_ip", read_only=True)
    endip = serializers.CharField(source="end_ip", read_only=True)
    allocationstate = serializers.CharField(source="allocation_state", read_only=True)


class ClusterSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    name = serializers.CharField(read_only=True)
    podid = serializers.UUIDField(source="pod.uuid", read_only=True)
    podname = serializers.CharField(source="pod.name", read_only=True)
    zoneid = serializers.UUIDField(source="zone.uuid", read_only=True)
    zonename = serializers.CharField(source="zone.name", read_only=True)
    hypervisortype = serializers.CharField(source="hypervisor", read_only=True)
    clustertype = serializers.CharField(source="cluster_type", read_only=True)
    allocationstate = serializers.CharField(source="allocation_state", read_only=True)
    managedstate = serializers.CharField(source="managed_state", read_only=True)


class HostSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    name = serializers.CharField(read_only=True)
    type = serializers.SerializerMethodField()
    state = serializers.CharField(read_only=True)
    resourcestate = serializers.CharField(source="resource_state", read_only=True)
    ipaddress = serializers.CharField(source="ip_address", read_only=True)
    zoneid = serializers.UUIDField(source="zone.uuid", read_only=True)
    zonename = serializers.CharField(source="zone.name", read_only=True)
    podid = serializers.UUIDField(source="pod.uuid", read_only=True)
    podname = serializers.CharField(source="pod.name", read_only=True)
    clusterid = serializers.UUIDField(source="cluster.uuid", read_only=True)
    clustername = serializers.CharField(source="cluster.name", read_only=True)
    clustertype = serializers.CharField(source="cluster.cluster_type", read_only=True)
    hypervisor = serializers.CharField(read_only=True)
    hypervisorversion = serializers.CharField(source="hypervisor_version", read_only=True)
    cpusockets = serializers.IntegerField(source="cpu_sockets", read_only=True)
    cpunumber = serializers.IntegerField(source="cpu_number", read_only=True)
    cpuspeed = serializers.IntegerField(source="cpu_speed", read_only=True)
    cpumodel = serializers.CharField(source="cpu_model", read_only=True)
    cpuflags = serializers.CharField(source="cpu_flags", read_only=True)
    memorytotal = serializers.IntegerField(source="memory", read_only=True)
    hosttags = serializers.CharField(source="tags", read_only=True)
    lastpinged = CloudStackDateTimeField(source="last_pinged")
    created = CloudStackDateTimeField()

    def get_type(self, host) -> str:
        return "Routing"


class StoragePoolSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    name = serializers.CharField(read_only=True)
    zoneid = serializers.UUIDField(source="zone.uuid", read_only=True)
    zonename = serializers.CharField(source="zone.name", read_only=True)
    podid = ref("pod.uuid", serializers.UUIDField)
    podname = ref("pod.name")
    clusterid = ref("cluster.uuid", serializers.UUIDField)
    clustername = ref("cluster.name")
    scope = serializers.CharField(read_only=True)
    type = serializers.CharField(source="protocol", read_only=True)
    ipaddress = serializers.CharField(source="server", read_only=True)
    path = serializers.CharField(read_only=True)
    state = serializers.CharField(read_only=True)
    tags = serializers.CharField(read_only=True)
    disksizetotal = serializers.IntegerField(source="capacity_bytes", read_only=True)
    disksizeused = serializers.IntegerField(source="used_bytes", read_only=True)
    created = CloudStackDateTimeField()


class ImageStoreSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    name = serializers.CharField(read_only=True)
    zoneid = serializers.UUIDField(source="zone.uuid", read_only=True)
    zonename = serializers.CharField(source="zone.name", read_only=True)
    url = serializers.CharField(read_only=True)
    protocol = serializers.CharField(read_only=True)
    providername = serializers.CharField(source="provider", read_only=True)
    scope = serializers.SerializerMethodField()

    def get_scope(self, store) -> str:
        return "ZONE"


class HypervisorCapabilitySerializer(serializers.Serializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    hypervisor = serializers.CharField(read_only=True)
    hypervisorversion = serializers.CharField(source="version", read_only=True)
    maxguestslimit = serializers.IntegerField(source="max_guests_limit", read_only=True)
    maxdatavolumeslimit = serializers.IntegerField(source="max_data_volumes_limit", read_only=True)
    maxhostspercluster = serializers.IntegerField(source="max_hosts_per_cluster", read_only=True)
    securitygroupenabled = serializers.BooleanField(source="security_group_enabled", read_only=True)
    storagemotionenabled = serializers.BooleanField(source="storage_motion_supported", read_only=True)
