"""A viewset whose actions are registered commands: list, retrieve, create,
partial_update, destroy and extra actions each name the command they run,
so REST enforces exactly the command API's parameters, roles and scope.
Async commands answer 202 with the job and its Location."""
from django.contrib.auth.decorators import login_not_required
from django.urls import reverse
from django.utils.decorators import method_decorator
from rest_framework import status, viewsets
from rest_framework.response import Response

from cloudstack_ui.api.paging import page_of
from cloudstack_ui.api.registry import prepare
from cloudstack_ui.api.rest.schema import CommandAutoSchema
from cloudstack_ui.api.settings_keys import DEFAULT_PAGE_SIZE
from cloudstack_ui.config.keys import get_value
from cloudstack_ui.errors import NotFound
from cloudstack_ui.jobs.serializers import AsyncJobSerializer
from cloudstack_ui.jobs.services import submit_job

UUID_PATTERN = "[0-9a-fA-F-]{36}"


@method_decorator(login_not_required, name="dispatch")
class CommandViewSet(viewsets.ViewSet):
    """Subclasses set `commands` ({action: command name}) and
    `serializer_class` (the resource's serializer)."""

    commands: dict[str, str] = {}
    # Parameters the list command gets unless the request gives them.
    list_params: dict[str, str] = {}
    serializer_class = None
    lookup_field = "id"
    lookup_value_regex = UUID_PATTERN
    schema = CommandAutoSchema()

    def list(self, request):
        command, parsed = prepare(request.user, self.commands["list"],
                                  {**self.list_params, **request.query_params.dict()})
        page, pagesize = parsed.pop("page", None), parsed.pop("pagesize", None)
        items, count = page_of(command.execute(request.user, **parsed), page=page, pagesize=pagesize,
                               cap=get_value(DEFAULT_PAGE_SIZE))
        return Response({"count": count, "results": command.serializer(items, many=True).data})

    def retrieve(self, request, id=None):
        return Response(self.serializer_class(self.get_object(id)).data)

    def create(self, request):
        return self.run_command("create", request.data, status.HTTP_201_CREATED)

    def partial_update(self, request, id=None):
        return self.run_command("partial_update", {**request.data, "id": id})

    def destroy(self, request, id=None):
        return self.run_command("destroy", self.destroy_params(id), status.HTTP_204_NO_CONTENT)

    def get_object(self, id):
        """The resource with this id within the caller's reach (404 otherwise)."""
        command, parsed = prepare(self.request.user, self.commands["list"],
                                  {**self.list_params, "id": id, "listall": True})
        parsed.pop("page", None)
        parsed.pop("pagesize", None)
        found = command.execute(self.request.user, **parsed)
        obj = found.first() if hasattr(found, "first") else next(iter(found), None)
        if obj is None:
            raise NotFound(f"Unable to find {self.basename} by the id given", field="id")
        return obj

    def destroy_params(self, id) -> dict:
        return {"id": id}

    def run_command(self, action: str, params: dict, success_status=status.HTTP_200_OK):
        command, parsed = prepare(self.request.user, self.commands[action], params)
        if command.is_async:
            job = submit_job(self.request.user, command, parsed)
            location = reverse("rest:jobs-detail", args=[job.uuid])
            return Response(AsyncJobSerializer(job).data, status=status.HTTP_202_ACCEPTED,
                            headers={"Location": location})
        result = command.execute(self.request.user, **parsed)
        if success_status == status.HTTP_204_NO_CONTENT:
            return Response(status=success_status)
        if command.is_list or isinstance(result, list):
            # addHost and addCluster answer lists of one, as CloudStack does;
            # registerTemplate one entry per zone.
            items = list(result)
            if len(items) != 1:
                return Response(command.serializer(items, many=True).data, status=success_status)
            result = items[0]
        return Response(command.render_object(result), status=success_status)
