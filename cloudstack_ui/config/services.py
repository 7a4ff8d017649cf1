"""Changing settings: only root admins, only declared keys, only values of
the key's type; per object only for keys of that object's scope."""
from django.db import transaction

from cloudstack_ui.config.keys import ConfigKey, get_key, resolve_scope
from cloudstack_ui.config.models import ConfigurationValue
from cloudstack_ui.errors import InvalidParameter, PermissionDenied


def update_setting(caller, name: str, value: str, *, scope: str = "global", scope_uuid=None) -> ConfigKey:
    """Store `value` for the key `name`, globally or for one object of the
    key's scope (validated against its type); an empty value removes the
    value, so the global one (or the default) applies again."""
    if not caller.is_root_admin:
        raise PermissionDenied("Only root admins can change global settings")
    key = get_key(name)
    if scope != "global":
        if key.scope != scope:
            raise InvalidParameter(f"{scope}id: {key.name} is set {key.scope}-wide, not per {scope}",
                                   field=f"{scope}id")
        resolve_scope(scope, scope_uuid)
    else:
        scope_uuid = None
    key.parse(value)
    with transaction.atomic():
        rows = ConfigurationValue.objects.filter(name=key.name, scope=scope, scope_uuid=scope_uuid)
        if (value or "").strip() == "":
            rows.delete()
        else:
            ConfigurationValue.objects.update_or_create(name=key.name, scope=scope, scope_uuid=scope_uuid,
                                                        defaults={"value": value.strip()})
    return key
