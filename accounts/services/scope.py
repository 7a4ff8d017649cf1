"""Who may see and manage what. A root admin reaches everything, a domain
admin the subtree of their account's domain, a user their own account. Every
queryset of a tenant resource goes through `scope_accounts` /
`scope_by_account` so the rule lives in one place."""
from django.db.models import QuerySet

from accounts.models import Account, Domain, Role, User
from cloudstack_ui.api.registry import all_commands
from cloudstack_ui.errors import NotFound, PermissionDenied


def visible_domains(caller) -> QuerySet[Domain]:
    """The domains a caller can see: all for root admins, the own subtree for
    domain admins, the own domain for users."""
    domains = Domain.objects.all()
    if caller.is_root_admin:
        return domains
    own = caller.account.domain
    if caller.is_domain_admin:
        return domains.filter(path__startswith=own.path)
    return domains.filter(pk=own.pk)


def scope_by_account(queryset: QuerySet, caller, account_field: str = "account") -> QuerySet:
    """Filter any queryset whose rows belong to an account down to what the
    caller may see."""
    if caller.is_root_admin:
        return queryset
    if caller.is_domain_admin:
        return queryset.filter(**{f"{account_field}__domain__path__startswith": caller.account.domain.path})
    return queryset.filter(**{account_field: caller.account_id})


def scope_accounts(caller) -> QuerySet[Account]:
    accounts = Account.objects.all()
    if caller.is_root_admin:
        return accounts
    if caller.is_domain_admin:
        return accounts.filter(domain__path__startswith=caller.account.domain.path)
    return accounts.filter(pk=caller.account_id)


def scope_users(caller) -> QuerySet[User]:
    return scope_by_account(User.objects.all(), caller)


def ancestor_paths(domain: Domain) -> list[str]:
    """The paths of the domain and of every domain above it ("/", "/Comp1/", ...):
    what is shared with a domain's ancestors reaches it."""
    parts = [p for p in domain.path.strip("/").split("/") if p]
    return ["/"] + ["/" + "/".join(parts[:n]) + "/" for n in range(1, len(parts) + 1)]


def within_subtree(domain: Domain, ancestor: Domain) -> bool:
    return domain.path.startswith(ancestor.path)


def ensure_can_admin_domain(caller, domain: Domain) -> None:
    """Refuse unless the caller administers this domain: root admins any,
    domain admins their own domain and below."""
    if caller.is_root_admin:
        return
    if caller.is_domain_admin and within_subtree(domain, caller.account.domain):
        return
    if visible_domains(caller).filter(pk=domain.pk).exists():
        raise PermissionDenied(f"Account {caller.account.name} does not have permission to manage domain {domain.full_path}")
    raise NotFound("Unable to find domain by the id given", field="domainid")


def ensure_can_admin_account(caller, account: Account) -> None:
    """Refuse unless the caller administers this account (not merely belongs
    to it). The rule follows CloudStack's AccountManagerImpl
    (checkAccess for the domain, checkCallerRoleTypeAllowedForUserOrAccountOperations
    for the role order, checkRoleEscalation for the commands):

    - a root admin administers every account;
    - a domain admin administers, within its domain subtree, user accounts and
      the domain-admin accounts of strictly lower subdomains (CloudStack lets
      a role type act on its own type only where
      `role.types.allowed.for.operations.on.users.of.same.role.type` says so;
      here that is never a peer in the same domain), and only accounts whose
      role can call no command the caller's own role cannot;
    - nobody but a root admin administers their own account or a root admin.

    Out of reach is "not found"; in reach but above the caller is refused."""
    if caller.is_root_admin:
        return
    if account.pk == caller.account_id:
        raise PermissionDenied(f"Account {caller.account.name} does not have permission to manage its own account")
    if not (caller.is_domain_admin and within_subtree(account.domain, caller.account.domain)):
        raise NotFound("Unable to find account by the id given", field="id")
    ensure_role_type_below_caller(caller, account.type, account.domain)
    ensure_no_role_escalation(caller, account.role)


def ensure_role_type_below_caller(caller, account_type: int, domain: Domain) -> None:
    """Refuse an account of `account_type` in `domain` that would rank with
    or above a non-root caller: root admins are never below anyone but a root
    admin, a domain admin only below the domain admins of domains above its own."""
    if caller.is_root_admin:
        return
    name = Account.Type(account_type).label
    if account_type == Account.Type.ADMIN:
        raise PermissionDenied(f"Account {caller.account.name} cannot manage or create {name} accounts",
                               field="accounttype")
    if account_type == Account.Type.DOMAIN_ADMIN and not (
        caller.is_domain_admin and domain.pk != caller.account.domain_id
        and within_subtree(domain, caller.account.domain)
    ):
        raise PermissionDenied(
            f"Account {caller.account.name} cannot manage or create {name} accounts in domain {domain.full_path}; "
            "only those of lower subdomains", field="accounttype")


def ensure_no_role_escalation(caller, role: Role) -> None:
    """Refuse a role that may call a command the caller's own role may not
    (CloudStack's checkRoleEscalation): nobody hands out or manages more than
    they have."""
    if caller.is_root_admin:
        return
    beyond = sorted(c.name for c in all_commands() if role.allows(c) and not caller.can_call(c))
    if beyond:
        shown = ", ".join(beyond[:5]) + (" ..." if len(beyond) > 5 else "")
        raise PermissionDenied(
            f"roleid: role {role.name} allows commands the caller's role does not ({shown})", field="roleid")


def ensure_can_manage_user(caller, user: User) -> None:
    """Users may manage themselves; admins the users of accounts they
    administer (see ensure_can_admin_account)."""
    if user.pk == caller.pk:
        return
    ensure_can_admin_account(caller, user.account)


def get_domain(caller, domain_uuid=None, path: str | None = None) -> Domain:
    """A visible domain by UUID or by path (`Comp1/sales`, blank for ROOT)."""
    domains = visible_domains(caller)
    try:
        if domain_uuid is not None:
            return domains.get(uuid=domain_uuid)
        return domains.get(path=path_from_login(path or ""))
    except (Domain.DoesNotExist, ValueError):
        raise NotFound("Unable to find domain by the id given", field="domainid")


def get_account(caller, account_uuid=None, name: str | None = None, domain: Domain | None = None) -> Account:
    accounts = scope_accounts(caller).select_related("domain", "role")
    try:
        if account_uuid is not None:
            return accounts.get(uuid=account_uuid)
        return accounts.get(name=name, domain=domain or caller.account.domain)
    except (Account.DoesNotExist, ValueError):
        raise NotFound("Unable to find account by the id given", field="id" if account_uuid else "account")


def get_user(caller, user_uuid) -> User:
    try:
        return scope_users(caller).select_related("account__domain", "account__role").get(uuid=user_uuid)
    except (User.DoesNotExist, ValueError):
        raise NotFound("Unable to find user by the id given", field="id")


def path_from_login(text: str) -> str:
    """The stored path for what a user types as Domain: blank or `ROOT` is
    ROOT ("/"); `Comp1/sales`, `/Comp1/sales/` and `ROOT/Comp1/sales` are
    "/Comp1/sales/"."""
    parts = [p for p in text.strip().split("/") if p.strip()]
    if parts and parts[0].upper() == "ROOT":
        parts = parts[1:]
    return "/" + "".join(f"{p.strip()}/" for p in parts)

