"""Regions (guide 6.2): operator-chosen integer ids, unique names, an
endpoint URL; the local region (id 1) stays."""
from urllib.parse import urlsplit

from django.db import transaction

from accounts.services.validation import require_name
from cloudstack_ui.errors import InvalidParameter
from infrastructure.models import Region
from infrastructure.services.access import ensure_root_admin, locked

LOCAL_REGION_ID = 1


def _clean_endpoint(endpoint: str) -> str:
    parts = urlsplit((endpoint or "").strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidParameter(f"endpoint: '{endpoint}' is not an http(s) URL such as http://10.0.0.5:8080/client",
                               field="endpoint")
    return endpoint.strip()


def _unique_name(name: str, exclude_id=None) -> str:
    name = require_name(name, "name", "region name")
    clash = Region.objects.filter(name__iexact=name)
    if exclude_id is not None:
        clash = clash.exclude(id=exclude_id)
    if clash.exists():
        raise InvalidParameter(f"name: a region named {name} already exists", field="name")
    return name


@transaction.atomic
def add_region(caller, *, id: int, name: str, endpoint: str) -> Region:
    ensure_root_admin(caller)
    if id < 1:
        raise InvalidParameter("id: region ids are 1 or more", field="id")
    if Region.objects.filter(id=id).exists():
        raise InvalidParameter(f"id: region {id} already exists", field="id")
    return Region.objects.create(id=id, name=_unique_name(name), endpoint=_clean_endpoint(endpoint))


@transaction.atomic
def update_region(caller, region: Region, *, name: str | None = None, endpoint: str | None = None) -> Region:
    ensure_root_admin(caller)
    region = locked(Region, region)
    if name is not None:
        region.name = _unique_name(name, exclude_id=region.id)
    if endpoint is not None:
        region.endpoint = _clean_endpoint(endpoint)
    region.save()
    return region


@transaction.atomic
def remove_region(caller, region: Region) -> None:
    ensure_root_admin(caller)
    if region.id == LOCAL_REGION_ID:
        raise InvalidParameter("id: the local region (id 1) cannot be removed", field="id")
    region.delete()
