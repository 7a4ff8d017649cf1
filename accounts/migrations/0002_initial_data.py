"""What a fresh install has (guide 5.1): domain ROOT, the default roles,
account `admin` (root admin) with user `admin` / `password`, who must set a
new password at first login; and the schedule that purges old login
failures."""
import uuid

from django.contrib.auth.hashers import make_password
from django.db import migrations

DEFAULT_ROLES = [
    ("Root Admin", "Admin", "Default root admin role"),
    ("Domain Admin", "DomainAdmin", "Default domain admin role"),
    ("User", "User", "Default user role"),
]


def create_initial_data(apps, schema_editor):
    Domain = apps.get_model("accounts", "Domain")
    Role = apps.get_model("accounts", "Role")
    Account = apps.get_model("accounts", "Account")
    User = apps.get_model("accounts", "User")
    root = Domain.objects.create(uuid=uuid.uuid4(), name="ROOT", parent=None, path="/", level=0)
    roles = {}
    for name, role_type, description in DEFAULT_ROLES:
        roles[role_type] = Role.objects.create(
            uuid=uuid.uuid4(), name=name, type=role_type, description=description, is_default=True
        )
    admin_account = Account.objects.create(uuid=uuid.uuid4(), name="admin", domain=root, type=1, role=roles["Admin"])
    User.objects.create(
        uuid=uuid.uuid4(),
        account=admin_account,
        domain=root,
        username="admin",
        first_name="admin",
        last_name="cloud",
        password=make_password("password"),
        must_change_password=True,
    )


def create_schedules(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_five_minutes, _ = IntervalSchedule.objects.get_or_create(every=5, period="minutes")
    PeriodicTask.objects.update_or_create(
        name="Purge expired login failures",
        defaults={"task": "accounts.purge_login_failures", "interval": every_five_minutes, "enabled": True},
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunPython(create_initial_data, migrations.RunPython.noop),
        migrations.RunPython(create_schedules, migrations.RunPython.noop),
    ]
