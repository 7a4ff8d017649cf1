"""Service offerings (what an instance gets: CPU, memory, HA, storage) and
disk offerings (the size of a data disk), public or for one domain."""
import uuid

from django.db import models


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
