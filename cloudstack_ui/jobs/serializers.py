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


class EventSerializer(serializers.Serializer):
    """EventResponse's fields."""

    id = serializers.UUIDField(source="uuid", read_only=True)
    type = serializers.CharField(read_only=True)
    level = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    state = serializers.SerializerMethodField()
    username = serializers.CharField(source="user.username", read_only=True, default="system")
    account = serializers.CharField(source="account.name", read_only=True, default="system")
    domainid = serializers.UUIDField(source="account.domain.uuid", read_only=True, default=None)
    domain = serializers.CharField(source="account.domain.name", read_only=True, default="ROOT")
    resourcetype = serializers.CharField(source="resource_type", read_only=True)
    resourceid = serializers.UUIDField(source="resource_uuid", read_only=True)
    created = CloudStackDateTimeField()

    def get_state(self, event) -> str:
        return "Completed"


class AlertSerializer(serializers.Serializer):
    """AlertResponse's fields."""

    id = serializers.UUIDField(source="uuid", read_only=True)
    type = serializers.IntegerField(read_only=True)
    name = serializers.CharField(source="get_type_display", read_only=True)
    description = serializers.CharField(source="subject", read_only=True)
    sent = CloudStackDateTimeField(source="created")
