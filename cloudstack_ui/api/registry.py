"""The command registry: every CloudStack command, declared once, with its
parameters, who may call it, and what it answers. The command API, the REST
API and the UI all run commands through `invoke`, so they cannot disagree on
parameters or permissions.

A command's `authorized` role types are its default; a role's own allow/deny
rules (accounts.RolePermission) are consulted first, through the caller's
`can_call(command_name)`."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, ClassVar

from cloudstack_ui.errors import InvalidParameter, PermissionDenied

ROLE_ADMIN = "Admin"
ROLE_DOMAIN_ADMIN = "DomainAdmin"
ROLE_USER = "User"
ALL_ROLES = (ROLE_ADMIN, ROLE_DOMAIN_ADMIN, ROLE_USER)

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off", ""}


@dataclass(frozen=True)
class Param:
    """One declared parameter. `type` is CloudStack's (string, uuid, integer,
    long, boolean); `secret` marks values never logged (passwords)."""

    name: str
    type: str = "string"
    required: bool = False
    description: str = ""
    choices: tuple = ()
    secret: bool = False
    max_length: int | None = 255

    def parse(self, command: str, value: Any) -> Any:
        if value is None:
            return None
        if self.type in ("integer", "long"):
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


class Command:
    """Base of every command. Subclasses set the class attributes and
    implement `execute(caller, **params)`, which calls the app's services and
    returns what the command answers (objects, a page of objects, or a dict)."""

    name: ClassVar[str]
    description: ClassVar[str] = ""
    params: ClassVar[tuple[Param, ...]] = ()
    authorized: ClassVar[tuple[str, ...]] = (ROLE_ADMIN,)
    is_async: ClassVar[bool] = False
    response_name: ClassVar[str] = ""

    def parse(self, raw: dict[str, Any]) -> dict[str, Any]:
        """Typed parameters from raw ones; names are case-insensitive and
        unknown names are ignored, as CloudStack does."""
        lowered = {str(k).lower(): v for k, v in raw.items()}
        parsed = {}
        for param in self.params:
            value = lowered.get(param.name.lower())
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

    def execute(self, caller, **params):
        raise NotImplementedError


_commands: dict[str, type[Command]] = {}


def register(cls: type[Command]) -> type[Command]:
    """Class decorator: add a command to the registry."""
    key = cls.name.lower()
    if key in _commands and _commands[key] is not cls:
        raise RuntimeError(f"command {cls.name} is registered twice")
    _commands[key] = cls
    return cls


def get_command(name: str) -> Command:
    try:
        return _commands[name.lower()]()
    except KeyError:
        raise PermissionDenied(f"The given command {name} does not exist or it is not available for user")


def all_commands() -> list[type[Command]]:
    return sorted(_commands.values(), key=lambda c: c.name)


def is_allowed(caller, name: str) -> bool:
    """Whether the caller's role lets them call this command at all (scope
    checks on the objects it touches are the services' job)."""
    key = name.lower()
    return key in _commands and caller.can_call(_commands[key])


def invoke(caller, name: str, params: dict[str, Any] | None = None):
    """Run a command for a caller: role rule, typed parameters, execute."""
    command = get_command(name)
    if not caller.can_call(type(command)):
        raise PermissionDenied(f"The given command {name} does not exist or it is not available for user")
    return command.execute(caller, **command.parse(params or {}))
