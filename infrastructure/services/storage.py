"""Primary storage (guide 6.7) and secondary storage (guide 6.8), added
with CloudStack's URL forms. Each hypervisor is offered exactly the
protocols the guide lists for it (6.3, 6.7)."""
import logging
import os
import shutil
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from django.db import transaction

from accounts.services.validation import require_name
from cloudstack_ui.dependents import delete_checked, ensure_deletable, tear_down
from cloudstack_ui.errors import CloudStackError, InvalidParameter, ResourceUnavailable
from infrastructure.hypervisors import get_driver
from infrastructure.models import Cluster, Host, Hypervisor, ImageStore, StoragePool, Zone
from infrastructure.services.access import ensure_root_admin, locked
from infrastructure.services.capacity import pool_spec, refresh_pool_capacity
from infrastructure.services.hosts import clean_tags
from infrastructure.services.monitoring import host_access

logger = logging.getLogger(__name__)

P = StoragePool.Protocol
PROTOCOLS_BY_HYPERVISOR = {
    Hypervisor.XENSERVER: (P.NFS, P.ISCSI, P.PRESETUP),
    Hypervisor.KVM: (P.NFS, P.SHARED_MOUNT_POINT, P.CLVM, P.RBD),
    Hypervisor.VMWARE: (P.NFS, P.VMFS),
    Hypervisor.SIMULATOR: (P.NFS, P.SHARED_MOUNT_POINT, P.ISCSI, P.PRESETUP, P.CLVM, P.RBD, P.VMFS),
}
URL_FORMS = ("nfs://server/path, SharedMountPoint://localhost/path, iscsi://server/iqn/lun, "
             "rbd://user:secret@monitor/pool, presetup://server/label, vmfs://vcenter/datacenter/datastore, "
             "clvm://localhost/vg")


@dataclass
class PoolLocation:
    protocol: str
    server: str
    path: str
    details: dict = field(default_factory=dict)
    secret: str = ""


def _path(parts, what: str) -> str:
    path = unquote(parts.path)
    if not path or path == "/":
        raise InvalidParameter(f"url: the {what} is missing", field="url")
    return path if path.startswith("/") else "/" + path


def parse_pool_url(url: str) -> PoolLocation:
    parts = urlsplit((url or "").strip())
    scheme, server = parts.scheme.lower(), parts.hostname or ""
    if scheme == "nfs":
        if not server:
            raise InvalidParameter("url: the NFS server is missing (nfs://server/path)", field="url")
        return PoolLocation(P.NFS, server, _path(parts, "exported path"))
    if scheme == "sharedmountpoint":
        return PoolLocation(P.SHARED_MOUNT_POINT, "localhost", _path(parts, "mount point path"))
    if scheme == "iscsi":
        segments = [s for s in parts.path.split("/") if s]
        if not server or len(segments) != 2 or not segments[1].isdigit():
            raise InvalidParameter("url: write iSCSI as iscsi://server/target-iqn/lun (the LUN a number)", field="url")
        return PoolLocation(P.ISCSI, server, parts.path, {"iqn": segments[0], "lun": int(segments[1])})
    if scheme == "rbd":
        if not server or not parts.username:
            raise InvalidParameter("url: write RBD as rbd://user:secret@monitor/pool", field="url")
        return PoolLocation(P.RBD, server, _path(parts, "pool"), {"user": unquote(parts.username)},
                            secret=unquote(parts.password or ""))
    if scheme == "presetup":
        label = unquote(parts.path.strip("/"))
        if not label:
            raise InvalidParameter("url: the SR name-label is missing (presetup://server/label)", field="url")
        return PoolLocation(P.PRESETUP, server or "localhost", "/" + label, {"srnamelabel": label})
    if scheme == "vmfs":
        segments = [s for s in parts.path.split("/") if s]
        if len(segments) != 2:
            raise InvalidParameter("url: write VMFS as vmfs://vcenter/datacenter/datastore", field="url")
        return PoolLocation(P.VMFS, server, "/" + "/".join(segments))
    if scheme == "clvm":
        return PoolLocation(P.CLVM, "localhost", _path(parts, "volume group"))
    raise InvalidParameter(f"url: '{url}' is not a primary storage URL; use one of {URL_FORMS}", field="url")


