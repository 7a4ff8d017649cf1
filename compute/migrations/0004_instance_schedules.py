"""The schedules of instances: power states compared with the hosts' every
minute (as hosts are pinged), and destroyed instances expunged at
expunge.interval's default of a day."""
from django.db import migrations


def create_schedules(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=60, period="seconds")
    every_day, _ = IntervalSchedule.objects.get_or_create(every=86400, period="seconds")
    PeriodicTask.objects.update_or_create(
        name="Sync instance power states",
        defaults={"task": "compute.sync_instance_power_states", "interval": every_minute, "enabled": True})
    PeriodicTask.objects.update_or_create(
        name="Expunge destroyed instances",
        defaults={"task": "compute.expunge_destroyed_instances", "interval": every_day, "enabled": True})


def remove_schedules(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=["Sync instance power states", "Expunge destroyed instances"]).delete()


class Migration(migrations.Migration):
    dependencies = [("compute", "0003_templates_instances_volumes"), ("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [migrations.RunPython(create_schedules, remove_schedules)]
