"""What still depends on an object that is asked to be deleted.

Apps import downwards (DESIGN.md), so the owner of a row often cannot name
the rows of higher apps that point at it (a storage pool cannot import the
volumes on it). Registries, filled by the higher apps in their
AppConfig.ready, bridge that:

- a *releaser*, registered for a model of a lower app, detaches that app's
  historic rows (an Expunged volume, a Destroyed snapshot) from the object
  inside the delete's transaction: records kept for the history are not
  dependents; Django's own deletion collector then finds every row still
  protecting the object, whatever app it lives in;
- a *teardown* removes what the app keeps for the object outside the
  database (template copies on a pool) once nothing depends on it;
- an *owned cleanup* removes, in order, what an owner (an account, a
  domain) owns in that app when the owner is deleted with cleanup, with
  *blockers* that refuse the whole cleanup before anything is removed.

`ensure_deletable` runs both and raises ResourceInUse naming the dependents
("Storage pool p1 still has 2 volumes: ROOT-5, DATA-6"); every delete
service calls it before deleting, so no protected-foreign-key error reaches
a caller. `describe_database_refusal` turns such an error (or an integrity
error) that escaped anyway into the same typed error, for the surfaces'
last-resort mapping."""
import logging
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.apps import apps
from django.db import IntegrityError, router
from django.db.models import Model, ProtectedError, RestrictedError
from django.db.models.deletion import Collector

from cloudstack_ui.errors import ResourceInUse

logger = logging.getLogger(__name__)

SHOWN_NAMES = 5

_releasers: dict[str, list[Callable]] = defaultdict(list)
_teardowns: dict[str, list[Callable]] = defaultdict(list)


def register_releaser(model_label: str, releaser: Callable[[Model], None]) -> None:
    """`releaser(obj)` detaches the caller app's historic rows from `obj`
    (an instance of `model_label`, "app.Model") before `obj` is checked for
    dependents. Database changes only: a refusal rolls them back."""
    if releaser not in _releasers[model_label]:
        _releasers[model_label].append(releaser)


def register_teardown(model_label: str, teardown: Callable[[Model], None]) -> None:
    """`teardown(obj)` removes what the caller app keeps for `obj` outside
    the database (a template's copies on a storage pool being deleted),
    once `obj` has no dependents left; it runs before `obj` is deleted and
    raises (a CloudStackError) to keep `obj` when it cannot finish."""
    if teardown not in _teardowns[model_label]:
        _teardowns[model_label].append(teardown)


def tear_down(obj: Model) -> None:
    for teardown in _teardowns.get(obj._meta.label, ()):
        teardown(obj)


@dataclass(frozen=True)
class OwnedCleanup:
    """What one app removes of its own when an owner (an account, a
    domain) is deleted with cleanup: `remove(caller, owner)`, in `order`
    (lower first: instances before the networks their NICs are on);
    `blockers(owner)` names what must stop the whole deletion before
    anything is removed (another account's rule naming the owner's group)."""

    order: int
    remove: Callable
    blockers: Callable | None = None


_owned: dict[str, list[OwnedCleanup]] = defaultdict(list)


def register_owned_cleanup(model_label: str, order: int, remove: Callable, *,
                           blockers: Callable | None = None) -> None:
    cleanup = OwnedCleanup(order, remove, blockers)
    if cleanup not in _owned[model_label]:
        _owned[model_label].append(cleanup)
        _owned[model_label].sort(key=lambda c: c.order)


def owned_cleanup_blockers(owner: Model) -> list[str]:
    """Why the owner's cleanup cannot start, from every registered app."""
    reasons: list[str] = []
    for cleanup in _owned.get(owner._meta.label, ()):
        if cleanup.blockers is not None:
            reasons.extend(cleanup.blockers(owner))
    return reasons


def remove_owned(caller, owner: Model) -> None:
    """Each registered app removes what the owner owns, in order; the
    first error is raised and what is left stays for a retry."""
    for cleanup in _owned.get(owner._meta.label, ()):
        cleanup.remove(caller, owner)


