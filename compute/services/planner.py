"""The deployment planner: which host runs an instance, and which primary
storage pools hold its volumes not yet placed.

A host qualifies when it is Up and Enabled in an enabled pod and cluster,
runs the template's hypervisor, has the offering's host tags, is not kept
for HA instances by `ha.tag` (guide ch.7) unless the instance is HA, has
the free CPU (MHz) and memory after its cluster's overprovisioning factors,
and reaches pools with the volumes' storage tags, the offering's storage
type (local storage: the host cluster's Filesystem pools; `use.local.storage`
puts data disks there too) and free space after the zone's storage factor.
Among those, the host with the most free memory wins (the instance's
previous host first when it still qualifies).

Capacity is held by an instance while its `host` is set. `allocate_host`
claims it under the host's row lock (and each pool's), re-reading the use
after taking the lock, so concurrent deploys never over-commit a host or a
pool. When nothing qualifies, InsufficientCapacity says per cluster and
host why each was left out; `explain_placement` answers the same reasons
as a dry run.

A decision reads the settings it needs in one query, and first looks only
at the hosts the capacity rows' indexed free memory ranks highest; every
host is evaluated only when none of those fits."""
import heapq
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce

from cloudstack_ui.config.keys import ValueSnapshot, read_values
from cloudstack_ui.errors import InsufficientCapacity, InvalidParameter
from compute.models import DiskOffering, ServiceOffering, Template, VirtualMachine, Volume
from infrastructure.models import Capacity, Cluster, Host, StoragePool, Zone
from infrastructure.services.capacity import record_host_use
from infrastructure.settings_keys import (
    CPU_OVERPROVISIONING,
    HA_TAG,
    MEM_OVERPROVISIONING,
    STORAGE_OVERPROVISIONING,
    USE_LOCAL_STORAGE,
)

SHORTLIST = 50  # hosts the database offers first, most free memory first
SETTINGS = (USE_LOCAL_STORAGE, HA_TAG, STORAGE_OVERPROVISIONING, CPU_OVERPROVISIONING, MEM_OVERPROVISIONING)
MB = 1024 ** 2
GB = 1024 ** 3
ENABLED = "Enabled"
LOCAL = StoragePool.Protocol.FILESYSTEM


@dataclass(frozen=True)
class VolumeNeed:
    """A volume the placement must find a pool for."""

    key: object  # the Volume's pk, or a label in a dry run
    size: int
    tags: frozenset[str]
    local: bool


@dataclass
class Placement:
    host: Host
    pools: dict = field(default_factory=dict)  # VolumeNeed.key -> StoragePool
    explanation: list[str] = field(default_factory=list)

    @property
    def root_pool(self) -> StoragePool | None:
        return next(iter(self.pools.values()), None)


@dataclass
class _Candidate:
    host_id: int
    host_name: str
    cluster_name: str
    free_cpu: float
    free_memory: float
    pools: dict
    cpu_factor: float
    memory_factor: float

    def load_host(self) -> Host:
        return Host.objects.select_related("cluster", "pod").get(pk=self.host_id)


@dataclass(frozen=True)
class _HostRow:
    """The fields of a host the evaluation reads, without a model instance
    (10,000 of those cost more than the decision)."""

    pk: int
    name: str
    cluster_id: int
    cluster_name: str
    cluster_state: str
    pod_name: str
    pod_state: str
    state: str
    resource_state: str
    hypervisor: str
    tags: str
    cpu_number: int
    cpu_speed: int
    memory: int


HOST_FIELDS = ("id", "name", "cluster_id", "cluster__name", "cluster__allocation_state",
               "pod__name", "pod__allocation_state", "state", "resource_state", "hypervisor", "tags", "cpu_number",
               "cpu_speed", "memory")


def _tags(text: str) -> frozenset[str]:
    return frozenset(t.strip() for t in (text or "").split(",") if t.strip())


