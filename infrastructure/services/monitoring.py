"""Host state: every host is pinged through its driver at ping.interval and
marked Up or Down (DESIGN.md section 5)."""
import logging
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from cloudstack_ui.config.keys import get_value
from cloudstack_ui.errors import CloudStackError
from infrastructure.hypervisors import get_driver
from infrastructure.models import Host
from infrastructure.settings_keys import PING_INTERVAL

logger = logging.getLogger(__name__)


def ping_due_hosts() -> dict[str, int]:
    """Ping the hosts not pinged for ping.interval seconds; answers how many
    were found up and down. A host that does not answer goes Down; one that
    answers again comes back Up."""
    due = timezone.now() - timedelta(seconds=get_value(PING_INTERVAL))
    counts = {"up": 0, "down": 0}
    for host in Host.objects.filter(Q(last_pinged__isnull=True) | Q(last_pinged__lt=due)):
        try:
            answered = get_driver(host.hypervisor).ping(host.url, host.username, host.password)
        except CloudStackError:
            answered = False
        state = Host.State.UP if answered else Host.State.DOWN
        if state != host.state:
            logger.warning("host %s is now %s", host.name, state)
        Host.objects.filter(pk=host.pk).update(state=state, last_pinged=timezone.now())
        counts["up" if answered else "down"] += 1
    return counts
