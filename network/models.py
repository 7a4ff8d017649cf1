"""Physical networks with their traffic types, and VLAN/IP ranges."""
import uuid

from django.db import models

from infrastructure.models import Pod, Zone


class PhysicalNetwork(models.Model):
    """Guide 2.8: a zone's physical network; guest VLAN ranges are kept as
    CloudStack writes them ("500-599,700-710")."""

    class State(models.TextChoices):
        ENABLED = "Enabled", "Enabled"
        DISABLED = "Disabled", "Disabled"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="physical_networks")
    name = models.CharField(max_length=255)
    isolation_methods = models.CharField(max_length=64, default="VLAN")
    vlan = models.CharField(max_length=1024, blank=True)
    tags = models.CharField(max_length=255, blank=True)
    broadcast_domain_range = models.CharField(max_length=8, default="ZONE")
    network_speed = models.CharField(max_length=16, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.DISABLED)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["zone__name", "name"]
        constraints = [models.UniqueConstraint(fields=["zone", "name"], name="physnet_name_unique_in_zone")]

    def __str__(self):
        return self.name


class TrafficType(models.Model):
    """A traffic type carried by a physical network, with the label naming
    the host's bridge / network / port group per hypervisor (guide 2.8)."""

    class Kind(models.TextChoices):
        MANAGEMENT = "Management", "Management"
        PUBLIC = "Public", "Public"
        GUEST = "Guest", "Guest"
        STORAGE = "Storage", "Storage"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    physical_network = models.ForeignKey(PhysicalNetwork, on_delete=models.CASCADE, related_name="traffic_types")
    traffic_type = models.CharField(max_length=16, choices=Kind.choices)
    kvm_label = models.CharField(max_length=255, blank=True)
    xen_label = models.CharField(max_length=255, blank=True)
    vmware_label = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["physical_network__name", "traffic_type"]
        constraints = [models.UniqueConstraint(fields=["physical_network", "traffic_type"],
                                               name="traffic_type_once_per_physnet")]

    def __str__(self):
        return f"{self.traffic_type} on {self.physical_network}"


class VlanIpRange(models.Model):
    """A public range of a zone (Advanced, or Basic with NetScaler EIP), or a
    pod's guest range (Basic). `vlan` is a VLAN id or "untagged"."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="vlan_ip_ranges")
    pod = models.ForeignKey(Pod, null=True, blank=True, on_delete=models.PROTECT, related_name="vlan_ip_ranges")
    physical_network = models.ForeignKey(PhysicalNetwork, null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="vlan_ip_ranges")
    vlan = models.CharField(max_length=32, default="untagged")
    gateway = models.GenericIPAddressField(protocol="IPv4")
    netmask = models.GenericIPAddressField(protocol="IPv4")
    start_ip = models.GenericIPAddressField(protocol="IPv4")
    end_ip = models.GenericIPAddressField(protocol="IPv4")
    for_virtual_network = models.BooleanField(default=True, help_text="public (true) or guest direct (false)")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["zone__name", "start_ip"]

    def __str__(self):
        return f"{self.start_ip}-{self.end_ip}"


class StorageNetworkIpRange(models.Model):
    """Addresses of a pod on the storage network, when storage traffic has a
    physical network of its own (guide 2.8)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="storage_ip_ranges")
    pod = models.ForeignKey(Pod, on_delete=models.PROTECT, related_name="storage_ip_ranges")
    vlan = models.CharField(max_length=32, default="untagged")
    gateway = models.GenericIPAddressField(protocol="IPv4")
    netmask = models.GenericIPAddressField(protocol="IPv4")
    start_ip = models.GenericIPAddressField(protocol="IPv4")
    end_ip = models.GenericIPAddressField(protocol="IPv4")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["zone__name", "start_ip"]

    def __str__(self):
        return f"{self.start_ip}-{self.end_ip}"
