"""What each account holds of the resources the compute app owns, counted
live for the account resource limits (registered in compute.receivers):
instances that are not destroyed or failed, with their offerings' CPU
cores and memory; volumes and their bytes; snapshots; templates and ISOs."""
from django.db.models import Count, Sum

from compute.models import Snapshot, Template, VirtualMachine, Volume

State = VirtualMachine.State
NOT_HELD = (State.DESTROYED, State.EXPUNGING, State.ERROR)


def _held_instances(account_ids):
    return VirtualMachine.objects.filter(account_id__in=account_ids).exclude(state__in=NOT_HELD).order_by()


def _grouped(queryset, value) -> dict[int, int]:
    return {account: amount or 0 for account, amount in
            queryset.values("account_id").annotate(amount=value).values_list("account_id", "amount")}


def instance_counts(account_ids) -> dict[int, int]:
    return _grouped(_held_instances(account_ids), Count("id"))


def cpu_counts(account_ids) -> dict[int, int]:
    return _grouped(_held_instances(account_ids), Sum("service_offering__cpu_number"))


def memory_counts(account_ids) -> dict[int, int]:
    return _grouped(_held_instances(account_ids), Sum("service_offering__memory"))


def _volumes(account_ids):
    return Volume.objects.filter(account_id__in=account_ids, removed__isnull=True).exclude(
        state__in=(Volume.State.EXPUNGED, Volume.State.DESTROY)).order_by()


def volume_counts(account_ids) -> dict[int, int]:
    return _grouped(_volumes(account_ids), Count("id"))


def primary_storage_bytes(account_ids) -> dict[int, int]:
    return _grouped(_volumes(account_ids), Sum("size"))


def snapshot_counts(account_ids) -> dict[int, int]:
    return _grouped(Snapshot.objects.filter(account_id__in=account_ids).exclude(
        state__in=(Snapshot.State.DESTROYED, Snapshot.State.ERROR)).order_by(), Count("id"))


def template_counts(account_ids) -> dict[int, int]:
    return _grouped(Template.objects.filter(account_id__in=account_ids, removed__isnull=True,
                                            template_type=Template.Type.USER).order_by(), Count("id"))
