"""Settings that can be set per account, and the default account limits."""
from cloudstack_ui.config.keys import ConfigKey, declare, declare_scope


def _account(uuid):
    from accounts.models import Account

    return Account.objects.filter(uuid=uuid).first()


declare_scope("account", _account)


def _limit(name: str, default: str, what: str) -> ConfigKey:
    return declare(ConfigKey(f"max.account.{name}", "Account Defaults", "integer", default,
                             f"The default most {what} an account may have; -1 for no limit", min_value=-1))


# CloudStack's defaults, by resource type (accounts.models.ResourceLimit.Type).
ACCOUNT_LIMIT_KEYS = {
    0: _limit("user.vms", "20", "instances"),
    2: _limit("volumes", "20", "volumes"),
    3: _limit("snapshots", "20", "snapshots"),
    4: _limit("templates", "20", "templates and ISOs"),
    8: _limit("cpus", "40", "CPU cores its instances"),
    9: _limit("memory", "40960", "MB of memory its instances"),
    10: _limit("primary.storage", "200", "GB of primary storage its volumes"),
}
