"""Async jobs hold the secrets of their answer encrypted, apart from the
result, and record how often their task was sent. Existing rows: the
instance passwords stored in clear in old results are removed (each
instance keeps its own, encrypted), and pending jobs count as sent once
when they were created, so the reconciler can tell the lost ones."""
from django.conf import settings
from django.db import migrations, models
from django.db.models import F

import cloudstack_ui.crypto


def forget_clear_passwords_and_date_pending_sends(apps, schema_editor):
    AsyncJob = apps.get_model("jobs", "AsyncJob")
    for job in AsyncJob.objects.filter(result__isnull=False).only("pk", "result").iterator():
        answered = job.result.get("virtualmachine") if isinstance(job.result, dict) else None
        if isinstance(answered, dict) and "password" in answered:
            del answered["password"]
            AsyncJob.objects.filter(pk=job.pk).update(result=job.result)
    AsyncJob.objects.filter(status=0, queued_at__isnull=True).update(queued_at=F("created"), queue_attempts=1)


class Migration(migrations.Migration):

    dependencies = [
        ('jobs', '0005_protocol_alert_user_vm'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='asyncjob',
            name='queue_attempts',
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='asyncjob',
            name='queued_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='asyncjob',
            name='result_secrets',
            field=cloudstack_ui.crypto.EncryptedTextField(blank=True, default=''),
        ),
        migrations.AddIndex(
            model_name='asyncjob',
            index=models.Index(fields=['status', 'queued_at'], name='job_status_queued'),
        ),
        migrations.RunPython(forget_clear_passwords_and_date_pending_sends, migrations.RunPython.noop),
    ]
