"""OpenAPI for command-backed viewsets, derived from the command registry:
request bodies and query parameters are the commands' declared parameters,
responses their serializers, so the schema cannot drift from the API."""
from functools import cache

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from cloudstack_ui.api.registry import get_command
from cloudstack_ui.jobs.serializers import AsyncJobSerializer

_FIELDS = {
    "integer": serializers.IntegerField, "long": serializers.IntegerField, "boolean": serializers.BooleanField,
    "uuid": serializers.UUIDField, "date": serializers.CharField, "string": serializers.CharField,
}
_OPENAPI_TYPES = {"integer": OpenApiTypes.INT, "long": OpenApiTypes.INT, "boolean": OpenApiTypes.BOOL,
                  "uuid": OpenApiTypes.UUID, "date": OpenApiTypes.STR}


def _field(param):
    if param.type == "list":
        return serializers.ListField(child=_FIELDS.get(param.item_type, serializers.CharField)(),
                                     required=param.required, help_text=param.description)
    if param.type == "map":
        return serializers.ListField(child=serializers.DictField(), required=param.required,
                                     help_text=param.description)
    return _FIELDS[param.type](required=param.required, help_text=param.description)


@cache
def params_serializer(command_name: str, exclude: tuple[str, ...] = ()):
    """A serializer class whose fields are the command's parameters."""
    command = get_command(command_name)
    fields = {p.name: _field(p) for p in command.params if p.name not in exclude}
    name = f"{command.name[0].upper()}{command.name[1:]}Request"
    return type(name, (serializers.Serializer,), fields)


class CommandAutoSchema(AutoSchema):
    def _command_for_action(self):
        return getattr(self.view, "commands", {}).get(self.view.action)

    def get_request_serializer(self):
        name = self._command_for_action()
        if name and self.method in ("POST", "PUT", "PATCH"):
            return params_serializer(name, exclude=("id",))
        return None

    def get_response_serializers(self):
        name = self._command_for_action()
        if not name:
            return super().get_response_serializers()
        command = get_command(name)
        if command.is_async:
            return {202: AsyncJobSerializer}
        if self.view.action == "destroy":
            return {204: None}
        serializer = command.serializer or self.view.serializer_class
        if self.view.action == "list":
            return {200: _page_of(serializer)}
        return {201 if self.view.action == "create" else 200: serializer}

    def get_override_parameters(self):
        name = self._command_for_action()
        if self.view.action != "list" or not name:
            return super().get_override_parameters()
        return [OpenApiParameter(p.name, _OPENAPI_TYPES.get(p.type, OpenApiTypes.STR), description=p.description)
                for p in get_command(name).all_params()]


@cache
def _page_of(serializer):
    name = serializer.__name__.replace("Serializer", "") + "Page"
    return type(name, (serializers.Serializer,), {
        "count": serializers.IntegerField(), "results": serializer(many=True),
    })
