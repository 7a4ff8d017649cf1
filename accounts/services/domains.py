"""Domain tree: create, rename, delete (with optional cleanup of what it holds)."""
from django.db import transaction

from accounts.models import Account, Domain, User
from accounts.services.accounts import refuse_blocked_cleanup, remove_account
from accounts.services.scope import ensure_can_admin_domain
from accounts.services.users import ensure_root_admin_remains
from accounts.services.validation import clean_network_domain, require_name
from cloudstack_ui.dependents import delete_checked, remove_owned
from cloudstack_ui.errors import InvalidParameter, PermissionDenied, ResourceInUse


def root_domain() -> Domain:
    return Domain.objects.get(parent__isnull=True)


@transaction.atomic
def create_domain(caller, *, name: str, parent: Domain | None = None, network_domain: str = "") -> Domain:
    """A child of `parent` (ROOT by default); the name is unique among siblings."""
    parent = parent or root_domain()
    ensure_can_admin_domain(caller, parent)
    name = require_name(name, "name", "domain name")
    network_domain = clean_network_domain(network_domain)
    parent = Domain.objects.select_for_update().get(pk=parent.pk)
    if parent.children.filter(name__iexact=name).exists():
        raise InvalidParameter(f"name: domain {name} already exists under {parent.full_path}", field="name")
    return Domain.objects.create(
        name=name,
        parent=parent,
        path=f"{parent.path}{name}/",
        level=parent.level + 1,
        network_domain=network_domain,
    )


@transaction.atomic
def update_domain(caller, domain: Domain, *, name: str | None = None, network_domain: str | None = None) -> Domain:
    """Rename (the paths of the whole subtree follow) or change the network domain."""
    _ensure_can_change(caller, domain)
    domain = Domain.objects.select_for_update().get(pk=domain.pk)
    if network_domain is not None:
        domain.network_domain = clean_network_domain(network_domain)
    if name is not None and name != domain.name:
        if domain.is_root:
            raise InvalidParameter("name: the ROOT domain cannot be renamed", field="name")
        name = require_name(name, "name", "domain name")
        if domain.parent.children.filter(name__iexact=name).exclude(pk=domain.pk).exists():
            raise InvalidParameter(f"name: domain {name} already exists under {domain.parent.full_path}", field="name")
        old_path = domain.path
        new_path = f"{domain.parent.path}{name}/"
        for descendant in Domain.objects.select_for_update().filter(path__startswith=old_path).exclude(pk=domain.pk):
            descendant.path = new_path + descendant.path[len(old_path):]
            descendant.save(update_fields=["path"])
        domain.name = name
        domain.path = new_path
    domain.save()
    return domain


def delete_domain(caller, domain: Domain, *, cleanup: bool = False) -> None:
    """Delete a domain. One that holds subdomains or accounts is refused
    unless `cleanup` is asked for; then every account of the subtree is
    deleted with what it owns (as deleteAccount does), then what the apps
    above keep for each domain (domain offerings, domain networks), then
    the domains, deepest first. Anything else still depending on a domain
    refuses the delete naming it. When cleanup stops half-way, what is left
    stays for a retry."""
    _ensure_can_change(caller, domain)
    if domain.is_root:
        raise InvalidParameter("id: the ROOT domain cannot be deleted", field="id")
    with transaction.atomic():
        subtree = list(Domain.objects.select_for_update().filter(path__startswith=domain.path))
        accounts = list(Account.objects.filter(domain__in=subtree))
        if not cleanup and (len(subtree) > 1 or accounts):
            raise ResourceInUse(
                f"Domain {domain.full_path} still has subdomains or accounts; delete them first or ask for cleanup",
                field="cleanup",
            )
        ensure_root_admin_remains(removing_users=User.objects.filter(account__in=accounts))
        if cleanup:
            refuse_blocked_cleanup(accounts + subtree)
        Account.objects.filter(pk__in=[a.pk for a in accounts]).update(state=Account.State.DISABLED)
    for account in accounts:
        remove_account(caller, account)
    deepest_first = sorted(subtree, key=lambda d: d.level, reverse=True)
    if cleanup:
        for node in deepest_first:
            remove_owned(caller, node)
    with transaction.atomic():
        for node in deepest_first:
            delete_checked(Domain.objects.select_for_update().get(pk=node.pk), hint="delete them first")


def _ensure_can_change(caller, domain: Domain) -> None:
    """Root admins may change any domain; domain admins only strict
    descendants of their own (not the domain that holds their account)."""
    ensure_can_admin_domain(caller, domain)
    if not caller.is_root_admin and domain.pk == caller.account.domain_id:
        raise PermissionDenied(f"A domain admin cannot change their own domain {domain.full_path}")
