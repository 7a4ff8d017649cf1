"""Offerings, templates and ISOs, instances and their NICs, volumes and
snapshots. Service offerings (what an instance gets: CPU, memory, HA, storage) and
disk offerings (the size of a data disk), public or for one domain."""
import uuid

from django.db import models

from cloudstack_ui.crypto import EncryptedTextField


class StorageType(models.TextChoices):
    SHARED = "shared", "shared"
    LOCAL = "local", "local"


class ServiceOffering(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=255)
    display_text = models.CharField(max_length=4096)
    cpu_number = models.PositiveIntegerField()
    cpu_speed = models.PositiveIntegerField(help_text="MHz")
    memory = models.PositiveIntegerField(help_text="MB")
    offer_ha = models.BooleanField(default=False)
    limit_cpu_use = models.BooleanField(default=False)
    storage_type = models.CharField(max_length=8, choices=StorageType.choices, default=StorageType.SHARED)
    host_tags = models.CharField(max_length=255, blank=True)
    storage_tags = models.CharField(max_length=255, blank=True)
    network_rate = models.PositiveIntegerField(null=True, blank=True, help_text="Mbit/s")
    domain = models.ForeignKey("accounts.Domain", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="service_offerings")
    is_default = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["cpu_number", "cpu_speed", "memory", "name"]

    def __str__(self):
        return self.name


class DiskOffering(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=255)
    display_text = models.CharField(max_length=4096)
    disk_size = models.PositiveIntegerField(default=0, help_text="GB; 0 when the size is chosen at use")
    customized = models.BooleanField(default=False)
    storage_type = models.CharField(max_length=8, choices=StorageType.choices, default=StorageType.SHARED)
    tags = models.CharField(max_length=255, blank=True)
    domain = models.ForeignKey("accounts.Domain", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="disk_offerings")
    is_default = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["customized", "disk_size", "name"]

    def __str__(self):
        return self.name


class OsType(models.Model):
    """A guest OS type (CloudStack's listOsTypes): what a template holds."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    description = models.CharField(max_length=255, unique=True)
    category = models.CharField(max_length=64)

    class Meta:
        ordering = ["category", "description"]

    def __str__(self):
        return self.description


class Template(models.Model):
    """A template or an ISO (format ISO), registered from a URL. Where it is
    downloaded to (per zone) is a TemplateZone; its copies on primary
    storage are TemplatePoolCopy rows. `details` holds what a boot needs
    beyond the disk (a direct-boot kernel, initrd and command line)."""

    class Format(models.TextChoices):
        QCOW2 = "QCOW2", "QCOW2"
        RAW = "RAW", "RAW"
        VHD = "VHD", "VHD"
        OVA = "OVA", "OVA"
        ISO = "ISO", "ISO"

    class Type(models.TextChoices):
        USER = "USER", "User"
        BUILTIN = "BUILTIN", "Built-in"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=255)
    display_text = models.CharField(max_length=4096)
    url = models.CharField(max_length=2048)
    format = models.CharField(max_length=8, choices=Format.choices)
    hypervisor = models.CharField(max_length=16, blank=True, help_text="blank for an ISO")
    os_type = models.ForeignKey(OsType, on_delete=models.PROTECT, related_name="templates")
    account = models.ForeignKey("accounts.Account", on_delete=models.PROTECT, related_name="templates")
    template_type = models.CharField(max_length=8, choices=Type.choices, default=Type.USER)
    is_public = models.BooleanField(default=False)
    is_featured = models.BooleanField(default=False)
    is_extractable = models.BooleanField(default=False)
    password_enabled = models.BooleanField(default=False)
    ssh_key_enabled = models.BooleanField(default=False)
    bootable = models.BooleanField(default=True)
    cross_zones = models.BooleanField(default=False)
    checksum = models.CharField(max_length=255, blank=True, help_text="{ALGORITHM}hex, or hex for MD5")
    details = models.JSONField(default=dict, blank=True)
    size = models.BigIntegerField(default=0, help_text="virtual size, bytes")
    created = models.DateTimeField(auto_now_add=True)
    removed = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self):
        return self.name

    @property
    def is_iso(self) -> bool:
        return self.format == self.Format.ISO


class TemplateZone(models.Model):
    """A template's download into one zone's secondary storage
    (CloudStack's template_store_ref), with its progress."""

    class Status(models.TextChoices):
        NOT_DOWNLOADED = "NOT_DOWNLOADED", "Not downloaded"
        DOWNLOAD_IN_PROGRESS = "DOWNLOAD_IN_PROGRESS", "Downloading"
        DOWNLOADED = "DOWNLOADED", "Download Complete"
        DOWNLOAD_ERROR = "DOWNLOAD_ERROR", "Download error"

    template = models.ForeignKey(Template, on_delete=models.CASCADE, related_name="zones")
    zone = models.ForeignKey("infrastructure.Zone", on_delete=models.PROTECT, related_name="+")
    image_store = models.ForeignKey("infrastructure.ImageStore", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.NOT_DOWNLOADED)
    download_percent = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=1024, blank=True)
    install_path = models.CharField(max_length=2048, blank=True, help_text="file on the image store")
    size = models.BigIntegerField(default=0, help_text="virtual size, bytes")
    physical_size = models.BigIntegerField(default=0)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["template", "zone"], name="template_once_per_zone")]

    def __str__(self):
        return self.template.name

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.DOWNLOADED

    @property
    def status_text(self) -> str:
        """CloudStack's status of a download ("45% Downloaded", ...)."""
        if self.status == self.Status.DOWNLOADED:
            return "Download Complete"
        if self.status == self.Status.DOWNLOAD_ERROR:
            return self.error or "Download failed"
        if self.status == self.Status.DOWNLOAD_IN_PROGRESS:
            return f"{self.download_percent}% Downloaded"
        return "Not downloaded yet"


