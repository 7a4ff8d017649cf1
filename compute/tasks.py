"""Celery tasks of the compute app: periodic work whose schedules live in
django-celery-beat."""
from celery import shared_task

from compute.services.instances import expunge_destroyed_instances, reconcile_security_rules, sync_power_states
from compute.services.snapshots import take_recurring_snapshot
from compute.services.templates import download_template

# Recurring snapshots ------------------------------------------------------------------------------

@shared_task(name="compute.take_recurring_snapshot", ignore_result=True)
def take_recurring_snapshot_task(policy: str) -> None:
    """Run by a snapshot policy's PeriodicTask (kwargs {"policy": uuid})."""
    take_recurring_snapshot(policy)


# Instances ----------------------------------------------------------------------------------------

@shared_task(name="compute.sync_instance_power_states", ignore_result=True)
def sync_instance_power_states_task() -> dict:
    """Power states first (an instance found off needs no rules), then the
    rules of running instances a host failed to apply are retried."""
    result = sync_power_states()
    result["rules_reapplied"] = reconcile_security_rules()
    return result


@shared_task(name="compute.expunge_destroyed_instances", ignore_result=True)
def expunge_destroyed_instances_task() -> int:
    return expunge_destroyed_instances()


# Templates ----------------------------------------------------------------------------------------

@shared_task(name="compute.download_template", ignore_result=True)
def download_template_task(entry_id: int) -> str:
    """Copy a template into one zone's secondary storage (the work of
    CloudStack's secondary storage VM)."""
    return download_template(entry_id).status
