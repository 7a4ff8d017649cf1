"""Dashboard panels of the compute app: instances by state (the user's,
or all in an admin's reach), a user's volumes and recent events, and the
capacity of each zone for root admins. Accounts have no resource limits
yet, so usage is shown without a limit to compare it with."""
from django.db.models import Count, Sum

from cloudstack_ui.api.registry import invoke, is_allowed
from cloudstack_ui.ui.dashboard import Panel, register
from compute.models import VirtualMachine
from compute.tables.instances import state_badge
from infrastructure.models import Capacity
from infrastructure.services.capacity import zone_capacity

CAPACITY_SHOWN = (("CPU", Capacity.Type.CPU), ("Memory", Capacity.Type.MEMORY), ("Storage", Capacity.Type.STORAGE))


def _is_admin(user) -> bool:
    return user.is_root_admin or user.is_domain_admin


def _instances(user):
    if not is_allowed(user, "listVirtualMachines"):
        return None
    counts = dict(invoke(user, "listVirtualMachines", {"listall": True}).order_by()
                  .values_list("state").annotate(n=Count("id")))
    states = [(state_badge(state), state, counts[state]) for state in VirtualMachine.State.values if counts.get(state)]
    return {"states": states, "total": sum(counts.values()), "admin": _is_admin(user)}


def _my_storage(user):
    if _is_admin(user) or not is_allowed(user, "listVolumes"):
        return None
    used = invoke(user, "listVolumes").order_by().aggregate(count=Count("id"), size=Sum("size"))
    return {"volume_count": used["count"], "volume_size": used["size"] or 0}


def _recent_events(user):
    if user.is_root_admin:
        return None
    return {"events": invoke(user, "listEvents")[:5]}


def _capacity(user):
    if not user.is_root_admin:
        return None
    zones: dict[str, dict] = {}
    for row in zone_capacity():
        zone = zones.setdefault(row["zoneid"], {"name": row["zonename"], "by_type": {}})
        zone["by_type"][row["type"]] = {"type": row["type"], "used": row["capacityused"],
                                        "total": row["capacitytotal"], "percent_used": round(float(row["percentused"]))}
    return {"zones": [{"name": z["name"], "rows": [(label, z["by_type"].get(kind)) for label, kind in CAPACITY_SHOWN]}
                      for z in zones.values()]}


register(Panel("Instances", "compute/panels/instances.html", _instances, order=2))
register(Panel("Capacity", "compute/panels/capacity.html", _capacity, order=3))
register(Panel("My volumes", "compute/panels/storage.html", _my_storage, order=25))
register(Panel("Recent events", "compute/panels/events.html", _recent_events, order=30))