def _host_use(host_ids=None, *, zone=None, exclude_vm=None) -> dict[int, tuple[int, int]]:
    """{host id: (CPU MHz, memory MB)} held by instances (of some hosts, or
    of a zone's), in one query. For some hosts each instance's offering is
    a correlated lookup, not a join, which could let MySQL start from the
    few offerings and read every instance of them; a zone's or all hosts'
    use reads every instance anyway, through a join."""
    held = VirtualMachine.objects.filter(host__isnull=False)
    if zone is not None:
        held = held.filter(host__zone=zone)
    if exclude_vm is not None:
        held = held.exclude(pk=exclude_vm.pk)
    if host_ids is None:
        cpu = Sum(F("service_offering__cpu_number") * F("service_offering__cpu_speed"))
        memory = Sum("service_offering__memory")
    else:
        held = held.filter(host_id__in=host_ids)
        offering = ServiceOffering.objects.filter(pk=OuterRef("service_offering_id")).order_by()
        cpu = Sum(Subquery(offering.values(mhz=F("cpu_number") * F("cpu_speed"))))
        memory = Sum(Subquery(offering.values("memory")))
    rows = held.values("host_id").annotate(cpu=cpu, memory=memory)
    return {r["host_id"]: (r["cpu"] or 0, r["memory"] or 0) for r in rows}


def host_use(host_ids=None) -> dict[int, tuple[int, int]]:
    """What instances hold per host, for capacity recalculation."""
    return _host_use(host_ids)


def _pool_use(pool_ids) -> dict[int, int]:
    """{pool id: bytes allocated to volumes}, in one query."""
    rows = (Volume.objects.filter(storage_pool_id__in=pool_ids, removed__isnull=True)
            .values("storage_pool_id").annotate(total=Sum("size")))
    return {r["storage_pool_id"]: r["total"] or 0 for r in rows}


def _allocated_bytes():
    """What a pool's volumes are allocated, as an annotation of StoragePool rows."""
    per_pool = (Volume.objects.filter(storage_pool=OuterRef("pk"), removed__isnull=True).order_by()
                .values("storage_pool").annotate(total=Sum("size")).values("total"))
    return Coalesce(Subquery(per_pool), 0)


def _needs(vm: VirtualMachine, values: ValueSnapshot) -> tuple[list[VolumeNeed], list[StoragePool]]:
    """The instance's volumes still to place, and the pools its placed ones are on."""
    local_data = values.get(USE_LOCAL_STORAGE, vm.zone.uuid)
    needs, placed = [], []
    for volume in vm.volumes.filter(removed__isnull=True).select_related("disk_offering", "storage_pool"):
        if volume.storage_pool_id:
            placed.append(volume.storage_pool)
            continue
        root = volume.volume_type == Volume.Type.ROOT
        offering_tags = vm.service_offering.storage_tags if root else (
            volume.disk_offering.tags if volume.disk_offering else "")
        local = (vm.service_offering.storage_type == "local" if root
                 else bool(volume.disk_offering and volume.disk_offering.storage_type == "local") or local_data)
        needs.append(VolumeNeed(volume.pk, volume.size, _tags(offering_tags), local))
    return needs, placed


