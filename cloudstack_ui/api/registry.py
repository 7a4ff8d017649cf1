"""The command registry: every CloudStack command, declared once, with its
parameters, who may call it, and what it answers. The command API, the REST
API and the UI all run commands through `invoke`, so they cannot disagree on
parameters or permissions.

A command's `authorized` role types are its default; a role's own allow/deny
rules (accounts.RolePermission) are consulted first, through the caller's
`can_call(command_name)`."""
from __future__ import annotations

import datetime
import re
import uuid
from dataclasses import dataclass
from typing import Any, ClassVar

from django.db.models import QuerySet

from cloudstack_ui.errors import AuthenticationFailed, CloudStackError, InvalidParameter, PermissionDenied

ROLE_ADMIN = "Admin"
ROLE_DOMAIN_ADMIN = "DomainAdmin"
ROLE_USER = "User"
ALL_ROLES = (ROLE_ADMIN, ROLE_DOMAIN_ADMIN, ROLE_USER)

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off", ""}


@dataclass(frozen=True)
class Param:
    """One declared parameter. `type` is CloudStack's (string, uuid, integer,
    long, boolean, date, list, map); a list holds `item_type` values written
    comma-separated; a map arrives as name[0].key=...&name[0].value=... and is
    parsed into a list of dicts. `secret` marks values never logged."""

    name: str
    type: str = "string"
    required: bool = False
    description: str = ""
    choices: tuple = ()
    secret: bool = False
    max_length: int | None = 255
    item_type: str = "string"

    def parse(self, command: str, value: Any) -> Any:
        if value is None:
            return None
        if self.type == "list":
            items = value if isinstance(value, (list, tuple)) else [v for v in str(value).split(",") if v.strip()]
            item = Param(self.name, self.item_type, secret=self.secret, max_length=self.max_length)
            return [item.parse(command, v) for v in items]
        if self.type == "map":
            if not isinstance(value, list):
                raise InvalidParameter(self._invalid(command, value, "write it as " + self.name + "[0].key=value"),
                                       field=self.name)
            return value
        if self.type == "date":
            try:
                text = str(value).strip()
                parsed = (datetime.date.fromisoformat(text) if len(text) == 10
                          else datetime.datetime.strptime(text.replace("Z", "+0000"), "%Y-%m-%dT%H:%M:%S%z"))
            except ValueError:
                raise InvalidParameter(
                    self._invalid(command, value, "it is not a date (yyyy-MM-dd or yyyy-MM-ddTHH:mm:ssZ)"),
                    field=self.name)
        elif self.type in ("integer", "long"):
            try:
                parsed = int(value)
            except (TypeError, ValueError):
                raise InvalidParameter(self._invalid(command, value, "it is not an integer"), field=self.name)
        elif self.type == "boolean":
            if isinstance(value, bool):
                parsed = value
            elif str(value).strip().lower() in _TRUE:
                parsed = True
            elif str(value).strip().lower() in _FALSE:
                parsed = False
            else:
                raise InvalidParameter(self._invalid(command, value, "it is not true or false"), field=self.name)
        elif self.type == "uuid":
            try:
                parsed = value if isinstance(value, uuid.UUID) else uuid.UUID(str(value).strip())
            except ValueError:
                raise InvalidParameter(self._invalid(command, value, "it is not a UUID"), field=self.name)
        else:
            parsed = str(value)
            if self.max_length and len(parsed) > self.max_length:
                raise InvalidParameter(
                    f"{self.name}: longer than {self.max_length} characters", field=self.name
                )
        if self.choices and parsed not in self.choices:
            raise InvalidParameter(
                f"{self.name}: must be one of {', '.join(map(str, self.choices))}", field=self.name
            )
        return parsed

    def _invalid(self, command: str, value: Any, reason: str) -> str:
        shown = "********" if self.secret else value
        return f"Unable to execute API command {command.lower()} due to invalid value {shown} for parameter {self.name}: {reason}"


