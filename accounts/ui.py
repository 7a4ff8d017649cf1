"""What the accounts pages offer on each resource: actions, each running a
registered command, shown when the role allows the command and the row's
state makes sense (a disabled account offers Enable, not Disable)."""
from accounts.models import Account, User
from cloudstack_ui.ui.actions import Action


def _admin_of_other(obj, user) -> bool:
    """Admins act on accounts and users other than their own."""
    account = obj if isinstance(obj, Account) else obj.account
    return (user.is_root_admin or user.is_domain_admin) and account.pk != user.account_id


DOMAIN_ACTIONS = (
    Action("Add domain", "accounts:domain_create", "createDomain", icon="plus-lg"),
    Action("Edit", "accounts:domain_edit", "updateDomain", icon="pencil",
           show=lambda d, u: u.is_root_admin or d.pk != u.account.domain_id),
    Action("Add account", "accounts:account_create_in_domain", "createAccount", icon="person-plus"),
    Action("Delete", "accounts:domain_delete", "deleteDomain", icon="trash", danger=True,
           show=lambda d, u: not d.is_root and (u.is_root_admin or d.pk != u.account.domain_id)),
)

CREATE_ACCOUNT = Action("Add account", "accounts:account_create", "createAccount", icon="person-plus")

ACCOUNT_ACTIONS = (
    Action("Edit", "accounts:account_edit", "updateAccount", icon="pencil",
           show=lambda a, u: u.is_root_admin or _admin_of_other(a, u)),
    Action("Add user", "accounts:user_create", "createUser", icon="person-plus",
           show=lambda a, u: u.is_root_admin or _admin_of_other(a, u)),
    Action("Disable", "accounts:account_disable", "disableAccount", icon="slash-circle",
           show=lambda a, u: a.state != Account.State.DISABLED and _admin_of_other(a, u)),
    Action("Lock", "accounts:account_lock", "disableAccount", icon="lock",
           show=lambda a, u: a.state != Account.State.LOCKED and _admin_of_other(a, u)),
    Action("Enable", "accounts:account_enable", "enableAccount", icon="check-circle",
           show=lambda a, u: a.state != Account.State.ENABLED and _admin_of_other(a, u)),
    Action("Delete", "accounts:account_delete", "deleteAccount", icon="trash", danger=True,
           show=_admin_of_other),
)

USER_ACTIONS = (
    Action("Edit", "accounts:user_edit", "updateUser", icon="pencil"),
    Action("Change Password", "accounts:user_password", "updateUser", icon="key"),
    Action("Generate keys", "accounts:user_keys", "registerUserKeys", icon="braces-asterisk"),
    Action("Disable", "accounts:user_disable", "disableUser", icon="slash-circle",
           show=lambda x, u: x.state != User.State.DISABLED and x.pk != u.pk),
    Action("Lock", "accounts:user_lock", "lockUser", icon="lock",
           show=lambda x, u: x.state != User.State.LOCKED and x.pk != u.pk),
    Action("Enable", "accounts:user_enable", "enableUser", icon="check-circle",
           show=lambda x, u: x.state != User.State.ENABLED and x.pk != u.pk),
    Action("Delete", "accounts:user_delete", "deleteUser", icon="trash", danger=True,
           show=lambda x, u: x.pk != u.pk),
)

CREATE_KEYPAIR = Action("Create a SSH key pair", "accounts:sshkeypair_create", "createSSHKeyPair", icon="plus-lg")
REGISTER_KEYPAIR = Action("Register a public key", "accounts:sshkeypair_register", "registerSSHKeyPair", icon="upload")