class TemplatePoolCopy(models.Model):
    """A template copied onto a primary storage pool on first use (the
    backing file of KVM root volumes)."""

    template = models.ForeignKey(Template, on_delete=models.CASCADE, related_name="pool_copies")
    storage_pool = models.ForeignKey("infrastructure.StoragePool", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=255, help_text="its name inside the pool")
    size = models.BigIntegerField(default=0)
    ready = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["template", "storage_pool"], name="template_once_per_pool")]

    def __str__(self):
        return self.name


class InstanceGroup(models.Model):
    """A named group of an account's instances (CloudStack's instance groups)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="instance_groups")
    name = models.CharField(max_length=255)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["account", "name"], name="instance_group_name_per_account")]

    def __str__(self):
        return self.name


class VirtualMachine(models.Model):
    """A user instance. `internal_name` (i-<account id>-<id>-VM) is its name
    on the hypervisor; `host` is where it runs or last ran while it holds
    capacity there."""

    class State(models.TextChoices):
        STARTING = "Starting", "Starting"
        RUNNING = "Running", "Running"
        STOPPING = "Stopping", "Stopping"
        STOPPED = "Stopped", "Stopped"
        MIGRATING = "Migrating", "Migrating"
        RESTORING = "Restoring", "Restoring"
        DESTROYING = "Destroying", "Destroying"
        DESTROYED = "Destroyed", "Destroyed"
        EXPUNGING = "Expunging", "Expunging"
        ERROR = "Error", "Error"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=255)
    display_name = models.CharField(max_length=255, blank=True)
    internal_name = models.CharField(max_length=255, blank=True)
    account = models.ForeignKey("accounts.Account", on_delete=models.PROTECT, related_name="instances")
    zone = models.ForeignKey("infrastructure.Zone", on_delete=models.PROTECT, related_name="instances")
    host = models.ForeignKey("infrastructure.Host", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="instances")
    last_host = models.ForeignKey("infrastructure.Host", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    template = models.ForeignKey(Template, on_delete=models.PROTECT, related_name="instances")
    iso = models.ForeignKey(Template, null=True, blank=True, on_delete=models.PROTECT, related_name="iso_instances")
    service_offering = models.ForeignKey(ServiceOffering, on_delete=models.PROTECT, related_name="instances")
    group = models.ForeignKey(InstanceGroup, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="instances")
    security_groups = models.ManyToManyField("network.SecurityGroup", blank=True, related_name="instances")
    keypair = models.CharField(max_length=255, blank=True, help_text="name of the account's SSH key pair")
    ssh_public_key = models.TextField(blank=True)
    user_data = models.TextField(blank=True, help_text="base64, as given")
    password = EncryptedTextField(blank=True)
    vnc_password = EncryptedTextField(blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.STARTING)
    state_reason = models.CharField(max_length=1024, blank=True)
    power_state = models.CharField(max_length=32, default="PowerUnknown")
    power_state_updated = models.DateTimeField(null=True, blank=True)
    ha_enabled = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)
    removed = models.DateTimeField(null=True, blank=True, help_text="when it was destroyed")

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["account", "state"]), models.Index(fields=["host", "state"])]

    def __str__(self):
        return self.display_name or self.name


class Nic(models.Model):
    """An instance's network interface: its guest address (and MAC) on one
    network; the address goes back to the network when the NIC is removed."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    instance = models.ForeignKey(VirtualMachine, on_delete=models.CASCADE, related_name="nics")
    network = models.ForeignKey("network.Network", on_delete=models.PROTECT, related_name="nics")
    guest_ip = models.OneToOneField("network.GuestIpAddress", on_delete=models.PROTECT, related_name="nic")
    class RulesState(models.TextChoices):
        """Whether the host enforces the NIC's security-group rules as stored
        ("" until they are first applied, or when its network has none)."""
        APPLIED = "Applied", "Applied"
        ERROR = "Error", "Error"

    device_id = models.PositiveSmallIntegerField(default=0)
    is_default = models.BooleanField(default=False)
    rules_state = models.CharField(max_length=8, choices=RulesState.choices, blank=True, db_index=True)
    rules_state_reason = models.CharField(max_length=1024, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["instance_id", "device_id"]

    def __str__(self):
        return f"NIC {self.device_id} of {self.instance}"


class Volume(models.Model):
    """A root or data disk. `path` is its name inside `storage_pool`; a
    volume not yet created on storage (Allocated) has neither."""

    class Type(models.TextChoices):
        ROOT = "ROOT", "ROOT"
        DATADISK = "DATADISK", "DATADISK"

    class State(models.TextChoices):
        ALLOCATED = "Allocated", "Allocated"
        CREATING = "Creating", "Creating"
        READY = "Ready", "Ready"
        ATTACHING = "Attaching", "Attaching"
        RESIZING = "Resizing", "Resizing"
        SNAPSHOTTING = "Snapshotting", "Snapshotting"
        REVERTING = "Reverting", "Reverting"
        DESTROY = "Destroy", "Destroy"
        EXPUNGING = "Expunging", "Expunging"
        EXPUNGED = "Expunged", "Expunged"
        ERROR = "Error", "Error"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=255)
    account = models.ForeignKey("accounts.Account", on_delete=models.PROTECT, related_name="volumes")
    zone = models.ForeignKey("infrastructure.Zone", on_delete=models.PROTECT, related_name="volumes")
    volume_type = models.CharField(max_length=8, choices=Type.choices)
    state = models.CharField(max_length=16, choices=State.choices, default=State.ALLOCATED)
    size = models.BigIntegerField(help_text="bytes")
    disk_offering = models.ForeignKey(DiskOffering, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="volumes")
    instance = models.ForeignKey(VirtualMachine, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="volumes")
    device_id = models.PositiveSmallIntegerField(null=True, blank=True)
    attached = models.DateTimeField(null=True, blank=True, help_text="when it was attached to its instance")
    storage_pool = models.ForeignKey("infrastructure.StoragePool", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="volumes")
    path = models.CharField(max_length=255, blank=True)
    format = models.CharField(max_length=8, blank=True)
    template = models.ForeignKey(Template, null=True, blank=True, on_delete=models.SET_NULL, related_name="volumes")
    created = models.DateTimeField(auto_now_add=True)
    removed = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["account", "state"])]

    def __str__(self):
        return self.name


