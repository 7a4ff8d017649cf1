"""The schedule that pings hosts; each run pings those due by ping.interval."""
from django.db import migrations


def create_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every, _ = IntervalSchedule.objects.get_or_create(every=30, period="seconds")
    PeriodicTask.objects.update_or_create(
        name="Ping hosts", defaults={"task": "infrastructure.ping_hosts", "interval": every, "enabled": True},
    )


class Migration(migrations.Migration):
    dependencies = [
        ("infrastructure", "0002_initial_data"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(create_schedule, migrations.RunPython.noop)]
