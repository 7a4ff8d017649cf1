"""Changing global settings: only root admins, only declared keys, only
values of the key's type."""
from django.db import transaction

from cloudstack_ui.config.keys import ConfigKey, get_key
from cloudstack_ui.config.models import ConfigurationValue
from cloudstack_ui.errors import PermissionDenied


def update_setting(caller, name: str, value: str) -> tuple[ConfigKey, str]:
    """Store `value` for the key `name` (validated against its type); an
    empty value resets the key to its default. Returns the key and the value
    now in force."""
    if not caller.is_root_admin:
        raise PermissionDenied("Only root admins can change global settings")
    key = get_key(name)
    key.parse(value)
    with transaction.atomic():
        if (value or "").strip() == "":
            ConfigurationValue.objects.filter(name=key.name).delete()
            return key, key.default
        ConfigurationValue.objects.update_or_create(name=key.name, defaults={"value": value.strip()})
    return key, value.strip()
