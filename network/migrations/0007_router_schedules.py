"""The network garbage collector (network.gc.interval, guide 13.16) and the
router check that rebuilds routers from the database after a host restart."""
from django.db import migrations


def create_schedules(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=60, period="seconds")
    every_ten_minutes, _ = IntervalSchedule.objects.get_or_create(every=600, period="seconds")
    PeriodicTask.objects.update_or_create(
        name="Network garbage collector",
        defaults={"task": "network.collect_idle_networks", "interval": every_ten_minutes, "enabled": True})
    PeriodicTask.objects.update_or_create(
        name="Check virtual routers",
        defaults={"task": "network.check_routers", "interval": every_minute, "enabled": True})


class Migration(migrations.Migration):
    dependencies = [("network", "0006_isolated_networks_and_virtual_router"),
                    ("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [migrations.RunPython(create_schedules, migrations.RunPython.noop)]
