"""Dashboard panel of the operators' alerts, for root admins."""
from cloudstack_ui.jobs.models import Alert
from cloudstack_ui.ui.dashboard import Panel, register


def _alerts(user):
    if not user.is_root_admin:
        return None
    alerts = Alert.objects.filter(archived=False)
    return {"alerts": list(alerts[:5]), "alert_count": alerts.count()}


register(Panel("Alerts", "jobs/panels/alerts.html", _alerts, order=4))
