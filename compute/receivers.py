"""Receivers of other apps' signals and hooks (connected in ComputeConfig.ready)."""
from django.db.models.signals import post_save
from django.dispatch import receiver

from compute.services.instances import reapply_security_rules
from compute.services.planner import host_use
from compute.services.templates import add_builtin_templates
from infrastructure.models import ImageStore
from infrastructure.services.capacity import register_host_use
from network.signals import security_group_rules_changed

register_host_use(host_use)


@receiver(security_group_rules_changed, dispatch_uid="compute.reapply_security_rules")
def reapply_security_rules_on_change(sender, groups, **kwargs):
    """Hosts re-apply the rules of running members when a group's rules change."""
    reapply_security_rules(groups)


@receiver(post_save, sender=ImageStore, dispatch_uid="compute.builtin_templates_to_new_store")
def download_builtin_templates(sender, instance, created, **kwargs):
    """A zone's new secondary storage gets the built-in (cross-zone) templates."""
    if created:
        add_builtin_templates(instance.zone)
