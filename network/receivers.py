"""Hooks network registers into the apps below it (connected in NetworkConfig.ready)."""
from cloudstack_ui.dependents import register_owned_cleanup
from network.services.networks import remove_owned_networks
from network.services.security_groups import groups_named_by_others, remove_account_groups

# After compute's instances (order 10-40): their NICs hold the networks' addresses.
register_owned_cleanup("accounts.Account", 50, remove_owned_networks)
register_owned_cleanup("accounts.Account", 60, remove_account_groups, blockers=groups_named_by_others)
register_owned_cleanup("accounts.Domain", 50, remove_owned_networks)
