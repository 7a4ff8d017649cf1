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


def revoke_rule(rule, *with_rules) -> None:
    """Take a rule (and the rules that go with it, of the same network) off
    the router and delete them; when the router refuses, they are Active
    again and the error raised."""
    rules = (rule, *with_rules)
    with transaction.atomic():
        for each in rules:
            type(each).objects.select_for_update().filter(pk=each.pk).update(state=RuleState.REVOKE)
    try:
        routers.apply_network_rules(rule.network)
    except CloudStackError:
        restore_revoked_rule(*rules)
        raise
    for each in rules:
        type(each).objects.filter(pk=each.pk).delete()


def restore_revoked_rule(*rules) -> None:
    """Rules whose removal did not finish are Active again."""
    for rule in rules:
        type(rule).objects.filter(pk=rule.pk, state=RuleState.REVOKE).update(state=RuleState.ACTIVE)