def label_of(obj: Model) -> str:
    """ "Storage pool p1": the model's verbose name and the object's name."""
    meta = obj._meta
    return f"{meta.verbose_name[:1].upper()}{meta.verbose_name[1:]} {_name(obj)}"


def _name(obj: Model) -> str:
    name = getattr(obj, "name", None)
    return str(name) if name else str(obj)


def describe_dependents(objects: Iterable[Model]) -> str:
    """ "2 volumes: ROOT-5, DATA-6; 1 virtual machine: web1", by model, a
    few names each."""
    by_model: dict[type, list[Model]] = defaultdict(list)
    for obj in objects:
        by_model[type(obj)].append(obj)
    parts = []
    for model, rows in sorted(by_model.items(), key=lambda item: item[0]._meta.verbose_name):
        noun = model._meta.verbose_name if len(rows) == 1 else model._meta.verbose_name_plural
        names = sorted(_name(row) for row in rows)
        shown = ", ".join(names[:SHOWN_NAMES]) + (f" and {len(names) - SHOWN_NAMES} more"
                                                  if len(names) > SHOWN_NAMES else "")
        parts.append(f"{len(rows)} {noun}: {shown}")
    return "; ".join(parts)


def protected_dependents(obj: Model) -> list[Model]:
    """The rows that would stop `obj` from being deleted (PROTECT or
    RESTRICT foreign keys, also of the rows its deletion cascades to)."""
    collector = Collector(using=router.db_for_write(type(obj), instance=obj))
    try:
        collector.collect([obj])
    except ProtectedError as exc:
        return list(exc.protected_objects)
    except RestrictedError as exc:
        return list(exc.restricted_objects)
    return []


def ensure_deletable(obj: Model, *, field: str = "id", hint: str = "") -> None:
    """Release the historic rows of every registered app from `obj`, then
    raise ResourceInUse naming what still depends on it. Call it inside the
    delete's transaction, so a refusal also undoes the release."""
    for releaser in _releasers.get(obj._meta.label, ()):
        releaser(obj)
    dependents = protected_dependents(obj)
    if dependents:
        raise ResourceInUse(f"{field}: {label_of(obj)} still has {describe_dependents(dependents)}"
                            + (f"; {hint}" if hint else ""), field=field)


def delete_checked(obj: Model, *, field: str = "id", hint: str = "") -> None:
    """`ensure_deletable`, the registered teardowns, then delete."""
    ensure_deletable(obj, field=field, hint=hint)
    tear_down(obj)
    obj.delete()


# What the surfaces map with describe_database_refusal.
DATABASE_REFUSALS = (ProtectedError, RestrictedError, IntegrityError)

_FOREIGN_TABLE = re.compile(r"(?:FOREIGN KEY constraint fails \(`[^`]*`\.`(?P<mysql>[^`]+)`|"
                            r"on table \"(?P<postgres>[^\"]+)\")")


def describe_database_refusal(exc: Exception) -> ResourceInUse | None:
    """The typed error for a database refusal that escaped a service: a
    protected or restricted foreign key names the dependent rows, an
    integrity error the table that still refers to the row (SQLite does not
    say which). None when `exc` is not such a refusal."""
    if isinstance(exc, ProtectedError):
        objects = list(exc.protected_objects)
    elif isinstance(exc, RestrictedError):
        objects = list(exc.restricted_objects)
    elif isinstance(exc, IntegrityError):
        logger.warning("integrity error reached a surface: %s", exc)
        match = _FOREIGN_TABLE.search(str(exc))
        table = match and (match.group("mysql") or match.group("postgres"))
        model = next((m for m in apps.get_models() if m._meta.db_table == table), None) if table else None
        what = f"{model._meta.verbose_name_plural} still refer to it" if model else "other records still refer to it"
        return ResourceInUse(f"The change was refused because {what}, or it conflicts with an existing record")
    else:
        return None
    logger.warning("protected delete reached a surface: %s", exc)
    return ResourceInUse(f"Still in use by {describe_dependents(objects)}; remove those first")
