"""Hooks infrastructure registers into the apps below it (connected in InfrastructureConfig.ready)."""
from cloudstack_ui.dependents import register_owned_cleanup
from infrastructure.services.zones import release_dedicated_zones

register_owned_cleanup("accounts.Domain", 90, release_dedicated_zones)