PAGING_PARAMS = (
    Param("page", "integer", description="the page of the list, from 1"),
    Param("pagesize", "integer", description="the size of a page; -1 for all, within default.page.size"),
)

_MAP_ITEM = re.compile(r"^(?P<name>[a-z0-9_]+)\[(?P<index>\d+)\]\.(?P<key>[a-z0-9_]+)$")


def _collect_maps(lowered: dict[str, Any]) -> dict[str, list[dict]]:
    """name[0].key=a&name[0].value=b  ->  {"name": [{"key": "a", "value": "b"}]}"""
    groups: dict[str, dict[int, dict]] = {}
    for raw_name, value in lowered.items():
        match = _MAP_ITEM.match(raw_name)
        if match:
            groups.setdefault(match["name"], {}).setdefault(int(match["index"]), {})[match["key"]] = value
    return {name: [entries[i] for i in sorted(entries)] for name, entries in groups.items()}


class Command:
    """Base of every command. Subclasses set the class attributes and
    implement `execute(caller, **params)`, which calls the app's services and
    returns what the command answers (objects, a page of objects, or a dict)."""

    name: ClassVar[str]
    description: ClassVar[str] = ""
    params: ClassVar[tuple[Param, ...]] = ()
    authorized: ClassVar[tuple[str, ...]] = (ROLE_ADMIN,)
    is_async: ClassVar[bool] = False
    # The key of the answered object ("account"), and the serializer that
    # renders it; a command answering a plain dict needs neither.
    response_name: ClassVar[str] = ""
    serializer: ClassVar[Any] = None
    # List commands answer {"count": N, "<response_name>": [...]} by pages;
    # by CloudStack's convention they are the list* commands.
    is_list: ClassVar[bool | None] = None
    # The CloudStack type of the object an async job acts on ("Account").
    instance_type: ClassVar[str] = ""
    # Fields of the answered object that are secrets (an instance's new
    # password): a job keeps them encrypted and answers them once, to its owner.
    secret_fields: ClassVar[tuple[str, ...]] = ()

    def parse(self, raw: dict[str, Any]) -> dict[str, Any]:
        """Typed parameters from raw ones; names are case-insensitive and
        unknown names are ignored, as CloudStack does."""
        lowered = {str(k).lower(): v for k, v in raw.items()}
        maps = _collect_maps(lowered) if any(p.type == "map" for p in self.params) else {}
        parsed = {}
        for param in self.all_params():
            value = maps.get(param.name.lower()) if param.type == "map" else lowered.get(param.name.lower())
            if isinstance(value, str) and param.type != "string":
                value = value.strip() or None
            if value is None or (param.required and value == ""):
                if param.required:
                    raise InvalidParameter(
                        f"Unable to execute API command {self.name.lower()} due to missing parameter {param.name}",
                        field=param.name,
                    )
                continue
            parsed[param.name] = param.parse(self.name, value)
        return parsed

    @classmethod
    def all_params(cls) -> tuple[Param, ...]:
        return cls.params + PAGING_PARAMS if cls.is_list else cls.params

    def execute(self, caller, **params):
        raise NotImplementedError

    def changes_own_password(self, caller, params: dict[str, Any]) -> bool:
        """Whether this call is the caller changing their own password: the
        one thing a user who must change it may do (see ensure_password_changed)."""
        return False

    def job_instance(self, caller, params: dict[str, Any]):
        """For async commands: the object the job acts on, looked up (and so
        checked) before the job is queued, or None."""
        return None

    def job_abandoned(self, caller, instance_uuid, reason: CloudStackError) -> None:
        """For async commands whose `job_instance` records what the job then
        builds: undo that record when the job is failed without ever having
        run (no worker took its task), with `reason`. Runs in the transaction
        that fails the job."""

    def job_interrupted(self, caller, instance_uuid, reason: CloudStackError) -> None:
        """For async commands: the job was failed because its worker stopped
        while running it (`reason`). Leave what it acted on in a state the
        owner or an operator can recover from (an instance stuck Starting
        goes to Error, where it can be destroyed). Runs in the transaction
        that fails the job."""

    def resource_url(self, result) -> str | None:
        """The UI page of what a job produced or changed, for its toast."""
        return None

    def render_object(self, obj) -> Any:
        """One answered object as a dict of CloudStack's field names."""
        if self.serializer is None:
            return obj
        return self.serializer(obj).data

    def render(self, result) -> dict:
        """The body of a non-list answer: the object under its name, or a
        plain dict as it is ({"success": true})."""
        if self.response_name:
            return {self.response_name: self.render_object(result)}
        return dict(result)

    def render_list(self, items, count: int) -> dict:
        """A page of a list answer; an empty list is {} as CloudStack answers."""
        if not count:
            return {}
        if self.serializer is None:
            rendered = list(items)
        else:
            rendered = self.serializer(items, many=True).data
        return {"count": count, self.response_name: rendered}