def _local_capacity(path: str) -> int:
    return shutil.disk_usage(path).total if os.path.isdir(path) else 0


def create_storage_pool(caller, zone: Zone, *, name: str, url: str, cluster: Cluster | None = None,
                        scope: str = StoragePool.Scope.CLUSTER, tags: str = "",
                        hypervisor: str = "") -> StoragePool:
    """Cluster-wide pools need a cluster with a host (guide 6.7.1); the tag
    set of a cluster's first pool must match the other clusters' (guide 6.3)."""
    ensure_root_admin(caller)
    name = require_name(name, "name", "storage name")
    location = parse_pool_url(url)
    scope = (scope or StoragePool.Scope.CLUSTER).upper()
    if scope not in StoragePool.Scope.values:
        raise InvalidParameter("scope: must be CLUSTER or ZONE", field="scope")
    if scope == StoragePool.Scope.CLUSTER and cluster is None:
        raise InvalidParameter("clusterid: cluster-wide primary storage needs a cluster", field="clusterid")
    hypervisor = cluster.hypervisor if cluster is not None else (hypervisor or zone.hypervisor)
    offered = PROTOCOLS_BY_HYPERVISOR.get(hypervisor, ())
    if location.protocol not in offered:
        names = ", ".join(StoragePool.Protocol(p).label for p in offered)
        raise InvalidParameter(f"url: {StoragePool.Protocol(location.protocol).label} is not offered for "
                               f"{hypervisor}; use {names}", field="url")
    tag_set = frozenset(clean_tags(tags).split(",")) - {""}
    with transaction.atomic():
        zone = locked(Zone, zone)
        if cluster is not None:
            cluster = locked(Cluster, cluster)
            if cluster.zone_id != zone.pk:
                raise InvalidParameter(f"clusterid: cluster {cluster.name} is not in zone {zone.name}",
                                       field="clusterid")
            if not cluster.hosts.exists():
                raise InvalidParameter(f"clusterid: add a host to cluster {cluster.name} before its primary storage",
                                       field="clusterid")
            if not cluster.storage_pools.exists():
                _ensure_same_tags_as_other_clusters(zone, cluster, tag_set)
        if zone.storage_pools.filter(name__iexact=name).exists():
            raise InvalidParameter(f"name: zone {zone.name} already has primary storage named {name}", field="name")
        pool = StoragePool.objects.create(
            name=name, zone=zone, pod=cluster.pod if cluster else None, cluster=cluster, scope=scope,
            protocol=location.protocol, url=url.strip(), server=location.server, path=location.path,
            details=location.details, secret=location.secret, tags=",".join(sorted(tag_set)),
            capacity_bytes=_local_capacity(location.path) if location.protocol == P.SHARED_MOUNT_POINT else 0,
        )
    # Its size as a host sees it, at once, so instances can be placed on it
    # before the next capacity recalculation (best effort: the schedule
    # measures it again).
    refresh_pool_capacity(pool)
    return pool


def _ensure_same_tags_as_other_clusters(zone: Zone, cluster: Cluster, tag_set: frozenset) -> None:
    pools = zone.storage_pools.filter(cluster__isnull=False).exclude(cluster=cluster).select_related("cluster")
    by_cluster: dict[str, set] = {}
    for pool in pools:
        by_cluster.setdefault(pool.cluster.name, set()).update(pool.tag_set)
    for other, tags in by_cluster.items():
        if tags != tag_set:
            shown = ",".join(sorted(tags)) or "(none)"
            raise InvalidParameter(f"tags: the storage tags of every cluster in a zone must be the same; cluster "
                                   f"{other} has {shown}", field="tags")


@transaction.atomic
def set_storage_maintenance(caller, pool: StoragePool, *, maintenance: bool) -> StoragePool:
    ensure_root_admin(caller)
    pool = locked(StoragePool, pool)
    in_maintenance = pool.state in (StoragePool.State.MAINTENANCE, StoragePool.State.PREPARE_FOR_MAINTENANCE)
    if maintenance == in_maintenance:
        state = "already" if maintenance else "not"
        raise InvalidParameter(f"id: primary storage {pool.name} is {state} in maintenance", field="id")
    pool.state = StoragePool.State.MAINTENANCE if maintenance else StoragePool.State.UP
    pool.save(update_fields=["state"])
    return pool


