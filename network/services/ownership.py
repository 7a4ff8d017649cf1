"""Who manages a guest network."""
from accounts.services.scope import ensure_can_admin_account
from infrastructure.services.access import ensure_root_admin
from network.models import Network


def ensure_can_manage_network(caller, network: Network) -> None:
    """Shared networks are the root admin's; an isolated network belongs to
    its account, managed by it and the admins above it."""
    if network.is_isolated and network.account_id:
        if network.account_id != caller.account_id:
            ensure_can_admin_account(caller, network.account)
        return
    ensure_root_admin(caller)
