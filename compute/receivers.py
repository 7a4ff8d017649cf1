"""Receivers of other apps' signals and hooks (connected in ComputeConfig.ready)."""
from django.db.models.signals import post_save
from django.dispatch import receiver

from accounts.models import ResourceLimit
from accounts.services.limits import register_counter
from cloudstack_ui.dependents import register_owned_cleanup, register_releaser, register_teardown
from compute.services import removal, resource_counts
from compute.services.instances import reapply_security_rules
from compute.services.planner import host_use
from compute.services.templates import add_builtin_templates
from infrastructure.models import ImageStore
from infrastructure.services.capacity import register_host_use
from network.signals import security_group_rules_changed

register_host_use(host_use)
register_releaser("infrastructure.StoragePool", removal.release_pool_history)
register_teardown("infrastructure.StoragePool", removal.remove_template_copies)
register_releaser("infrastructure.Zone", removal.release_zone_history)
register_releaser("compute.DiskOffering", removal.release_disk_offering_history)
# Account cleanup, in CloudStack's order: instances (expunged with their
# root volumes), snapshots, the other volumes, templates; network's
# networks and security groups follow (network/receivers.py).
register_owned_cleanup("accounts.Account", 10, removal.remove_account_instances,
                       blockers=removal.templates_used_by_others)
register_owned_cleanup("accounts.Account", 20, removal.remove_account_snapshots)
register_owned_cleanup("accounts.Account", 30, removal.remove_account_volumes)
register_owned_cleanup("accounts.Account", 40, removal.remove_account_templates)
register_owned_cleanup("accounts.Domain", 10, removal.remove_domain_offerings,
                       blockers=removal.domain_offerings_used_elsewhere)
for resource_type, counter in ((ResourceLimit.Type.USER_VM, resource_counts.instance_counts),
                               (ResourceLimit.Type.VOLUME, resource_counts.volume_counts),
                               (ResourceLimit.Type.SNAPSHOT, resource_counts.snapshot_counts),
                               (ResourceLimit.Type.TEMPLATE, resource_counts.template_counts),
                               (ResourceLimit.Type.CPU, resource_counts.cpu_counts),
                               (ResourceLimit.Type.MEMORY, resource_counts.memory_counts),
                               (ResourceLimit.Type.PRIMARY_STORAGE, resource_counts.primary_storage_bytes)):
    register_counter(resource_type, counter)


@receiver(security_group_rules_changed, dispatch_uid="compute.reapply_security_rules")
def reapply_security_rules_on_change(sender, groups, **kwargs):
    """Hosts re-apply the rules of running members when a group's rules change."""
    reapply_security_rules(groups)


@receiver(post_save, sender=ImageStore, dispatch_uid="compute.builtin_templates_to_new_store")
def download_builtin_templates(sender, instance, created, **kwargs):
    """A zone's new secondary storage gets the built-in (cross-zone) templates."""
    if created:
        add_builtin_templates(instance.zone)
