"""The life of a firewall or port forwarding rule, as CloudStack runs it:
a create stores the row in state Add and the job applies it (Active, or
the row is deleted when the router refuses: nothing is half-applied); a
delete marks it Revoke, applies (Revoke rules are left out) and deletes
it (back to Active when the router refuses)."""
from django.db import transaction

from cloudstack_ui.errors import CloudStackError
from network.models import RuleState
from network.services import routers


def apply_added_rules(network, *rules) -> None:
    """Apply rules of `network` recorded in state Add: Active once its
    router has them; deleted, and the router's error raised, when it is
    refused."""
    try:
        routers.apply_network_rules(network)
    except CloudStackError:
        for rule in rules:
            forget_added_rule(rule)
        raise
    for rule in rules:
        type(rule).objects.filter(pk=rule.pk, state=RuleState.ADD).update(state=RuleState.ACTIVE)
        rule.state = RuleState.ACTIVE


def forget_added_rule(rule) -> None:
    """Remove a rule that was recorded but never applied."""
    type(rule).objects.filter(pk=rule.pk, state=RuleState.ADD).delete()


def revoke_rule(rule) -> None:
    """Take a rule off the router and delete it; when the router refuses,
    the rule is Active again and the error raised."""
    with transaction.atomic():
        locked = type(rule).objects.select_for_update().get(pk=rule.pk)
        locked.state = RuleState.REVOKE
        locked.save(update_fields=["state"])
    try:
        routers.apply_network_rules(rule.network)
    except CloudStackError:
        restore_revoked_rule(rule)
        raise
    type(rule).objects.filter(pk=rule.pk).delete()


def restore_revoked_rule(rule) -> None:
    """A rule whose removal did not finish is Active again."""
    type(rule).objects.filter(pk=rule.pk, state=RuleState.REVOKE).update(state=RuleState.ACTIVE)
