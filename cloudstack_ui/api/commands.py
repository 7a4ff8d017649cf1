"""listApis and listCapabilities: what tools such as CloudMonkey's `sync`
read to learn the commands and the server."""
from django.conf import settings
from rest_framework import serializers as drf

from cloudstack_ui.api.registry import ALL_ROLES, Command, Param, all_commands, register
from cloudstack_ui.api.settings_keys import DEFAULT_PAGE_SIZE
from cloudstack_ui.config.keys import get_value
from cloudstack_ui.errors import NotFound

_FIELD_TYPES = (
    (drf.BooleanField, "boolean"), (drf.IntegerField, "integer"), (drf.DateTimeField, "date"),
    (drf.UUIDField, "uuid"), (drf.ListField, "list"), (drf.JSONField, "map"),
)


def _field_type(field) -> str:
    return next((name for cls, name in _FIELD_TYPES if isinstance(field, cls)), "string")


def describe(command) -> dict:
    """One command as ApiDiscoveryResponse describes it."""
    params = [
        {"name": p.name.lower(), "description": p.description, "type": p.type, "length": p.max_length or 0,
         "required": p.required}
        for p in command.all_params()
    ]
    response = []
    if command.serializer is not None:
        response = [{"name": name, "description": field.help_text or "", "type": _field_type(field)}
                    for name, field in command.serializer().fields.items()]
    return {"name": command.name, "description": command.description, "isasync": command.is_async,
            "related": "", "params": params, "response": response}


@register
class ListApis(Command):
    name = "listApis"
    description = "Describes the commands the caller may call: parameters, response fields, sync or async"
    authorized = ALL_ROLES
    response_name = "api"
    params = (Param("name", description="API name"),)

    def execute(self, caller, **p):
        commands = [c for c in all_commands() if caller.can_call(c)]
        if "name" in p:
            commands = [c for c in commands if c.name.lower() == p["name"].lower()]
            if not commands:
                raise NotFound(f"name: no command named {p['name']} is available to the caller", field="name")
        return [describe(c) for c in commands]


@register
class ListCapabilities(Command):
    name = "listCapabilities"
    description = "What this server supports, and its CloudStack API version"
    authorized = ALL_ROLES
    is_list = False

    def execute(self, caller, **p):
        return {"capability": {
            "cloudstackversion": settings.CLOUDSTACK_VERSION,
            "dynamicrolesenabled": True,
            "securitygroupsenabled": False,
            "userpublictemplateenabled": True,
            "supportELB": "false",
            "projectinviterequired": False,
            "allowusercreateprojects": False,
            "kvmsnapshotenabled": True,
            "apilimitinterval": 0,
            "apilimitmax": 0,
            "defaultuipagesize": get_value(DEFAULT_PAGE_SIZE),
            "allowuserviewdestroyedvm": False,
            "allowuserexpungerecovervm": False,
        }}
