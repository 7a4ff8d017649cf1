"""Accounts: create (with their first user, as createAccount does), edit,
disable, lock, enable, delete."""
from django.db import transaction

from accounts.models import ROLE_TYPE_FOR_ACCOUNT_TYPE, Account, Domain, Role
from accounts.services.scope import (
    ensure_can_admin_account,
    ensure_can_admin_domain,
    ensure_no_role_escalation,
    ensure_role_type_below_caller,
)
from accounts.services.users import build_user, ensure_root_admin_remains
from accounts.services.validation import clean_network_domain, require_name
from cloudstack_ui.dependents import delete_checked, owned_cleanup_blockers, remove_owned
from cloudstack_ui.errors import CloudStackError, InvalidParameter, NotFound, PermissionDenied, ResourceInUse


def lock_account(account: Account) -> None:
    """Take the account's row lock until the transaction ends: what an
    account takes (counted against its limits, its default security group
    made on first use) is then decided one request after another."""
    Account.objects.select_for_update().filter(pk=account.pk).first()


def default_role(account_type: int) -> Role:
    return Role.objects.filter(type=ROLE_TYPE_FOR_ACCOUNT_TYPE[account_type], is_default=True).order_by("id").first()


def resolve_role(caller, *, account_type: int | None, role: Role | None) -> tuple[int, Role]:
    """CloudStack's createAccount takes `accounttype` or `roleid`; the role
    type and the account type must agree. Only root admins make root admins."""
    if role is None and account_type is None:
        account_type = Account.Type.USER
    if role is None:
        if account_type not in Account.Type.values:
            raise InvalidParameter("accounttype: must be 0 (user), 1 (root admin) or 2 (domain admin)", field="accounttype")
        role = default_role(account_type)
    else:
        type_for_role = {v: k for k, v in ROLE_TYPE_FOR_ACCOUNT_TYPE.items()}[Role.Type(role.type)]
        if account_type is not None and account_type != type_for_role:
            raise InvalidParameter(
                f"roleid: role {role.name} is of type {role.get_type_display()}, which does not match the account type",
                field="roleid",
            )
        account_type = type_for_role
    if account_type == Account.Type.ADMIN and not caller.is_root_admin:
        raise PermissionDenied("Only a root admin can create or promote root admin accounts", field="accounttype")
    return account_type, role


@transaction.atomic
def create_account(
    caller,
    *,
    domain: Domain,
    username: str,
    password: str,
    first_name: str,
    last_name: str,
    email: str = "",
    account_name: str = "",
    account_type: int | None = None,
    role: Role | None = None,
    timezone: str = "",
    network_domain: str = "",
) -> Account:
    """An account and its first user. The account name defaults to the username."""
    ensure_can_admin_domain(caller, domain)
    account_type, role = resolve_role(caller, account_type=account_type, role=role)
    ensure_role_type_below_caller(caller, account_type, domain)
    ensure_no_role_escalation(caller, role)
    username = require_name(username, "username", "username")
    name = require_name(account_name or username, "account", "account name")
    Domain.objects.select_for_update().get(pk=domain.pk)
    if Account.objects.filter(domain=domain, name__iexact=name).exists():
        raise InvalidParameter(f"account: an account named {name} already exists in domain {domain.full_path}", field="account")
    account = Account(
        name=name,
        domain=domain,
        type=account_type,
        role=role,
        network_domain=clean_network_domain(network_domain),
    )
    user = build_user(
        account=account,
        username=username,
        password=password,
        first_name=first_name,
        last_name=last_name,
        email=email,
        timezone=timezone,
    )
    account.save()
    user.account = account
    user.save()
    return account