def delete_storage_pool(caller, pool: StoragePool) -> None:
    """Primary storage leaves once no volume or snapshot lives on it
    (Expunged volumes and Destroyed snapshots are history, not
    dependents). It is disabled first, so nothing is placed on it
    meanwhile; then what the apps above keep on it is removed (template
    copies), then its definition on every Up host that reaches it (the
    libvirt pool is stopped and undefined), then the row. A host refusing
    gives the pool its state back and raises, for a retry; hosts that are
    not Up cannot be asked and are logged."""
    ensure_root_admin(caller)
    with transaction.atomic():
        pool = locked(StoragePool, pool)
        ensure_deletable(pool, hint="delete or migrate them first")
        # Only a check here: the history rows let go of the pool in the
        # transaction that deletes it.
        transaction.set_rollback(True)
    with transaction.atomic():
        pool = locked(StoragePool, pool)
        state = pool.state
        StoragePool.objects.filter(pk=pool.pk).update(state=StoragePool.State.DISABLED)
    try:
        tear_down(pool)
        spec = pool_spec(pool)
        for host in _hosts_reaching(pool):
            if host.state != Host.State.UP:
                logger.warning("storage pool %s not removed from host %s, which is %s", pool.name, host.name,
                               host.state)
                continue
            try:
                get_driver(host.hypervisor).remove_storage_pool(host_access(host), spec)
            except CloudStackError as exc:
                raise ResourceUnavailable(f"id: primary storage {pool.name} could not be removed from host "
                                          f"{host.name}: {exc.message}; it keeps its state, delete it again to "
                                          "retry", field="id") from exc
        with transaction.atomic():
            delete_checked(locked(StoragePool, pool), hint="delete or migrate them first")
    except CloudStackError:
        StoragePool.objects.filter(pk=pool.pk).update(state=state)
        raise


def _hosts_reaching(pool: StoragePool):
    hosts = Host.objects.filter(zone_id=pool.zone_id).order_by("id")
    return hosts.filter(cluster_id=pool.cluster_id) if pool.cluster_id else hosts


def parse_image_store_url(url: str) -> tuple[str, str, str]:
    """(protocol, server, path) of nfs://server/path or file:///path."""
    parts = urlsplit((url or "").strip())
    if parts.scheme.lower() == "nfs":
        if not parts.hostname:
            raise InvalidParameter("url: the NFS server is missing (nfs://server/path)", field="url")
        return ImageStore.Protocol.NFS, parts.hostname, _path(parts, "exported path")
    if parts.scheme.lower() == "file":
        path = _path(parts, "directory")
        if not os.path.isdir(path) or not os.access(path, os.W_OK):
            raise InvalidParameter(f"url: {path} is not a writable directory on this server", field="url")
        return ImageStore.Protocol.FILE, "", path
    raise InvalidParameter(f"url: '{url}' is not a secondary storage URL; use nfs://server/path or file:///path",
                           field="url")


@transaction.atomic
def add_image_store(caller, zone: Zone, *, url: str, name: str = "") -> ImageStore:
    ensure_root_admin(caller)
    protocol, server, path = parse_image_store_url(url)
    zone = locked(Zone, zone)
    if zone.image_stores.filter(server=server, path=path).exists():
        raise InvalidParameter(f"url: zone {zone.name} already uses {url} as secondary storage", field="url")
    name = require_name(name, "name", "storage name") if name else url.strip()
    return ImageStore.objects.create(zone=zone, name=name, protocol=protocol, url=url.strip(), server=server,
                                     path=path, provider="NFS" if protocol == ImageStore.Protocol.NFS else "Local")


@transaction.atomic
def delete_image_store(caller, store: ImageStore) -> None:
    """Secondary storage leaves once no template or ISO is kept on it."""
    ensure_root_admin(caller)
    delete_checked(locked(ImageStore, store), hint="delete those templates from its zone first")
