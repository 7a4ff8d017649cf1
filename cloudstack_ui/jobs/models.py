import uuid

from django.conf import settings
from django.db import models

from cloudstack_ui.crypto import EncryptedTextField


class AsyncJob(models.Model):
    """One async command call. The row exists before the Celery task, so a job
    is never lost between the call and the worker; `queued_at` and
    `queue_attempts` record when and how often its task was sent, so the
    reconciler can tell a message no worker ever took; `heartbeat` is
    refreshed by the worker while the job runs so the reconciler can tell a
    dead worker."""

    class Status(models.IntegerChoices):
        # CloudStack's jobstatus values.
        PENDING = 0, "Pending"
        SUCCEEDED = 1, "Succeeded"
        FAILED = 2, "Failed"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    command = models.CharField(max_length=255)
    # The declared parameters of the call, encrypted: they may hold secrets.
    params = EncryptedTextField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="async_jobs")
    status = models.PositiveSmallIntegerField(choices=Status.choices, default=Status.PENDING, db_index=True)
    progress = models.PositiveSmallIntegerField(default=0)
    # Item-by-item progress of long jobs (the zone launch), as the job reports it.
    progress_detail = models.JSONField(default=list, blank=True)
    result_code = models.PositiveIntegerField(default=0)
    result_type = models.CharField(max_length=16, default="object")
    result = models.JSONField(null=True, blank=True)
    # The secret fields of the answer (an instance's new password), held out
    # of `result` and encrypted, as {"<response name>": {"<field>": value}}
    # in JSON, until the job's owner has read them once; then emptied.
    result_secrets = EncryptedTextField(blank=True, default="")
    instance_type = models.CharField(max_length=64, blank=True)
    instance_uuid = models.UUIDField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True, db_index=True)
    # When the job's Celery task was last sent (or its send tried), and how
    # many times; the reconciler re-sends a task no worker took.
    queued_at = models.DateTimeField(null=True, blank=True)
    queue_attempts = models.PositiveSmallIntegerField(default=0)
    started = models.DateTimeField(null=True, blank=True)
    heartbeat = models.DateTimeField(null=True, blank=True)
    completed = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        indexes = [models.Index(fields=["status", "heartbeat"], name="job_status_heartbeat"),
                   models.Index(fields=["status", "queued_at"], name="job_status_queued")]

    def __str__(self):
        return f"{self.command} {self.uuid}"

    @property
    def is_done(self) -> bool:
        return self.status != self.Status.PENDING


class Event(models.Model):
    """What happened to a resource, for the account that owns it (CloudStack's
    events: listEvents). Events about infrastructure belong to the system
    (no account) and are shown to root admins."""

    class Level(models.TextChoices):
        INFO = "INFO"
        WARN = "WARN"
        ERROR = "ERROR"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    type = models.CharField(max_length=64, db_index=True)  # CloudStack's event type, e.g. HOST.RECONNECT
    level = models.CharField(max_length=8, choices=Level.choices, default=Level.INFO)
    description = models.TextField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    account = models.ForeignKey("accounts.Account", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="events")
    resource_type = models.CharField(max_length=32, blank=True)
    resource_uuid = models.UUIDField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["resource_type", "resource_uuid"], name="event_resource")]

    def __str__(self):
        return f"{self.type}: {self.description}"


class Alert(models.Model):
    """Something an operator must look at (CloudStack's alerts: listAlerts);
    shown on the dashboard until archived."""

    class Type(models.IntegerChoices):
        # CloudStack's AlertType ids.
        MEMORY = 0, "ALERT.MEMORY"
        CPU = 1, "ALERT.CPU"
        STORAGE = 2, "ALERT.STORAGE"
        STORAGE_ALLOCATED = 3, "ALERT.STORAGE.ALLOCATED"
        HOST = 7, "ALERT.HOST"
        USER_VM = 8, "ALERT.USERVM"
        DOMAIN_ROUTER = 9, "ALERT.DOMAINROUTER"
        MANAGEMENT = 13, "ALERT.MANAGEMENT"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    type = models.PositiveSmallIntegerField(choices=Type.choices)
    subject = models.CharField(max_length=999)
    zone_uuid = models.UUIDField(null=True, blank=True)
    resource_type = models.CharField(max_length=32, blank=True)
    resource_uuid = models.UUIDField(null=True, blank=True)
    archived = models.BooleanField(default=False, db_index=True)
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self):
        return self.subject
