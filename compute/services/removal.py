"""What compute lets go of, or removes, when a row of an app below it is
deleted (registered in compute/receivers.py through cloudstack_ui.dependents):

- a storage pool: Expunged volumes and Destroyed snapshots let go of it
  (they are history); the templates' copies on it are deleted from it;
- a zone: the Expunged volumes and Destroyed snapshots of the zone go;
- a disk offering: Expunged volumes let go of it;
- an account (deleteAccount, deleteDomain with cleanup): its instances are
  destroyed and expunged on their hosts, its volumes and snapshots deleted
  from storage, its templates removed, and the rows kept for its history go;
- a domain (deleteDomain with cleanup): its domain's own offerings.

Each step commits on its own; when a host or storage refuses, the error
is raised and what is left stays for a retry."""
from django.db import transaction
from django.db.models import Q

from cloudstack_ui.dependents import delete_checked
from compute.models import (
    DiskOffering,
    ServiceOffering,
    Snapshot,
    Template,
    TemplatePoolCopy,
    VirtualMachine,
    Volume,
)
from compute.services import instances, snapshots, templates, volumes
from compute.services.storage_access import driver_and_access, pool_host, pool_ref

VM = VirtualMachine.State


def release_pool_history(pool) -> None:
    Volume.objects.filter(storage_pool=pool, state=Volume.State.EXPUNGED).update(storage_pool=None)
    Snapshot.objects.filter(storage_pool=pool, state=Snapshot.State.DESTROYED).update(storage_pool=None)


def remove_template_copies(pool) -> None:
    """The pool is being deleted and no volume is left on it: the
    templates' copies on it go, from storage first."""
    for copy in TemplatePoolCopy.objects.filter(storage_pool=pool).select_related("storage_pool"):
        templates.remove_pool_copy(copy)


def release_zone_history(zone) -> None:
    Volume.objects.filter(zone=zone, state=Volume.State.EXPUNGED).delete()
    Snapshot.objects.filter(zone=zone, state=Snapshot.State.DESTROYED).delete()


def release_disk_offering_history(offering: DiskOffering) -> None:
    Volume.objects.filter(disk_offering=offering, state=Volume.State.EXPUNGED).update(disk_offering=None)


# --- account and domain cleanup -------------------------------------------------------------------

def templates_used_by_others(account) -> list[str]:
    """Account cleanup blockers: the account's templates that instances or
    volumes of other accounts still stand on."""
    reasons = []
    for template in Template.objects.filter(account=account):
        users = VirtualMachine.objects.filter(Q(template=template) | Q(iso=template)).exclude(account=account)
        disks = Volume.objects.filter(template=template, instance__isnull=True).exclude(account=account).exclude(
            state=Volume.State.EXPUNGED)
        used_by = ([f"instances {', '.join(sorted(vm.name for vm in users[:5]))}"] if users else []) + (
            [f"volumes {', '.join(sorted(v.name for v in disks[:5]))}"] if disks else [])
        if used_by:
            reasons.append(f"template {template.name} of account {account.name} is used by other accounts' "
                           + " and ".join(used_by))
    return reasons


def remove_account_instances(caller, account) -> None:
    """Destroy (powered off on the host) and expunge (undefined with its
    rules, root volume deleted, addresses released) every instance."""
    for vm in VirtualMachine.objects.filter(account=account).select_related("host", "last_host", "account"):
        if vm.state not in (VM.DESTROYED, VM.EXPUNGING):
            instances.destroy_virtual_machine(caller, vm)
            vm.refresh_from_db()
        # retry: an expunge a host refused half-way is finished now.
        instances.expunge_virtual_machine(vm, caller=caller, retry=True)


def remove_account_snapshots(caller, account) -> None:
    """Snapshots first: they live on the pools of the volumes."""
    for snapshot in Snapshot.objects.filter(account=account).select_related("storage_pool"):
        if snapshot.state != Snapshot.State.DESTROYED and snapshot.storage_pool_id and snapshot.path:
            driver, access = driver_and_access(pool_host(snapshot.storage_pool))
            driver.delete_volume(access, pool_ref(snapshot.storage_pool, snapshot.path))
        snapshot.delete()


def remove_account_volumes(caller, account) -> None:
    for volume in Volume.objects.filter(account=account).select_related("storage_pool"):
        if volume.state != Volume.State.EXPUNGED:
            volumes.delete_on_storage(volume)
        with transaction.atomic():
            snapshots.remove_policies(volume.snapshot_policies.all())
            volume.delete()


def remove_account_templates(caller, account) -> None:
    for template in Template.objects.filter(account=account):
        templates.delete_template(caller, template, forced=True)
        left = Template.objects.filter(pk=template.pk).first()
        if left is not None:  # kept, marked removed, for the instances the account had
            delete_checked(left)


def domain_offerings_used_elsewhere(domain) -> list[str]:
    """Domain cleanup blockers: the domain's own offerings that instances
    or volumes of accounts outside its subtree use."""
    outside = ~Q(account__domain__path__startswith=domain.path)
    reasons = [f"service offering {o.name} of domain {domain.full_path} is used by instance {vm.name}"
               for o in ServiceOffering.objects.filter(domain=domain)
               for vm in VirtualMachine.objects.filter(outside, service_offering=o)[:5]]
    reasons += [f"disk offering {o.name} of domain {domain.full_path} is used by volume {v.name}"
                for o in DiskOffering.objects.filter(domain=domain)
                for v in Volume.objects.filter(outside, disk_offering=o).exclude(state=Volume.State.EXPUNGED)[:5]]
    return reasons


def remove_domain_offerings(caller, domain) -> None:
    """The offerings made for the domain alone (CloudStack's domain
    cleanup removes them too); one in use elsewhere refuses, naming it."""
    for model in (ServiceOffering, DiskOffering):
        for offering in model.objects.filter(domain=domain):
            with transaction.atomic():
                delete_checked(offering, hint="destroy or expunge them first")