class _Evaluation:
    """One pass over a zone's hosts and pools for one request."""

    def __init__(self, zone: Zone, *, cpu: int, memory: int, host_tags: frozenset, ha: bool, hypervisor: str,
                 needs: list[VolumeNeed], placed: list[StoragePool], values: ValueSnapshot, exclude_vm=None):
        self.zone, self.cpu, self.memory, self.needs = zone, cpu, memory, needs
        self.host_tags, self.ha, self.hypervisor, self.placed = host_tags, ha, hypervisor, placed
        self.values, self.exclude_vm = values, exclude_vm
        self.ha_tag = (values.get(HA_TAG) or "").strip()
        self.reasons: dict[str, list[str]] = defaultdict(list)

    def hosts(self, only: Host | None = None, shortlist: int = 0, prefer: Host | None = None) -> list[_HostRow]:
        """The zone's hosts; with `shortlist`, only that many of those the
        database already finds usable, most free memory first (and
        `prefer`), so a decision among thousands reads a few rows."""
        found = Host.objects.filter(zone=self.zone)
        if only is not None:
            found = found.filter(pk=only.pk)
        if not shortlist:
            return [_HostRow(*row) for row in found.order_by("id").values_list(*HOST_FIELDS)]
        # The capacity rows keep what instances hold per host (updated at each
        # claim and release, and recalculated on schedule) and, indexed, the
        # memory left, so the likeliest hosts are the head of an index: the
        # database walks it most free first and tests each row's host with a
        # correlated subquery (a join it could reorder, sorting every host),
        # stopping at the shortlist. A host without rows yet is found by the
        # full look that follows an empty shortlist.
        usable = Host.objects.filter(
            pk=OuterRef("host_id"), state=Host.State.UP, resource_state=Host.ResourceState.ENABLED,
            cluster__allocation_state=ENABLED, pod__allocation_state=ENABLED)
        if self.hypervisor:
            usable = usable.filter(hypervisor=self.hypervisor)
        ranked = Capacity.objects.filter(zone=self.zone, type=Capacity.Type.MEMORY).annotate(
            usable_host=Subquery(usable.order_by().values("pk")[:1])).filter(usable_host__isnull=False)
        if only is not None:
            ranked = ranked.filter(host=only)
        ids = list(ranked.order_by("-free", "host_id").values_list("host_id", flat=True)[:shortlist])
        if prefer is not None and prefer.pk not in ids:
            ids.append(prefer.pk)
        rows = {row[0]: _HostRow(*row) for row in found.filter(pk__in=ids).order_by().values_list(*HOST_FIELDS)}
        return [rows[pk] for pk in ids if pk in rows]

    def _factors(self, cluster_ids) -> dict[int, tuple[float, float]]:
        """{cluster id: its CPU and memory overprovisioning factors}."""
        return {pk: (self.values.get(CPU_OVERPROVISIONING, uuid), self.values.get(MEM_OVERPROVISIONING, uuid))
                for pk, uuid in Cluster.objects.filter(pk__in=cluster_ids).order_by().values_list("pk", "uuid")}

    def candidates(self, only: Host | None = None, exclude=(), *, shortlist: int = 0,
                   prefer: Host | None = None) -> list[_Candidate]:
        excluded = set(exclude)
        hosts = [h for h in self.hosts(only, shortlist, prefer) if h.pk not in excluded]
        use = (_host_use([h.pk for h in hosts], exclude_vm=self.exclude_vm) if shortlist
               else _host_use(zone=self.zone, exclude_vm=self.exclude_vm))
        clusters = {h.cluster_id for h in hosts}
        factors = self._factors(clusters)
        # A shortlist reads only its hosts' clusters' pools.
        pools = self._pools_by_cluster(clusters if shortlist else None)
        pools_of_cluster: dict = {}
        found = []
        for host in hosts:
            cpu_factor, memory_factor = factors[host.cluster_id]
            reason = self._host_refusal(host)
            if reason is None:
                used_cpu, used_memory = use.get(host.pk, (0, 0))
                free_cpu = host.cpu_number * host.cpu_speed * cpu_factor - used_cpu
                free_memory = host.memory / MB * memory_factor - used_memory
                if free_cpu < self.cpu:
                    reason = f"{int(free_cpu)} MHz free, {self.cpu} needed"
                elif free_memory < self.memory:
                    reason = f"{int(free_memory)} MB memory free, {self.memory} needed"
            if reason is None:
                if host.cluster_id not in pools_of_cluster:
                    pools_of_cluster[host.cluster_id] = self._pools_for(host.cluster_id, pools)
                chosen = pools_of_cluster[host.cluster_id]
                if isinstance(chosen, str):
                    reason = chosen
            if reason is not None:
                self.reasons[host.cluster_name].append(f"host {host.name}: {reason}")
                continue
            found.append(_Candidate(host.pk, host.name, host.cluster_name, free_cpu, free_memory, chosen,
                                    cpu_factor, memory_factor))
        return found

    def _host_refusal(self, host: _HostRow) -> str | None:
        if host.state != Host.State.UP:
            return f"{host.state}"
        if host.resource_state != Host.ResourceState.ENABLED:
            return f"{host.resource_state}"
        if host.cluster_state != ENABLED:
            return f"cluster {host.cluster_name} is {host.cluster_state}"
        if host.pod_state != ENABLED:
            return f"pod {host.pod_name} is {host.pod_state}"
        if self.hypervisor and host.hypervisor != self.hypervisor:
            return f"{host.hypervisor}, the template needs {self.hypervisor}"
        tags = _tags(host.tags)
        if not self.host_tags <= tags:
            return f"lacks host tags {', '.join(sorted(self.host_tags - tags))}"
        if self.ha_tag and self.ha_tag in tags and not self.ha:
            return f"kept for HA instances (ha.tag {self.ha_tag})"
        return None

    def _pools_by_cluster(self, clusters: set[int] | None) -> dict:
        """The zone's Up pools by cluster (None: zone-wide), of `clusters` only when given."""
        found = StoragePool.objects.filter(zone=self.zone, state=StoragePool.State.UP)
        if clusters is not None:
            found = found.filter(Q(cluster_id__in=clusters) | Q(cluster__isnull=True))
        self.pool_factor = self.values.get(STORAGE_OVERPROVISIONING, self.zone.uuid)
        self.pool_free = {}
        by_cluster = defaultdict(list)
        for pool in found.annotate(allocated=_allocated_bytes()).order_by("id"):
            self.pool_free[pool.pk] = pool.capacity_bytes * self.pool_factor - pool.allocated
            by_cluster[pool.cluster_id].append(pool)
        return by_cluster

    def _pools_for(self, cluster_id: int, by_cluster: dict):
        """{need key: pool} for a host of the cluster, or the reason none fits."""
        for pool in self.placed:
            if pool.cluster_id not in (None, cluster_id):
                return f"cannot reach primary storage {pool.name} of the instance's volumes"
        reachable = by_cluster.get(cluster_id, []) + by_cluster.get(None, [])
        taken: dict[int, int] = defaultdict(int)
        chosen = {}
        for need in self.needs:
            fitting = [p for p in reachable if (p.protocol == LOCAL) == need.local and need.tags <= p.tag_set]
            if not fitting:
                kind = "local" if need.local else "shared"
                tags = f" with tags {', '.join(sorted(need.tags))}" if need.tags else ""
                return f"no {kind} primary storage{tags}"
            roomy = [p for p in fitting if self.pool_free[p.pk] - taken[p.pk] >= need.size]
            if not roomy:
                best = max(fitting, key=lambda p: self.pool_free[p.pk] - taken[p.pk])
                return (f"primary storage {best.name} has {max(0, int(self.pool_free[best.pk] - taken[best.pk]) // GB)}"
                        f" GB free, {need.size // GB or 1} GB needed")
            pool = max(roomy, key=lambda p: self.pool_free[p.pk] - taken[p.pk])
            taken[pool.pk] += need.size
            chosen[need.key] = pool
        return chosen

    def refusal(self, name: str) -> InsufficientCapacity:
        detail = "; ".join(f"cluster {cluster}: " + ", ".join(lines) for cluster, lines in self.reasons.items())
        what = f"{name} ({self.cpu} MHz, {self.memory} MB)"
        return InsufficientCapacity(f"no host can run {what} in zone {self.zone.name}: "
                                    + (detail or "the zone has no hosts"))

    def explanation(self) -> list[str]:
        return [f"cluster {cluster}: {line}" for cluster, lines in self.reasons.items() for line in lines]


