"""ServiceOfferingResponse and DiskOfferingResponse fields."""
from rest_framework import serializers

from cloudstack_ui.api.fields import CloudStackDateTimeField, OmitEmptySerializer


class ServiceOfferingSerializer(OmitEmptySerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    name = serializers.CharField(read_only=True)
    displaytext = serializers.CharField(source="display_text", read_only=True)
    cpunumber = serializers.IntegerField(source="cpu_number", read_only=True)
    cpuspeed = serializers.IntegerField(source="cpu_speed", read_only=True)
    memory = serializers.IntegerField(read_only=True)
    offerha = serializers.BooleanField(source="offer_ha", read_only=True)
    limitcpuuse = serializers.BooleanField(source="limit_cpu_use", read_only=True)
    storagetype = serializers.CharField(source="storage_type", read_only=True)
    hosttags = serializers.CharField(source="host_tags", read_only=True)
    tags = serializers.CharField(source="storage_tags", read_only=True)
    networkrate = serializers.IntegerField(source="network_rate", read_only=True)
    domainid = serializers.UUIDField(source="domain.uuid", read_only=True, default=None)
    domain = serializers.CharField(source="domain.name", read_only=True, default=None)
    issystem = serializers.SerializerMethodField()
    defaultuse = serializers.BooleanField(source="is_default", read_only=True)
    created = CloudStackDateTimeField()

    def get_issystem(self, offering) -> bool:
        return False


class DiskOfferingSerializer(OmitEmptySerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    name = serializers.CharField(read_only=True)
    displaytext = serializers.CharField(source="display_text", read_only=True)
    disksize = serializers.IntegerField(source="disk_size", read_only=True)
    iscustomized = serializers.BooleanField(source="customized", read_only=True)
    storagetype = serializers.CharField(source="storage_type", read_only=True)
    tags = serializers.CharField(read_only=True)
    domainid = serializers.UUIDField(source="domain.uuid", read_only=True, default=None)
    domain = serializers.CharField(source="domain.name", read_only=True, default=None)
    created = CloudStackDateTimeField()


class NicSerializer(OmitEmptySerializer):
    """NicResponse, inside an instance's answer and for listNics."""

    id = serializers.UUIDField(source="uuid", read_only=True)
    networkid = serializers.UUIDField(source="network.uuid", read_only=True)
    networkname = serializers.CharField(source="network.name", read_only=True)
    virtualmachineid = serializers.UUIDField(source="instance.uuid", read_only=True)
    ipaddress = serializers.CharField(source="guest_ip.address", read_only=True)
    macaddress = serializers.CharField(source="guest_ip.mac_address", read_only=True)
    gateway = serializers.CharField(source="network.gateway", read_only=True, default=None)
    netmask = serializers.SerializerMethodField()
    isdefault = serializers.BooleanField(source="is_default", read_only=True)
    deviceid = serializers.CharField(source="device_id", read_only=True)
    traffictype = serializers.SerializerMethodField()
    type = serializers.SerializerMethodField()
    broadcasturi = serializers.SerializerMethodField()
    # Whether the host enforces the NIC's security-group rules (Applied,
    # Error with the reason, or absent when its network has none).
    securitygroupsrulesstate = serializers.CharField(source="rules_state", read_only=True)
    securitygroupsrulesreason = serializers.CharField(source="rules_state_reason", read_only=True)

    def get_netmask(self, nic) -> str | None:
        from ipaddress import IPv4Network

        return str(IPv4Network(nic.network.cidr, strict=False).netmask) if nic.network.cidr else None

    def get_traffictype(self, nic) -> str:
        return "Guest"

    def get_type(self, nic) -> str:
        return "Shared"

    def get_broadcasturi(self, nic) -> str:
        return f"vlan://{nic.network.vlan}"


class VirtualMachineSerializer(OmitEmptySerializer):
    """UserVmResponse. The host is shown to admins only (a list annotates
    `show_host`); `password` only when a deploy or reset just made one."""

    id = serializers.UUIDField(source="uuid", read_only=True)
    name = serializers.CharField(read_only=True)
    displayname = serializers.CharField(source="display_name", read_only=True)
    account = serializers.CharField(source="account.name", read_only=True)
    domainid = serializers.UUIDField(source="account.domain.uuid", read_only=True)
    domain = serializers.CharField(source="account.domain.name", read_only=True)
    created = CloudStackDateTimeField()
    state = serializers.CharField(read_only=True)
    haenable = serializers.BooleanField(source="ha_enabled", read_only=True)
    groupid = serializers.UUIDField(source="group.uuid", read_only=True, default=None)
    group = serializers.CharField(source="group.name", read_only=True, default=None)
    zoneid = serializers.UUIDField(source="zone.uuid", read_only=True)
    zonename = serializers.CharField(source="zone.name", read_only=True)
    templateid = serializers.UUIDField(source="template.uuid", read_only=True)
    templatename = serializers.CharField(source="template.name", read_only=True)
    templatedisplaytext = serializers.CharField(source="template.display_text", read_only=True)
    passwordenabled = serializers.BooleanField(source="template.password_enabled", read_only=True)
    isoid = serializers.UUIDField(source="iso.uuid", read_only=True, default=None)
    isoname = serializers.CharField(source="iso.name", read_only=True, default=None)
    serviceofferingid = serializers.UUIDField(source="service_offering.uuid", read_only=True)
    serviceofferingname = serializers.CharField(source="service_offering.name", read_only=True)
    cpunumber = serializers.IntegerField(source="service_offering.cpu_number", read_only=True)
    cpuspeed = serializers.IntegerField(source="service_offering.cpu_speed", read_only=True)
    memory = serializers.IntegerField(source="service_offering.memory", read_only=True)
    guestosid = serializers.UUIDField(source="template.os_type.uuid", read_only=True)
    ostypename = serializers.CharField(source="template.os_type.description", read_only=True)
    hypervisor = serializers.SerializerMethodField()
    rootdeviceid = serializers.SerializerMethodField()
    rootdevicetype = serializers.SerializerMethodField()
    keypair = serializers.CharField(read_only=True)
    nic = serializers.SerializerMethodField()
    publicipid = serializers.SerializerMethodField()
    publicip = serializers.SerializerMethodField()
    securitygroup = serializers.SerializerMethodField()
    hostid = serializers.SerializerMethodField()
    hostname = serializers.SerializerMethodField()
    instancename = serializers.SerializerMethodField()
    password = serializers.SerializerMethodField()
    statereason = serializers.CharField(source="state_reason", read_only=True)

    def get_hypervisor(self, vm) -> str | None:
        host = vm.host or vm.last_host
        return host.hypervisor if host is not None else (vm.template.hypervisor or None)

    def get_rootdeviceid(self, vm) -> int:
        return 0

    def get_rootdevicetype(self, vm) -> str:
        return "ROOT"

    def get_nic(self, vm) -> list:
        return NicSerializer(sorted(vm.nics.all(), key=lambda n: n.device_id), many=True).data

    def _static_nat_ip(self, vm):
        """The public address whose static NAT points at the default NIC."""
        default = next((nic for nic in vm.nics.all() if nic.is_default), None)
        return next(iter(default.guest_ip.static_nat_ips.all()), None) if default is not None else None

    def get_publicipid(self, vm) -> str | None:
        ip = self._static_nat_ip(vm)
        return str(ip.uuid) if ip is not None else None

    def get_publicip(self, vm) -> str | None:
        ip = self._static_nat_ip(vm)
        return ip.address if ip is not None else None

    def get_securitygroup(self, vm) -> list:
        return [{"id": str(g.uuid), "name": g.name, "description": g.description} for g in vm.security_groups.all()]

    def get_hostid(self, vm) -> str | None:
        return str(vm.host.uuid) if getattr(vm, "show_host", False) and vm.host_id else None

    def get_hostname(self, vm) -> str | None:
        return vm.host.name if getattr(vm, "show_host", False) and vm.host_id else None

    def get_instancename(self, vm) -> str | None:
        return vm.internal_name if getattr(vm, "show_host", False) else None

    def get_password(self, vm) -> str | None:
        return getattr(vm, "new_password", None)


class InstanceGroupSerializer(serializers.Serializer):
    """InstanceGroupResponse."""

    id = serializers.UUIDField(source="uuid", read_only=True)
    name = serializers.CharField(read_only=True)
    account = serializers.CharField(source="account.name", read_only=True)
    domainid = serializers.UUIDField(source="account.domain.uuid", read_only=True)
    domain = serializers.CharField(source="account.domain.name", read_only=True)
    created = CloudStackDateTimeField()


# Volumes and snapshots ---------------------------------------------------------------------------

class VolumeSerializer(OmitEmptySerializer):
    """VolumeResponse. Where it lives (storage, storageid, path) is shown to
    admins only (a list annotates `show_storage`)."""

    id = serializers.UUIDField(source="uuid", read_only=True)
    name = serializers.CharField(read_only=True)
    zoneid = serializers.UUIDField(source="zone.uuid", read_only=True)
    zonename = serializers.CharField(source="zone.name", read_only=True)
    type = serializers.CharField(source="volume_type", read_only=True)
    deviceid = serializers.IntegerField(source="device_id", read_only=True)
    virtualmachineid = serializers.UUIDField(source="instance.uuid", read_only=True, default=None)
    vmname = serializers.CharField(source="instance.name", read_only=True, default=None)
    vmdisplayname = serializers.SerializerMethodField()
    vmstate = serializers.CharField(source="instance.state", read_only=True, default=None)
    vmtype = serializers.SerializerMethodField()
    size = serializers.IntegerField(read_only=True)
    state = serializers.CharField(read_only=True)
    account = serializers.CharField(source="account.name", read_only=True)
    domainid = serializers.UUIDField(source="account.domain.uuid", read_only=True)
    domain = serializers.CharField(source="account.domain.name", read_only=True)
    diskofferingid = serializers.UUIDField(source="disk_offering.uuid", read_only=True, default=None)
    diskofferingname = serializers.CharField(source="disk_offering.name", read_only=True, default=None)
    diskofferingdisplaytext = serializers.CharField(source="disk_offering.display_text", read_only=True,
                                                    default=None)
    storagetype = serializers.SerializerMethodField()
    templateid = serializers.UUIDField(source="template.uuid", read_only=True, default=None)
    hypervisor = serializers.SerializerMethodField()
    storage = serializers.SerializerMethodField()
    storageid = serializers.SerializerMethodField()
    path = serializers.SerializerMethodField()
    created = CloudStackDateTimeField()
    attached = CloudStackDateTimeField()
    destroyed = serializers.SerializerMethodField()
    isextractable = serializers.SerializerMethodField()
    provisioningtype = serializers.SerializerMethodField()

    def get_vmdisplayname(self, volume) -> str | None:
        vm = volume.instance
        return (vm.display_name or vm.name) if vm is not None else None

    def get_vmtype(self, volume) -> str | None:
        return "User" if volume.instance_id else None

    def get_storagetype(self, volume) -> str:
        pool = volume.storage_pool
        if pool is not None:
            return "local" if pool.protocol == "Filesystem" else "shared"
        return volume.disk_offering.storage_type if volume.disk_offering is not None else "shared"

    def get_hypervisor(self, volume) -> str | None:
        """Its pool's cluster's, else that of the host its instance runs or ran on."""
        if volume.storage_pool_id and volume.storage_pool.cluster_id:
            return volume.storage_pool.cluster.hypervisor
        host = (volume.instance.host or volume.instance.last_host) if volume.instance_id else None
        return host.hypervisor if host is not None else None

    def _admin_sees(self, volume) -> bool:
        return getattr(volume, "show_storage", False) and volume.storage_pool_id is not None

    def get_storage(self, volume) -> str | None:
        return volume.storage_pool.name if self._admin_sees(volume) else None

    def get_storageid(self, volume) -> str | None:
        return str(volume.storage_pool.uuid) if self._admin_sees(volume) else None

    def get_path(self, volume) -> str | None:
        return volume.path if self._admin_sees(volume) else None

    def get_destroyed(self, volume) -> bool:
        return volume.state in ("Destroy", "Expunging", "Expunged")

    def get_isextractable(self, volume) -> bool:
        return False

    def get_provisioningtype(self, volume) -> str:
        return "thin"


class SnapshotSerializer(OmitEmptySerializer):
    """SnapshotResponse. `snapshottype` is MANUAL or the policy's interval
    (HOURLY...), which `intervaltype` repeats for recurring ones."""

    id = serializers.UUIDField(source="uuid", read_only=True)
    name = serializers.CharField(read_only=True)
    account = serializers.CharField(source="account.name", read_only=True)
    domainid = serializers.UUIDField(source="account.domain.uuid", read_only=True)
    domain = serializers.CharField(source="account.domain.name", read_only=True)
    volumeid = serializers.UUIDField(source="volume.uuid", read_only=True, default=None)
    volumename = serializers.CharField(source="volume_name", read_only=True)
    volumetype = serializers.CharField(source="volume_type", read_only=True)
    snapshottype = serializers.CharField(source="interval_type", read_only=True)
    intervaltype = serializers.SerializerMethodField()
    state = serializers.CharField(read_only=True)
    physicalsize = serializers.IntegerField(source="physical_size", read_only=True)
    virtualsize = serializers.IntegerField(source="size", read_only=True)
    zoneid = serializers.UUIDField(source="zone.uuid", read_only=True)
    zonename = serializers.CharField(source="zone.name", read_only=True)
    locationtype = serializers.SerializerMethodField()
    revertable = serializers.SerializerMethodField()
    created = CloudStackDateTimeField()

    def get_intervaltype(self, snapshot) -> str | None:
        return snapshot.interval_type if snapshot.interval_type != "MANUAL" else None

    def get_locationtype(self, snapshot) -> str:
        return "PRIMARY"

    def get_revertable(self, snapshot) -> bool:
        volume = snapshot.volume
        return snapshot.state == "BackedUp" and volume is not None and volume.removed is None


INTERVAL_NUMBERS = {"HOURLY": 0, "DAILY": 1, "WEEKLY": 2, "MONTHLY": 3}


class SnapshotPolicySerializer(serializers.Serializer):
    """SnapshotPolicyResponse: `intervaltype` is CloudStack's number
    (0 hourly, 1 daily, 2 weekly, 3 monthly)."""

    id = serializers.UUIDField(source="uuid", read_only=True)
    volumeid = serializers.UUIDField(source="volume.uuid", read_only=True)
    schedule = serializers.CharField(read_only=True)
    intervaltype = serializers.SerializerMethodField()
    maxsnaps = serializers.IntegerField(source="max_snaps", read_only=True)
    timezone = serializers.CharField(read_only=True)
    fordisplay = serializers.SerializerMethodField()

    def get_intervaltype(self, policy) -> int:
        return INTERVAL_NUMBERS[policy.interval_type]

    def get_fordisplay(self, policy) -> bool:
        return True


class OsTypeSerializer(serializers.Serializer):
    """GuestOSResponse."""

    id = serializers.UUIDField(source="uuid", read_only=True)
    description = serializers.CharField(read_only=True)
    oscategoryname = serializers.CharField(source="category", read_only=True)


class TemplateSerializer(OmitEmptySerializer):
    """TemplateResponse, one per template per zone (a TemplateZone row)."""

    id = serializers.UUIDField(source="template.uuid", read_only=True)
    name = serializers.CharField(source="template.name", read_only=True)
    displaytext = serializers.CharField(source="template.display_text", read_only=True)
    ispublic = serializers.BooleanField(source="template.is_public", read_only=True)
    isfeatured = serializers.BooleanField(source="template.is_featured", read_only=True)
    isextractable = serializers.BooleanField(source="template.is_extractable", read_only=True)
    passwordenabled = serializers.BooleanField(source="template.password_enabled", read_only=True)
    sshkeyenabled = serializers.BooleanField(source="template.ssh_key_enabled", read_only=True)
    isready = serializers.BooleanField(source="is_ready", read_only=True)
    status = serializers.CharField(source="status_text", read_only=True)
    format = serializers.CharField(source="template.format", read_only=True)
    hypervisor = serializers.CharField(source="template.hypervisor", read_only=True)
    ostypeid = serializers.UUIDField(source="template.os_type.uuid", read_only=True)
    ostypename = serializers.CharField(source="template.os_type.description", read_only=True)
    zoneid = serializers.UUIDField(source="zone.uuid", read_only=True)
    zonename = serializers.CharField(source="zone.name", read_only=True)
    size = serializers.IntegerField(read_only=True)
    physicalsize = serializers.IntegerField(source="physical_size", read_only=True)
    account = serializers.CharField(source="template.account.name", read_only=True)
    domainid = serializers.UUIDField(source="template.account.domain.uuid", read_only=True)
    domain = serializers.CharField(source="template.account.domain.name", read_only=True)
    crossZones = serializers.BooleanField(source="template.cross_zones", read_only=True)  # noqa: N815
    templatetype = serializers.CharField(source="template.template_type", read_only=True)
    checksum = serializers.CharField(source="template.checksum", read_only=True)
    bootable = serializers.SerializerMethodField()
    created = CloudStackDateTimeField(source="template.created")

    def get_bootable(self, entry) -> bool | None:
        return entry.template.bootable if entry.template.is_iso else None