@transaction.atomic
def update_account(
    caller, account: Account, *, new_name: str | None = None, network_domain: str | None = None, role: Role | None = None
) -> Account:
    ensure_can_admin_account(caller, account)
    account = Account.objects.select_for_update().get(pk=account.pk)
    if new_name is not None and new_name != account.name:
        new_name = require_name(new_name, "newname", "account name")
        if Account.objects.filter(domain=account.domain, name__iexact=new_name).exclude(pk=account.pk).exists():
            raise InvalidParameter(
                f"newname: an account named {new_name} already exists in domain {account.domain.full_path}", field="newname"
            )
        account.name = new_name
    if network_domain is not None:
        account.network_domain = clean_network_domain(network_domain)
    if role is not None and role.pk != account.role_id:
        if role.type != account.role.type:
            raise InvalidParameter(
                f"roleid: role {role.name} is of type {role.get_type_display()}; the account's role must stay of type "
                f"{account.role.get_type_display()}",
                field="roleid",
            )
        ensure_no_role_escalation(caller, role)
        account.role = role
    account.save()
    return account


@transaction.atomic
def disable_account(caller, account: Account, *, lock: bool = False) -> Account:
    """Disable (the account's users cannot log in) or lock (the same, and the
    state says an admin locked it). Never one's own account, never the last
    root admin."""
    _ensure_not_own(caller, account, "disable or lock")
    ensure_can_admin_account(caller, account)
    account = Account.objects.select_for_update().get(pk=account.pk)
    ensure_root_admin_remains(removing_users=account.users.all())
    account.state = Account.State.LOCKED if lock else Account.State.DISABLED
    account.save(update_fields=["state"])
    return account


@transaction.atomic
def enable_account(caller, account: Account) -> Account:
    _ensure_not_own(caller, account, "enable")
    ensure_can_admin_account(caller, account)
    account = Account.objects.select_for_update().get(pk=account.pk)
    account.state = Account.State.ENABLED
    account.save(update_fields=["state"])
    return account


def delete_account(caller, account: Account) -> None:
    """Delete an account with everything it owns, as CloudStack's account
    cleanup does: each app above registers its part (instances destroyed
    and expunged on their hosts, volumes, snapshots, templates, addresses,
    networks, security groups), then its key pairs and users go with the
    row. What would stop the cleanup (another account depending on its
    resources) refuses it before anything changes. The account is disabled
    first, so nothing new is made meanwhile; when a host or storage refuses
    half-way, the account stays, disabled, with what is left, and the error
    (of the host's or storage's code) says to run the delete again."""
    _ensure_not_own(caller, account, "delete")
    ensure_can_admin_account(caller, account)
    with transaction.atomic():
        account = Account.objects.select_for_update().get(pk=account.pk)
        ensure_root_admin_remains(removing_users=account.users.all())
        refuse_blocked_cleanup([account])
        account.state = Account.State.DISABLED
        account.save(update_fields=["state"])
    remove_account(caller, account)


def refuse_blocked_cleanup(owners) -> None:
    """ResourceInUse with every app's reason why the owners (accounts,
    domains) cannot be cleaned up, before anything is removed."""
    reasons = [reason for owner in owners for reason in owned_cleanup_blockers(owner)]
    if reasons:
        raise ResourceInUse("id: " + "; ".join(reasons), field="id")


def remove_account(caller, account: Account) -> None:
    """What the apps above own of the account, then the account itself
    (its users, key pairs, limits and groups cascade with it)."""
    try:
        remove_owned(caller, account)
        with transaction.atomic():
            delete_checked(Account.objects.select_for_update().get(pk=account.pk))
    except CloudStackError as exc:
        failed = CloudStackError(f"Account {account.name} is disabled and partly cleaned up: {exc.message}; "
                                 "run the delete again to finish", field=exc.field)
        failed.errorcode, failed.cserrorcode, failed.http_status = exc.errorcode, exc.cserrorcode, exc.http_status
        raise failed from exc


def _ensure_not_own(caller, account: Account, verb: str) -> None:
    if account.pk == caller.account_id:
        raise PermissionDenied(f"You cannot {verb} your own account")


def get_role(role_uuid) -> Role:
    try:
        return Role.objects.get(uuid=role_uuid)
    except (Role.DoesNotExist, ValueError):
        raise NotFound("Unable to find role by the id given", field="roleid")
