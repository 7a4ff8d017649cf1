"""The schedule that recalculates capacity (capacity.check.period), and the
host ping at ping.interval's default of 60 seconds."""
from django.db import migrations


def create_schedules(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=60, period="seconds")
    every_five_minutes, _ = IntervalSchedule.objects.get_or_create(every=300, period="seconds")
    PeriodicTask.objects.filter(name="Ping hosts").update(interval=every_minute)
    PeriodicTask.objects.update_or_create(
        name="Recalculate capacity",
        defaults={"task": "infrastructure.recalculate_capacity", "interval": every_five_minutes, "enabled": True},
    )


class Migration(migrations.Migration):
    dependencies = [("infrastructure", "0005_host_states_and_capacity")]
    operations = [migrations.RunPython(create_schedules, migrations.RunPython.noop)]