class SnapshotPolicy(models.Model):
    """A recurring snapshot schedule of one volume; `periodic_task` is its
    django-celery-beat row, `max_snaps` how many of its snapshots are kept."""

    class Interval(models.TextChoices):
        HOURLY = "HOURLY", "Hourly"
        DAILY = "DAILY", "Daily"
        WEEKLY = "WEEKLY", "Weekly"
        MONTHLY = "MONTHLY", "Monthly"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    volume = models.ForeignKey(Volume, on_delete=models.CASCADE, related_name="snapshot_policies")
    interval_type = models.CharField(max_length=8, choices=Interval.choices)
    schedule = models.CharField(max_length=32, help_text="CloudStack's MM, MM:HH, MM:HH:DD")
    timezone = models.CharField(max_length=64, default="UTC")
    max_snaps = models.PositiveSmallIntegerField()
    periodic_task = models.OneToOneField("django_celery_beat.PeriodicTask", null=True, blank=True,
                                         on_delete=models.SET_NULL, related_name="+")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["volume", "interval_type"], name="one_policy_per_interval")]


class Snapshot(models.Model):
    """A point-in-time copy of a volume, kept on storage under `path`."""

    class State(models.TextChoices):
        CREATING = "Creating", "Creating"
        BACKED_UP = "BackedUp", "BackedUp"
        ERROR = "Error", "Error"
        DESTROYED = "Destroyed", "Destroyed"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=255)
    account = models.ForeignKey("accounts.Account", on_delete=models.PROTECT, related_name="snapshots")
    zone = models.ForeignKey("infrastructure.Zone", on_delete=models.PROTECT, related_name="+")
    volume = models.ForeignKey(Volume, null=True, blank=True, on_delete=models.SET_NULL, related_name="snapshots")
    volume_name = models.CharField(max_length=255)
    volume_type = models.CharField(max_length=8)
    policy = models.ForeignKey(SnapshotPolicy, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="snapshots")
    interval_type = models.CharField(max_length=8, default="MANUAL")
    state = models.CharField(max_length=16, choices=State.choices, default=State.CREATING)
    storage_pool = models.ForeignKey("infrastructure.StoragePool", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    path = models.CharField(max_length=255, blank=True)
    size = models.BigIntegerField(default=0)
    physical_size = models.BigIntegerField(default=0)
    error = models.CharField(max_length=1024, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created", "-id"]


class ConsoleSession(models.Model):
    """One console token (compute/console): issued to one user for one
    instance, usable once before `expires`. Only the token's SHA-256 digest
    is kept; the proxy marks the row used when it opens the connection and
    records when and why the session ended."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    instance = models.ForeignKey(VirtualMachine, on_delete=models.CASCADE, related_name="console_sessions")
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="console_sessions")
    token_digest = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField(auto_now_add=True)
    expires = models.DateTimeField(help_text="unused after this, the token is refused")
    used = models.DateTimeField(null=True, blank=True, help_text="when a proxy opened it")
    client_address = models.CharField(max_length=64, blank=True, help_text="the browser's address, seen by the proxy")
    ended = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=512, blank=True)

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self):
        return f"console of {self.instance} for {self.user}"
