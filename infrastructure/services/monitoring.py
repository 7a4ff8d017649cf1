"""Host state (DESIGN.md section 5). Every host is pinged through its driver
on the "Ping hosts" schedule (ping.interval):

- it answers: Up;
- it answers but refuses the stored credentials: Alert;
- it does not answer: Disconnected, then Down once it has been silent for
  ping.interval x ping.timeout seconds;
- its driver fails in another way: Error.

Each change is recorded as an event on the host; Down, Alert and Error also
raise an alert for the operators. Force Reconnect reads the host's facts
again and brings it Up, or says why it cannot."""
import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from cloudstack_ui.config.keys import get_value
from cloudstack_ui.errors import CloudStackError
from cloudstack_ui.jobs.events import raise_alert, record_event
from cloudstack_ui.jobs.models import Alert, Event
from infrastructure.hypervisors import HostAccess, HostAuthenticationFailed, HostUnreachable, get_driver
from infrastructure.models import Host
from infrastructure.services.access import ensure_root_admin, locked
from infrastructure.settings_keys import PING_INTERVAL, PING_TIMEOUT

logger = logging.getLogger(__name__)

_ALERTING = (Host.State.DOWN, Host.State.ALERT, Host.State.ERROR)


def host_access(host: Host) -> HostAccess:
    return HostAccess(host.url, host.username, host.password)


def ping_hosts() -> dict[str, int]:
    """Ping every host once; answers how many are in each state afterwards."""
    counts: dict[str, int] = {}
    silence_limit = timedelta(seconds=get_value(PING_INTERVAL) * get_value(PING_TIMEOUT))
    for host in Host.objects.select_related("zone"):
        state, reason = _ping(host, silence_limit)
        set_host_state(host, state, reason)
        counts[state] = counts.get(state, 0) + 1
    return counts


def _ping(host: Host, silence_limit: timedelta) -> tuple[str, str]:
    try:
        if get_driver(host.hypervisor).ping(host_access(host)):
            return Host.State.UP, ""
        reason = "it does not answer"
    except HostAuthenticationFailed as exc:
        return Host.State.ALERT, exc.message
    except HostUnreachable as exc:
        reason = exc.message
    except CloudStackError as exc:
        return Host.State.ERROR, exc.message
    silent_since = host.last_answered or host.state_changed or host.created
    if timezone.now() - silent_since >= silence_limit:
        return Host.State.DOWN, reason
    return Host.State.DISCONNECTED, reason


@transaction.atomic
def set_host_state(host: Host, state: str, reason: str = "", *, user=None) -> Host:
    """Record a ping's (or reconnect's) outcome; on a change, an event, and
    an alert when the host is now Down, Alert or Error."""
    host = locked(Host, host)
    now = timezone.now()
    host.last_pinged = now
    if state == Host.State.UP:
        host.last_answered = now
    fields = ["last_pinged", "last_answered"]
    if state != host.state:
        previous, host.state, host.state_changed, host.state_reason = host.state, state, now, reason[:512]
        fields += ["state", "state_changed", "state_reason"]
        logger.warning("host %s is now %s (was %s): %s", host.name, state, previous, reason)
        level = Event.Level.INFO if state == Host.State.UP else Event.Level.WARN
        description = f"Host {host.name} is {state}, was {previous}" + (f": {reason}" if reason else "")
        record_event("HOST.STATE", description, level=level, user=user, resource=host, resource_type="Host")
        if state in _ALERTING:
            raise_alert(Alert.Type.HOST, f"Host {host.name} in zone {host.zone.name} is {state}"
                        + (f": {reason}" if reason else ""), zone=host.zone, resource=host, resource_type="Host")
    host.save(update_fields=fields)
    return host


def reconnect_host(caller, host: Host) -> Host:
    """Force Reconnect: connect through the driver, refresh the host's facts
    and bring it Up. When the host cannot be reached its state says why and
    the error is raised to the caller."""
    ensure_root_admin(caller)
    try:
        facts = get_driver(host.hypervisor).connect(host_access(host))
    except HostAuthenticationFailed as exc:
        set_host_state(host, Host.State.ALERT, exc.message, user=caller)
        raise
    except HostUnreachable as exc:
        current = Host.objects.values_list("state", flat=True).get(pk=host.pk)
        set_host_state(host, Host.State.DISCONNECTED if current == Host.State.UP else current, exc.message,
                       user=caller)
        raise
    with transaction.atomic():
        host = locked(Host, host)
        for field in ("cpu_sockets", "cpu_number", "cpu_speed", "cpu_model", "cpu_flags", "memory",
                      "hypervisor_version"):
            setattr(host, field, getattr(facts, field))
        host.save()
        record_event("HOST.RECONNECT", f"Reconnected host {host.name}", user=caller, resource=host,
                     resource_type="Host")
        return set_host_state(host, Host.State.UP, "reconnected", user=caller)
