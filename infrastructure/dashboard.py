"""Dashboard panel of the infrastructure, for root admins."""
from cloudstack_ui.ui.dashboard import Panel, register
from infrastructure.models import Host, StoragePool, Zone


def _infrastructure(user):
    if not user.is_root_admin:
        return None
    return {
        "zone_count": Zone.objects.count(),
        "enabled_zone_count": Zone.objects.filter(allocation_state="Enabled").count(),
        "host_count": Host.objects.count(),
        "hosts_down": Host.objects.exclude(state=Host.State.UP).count(),
        "pool_count": StoragePool.objects.count(),
    }


register(Panel("Infrastructure", "infrastructure/panels/infrastructure.html", _infrastructure, order=5))
