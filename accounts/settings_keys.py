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


# Password policy (CloudStack 4.19's PasswordPolicy keys), applied through
# Django's AUTH_PASSWORD_VALIDATORS by accounts.password_validation.
def _policy(name: str, type_: str, default: str, description: str, **kwargs) -> ConfigKey:
    return declare(ConfigKey(f"password.policy.{name}", "Advanced", type_, default, description, **kwargs))


PASSWORD_MINIMUM_LENGTH = _policy(
    "minimum.length", "integer", "8", "Minimum length of a user's password; 0 for none", min_value=0)
PASSWORD_MINIMUM_DIGITS = _policy(
    "minimum.digits", "integer", "0", "Minimum number of digits [0-9] in a user's password", min_value=0)
PASSWORD_MINIMUM_SPECIAL = _policy(
    "minimum.special.characters", "integer", "0",
    "Minimum number of special characters (neither letters nor digits) in a user's password", min_value=0)
PASSWORD_MINIMUM_UPPERCASE = _policy(
    "minimum.uppercase.letters", "integer", "0", "Minimum number of uppercase letters [A-Z] in a user's password",
    min_value=0)
PASSWORD_MINIMUM_LOWERCASE = _policy(
    "minimum.lowercase.letters", "integer", "0", "Minimum number of lowercase letters [a-z] in a user's password",
    min_value=0)
PASSWORD_MAY_CONTAIN_USERNAME = _policy(
    "allowPasswordToContainUsername", "boolean", "false", "Whether a user's password may contain their username")
PASSWORD_REGEX = _policy(
    "regex", "string", ".+", "A regular expression that a user's password must match; '.+' matches any")
PASSWORD_POLICY_KEYS = (PASSWORD_MINIMUM_LENGTH, PASSWORD_MINIMUM_DIGITS, PASSWORD_MINIMUM_SPECIAL,
                        PASSWORD_MINIMUM_UPPERCASE, PASSWORD_MINIMUM_LOWERCASE, PASSWORD_MAY_CONTAIN_USERNAME,
                        PASSWORD_REGEX)