def _ordered(candidates: list[_Candidate], prefer: Host | None, limit: int = 20) -> list[_Candidate]:
    """The best `limit` candidates, most free memory first (`prefer` first
    of all); more are never tried, as each failed claim means a race lost."""
    best = heapq.nsmallest(limit, candidates, key=lambda c: (-c.free_memory, c.host_id))
    preferred = [c for c in candidates if prefer is not None and c.host_id == prefer.pk]
    return preferred + [c for c in best if c not in preferred]


def _evaluation_for(vm: VirtualMachine) -> _Evaluation:
    offering = vm.service_offering
    template = vm.iso or vm.template
    values = read_values(SETTINGS)
    needs, placed = _needs(vm, values)
    return _Evaluation(vm.zone, cpu=offering.cpu_number * offering.cpu_speed, memory=offering.memory,
                       host_tags=_tags(offering.host_tags), ha=vm.ha_enabled, hypervisor=template.hypervisor,
                       needs=needs, placed=placed, values=values, exclude_vm=vm)


def allocate_host(vm: VirtualMachine, *, host: Host | None = None, prefer: Host | None = None,
                  exclude_hosts=()) -> Placement:
    """Choose and claim a host for `vm` (only `host` when given; `prefer`
    first when it qualifies) and pools for its unplaced volumes; sets
    vm.host (the claimed host, also the placement's) and each volume's
    storage_pool. InsufficientCapacity with the reasons when nothing
    qualifies."""
    evaluation = _evaluation_for(vm)
    candidates = evaluation.candidates(host, exclude_hosts, shortlist=SHORTLIST, prefer=prefer)
    if not candidates:
        # None of the likeliest hosts fits: look at every host, which also
        # gathers the reasons for the refusal.
        evaluation.reasons.clear()
        candidates = evaluation.candidates(host, exclude_hosts)
    for candidate in _ordered(candidates, prefer):
        claimed = _claim(vm, candidate, evaluation)
        if claimed is not None:
            vm.host = claimed
            return Placement(claimed, candidate.pools, evaluation.explanation())
        evaluation.reasons[candidate.cluster_name].append(
            f"host {candidate.host_name}: taken by a concurrent deploy")
    raise evaluation.refusal(f"instance {vm.name}")


