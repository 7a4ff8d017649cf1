"""Regions, zones, pods, clusters, hosts, primary and secondary storage,
hypervisor capabilities. Secrets (host and vCenter passwords) are encrypted
at rest; public ids are UUIDs (regions keep CloudStack's integer ids)."""
import uuid

from django.db import models

from accounts.models import Domain
from cloudstack_ui.crypto import EncryptedTextField


class AllocationState(models.TextChoices):
    ENABLED = "Enabled", "Enabled"
    DISABLED = "Disabled", "Disabled"


class Hypervisor(models.TextChoices):
    KVM = "KVM", "KVM"
    XENSERVER = "XenServer", "XenServer"
    VMWARE = "VMware", "VMware"
    SIMULATOR = "Simulator", "Simulator"


class Region(models.Model):
    """Guide 6.2: the default region has id 1; ids are chosen by the operator."""

    id = models.PositiveIntegerField(primary_key=True)
    name = models.CharField(max_length=255, unique=True)
    endpoint = models.CharField(max_length=255)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.name


class Zone(models.Model):
    class NetworkType(models.TextChoices):
        BASIC = "Basic", "Basic"
        ADVANCED = "Advanced", "Advanced"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=255, unique=True)
    description = models.CharField(max_length=255, blank=True)
    network_type = models.CharField(max_length=16, choices=NetworkType.choices)
    dns1 = models.GenericIPAddressField(protocol="IPv4")
    dns2 = models.GenericIPAddressField(protocol="IPv4", null=True, blank=True)
    internal_dns1 = models.GenericIPAddressField(protocol="IPv4")
    internal_dns2 = models.GenericIPAddressField(protocol="IPv4", null=True, blank=True)
    guest_cidr = models.CharField(max_length=43, blank=True)
    network_domain = models.CharField(max_length=255, blank=True)
    # Not public: dedicated to this domain and its subdomains (guide 2.2).
    domain = models.ForeignKey(Domain, null=True, blank=True, on_delete=models.PROTECT, related_name="zones")
    hypervisor = models.CharField(max_length=16, choices=Hypervisor.choices, blank=True)
    security_groups_enabled = models.BooleanField(default=False)
    local_storage_enabled = models.BooleanField(default=False)
    allocation_state = models.CharField(max_length=16, choices=AllocationState.choices,
                                        default=AllocationState.DISABLED)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Pod(models.Model):
    """A rack: one subnet; its reserved system range serves system VMs."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="pods")
    name = models.CharField(max_length=255)
    gateway = models.GenericIPAddressField(protocol="IPv4")
    netmask = models.GenericIPAddressField(protocol="IPv4")
    start_ip = models.GenericIPAddressField(protocol="IPv4")
    end_ip = models.GenericIPAddressField(protocol="IPv4")
    allocation_state = models.CharField(max_length=16, choices=AllocationState.choices,
                                        default=AllocationState.ENABLED)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["zone__name", "name"]
        constraints = [models.UniqueConstraint(fields=["zone", "name"], name="pod_name_unique_in_zone")]

    def __str__(self):
        return self.name


class Cluster(models.Model):
    class ClusterType(models.TextChoices):
        CLOUD_MANAGED = "CloudManaged", "CloudManaged"
        EXTERNAL_MANAGED = "ExternalManaged", "ExternalManaged"

    class ManagedState(models.TextChoices):
        MANAGED = "Managed", "Managed"
        UNMANAGED = "Unmanaged", "Unmanaged"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="clusters")
    pod = models.ForeignKey(Pod, on_delete=models.PROTECT, related_name="clusters")
    name = models.CharField(max_length=255)
    hypervisor = models.CharField(max_length=16, choices=Hypervisor.choices)
    cluster_type = models.CharField(max_length=16, choices=ClusterType.choices, default=ClusterType.CLOUD_MANAGED)
    managed_state = models.CharField(max_length=16, choices=ManagedState.choices, default=ManagedState.MANAGED)
    allocation_state = models.CharField(max_length=16, choices=AllocationState.choices,
                                        default=AllocationState.ENABLED)
    # VMware (guide 6.5.2): the vCenter and the cluster in it.
    url = models.CharField(max_length=255, blank=True)
    username = models.CharField(max_length=255, blank=True)
    password = EncryptedTextField(blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["zone__name", "pod__name", "name"]
        constraints = [models.UniqueConstraint(fields=["pod", "name"], name="cluster_name_unique_in_pod")]

    def __str__(self):
        return self.name


class Host(models.Model):
    """A hypervisor host; CPU, memory and version are what its driver reported."""

    class State(models.TextChoices):
        UP = "Up", "Up"
        DOWN = "Down", "Down"
        ALERT = "Alert", "Alert"
        DISCONNECTED = "Disconnected", "Disconnected"
        ERROR = "Error", "Error"

    class ResourceState(models.TextChoices):
        ENABLED = "Enabled", "Enabled"
        DISABLED = "Disabled", "Disabled"
        PREPARE_FOR_MAINTENANCE = "PrepareForMaintenance", "PrepareForMaintenance"
        MAINTENANCE = "Maintenance", "Maintenance"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=255)
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="hosts")
    pod = models.ForeignKey(Pod, on_delete=models.PROTECT, related_name="hosts")
    cluster = models.ForeignKey(Cluster, on_delete=models.PROTECT, related_name="hosts")
    hypervisor = models.CharField(max_length=16, choices=Hypervisor.choices)
    url = models.CharField(max_length=255)
    username = models.CharField(max_length=255, blank=True)
    password = EncryptedTextField(blank=True)
    tags = models.CharField(max_length=255, blank=True)
    ip_address = models.CharField(max_length=255, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.UP)
    resource_state = models.CharField(max_length=32, choices=ResourceState.choices, default=ResourceState.ENABLED)
    cpu_sockets = models.PositiveIntegerField(default=0)
    cpu_number = models.PositiveIntegerField(default=0)
    cpu_speed = models.PositiveIntegerField(default=0, help_text="MHz")
    cpu_model = models.CharField(max_length=255, blank=True)
    cpu_flags = models.TextField(blank=True)
    memory = models.BigIntegerField(default=0, help_text="bytes")
    hypervisor_version = models.CharField(max_length=64, blank=True)
    last_pinged = models.DateTimeField(null=True, blank=True)
    # When the host last answered a ping, and when `state` last changed (and why).
    last_answered = models.DateTimeField(null=True, blank=True)
    state_changed = models.DateTimeField(null=True, blank=True)
    state_reason = models.CharField(max_length=512, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["zone__name", "name"]
        constraints = [models.UniqueConstraint(fields=["zone", "name"], name="host_name_unique_in_zone")]

    def __str__(self):
        return self.name


class StoragePool(models.Model):
    """Primary storage. `protocol` is CloudStack's pool type; its own fields
    (server, path, IQN, LUN...) are kept apart and in the url."""

    class Protocol(models.TextChoices):
        NFS = "NetworkFilesystem", "NFS"
        ISCSI = "IscsiLUN", "iSCSI"
        PRESETUP = "PreSetup", "PreSetup"
        SHARED_MOUNT_POINT = "SharedMountPoint", "SharedMountPoint"
        CLVM = "CLVM", "CLVM"
        RBD = "RBD", "RBD"
        VMFS = "VMFS", "VMFS"
        FILESYSTEM = "Filesystem", "Filesystem"

    class Scope(models.TextChoices):
        CLUSTER = "CLUSTER", "Cluster"
        ZONE = "ZONE", "Zone"

    class State(models.TextChoices):
        UP = "Up", "Up"
        DISABLED = "Disabled", "Disabled"
        PREPARE_FOR_MAINTENANCE = "PrepareForMaintenance", "PrepareForMaintenance"
        MAINTENANCE = "Maintenance", "Maintenance"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=255)
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="storage_pools")
    pod = models.ForeignKey(Pod, null=True, blank=True, on_delete=models.PROTECT, related_name="storage_pools")
    cluster = models.ForeignKey(Cluster, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="storage_pools")
    scope = models.CharField(max_length=8, choices=Scope.choices, default=Scope.CLUSTER)
    protocol = models.CharField(max_length=32, choices=Protocol.choices)
    url = models.CharField(max_length=1024)
    server = models.CharField(max_length=255, blank=True)
    path = models.CharField(max_length=1024, blank=True)
    details = models.JSONField(default=dict, blank=True)
    secret = EncryptedTextField(blank=True)
    tags = models.CharField(max_length=255, blank=True)
    state = models.CharField(max_length=32, choices=State.choices, default=State.UP)
    capacity_bytes = models.BigIntegerField(default=0)
    used_bytes = models.BigIntegerField(default=0)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["zone__name", "name"]
        constraints = [models.UniqueConstraint(fields=["zone", "name"], name="pool_name_unique_in_zone")]

    def __str__(self):
        return self.name

    @property
    def tag_set(self) -> frozenset[str]:
        return frozenset(t.strip() for t in self.tags.split(",") if t.strip())


class ImageStore(models.Model):
    """Secondary storage: NFS (guide 6.8), or a local directory for
    single-machine installs and tests."""

    class Protocol(models.TextChoices):
        NFS = "nfs", "NFS"
        FILE = "file", "Local directory"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=255)
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="image_stores")
    provider = models.CharField(max_length=32, default="NFS")
    protocol = models.CharField(max_length=8, choices=Protocol.choices)
    url = models.CharField(max_length=1024)
    server = models.CharField(max_length=255, blank=True)
    path = models.CharField(max_length=1024)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["zone__name", "name"]

    def __str__(self):
        return self.name


class HypervisorCapability(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    hypervisor = models.CharField(max_length=16, choices=Hypervisor.choices)
    version = models.CharField(max_length=32)
    max_guests_limit = models.PositiveIntegerField()
    max_data_volumes_limit = models.PositiveIntegerField(default=6)
    max_hosts_per_cluster = models.PositiveIntegerField(null=True, blank=True)
    security_group_enabled = models.BooleanField(default=True)
    storage_motion_supported = models.BooleanField(default=False)

    class Meta:
        ordering = ["hypervisor", "version"]
        constraints = [models.UniqueConstraint(fields=["hypervisor", "version"], name="capability_unique")]

    def __str__(self):
        return f"{self.hypervisor} {self.version}"


class SimulatedMachine(models.Model):
    """A machine of the Simulator hypervisor: what `simulator://NAME` connects
    to. Kept in the database so the web server, workers and beat share it. A
    name without a row is a healthy machine with the default profile; a row
    changes the profile or makes operations slow or failing."""

    name = models.CharField(max_length=255, unique=True)
    cpu_sockets = models.PositiveIntegerField(default=2)
    cpu_number = models.PositiveIntegerField(default=8)
    cpu_speed = models.PositiveIntegerField(default=2400)
    cpu_model = models.CharField(max_length=255, default="Simulated Xeon")
    cpu_flags = models.TextField(default="vmx sse4_2 avx2 aes")
    memory = models.BigIntegerField(default=16 * 1024**3)
    hypervisor_version = models.CharField(max_length=64, default="Simulator 1.0")
    ip_address = models.CharField(max_length=64, blank=True)
    password = models.CharField(max_length=255, blank=True, help_text="when set, the only password accepted")
    refuse_connection = models.BooleanField(default=False)
    running_vms = models.PositiveIntegerField(default=0, help_text="VMs it already runs, outside this cloud")
    operation_seconds = models.FloatField(default=0.0)
    failing_operations = models.CharField(
        max_length=255, blank=True, help_text="comma-separated driver operations that fail, e.g. start_instance")

    def __str__(self):
        return self.name


class SimulatedInstance(models.Model):
    """An instance defined on a Simulator machine (by machine name)."""

    machine = models.CharField(max_length=255, db_index=True)
    name = models.CharField(max_length=255)
    uuid = models.CharField(max_length=36)
    power_state = models.CharField(max_length=32, default="PowerOff")
    vcpus = models.PositiveIntegerField(default=1)
    memory = models.BigIntegerField(default=0)
    vnc_port = models.PositiveIntegerField(default=0)
    vnc_password = EncryptedTextField(blank=True)
    boots = models.PositiveIntegerField(default=0, help_text="how often it was powered on or reset")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["machine", "name"], name="uniq_simulated_instance")]

    def __str__(self):
        return self.name


class SimulatedVolume(models.Model):
    """A volume in a Simulator storage pool (by pool uuid), attached to at
    most one simulated instance."""

    pool = models.CharField(max_length=64, db_index=True)
    name = models.CharField(max_length=255)
    size = models.BigIntegerField()
    format = models.CharField(max_length=8, default="qcow2")
    backing = models.CharField(max_length=255, blank=True)
    instance = models.ForeignKey(SimulatedInstance, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="volumes")
    device_id = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["pool", "name"], name="uniq_simulated_volume")]

    def __str__(self):
        return self.name


class SimulatedRouter(models.Model):
    """A virtual router on a Simulator machine: the configuration last
    applied to it (a RouterConfig as JSON) and the passwords its password
    server still holds (encrypted)."""

    machine = models.CharField(max_length=255)
    name = models.CharField(max_length=64)
    config = models.JSONField(default=dict)
    passwords = models.JSONField(default=dict)
    applies = models.PositiveIntegerField(default=0, help_text="how often a configuration was applied")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["machine", "name"], name="uniq_simulated_router")]


class SimulatedRuleSet(models.Model):
    """Security-group rules installed on a Simulator machine."""

    machine = models.CharField(max_length=255)
    name = models.CharField(max_length=255)
    mac = models.CharField(max_length=17, blank=True)
    rules = models.JSONField(default=list)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["machine", "name"], name="uniq_simulated_rule_set")]


class Capacity(models.Model):
    """Recalculated totals and use of one host (CPU, memory) or one primary
    storage pool (storage), totals already multiplied by the overprovisioning
    factors. Zone-wide figures are sums of these rows."""

    class Type(models.IntegerChoices):
        # CloudStack's capacity types.
        MEMORY = 0, "Memory"
        CPU = 1, "CPU"
        STORAGE = 2, "Storage"
        STORAGE_ALLOCATED = 3, "Storage allocated"

    zone = models.ForeignKey(Zone, on_delete=models.CASCADE, related_name="capacities")
    pod = models.ForeignKey(Pod, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    cluster = models.ForeignKey(Cluster, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    host = models.ForeignKey(Host, null=True, blank=True, on_delete=models.CASCADE, related_name="capacities")
    storage_pool = models.ForeignKey(StoragePool, null=True, blank=True, on_delete=models.CASCADE,
                                     related_name="capacities")
    type = models.PositiveSmallIntegerField(choices=Type.choices)
    total = models.BigIntegerField(default=0)
    used = models.BigIntegerField(default=0)
    # Kept by the database itself whoever writes total or used, so the
    # planner ranks a zone's hosts by free memory through an index.
    free = models.GeneratedField(expression=models.F("total") - models.F("used"),
                                 output_field=models.BigIntegerField(), db_persist=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["host", "type"], name="capacity_per_host_type"),
            models.UniqueConstraint(fields=["storage_pool", "type"], name="capacity_per_pool_type"),
        ]
        indexes = [models.Index(fields=["zone", "type", "-free", "host"], name="capacity_most_free_first")]

    @property
    def percent_used(self) -> float:
        return round(100.0 * self.used / self.total, 2) if self.total else 0.0
