"""Dashboard panels of the accounts app."""
from accounts.models import SSHKeyPair
from accounts.services.limits import usage_of
from accounts.services.scope import scope_accounts, scope_by_account, scope_users, visible_domains
from cloudstack_ui.ui.dashboard import Panel, register


def _getting_started(user):
    if not (user.is_root_admin and user.guided_setup):
        return None
    return {}


def _tenancy(user):
    if not (user.is_root_admin or user.is_domain_admin):
        return None
    return {
        "domain_count": visible_domains(user).count(),
        "account_count": scope_accounts(user).count(),
        "user_count": scope_users(user).count(),
    }


def _my_account(user):
    return {
        "account": user.account,
        "keypair_count": scope_by_account(SSHKeyPair.objects.all(), user).count(),
    }


def _usage_and_limits(user):
    """The user's account: what it holds of each limited resource, against its limit."""
    if user.is_root_admin:
        return None
    return {"usages": usage_of([user.account])}


register(Panel("Getting started", "accounts/panels/getting_started.html", _getting_started, order=0))
register(Panel("Domains, accounts and users", "accounts/panels/tenancy.html", _tenancy, order=10))
register(Panel("My account", "accounts/panels/my_account.html", _my_account, order=20))
register(Panel("Usage and limits", "accounts/panels/usage.html", _usage_and_limits, order=21))