def _claim(vm: VirtualMachine, candidate: _Candidate, evaluation: _Evaluation) -> Host | None:
    """Under the host's and pools' row locks, re-check the room left and
    take it, storing the host's new use before the locks are let go;
    the locked host, or None when a concurrent claim took the room first."""
    with transaction.atomic():
        host = Host.objects.select_for_update().get(pk=candidate.host_id)
        used_cpu, used_memory = _host_use([host.pk], exclude_vm=vm).get(host.pk, (0, 0))
        cpu_total = host.cpu_number * host.cpu_speed * candidate.cpu_factor
        memory_total = host.memory / MB * candidate.memory_factor
        if used_cpu + evaluation.cpu > cpu_total or used_memory + evaluation.memory > memory_total:
            return None
        sizes = {need.key: need.size for need in evaluation.needs}
        wanted: dict[int, int] = defaultdict(int)
        keys_by_pool: dict[int, list] = defaultdict(list)
        for key, pool in candidate.pools.items():
            wanted[pool.pk] += sizes[key]
            keys_by_pool[pool.pk].append(key)
        if wanted:
            capacity = dict(StoragePool.objects.select_for_update().filter(pk__in=wanted).order_by("pk")
                            .values_list("pk", "capacity_bytes"))
            allocated = _pool_use(list(capacity))
            for pool_id, size in wanted.items():
                if allocated.get(pool_id, 0) + size > capacity[pool_id] * evaluation.pool_factor:
                    return None
        VirtualMachine.objects.filter(pk=vm.pk).update(host=host)
        for pool_id, keys in keys_by_pool.items():
            Volume.objects.filter(pk__in=keys).update(storage_pool_id=pool_id)
        record_host_use(host.pk)
    return host


