"""Serializer fields shared by every app's serializers, rendering values the
way CloudStack's API does."""
from rest_framework import serializers


class CloudStackDateTimeField(serializers.DateTimeField):
    """Dates as CloudStack writes them: 2026-11-24T22:02:12+0000."""

    def __init__(self, **kwargs):
        kwargs.setdefault("format", "%Y-%m-%dT%H:%M:%S%z")
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)


class LowerCaseField(serializers.CharField):
    """A state or type kept in lower case and shown capitalised (Enabled)."""

    def to_representation(self, value):
        return str(value).capitalize()


class OmitEmptySerializer(serializers.Serializer):
    """A response serializer that leaves out fields with no value (None or
    ""), as CloudStack's responses do."""

    def to_representation(self, instance):
        return {k: v for k, v in super().to_representation(instance).items() if v not in (None, "")}
