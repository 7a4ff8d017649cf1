"""Changing settings: only root admins, only declared keys, only values of
the key's type; per object only for keys of that object's scope."""
from django.db import transaction

from cloudstack_ui.config.keys import ConfigKey, get_key, get_value, resolve_scope
from cloudstack_ui.config.models import ConfigurationValue
from cloudstack_ui.errors import InvalidParameter, PermissionDenied


def update_setting(caller, name: str, value: str, *, scope: str = "global", scope_uuid=None) -> ConfigKey:
    """Store `value` for the key `name`, globally or for one object of the
    key's scope (validated against its type); an empty value removes the
    value, so the global one (or the default) applies again."""
    if not caller.is_root_admin:
        raise PermissionDenied("Only root admins can change global settings")
    key = get_key(name)
    if scope != "global":
        if key.scope != scope:
            raise InvalidParameter(f"{scope}id: {key.name} is set {key.scope}-wide, not per {scope}",
                                   field=f"{scope}id")
        resolve_scope(scope, scope_uuid)
    else:
        scope_uuid = None
    key.parse(value)
    with transaction.atomic():
        rows = ConfigurationValue.objects.filter(name=key.name, scope=scope, scope_uuid=scope_uuid)
        if (value or "").strip() == "":
            rows.delete()
        else:
            ConfigurationValue.objects.update_or_create(name=key.name, scope=scope, scope_uuid=scope_uuid,
                                                        defaults={"value": value.strip()})
        if key.schedule and scope == "global":
            set_schedule_interval(key.schedule, get_value(key))
    return key


def set_schedule_interval(task_name: str, seconds: int) -> None:
    """Run the periodic task `task_name` every `seconds` (beat picks the
    change up from the database)."""
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    every, _ = IntervalSchedule.objects.get_or_create(every=int(seconds), period=IntervalSchedule.SECONDS)
    for task in PeriodicTask.objects.filter(name=task_name):  # save(): beat watches saves, not updates
        task.interval = every
        task.save(update_fields=["interval"])
