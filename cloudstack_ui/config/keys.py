"""Declared global settings. A key says its name (CloudStack's), category,
type, default and what it does; `get_value` answers the typed current value.
Reading a key costs one query; callers on hot paths read it once per request,
or several keys at once with `read_values`."""
from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from django.db import models

from cloudstack_ui.errors import InvalidParameter

_keys: dict[str, ConfigKey] = {}


@dataclass(frozen=True)
class ConfigKey:
    name: str
    category: str
    type: str  # "string", "integer", "float", "boolean", "cidr", "cidrs"
    default: str
    description: str
    min_value: int | None = None
    max_value: int | None = None
    # Where it may be set (CloudStack's scopes); values are global for now.
    scope: str = "global"
    # False: takes effect after the management server restarts.
    dynamic: bool = True
    choices: tuple[str, ...] = ()
    # The django-celery-beat task (by name) that runs every `value` seconds.
    schedule: str = ""

    def parse(self, raw: str):
        """The typed value of `raw`; an empty string means "not set" (None)."""
        raw = (raw or "").strip()
        if raw == "":
            return None
        if self.choices and raw not in self.choices:
            raise InvalidParameter(f"value: {self.name} must be one of {', '.join(self.choices)}", field="value")
        if self.type == "integer":
            try:
                value = int(raw)
            except ValueError:
                raise InvalidParameter(f"value: {self.name} must be an integer, not {raw!r}", field="value")
            if self.min_value is not None and value < self.min_value:
                raise InvalidParameter(f"value: {self.name} must be at least {self.min_value}", field="value")
            if self.max_value is not None and value > self.max_value:
                raise InvalidParameter(f"value: {self.name} must be at most {self.max_value}", field="value")
            return value
        if self.type == "float":
            try:
                number = float(raw)
            except ValueError:
                raise InvalidParameter(f"value: {self.name} must be a number, not {raw!r}", field="value")
            if self.min_value is not None and number < self.min_value:
                raise InvalidParameter(f"value: {self.name} must be at least {self.min_value}", field="value")
            return number
        if self.type == "boolean":
            if raw.lower() not in ("true", "false"):
                raise InvalidParameter(f"value: {self.name} must be true or false, not {raw!r}", field="value")
            return raw.lower() == "true"
        if self.type in ("cidr", "cidrs"):
            import ipaddress

            parts = [p.strip() for p in raw.split(",")] if self.type == "cidrs" else [raw]
            for part in parts:
                try:
                    ipaddress.ip_network(part, strict=False)
                except ValueError:
                    raise InvalidParameter(f"value: {part!r} is not a CIDR such as 192.168.3.0/24", field="value")
            return ",".join(parts)
        return raw


def declare(key: ConfigKey) -> ConfigKey:
    if key.name in _keys and _keys[key.name] != key:
        raise RuntimeError(f"setting {key.name} is declared twice")
    _keys[key.name] = key
    return key


def get_key(name: str) -> ConfigKey:
    try:
        return _keys[name]
    except KeyError:
        raise InvalidParameter(f"name: there is no global setting named {name}", field="name")


def all_keys() -> list[ConfigKey]:
    return sorted(_keys.values(), key=lambda k: k.name)


_scope_resolvers: dict = {}


def declare_scope(scope: str, resolve) -> None:
    """An app names a scope ("zone") and how to find its object by UUID
    (None when there is none), so settings can be set per object."""
    _scope_resolvers[scope] = resolve


def resolve_scope(scope: str, uuid):
    """The object of a scope, or InvalidParameter naming the id parameter."""
    found = _scope_resolvers[scope](uuid) if scope in _scope_resolvers else None
    if found is None:
        raise InvalidParameter(f"{scope}id: no {scope} has the id {uuid}", field=f"{scope}id")
    return found


class ValueSnapshot:
    """The values of some keys at every scope as one query read them, for a
    decision that looks them up many times (a placement reads factors per
    cluster): `get` answers what get_value answered at that moment."""

    def __init__(self, raw: dict):
        self._raw = raw  # (name, scope uuid or None) -> stored text
        self._parsed: dict = {}

    def get(self, key: ConfigKey, scope_uuid=None):
        scope = None if scope_uuid is None else _as_uuid(scope_uuid)
        if (key.name, scope) not in self._parsed:
            raw = self._raw.get((key.name, scope)) if scope is not None else None
            if raw is None:
                raw = self._raw.get((key.name, None), key.default)
            self._parsed[(key.name, scope)] = key.parse(raw)
        return self._parsed[(key.name, scope)]


def read_values(keys) -> ValueSnapshot:
    """Every value set for `keys`, globally and per object, in one query."""
    from cloudstack_ui.config.models import ConfigurationValue

    rows = ConfigurationValue.objects.filter(name__in=[key.name for key in keys]).values_list(
        "name", "scope_uuid", "value")
    return ValueSnapshot({(name, scope): value for name, scope, value in rows})


def _as_uuid(value) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))


def get_value(key: ConfigKey, scope_uuid=None):
    """The value of `key` for one object of its scope when that object has
    one, else the global value, else the declared default; typed."""
    from cloudstack_ui.config.models import ConfigurationValue

    rows = dict(ConfigurationValue.objects.filter(name=key.name).filter(
        models.Q(scope_uuid__isnull=True) | models.Q(scope_uuid=scope_uuid)).values_list("scope_uuid", "value"))
    if scope_uuid is not None and scope_uuid in rows:
        return key.parse(rows[scope_uuid])
    return key.parse(rows[None] if None in rows else key.default)
