"""/api/v1/jobs/: the caller's async jobs (listAsyncJobs, queryAsyncJobResult)."""
from rest_framework.response import Response

from cloudstack_ui.api.registry import invoke
from cloudstack_ui.api.rest.viewsets import CommandViewSet
from cloudstack_ui.jobs.serializers import AsyncJobSerializer


class JobViewSet(CommandViewSet):
    commands = {"list": "listAsyncJobs", "retrieve": "queryAsyncJobResult"}
    serializer_class = AsyncJobSerializer

    def retrieve(self, request, id=None):
        return Response(AsyncJobSerializer(invoke(request.user, "queryAsyncJobResult", {"jobid": id})).data)
