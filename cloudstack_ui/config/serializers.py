"""ConfigurationResponse's fields."""
from rest_framework import serializers

from cloudstack_ui.config.keys import ConfigKey


def setting_row(key: ConfigKey, value) -> dict:
    """What a list or update answers for one key."""
    shown = "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
    return {"key": key, "value": shown}


class ConfigurationSerializer(serializers.Serializer):
    category = serializers.CharField(source="key.category", read_only=True)
    name = serializers.CharField(source="key.name", read_only=True)
    value = serializers.CharField(read_only=True)
    defaultvalue = serializers.CharField(source="key.default", read_only=True)
    description = serializers.CharField(source="key.description", read_only=True)
    scope = serializers.CharField(source="key.scope", read_only=True)
    type = serializers.SerializerMethodField()
    isdynamic = serializers.BooleanField(source="key.dynamic", read_only=True)

    def get_type(self, row) -> str:
        return {"integer": "Integer", "boolean": "Boolean", "float": "Float"}.get(row["key"].type, "String")
