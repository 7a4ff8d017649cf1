"""Service and disk offerings (admins): sizes within sane bounds, names
unique among offerings of the same kind, public or for one domain (its
users and its subdomains' users see it)."""
from django.db import transaction
from django.db.models import Q

from accounts.models import Domain
from accounts.services.scope import ancestor_paths, ensure_can_admin_domain
from accounts.services.validation import require_name
from cloudstack_ui.dependents import delete_checked
from cloudstack_ui.errors import InvalidParameter, PermissionDenied
from compute.models import DiskOffering, ServiceOffering, StorageType


def _clean_tags(tags: str | None) -> str:
    return ",".join(dict.fromkeys(t.strip() for t in (tags or "").split(",") if t.strip()))


def _ensure_admin(caller, domain: Domain | None) -> None:
    """Root admins make public offerings; domain admins offerings of their subtree."""
    if domain is None:
        if not caller.is_root_admin:
            raise PermissionDenied("Only root admins make public offerings; give a domainid")
        return
    ensure_can_admin_domain(caller, domain)


def _visible(model, caller):
    if caller.is_root_admin:
        return model.objects.select_related("domain")
    domain = caller.account.domain
    mine = Q(domain__isnull=True) | Q(domain__path__in=ancestor_paths(domain))
    if caller.is_domain_admin:
        mine |= Q(domain__path__startswith=domain.path)
    return model.objects.select_related("domain").filter(mine)


def visible_service_offerings(caller):
    return _visible(ServiceOffering, caller)


def visible_disk_offerings(caller):
    return _visible(DiskOffering, caller)


def _bounded(value, field: str, low: int, high: int, what: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InvalidParameter(f"{field}: {value!r} is not a number", field=field)
    if not low <= number <= high:
        raise InvalidParameter(f"{field}: {what} must be from {low} to {high}, not {number}", field=field)
    return number


def _storage_type(value: str) -> str:
    value = (value or StorageType.SHARED).lower()
    if value not in StorageType.values:
        raise InvalidParameter("storagetype: must be shared or local", field="storagetype")
    return value


@transaction.atomic
def create_service_offering(caller, *, name: str, display_text: str, cpu_number, cpu_speed, memory,
                            offer_ha: bool = False, limit_cpu_use: bool = False, storage_type: str = "",
                            host_tags: str = "", storage_tags: str = "", network_rate=None,
                            domain: Domain | None = None) -> ServiceOffering:
    _ensure_admin(caller, domain)
    name = require_name(name, "name", "service offering name")
    if ServiceOffering.objects.filter(name__iexact=name, domain=domain).exists():
        raise InvalidParameter(f"name: a service offering named {name} already exists", field="name")
    return ServiceOffering.objects.create(
        name=name, display_text=(display_text or name).strip(),
        cpu_number=_bounded(cpu_number, "cpunumber", 1, 128, "the number of CPU cores"),
        cpu_speed=_bounded(cpu_speed, "cpuspeed", 100, 100_000, "the CPU speed in MHz"),
        memory=_bounded(memory, "memory", 32, 4 * 1024 * 1024, "the memory in MB"),
        offer_ha=offer_ha, limit_cpu_use=limit_cpu_use, storage_type=_storage_type(storage_type),
        host_tags=_clean_tags(host_tags), storage_tags=_clean_tags(storage_tags),
        network_rate=None if network_rate in (None, "") else _bounded(network_rate, "networkrate", 1, 100_000,
                                                                      "the network rate in Mbit/s"),
        domain=domain)


@transaction.atomic
def create_disk_offering(caller, *, name: str, display_text: str, disk_size=None, customized: bool = False,
                         storage_type: str = "", tags: str = "", domain: Domain | None = None) -> DiskOffering:
    _ensure_admin(caller, domain)
    name = require_name(name, "name", "disk offering name")
    if DiskOffering.objects.filter(name__iexact=name, domain=domain).exists():
        raise InvalidParameter(f"name: a disk offering named {name} already exists", field="name")
    if customized and disk_size not in (None, "", 0):
        raise InvalidParameter("disksize: a custom offering takes its size when used; leave disksize out",
                               field="disksize")
    if not customized and disk_size in (None, ""):
        raise InvalidParameter("disksize: give the size in GB, or make the offering custom", field="disksize")
    size = 0 if customized else _bounded(disk_size, "disksize", 1, 1024 * 64, "the disk size in GB")
    return DiskOffering.objects.create(
        name=name, display_text=(display_text or name).strip(), disk_size=size, customized=customized,
        storage_type=_storage_type(storage_type), tags=_clean_tags(tags), domain=domain)


def _managed(caller, offering) -> None:
    _ensure_admin(caller, offering.domain)


@transaction.atomic
def update_offering(caller, offering, *, name: str | None = None, display_text: str | None = None):
    """Rename or describe a service or disk offering."""
    _managed(caller, offering)
    if name is not None:
        name = require_name(name, "name", "offering name")
        if type(offering).objects.filter(name__iexact=name, domain=offering.domain).exclude(pk=offering.pk).exists():
            raise InvalidParameter(f"name: an offering named {name} already exists", field="name")
        offering.name = name
    if display_text is not None:
        offering.display_text = display_text.strip() or offering.name
    offering.save()
    return offering


@transaction.atomic
def delete_offering(caller, offering) -> None:
    """A service or disk offering leaves once no instance or volume uses
    it (expunged volumes let go of it)."""
    _managed(caller, offering)
    delete_checked(type(offering).objects.select_for_update().get(pk=offering.pk),
                   hint="destroy or expunge them first")