_commands: dict[str, type[Command]] = {}
# What a CloudStack command name looks like (listVirtualMachines, login).
_COMMAND_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]{0,99}")


def register(cls: type[Command]) -> type[Command]:
    """Class decorator: add a command to the registry."""
    if cls.is_list is None:
        cls.is_list = cls.name.startswith("list")
    key = cls.name.lower()
    if key in _commands and _commands[key] is not cls:
        raise RuntimeError(f"command {cls.name} is registered twice")
    _commands[key] = cls
    return cls


def _unknown_command(name: str) -> PermissionDenied:
    """CloudStack's refusal of an unknown or forbidden command; a name that
    is not a command name at all is not repeated back."""
    shown = f"{name} " if _COMMAND_NAME.fullmatch(name) else ""
    return PermissionDenied(f"The given command {shown}does not exist or it is not available for user")


def get_command(name: str) -> Command:
    try:
        return _commands[name.lower()]()
    except KeyError:
        raise _unknown_command(name)


def all_commands() -> list[type[Command]]:
    return sorted(_commands.values(), key=lambda c: c.name)


def is_allowed(caller, name: str) -> bool:
    """Whether the caller's role lets them call this command at all (scope
    checks on the objects it touches are the services' job)."""
    key = name.lower()
    return key in _commands and caller.can_call(_commands[key])


def prepare(caller, name: str, params: dict[str, Any] | None = None) -> tuple[Command, dict[str, Any]]:
    """The command and its typed parameters, once the caller's role allows it."""
    command = get_command(name)
    if not caller.can_call(type(command)):
        raise _unknown_command(name)
    parsed = command.parse(params or {})
    ensure_password_changed(caller, command, parsed)
    return command, parsed


PASSWORD_CHANGE_REQUIRED = (
    "The password of this user must be changed before anything else: call updateUser with this user's id, "
    "password (the new one) and currentpassword, or log in to the portal"
)


def password_change_pending(user) -> bool:
    """A user who must set a new password before using anything (the
    admin of a fresh install, guide 5.1.3)."""
    return bool(getattr(user, "must_change_password", False))


def ensure_password_changed(caller, command: Command, parsed: dict[str, Any]) -> None:
    """Until a pending password change is done, every command is refused with
    the reason, except the change itself (login and logout run before any
    command). Every surface (command API, REST, portal actions) prepares its
    commands here; the portal's pages ask `password_change_pending` too."""
    if password_change_pending(caller) and not command.changes_own_password(caller, parsed):
        raise AuthenticationFailed(PASSWORD_CHANGE_REQUIRED)


def invoke(caller, name: str, params: dict[str, Any] | None = None):
    """Run a command for a caller, synchronously: role rule, typed
    parameters, execute. Async commands go through cloudstack_ui.jobs."""
    command, parsed = prepare(caller, name, params)
    parsed.pop("page", None)
    parsed.pop("pagesize", None)
    return command.execute(caller, **parsed)


def is_list_result(result) -> bool:
    return isinstance(result, (QuerySet, list, tuple))
