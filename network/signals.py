"""Signals of the network app, for apps above it (compute) that act on
network changes without network importing them."""
from django.dispatch import Signal

# Sent with `groups` (a list of SecurityGroup) after their rules changed,
# so that hosts re-apply the rules of the member instances.
security_group_rules_changed = Signal()