def claim_host(vm: VirtualMachine, host: Host) -> None:
    """Hold `host`'s capacity for `vm` (a migration's destination, or where
    the instance was found running); InsufficientCapacity when it lacks room."""
    with transaction.atomic():
        locked = Host.objects.select_for_update().select_related("cluster").get(pk=host.pk)
        offering = vm.service_offering
        values = read_values((CPU_OVERPROVISIONING, MEM_OVERPROVISIONING))
        cpu_factor = values.get(CPU_OVERPROVISIONING, locked.cluster.uuid)
        memory_factor = values.get(MEM_OVERPROVISIONING, locked.cluster.uuid)
        used_cpu, used_memory = _host_use([locked.pk], exclude_vm=vm).get(locked.pk, (0, 0))
        free_cpu = locked.cpu_number * locked.cpu_speed * cpu_factor - used_cpu
        free_memory = locked.memory / MB * memory_factor - used_memory
        needed_cpu = offering.cpu_number * offering.cpu_speed
        if free_cpu < needed_cpu or free_memory < offering.memory:
            raise InsufficientCapacity(
                f"hostid: host {locked.name} has {int(free_cpu)} MHz and {int(free_memory)} MB free; instance "
                f"{vm.name} needs {needed_cpu} MHz and {offering.memory} MB", field="hostid")
        VirtualMachine.objects.filter(pk=vm.pk).update(host=locked)
    record_host_use(locked.pk)
    vm.refresh_from_db()


def release_host(vm: VirtualMachine) -> None:
    """The instance stops holding its host's capacity (last_host is kept)."""
    if vm.host_id is not None:
        host_id = vm.host_id
        VirtualMachine.objects.filter(pk=vm.pk).update(host=None, last_host_id=host_id)
        record_host_use(host_id)
        vm.host, vm.last_host_id = None, host_id


def explain_placement(zone: Zone, offering: ServiceOffering, template: Template, *,
                      disk_offering: DiskOffering | None = None, size: int | None = None, host: Host | None = None,
                      ha: bool | None = None) -> Placement:
    """A dry run: where an instance of this offering and template would go
    and why every other host was left out; nothing is claimed.
    InsufficientCapacity with the reasons when nothing qualifies."""
    root_size = template.size
    if template.is_iso:
        if disk_offering is None:
            raise InvalidParameter("diskofferingid: an ISO needs a disk offering for the root disk",
                                   field="diskofferingid")
        root_size = (size or disk_offering.disk_size) * GB
    values = read_values(SETTINGS)
    local_data = values.get(USE_LOCAL_STORAGE, zone.uuid)
    needs = [VolumeNeed("root", root_size, _tags(offering.storage_tags), offering.storage_type == "local")]
    if disk_offering is not None and not template.is_iso:
        needs.append(VolumeNeed("data", (size or disk_offering.disk_size) * GB, _tags(disk_offering.tags),
                                disk_offering.storage_type == "local" or local_data))
    evaluation = _Evaluation(zone, cpu=offering.cpu_number * offering.cpu_speed, memory=offering.memory,
                             host_tags=_tags(offering.host_tags), ha=offering.offer_ha if ha is None else ha,
                             hypervisor=template.hypervisor, needs=needs, placed=[], values=values)
    candidates = _ordered(evaluation.candidates(host), None, limit=10)
    if not candidates:
        raise evaluation.refusal(f"an instance of {offering.name}")
    chosen = candidates[0]
    host = chosen.load_host()
    others = [f"cluster {c.cluster_name}: host {c.host_name}: qualifies, {int(c.free_memory)} MB free"
              for c in candidates[1:]]
    lines = [f"chosen: host {host.name} of cluster {host.cluster.name} with "
             f"{int(chosen.free_cpu)} MHz and {int(chosen.free_memory)} MB free (the most free memory)"]
    lines += [f"{key} volume on primary storage {pool.name}" for key, pool in chosen.pools.items()]
    return Placement(host, chosen.pools, lines + others + evaluation.explanation())

