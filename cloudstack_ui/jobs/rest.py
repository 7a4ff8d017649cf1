"""/api/v1/jobs/: the caller's async jobs (listAsyncJobs, queryAsyncJobResult).
A job resource never holds the secrets of its answer: a new instance password
is answered once, by the command API's queryAsyncJobResult."""
from rest_framework.response import Response

from cloudstack_ui.api.registry import prepare
from cloudstack_ui.api.rest.viewsets import CommandViewSet
from cloudstack_ui.jobs.commands import find_job
from cloudstack_ui.jobs.serializers import AsyncJobSerializer


class JobViewSet(CommandViewSet):
    commands = {"list": "listAsyncJobs", "retrieve": "queryAsyncJobResult"}
    serializer_class = AsyncJobSerializer

    def retrieve(self, request, id=None):
        _command, parsed = prepare(request.user, self.commands["retrieve"], {"jobid": id})
        return Response(AsyncJobSerializer(find_job(request.user, parsed["jobid"])).data)
