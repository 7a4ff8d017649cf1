"""Recording events and raising alerts. Both are rows written in the
caller's transaction, so an event never outlives a rolled-back change."""
from cloudstack_ui.jobs.models import Alert, Event


def record_event(type: str, description: str, *, level: str = Event.Level.INFO, user=None, account=None,
                 resource=None, resource_type: str = "") -> Event:
    """An event about `resource` (any model with a uuid); the account is the
    acting user's unless given."""
    if account is None and user is not None:
        account = getattr(user, "account", None)
    return Event.objects.create(
        type=type, level=level, description=description, user=user, account=account,
        resource_type=resource_type or (type.split(".")[0].title() if resource is not None else ""),
        resource_uuid=getattr(resource, "uuid", None))


def raise_alert(type: int, subject: str, *, zone=None, resource=None, resource_type: str = "") -> Alert:
    """An alert for the operators, shown on the dashboard until archived."""
    return Alert.objects.create(type=type, subject=subject, zone_uuid=getattr(zone, "uuid", None),
                                resource_type=resource_type, resource_uuid=getattr(resource, "uuid", None))


def archive_alerts(caller, *, ids=None, alert_type: int | None = None) -> int:
    """Archive alerts (root admins): those with the given ids, or of a type,
    or all. Answers how many."""
    from cloudstack_ui.errors import PermissionDenied

    if not caller.is_root_admin:
        raise PermissionDenied("Only root admins can archive alerts")
    alerts = Alert.objects.filter(archived=False)
    if ids:
        alerts = alerts.filter(uuid__in=ids)
    if alert_type is not None:
        alerts = alerts.filter(type=alert_type)
    return alerts.update(archived=True)
