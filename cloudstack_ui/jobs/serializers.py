"""AsyncJobResponse's fields."""
from rest_framework import serializers

from cloudstack_ui.api.fields import CloudStackDateTimeField
from cloudstack_ui.jobs.models import AsyncJob


class AsyncJobSerializer(serializers.Serializer):
    jobid = serializers.UUIDField(source="uuid", read_only=True)
    accountid = serializers.UUIDField(source="user.account.uuid", read_only=True)
    account = serializers.CharField(source="user.account.name", read_only=True)
    userid = serializers.UUIDField(source="user.uuid", read_only=True)
    cmd = serializers.CharField(source="command", read_only=True)
    jobstatus = serializers.IntegerField(source="status", read_only=True)
    jobprocstatus = serializers.IntegerField(source="progress", read_only=True)
    jobresultcode = serializers.IntegerField(source="result_code", read_only=True)
    jobresulttype = serializers.CharField(source="result_type", read_only=True)
    jobresult = serializers.JSONField(source="result", read_only=True)
    jobinstancetype = serializers.CharField(source="instance_type", read_only=True)
    jobinstanceid = serializers.UUIDField(source="instance_uuid", read_only=True)
    created = CloudStackDateTimeField()
    completed = CloudStackDateTimeField()

    def to_representation(self, job: AsyncJob):
        data = super().to_representation(job)
        for optional in ("jobresult", "jobinstanceid", "completed"):
            if data[optional] is None:
                del data[optional]
        if not data["jobinstancetype"]:
            del data["jobinstancetype"]
        return data
