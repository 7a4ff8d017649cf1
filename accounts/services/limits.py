"""Account resource limits (CloudStack's listResourceLimits and
updateResourceLimit): how many instances, volumes, snapshots and templates
an account may have, and how many CPU cores, MB of memory and GB of
primary storage its instances and volumes may take.

An account's limit is its own (a ResourceLimit row) or the global setting
`max.account.*`; -1 is unlimited, and the root admin's account is never
limited. Usage is counted live from the rows of the apps that own the
resources (they register a counter per type; accounts does not import
them), so there is no stored count to drift. `check_resource_limits`
locks the account's row before counting: concurrent requests of one
account are counted one after another, and the request that would pass
the limit is refused."""
from collections.abc import Callable
from dataclasses import dataclass

from accounts.models import Account, ResourceLimit
from accounts.services.accounts import lock_account
from accounts.services.scope import ensure_can_admin_account
from accounts.settings_keys import ACCOUNT_LIMIT_KEYS
from cloudstack_ui.config.keys import read_values
from cloudstack_ui.errors import InvalidParameter, PermissionDenied, ResourceAllocationError

GB = 1024**3

Type = ResourceLimit.Type
# What each type counts in, as CloudStack shows it (primary storage in GB).
UNITS = {Type.CPU: "cores", Type.MEMORY: "MB", Type.PRIMARY_STORAGE: "GB"}
LABELS = {Type.USER_VM: "Instances", Type.VOLUME: "Volumes", Type.SNAPSHOT: "Snapshots",
          Type.TEMPLATE: "Templates and ISOs", Type.CPU: "CPU cores", Type.MEMORY: "Memory",
          Type.PRIMARY_STORAGE: "Primary storage"}

# type -> counter(account_ids) -> {account_id: amount}; amounts of primary
# storage are bytes.
_counters: dict[int, Callable[[list[int]], dict[int, int]]] = {}


def register_counter(resource_type: int, counter: Callable[[list[int]], dict[int, int]]) -> None:
    """An app that owns a resource tells how much of it accounts hold."""
    _counters[resource_type] = counter


def supported_types() -> list[int]:
    """The types that are counted, hence limited, in CloudStack's order."""
    return sorted(_counters)


@dataclass(frozen=True)
class Usage:
    account: Account
    resource_type: int
    used: int  # in the type's unit (GB for primary storage, rounded up)
    limit: int  # -1: unlimited

    @property
    def type_name(self) -> str:
        return Type(self.resource_type).label

    @property
    def label(self) -> str:
        return LABELS.get(self.resource_type, self.type_name)

    @property
    def unit(self) -> str:
        return UNITS.get(self.resource_type, "")

    @property
    def percent(self) -> int:
        return min(100, round(self.used * 100 / self.limit)) if self.limit > 0 else 0


def _in_unit(resource_type: int, amount: int) -> int:
    return -(-amount // GB) if resource_type == Type.PRIMARY_STORAGE else amount


def limits_of(accounts: list[Account], resource_type: int | None = None) -> dict[tuple[int, int], int]:
    """{(account id, type): limit} for these accounts, explicit or the
    global default, in two queries whatever the number of accounts and types."""
    types = [resource_type] if resource_type is not None else supported_types()
    explicit = {(row.account_id, row.resource_type): row.max for row in ResourceLimit.objects.filter(
        account__in=accounts, resource_type__in=types)}
    settings = read_values([ACCOUNT_LIMIT_KEYS[t] for t in types])
    defaults = {t: settings.get(ACCOUNT_LIMIT_KEYS[t]) for t in types}
    return {(a.pk, t): -1 if a.is_root_admin else explicit.get((a.pk, t), defaults[t]) for a in accounts for t in types}


def usage_of(accounts: list[Account], resource_type: int | None = None) -> list[Usage]:
    """Each account's use and limit of each supported type (or of one)."""
    types = [resource_type] if resource_type is not None else supported_types()
    limits = limits_of(accounts, resource_type)
    ids = [a.pk for a in accounts]
    used = {t: _counters[t](ids) for t in types}
    return [Usage(a, t, _in_unit(t, used[t].get(a.pk, 0)), limits[(a.pk, t)]) for a in accounts for t in types]


def check_resource_limits(account: Account, wanted: dict[int, int]) -> None:
    """Refuse with ResourceAllocationError, naming the type, when the
    account would pass a limit by taking `wanted` more of each type (bytes
    for primary storage). Call it inside the transaction that records what
    is taken: it holds the account's row lock until that commits."""
    wanted = {t: amount for t, amount in wanted.items() if amount > 0 and t in _counters}
    if not wanted or account.is_root_admin:
        return
    lock_account(account)
    limits = limits_of([account])
    for resource_type, amount in wanted.items():
        limit = limits[(account.pk, resource_type)]
        if limit < 0:
            continue
        used = _counters[resource_type]([account.pk]).get(account.pk, 0)
        if _in_unit(resource_type, used + amount) > limit:
            unit = UNITS.get(resource_type, "")
            raise ResourceAllocationError(
                f"Maximum number of resources of type '{Type(resource_type).label}' for account {account.name} "
                f"in domain {account.domain.path} has been exceeded: {limit}{' ' + unit if unit else ''} allowed, "
                f"{_in_unit(resource_type, used)} in use, {_in_unit(resource_type, amount)} more asked")


def update_resource_limit(caller, account: Account, resource_type: int, maximum: int) -> Usage:
    """Set the account's own limit of a type (-1: unlimited). Root admins
    set any account's; domain admins those of other accounts in their
    domain subtree, never their own."""
    if resource_type not in _counters:
        raise InvalidParameter(f"resourcetype: {resource_type} is not one of the limited types "
                               f"({', '.join(str(t) for t in supported_types())})", field="resourcetype")
    if maximum < -1:
        raise InvalidParameter("max: -1 (unlimited) or a count of at least 0", field="max")
    if account.pk == caller.account_id and not caller.is_root_admin:
        raise PermissionDenied("account: a domain admin does not set the limits of their own account",
                               field="account")
    ensure_can_admin_account(caller, account)
    if account.is_root_admin:
        raise InvalidParameter(f"account: account {account.name} is a root admin's, which has no limits",
                               field="account")
    ResourceLimit.objects.update_or_create(account=account, resource_type=resource_type,
                                           defaults={"max": maximum})
    return usage_of([account], resource_type)[0]
