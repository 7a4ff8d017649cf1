"""ServiceOfferingResponse and DiskOfferingResponse fields."""
from rest_framework import serializers

from cloudstack_ui.api.fields import CloudStackDateTimeField


class ServiceOfferingSerializer(serializers.Serializer):
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

    def to_representation(self, offering):
        return {k: v for k, v in super().to_representation(offering).items() if v not in (None, "")}


class DiskOfferingSerializer(serializers.Serializer):
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

    def to_representation(self, offering):
        return {k: v for k, v in super().to_representation(offering).items() if v not in (None, "")}
