"""Capacity recalculation (the "Recalculate capacity" schedule,
capacity.check.period): per host, CPU (cores x MHz) and memory; per primary
storage pool, its size and use as a host that reaches it reports them. Totals
are multiplied by the overprovisioning factors (cpu and mem per cluster,
storage per zone). Used CPU and memory are what instances hold, as the app
that places instances reports it through `register_host_use` (infrastructure
does not import it)."""
import logging
from collections.abc import Callable

from django.db import transaction
from django.db.models import Case, Q, Sum, Value, When

from cloudstack_ui.config.keys import get_value
from cloudstack_ui.errors import CloudStackError
from infrastructure.hypervisors import PoolSpec, get_driver
from infrastructure.models import Capacity, Host, StoragePool
from infrastructure.services.monitoring import host_access
from infrastructure.settings_keys import CPU_OVERPROVISIONING, MEM_OVERPROVISIONING, STORAGE_OVERPROVISIONING

logger = logging.getLogger(__name__)
MB = 1024 ** 2

# Functions answering {host id: (CPU MHz, memory MB)} held on hosts (all,
# or the ids given).
_host_use_providers: list[Callable] = []


def register_host_use(provider: Callable) -> None:
    """An app that places instances tells how much of each host they hold."""
    if provider not in _host_use_providers:
        _host_use_providers.append(provider)


def _host_use(host_ids=None) -> dict[int, tuple[int, int]]:
    use: dict[int, tuple[int, int]] = {}
    for provider in _host_use_providers:
        for host_id, (cpu, memory) in provider(host_ids).items():
            held_cpu, held_memory = use.get(host_id, (0, 0))
            use[host_id] = (held_cpu + cpu, held_memory + memory)
    return use


def record_host_use(host_id: int) -> None:
    """Store what instances hold on one host now, after it is added, a
    placement or a release, so capacity pages and the planner's shortlist
    are current before the next recalculation. A host without capacity
    rows yet gets them, with its totals."""
    cpu, memory = _host_use([host_id]).get(host_id, (0, 0))
    updated = Capacity.objects.filter(host_id=host_id, type__in=(Capacity.Type.CPU, Capacity.Type.MEMORY)).update(
        used=Case(When(type=Capacity.Type.CPU, then=Value(cpu)), default=Value(memory * MB)))
    if updated < 2:
        host = Host.objects.select_related("cluster").get(pk=host_id)
        _store_host(host, get_value(CPU_OVERPROVISIONING, host.cluster.uuid),
                    get_value(MEM_OVERPROVISIONING, host.cluster.uuid), cpu, memory)


def recalculate_capacity() -> dict[str, int]:
    """Recalculate every host's and pool's capacity rows; answers how many
    of each were updated, and how many pools no host could report on."""
    factors: dict[tuple, float] = {}

    def factor(key, scope_uuid) -> float:
        if (key.name, scope_uuid) not in factors:
            factors[(key.name, scope_uuid)] = get_value(key, scope_uuid)
        return factors[(key.name, scope_uuid)]

    hosts = list(Host.objects.select_related("cluster"))
    use = _host_use()
    for host in hosts:
        _store_host(host, factor(CPU_OVERPROVISIONING, host.cluster.uuid),
                    factor(MEM_OVERPROVISIONING, host.cluster.uuid), *use.get(host.pk, (0, 0)))
    pools = unreachable = 0
    for pool in StoragePool.objects.select_related("zone", "pod", "cluster"):
        if refresh_pool_capacity(pool, factor(STORAGE_OVERPROVISIONING, pool.zone.uuid)):
            pools += 1
        else:
            unreachable += 1
    return {"hosts": len(hosts), "pools": pools, "pools_unreachable": unreachable}


def refresh_pool_capacity(pool: StoragePool, overprovisioning: float | None = None) -> bool:
    """Measure the pool through a host that reaches it and store its size,
    use and allocatable total; False when no host could report on it."""
    reported = _measure_pool(pool)
    if reported is None:
        return False
    if overprovisioning is None:
        overprovisioning = get_value(STORAGE_OVERPROVISIONING, pool.zone.uuid)
    capacity, available = reported
    with transaction.atomic():
        StoragePool.objects.filter(pk=pool.pk).update(capacity_bytes=capacity, used_bytes=capacity - available)
        _store_pool(pool, Capacity.Type.STORAGE, capacity, capacity - available)
        _store_pool(pool, Capacity.Type.STORAGE_ALLOCATED, int(capacity * overprovisioning), None)
    pool.capacity_bytes, pool.used_bytes = capacity, capacity - available
    return True


def _store_host(host: Host, cpu_factor: float, memory_factor: float, cpu_used: int, memory_used: int) -> None:
    """A host's CPU (MHz) and memory (bytes) rows: totals after the
    factors, and what instances hold (memory_used in MB)."""
    _store(host, Capacity.Type.CPU, int(host.cpu_number * host.cpu_speed * cpu_factor), cpu_used)
    _store(host, Capacity.Type.MEMORY, int(host.memory * memory_factor), memory_used * MB)


def _store(host: Host, kind: int, total: int, used: int) -> None:
    Capacity.objects.update_or_create(
        host=host, type=kind, defaults={"total": total, "used": used, "zone_id": host.zone_id,
                                        "pod_id": host.pod_id, "cluster_id": host.cluster_id})


def _store_pool(pool: StoragePool, kind: int, total: int, used: int | None) -> None:
    defaults = {"total": total, "zone_id": pool.zone_id, "pod_id": pool.pod_id, "cluster_id": pool.cluster_id}
    if used is not None:
        defaults["used"] = used
    Capacity.objects.update_or_create(storage_pool=pool, type=kind, defaults=defaults)


def pool_spec(pool: StoragePool) -> PoolSpec:
    return PoolSpec(uuid=str(pool.uuid), protocol=pool.protocol, server=pool.server, path=pool.path)


def _measure_pool(pool: StoragePool) -> tuple[int, int] | None:
    """(capacity, available) as the first Up host that reaches the pool
    reports it; None when no host could."""
    hosts = Host.objects.filter(state=Host.State.UP, zone=pool.zone)
    hosts = hosts.filter(cluster=pool.cluster) if pool.cluster_id else hosts
    for host in hosts:
        try:
            return get_driver(host.hypervisor).prepare_storage_pool(host_access(host), pool_spec(pool))
        except CloudStackError as exc:
            logger.warning("host %s cannot report on storage pool %s: %s", host.name, pool.name, exc)
    return None


def zone_capacity(zone_uuid=None, *, pod_uuid=None, cluster_uuid=None) -> list[dict]:
    """Summed capacity by zone and type, as listCapacity answers it."""
    rows = Capacity.objects.all()
    if zone_uuid:
        rows = rows.filter(zone__uuid=zone_uuid)
    if pod_uuid:
        rows = rows.filter(Q(pod__uuid=pod_uuid))
    if cluster_uuid:
        rows = rows.filter(cluster__uuid=cluster_uuid)
    summed = rows.values("zone__uuid", "zone__name", "type").annotate(total=Sum("total"), used=Sum("used")).order_by(
        "zone__name", "type")
    return [{
        "zoneid": str(row["zone__uuid"]), "zonename": row["zone__name"], "type": row["type"],
        "name": Capacity.Type(row["type"]).name, "capacitytotal": row["total"], "capacityused": row["used"],
        "percentused": f"{100.0 * row['used'] / row['total']:.2f}" if row["total"] else "0",
    } for row in summed]
