"""Templates and ISOs: which ones a caller may use, whether they are ready
in a zone, and their copies on primary storage (the backing files of root
volumes), made once per pool on first use."""
import hashlib
import os
import re
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import ResourceLimit
from accounts.services.limits import check_resource_limits
from accounts.services.scope import scope_by_account
from cloudstack_ui.dependents import describe_dependents
from cloudstack_ui.errors import (
    CloudStackError,
    InvalidParameter,
    NotFound,
    PermissionDenied,
    ResourceUnavailable,
)
from cloudstack_ui.jobs.events import record_event
from compute.models import Snapshot, Template, TemplatePoolCopy, TemplateZone, VirtualMachine, Volume
from compute.services.image_inspection import inspect_image
from compute.services.storage_access import driver_and_access, pool_host, pool_ref, template_copy_name
from compute.services.template_urls import check_template_url, open_template_url
from infrastructure.hypervisors import UnsupportedOperation, VolumeRef
from infrastructure.models import Host, ImageStore, StoragePool, Zone


def usable_templates(caller):
    """Templates and ISOs the caller may launch: public ones and those of
    the accounts in reach (not removed)."""
    owned = scope_by_account(Template.objects.all(), caller).values("pk")
    return (Template.objects.filter(Q(is_public=True) | Q(pk__in=owned), removed__isnull=True)
            .select_related("os_type", "account__domain"))


def ready_template(caller, template_uuid, zone: Zone, *, field: str = "templateid", iso: bool | None = None) -> Template:
    """A template (iso=False), an ISO (iso=True) or either (None) that the
    caller may use and that is downloaded into `zone`'s secondary storage."""
    template = usable_templates(caller).filter(uuid=template_uuid).first()
    if template is None:
        raise NotFound(f"{field}: no template or ISO {template_uuid} that you may use", field=field)
    kind = "an ISO" if template.is_iso else "a template"
    if iso is not None and template.is_iso != iso:
        raise InvalidParameter(f"{field}: {template.name} is {kind}", field=field)
    entry = TemplateZone.objects.filter(template=template, zone=zone).first()
    if entry is None:
        raise InvalidParameter(f"{field}: {template.name} is not registered in zone {zone.name}", field=field)
    if not entry.is_ready:
        raise InvalidParameter(f"{field}: {template.name} is not ready in zone {zone.name}: "
                               f"{entry.status_text}", field=field)
    return template


def _checked_download(template: Template, zone: Zone) -> str:
    """The template's file in the zone's secondary storage, checked again
    by qemu-img before a hypervisor reads it (it may have been stored
    before the checks existed, or changed since). A file that fails is
    deleted and its zone entry put in DOWNLOAD_ERROR with the reason, so
    no later step uses it; InvalidParameter naming templateid says why."""
    entry = TemplateZone.objects.filter(template=template, zone=zone, status=TemplateZone.Status.DOWNLOADED).first()
    if entry is None or not entry.install_path:
        raise InvalidParameter(f"templateid: {template.name} is not downloaded in zone {zone.name}",
                               field="templateid")
    try:
        inspect_image(entry.install_path, template.format)
    except InvalidParameter as exc:
        message = f"the stored image was refused: {exc.message}"
        Path(entry.install_path).unlink(missing_ok=True)
        TemplateZone.objects.filter(pk=entry.pk).update(status=TemplateZone.Status.DOWNLOAD_ERROR,
                                                        error=message[:1024], install_path="")
        record_event("TEMPLATE.DOWNLOAD.FAILED", f"{template.name} in zone {zone.name}: {message}",
                     level="ERROR", account=template.account, resource=template)
        raise InvalidParameter(f"templateid: {template.name} {message}", field="templateid")
    return entry.install_path


def template_on_pool(template: Template, pool: StoragePool, host: Host) -> VolumeRef:
    """The template's copy on `pool`, imported from secondary storage
    through `host` the first time, and only once its file passed
    `inspect_image`; the copy row is locked meanwhile, so concurrent
    deploys import it once and wait for it. A copy already imported is
    answered without taking the lock."""
    ref = pool_ref(pool, template_copy_name(template))
    if TemplatePoolCopy.objects.filter(template=template, storage_pool=pool, ready=True).exists():
        return ref
    try:
        with transaction.atomic():
            TemplatePoolCopy.objects.get_or_create(template=template, storage_pool=pool,
                                                   defaults={"name": ref.name})
    except IntegrityError:
        pass  # a concurrent deploy made the row first
    source = _checked_download(template, pool.zone)
    with transaction.atomic():
        copy = TemplatePoolCopy.objects.select_for_update().get(template=template, storage_pool=pool)
        if not copy.ready:
            driver, access = driver_and_access(host)
            info = driver.import_volume(access, ref, source)
            copy.ready, copy.size = True, info.size
            copy.save(update_fields=["ready", "size"])
    return ref


def template_boot_details(template: Template) -> dict:
    """Kernel, initrd and command line of a direct-boot template; {} for
    one that boots from its disk."""
    details = template.details or {}
    boot = {key: details[key] for key in ("kernel", "initrd", "cmdline") if details.get(key)}
    for key in ("kernel", "initrd"):
        if boot.get(key, "").startswith(BUILTIN_SCHEME):
            boot[key] = str(settings.BUILTIN_TEMPLATE_DIR / boot[key].removeprefix(BUILTIN_SCHEME))
    return boot


def iso_path(iso: Template, host: Host) -> str:
    """The ISO's file as the host reads it: only a local image store on the
    host's own machine can be read in place."""
    entry = TemplateZone.objects.select_related("image_store").filter(
        template=iso, zone_id=host.zone_id, status=TemplateZone.Status.DOWNLOADED).first()
    if entry is None:
        raise InvalidParameter(f"templateid: ISO {iso.name} is not downloaded in this zone", field="templateid")
    if entry.image_store is None or entry.image_store.protocol != ImageStore.Protocol.FILE:
        raise UnsupportedOperation(f"ISO {iso.name} is on NFS secondary storage, which host {host.name} does not "
                                   "mount for ISOs yet")
    return entry.install_path


# --- registration and download --------------------------------------------------------------------

FORMATS_BY_HYPERVISOR = {"KVM": ("QCOW2", "RAW"), "XenServer": ("VHD",), "VMware": ("OVA",),
                         "Simulator": ("QCOW2", "RAW", "VHD", "OVA")}
CHECKSUM_ALGORITHMS = {"MD5": "md5", "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512"}
BUILTIN_SCHEME = "builtin://"
PROGRESS_STEP = 5  # percent between two progress writes


def _checksum(text: str) -> str:
    """CloudStack's checksum: {ALGORITHM}hex, or bare hex for MD5."""
    text = (text or "").strip()
    if not text:
        return ""
    algorithm, digest = "MD5", text
    if text.startswith("{"):
        algorithm, _, digest = text[1:].partition("}")
        algorithm = algorithm.upper()
    if algorithm not in CHECKSUM_ALGORITHMS:
        raise InvalidParameter(f"checksum: {algorithm} is not one of {', '.join(CHECKSUM_ALGORITHMS)}",
                               field="checksum")
    size = hashlib.new(CHECKSUM_ALGORITHMS[algorithm]).digest_size * 2
    if not re.fullmatch(rf"[0-9a-fA-F]{{{size}}}", digest):
        raise InvalidParameter(f"checksum: a {algorithm} checksum is {size} hexadecimal digits", field="checksum")
    return f"{{{algorithm}}}{digest.lower()}"


def _zones_with_storage(zone: Zone | None) -> list[Zone]:
    if zone is not None:
        if not zone.image_stores.exists():
            raise InvalidParameter(f"zoneid: zone {zone.name} has no secondary storage to download into",
                                   field="zoneid")
        return [zone]
    zones = list(Zone.objects.filter(image_stores__isnull=False).distinct())
    if not zones:
        raise InvalidParameter("zoneid: no zone has secondary storage to download into", field="zoneid")
    return zones


@transaction.atomic
def register_template(caller, *, name: str, display_text: str, url: str, zone: Zone | None, os_type,
                      format: str, hypervisor: str = "", is_public: bool = False, is_featured: bool = False,
                      password_enabled: bool = False, ssh_key_enabled: bool = False, is_extractable: bool = False,
                      checksum: str = "", bootable: bool = True, account=None) -> Template:
    """Record a template (or an ISO, format ISO) and queue its download
    into the secondary storage of `zone` (None: every zone that has some)."""
    from accounts.services.scope import ensure_can_admin_account

    account = account or caller.account
    if account.pk != caller.account_id:
        ensure_can_admin_account(caller, account)
    name = _name(name)
    url = check_template_url(caller, url)
    format = (format or "").upper()
    if format == Template.Format.ISO:
        hypervisor = ""
    else:
        if format not in FORMATS_BY_HYPERVISOR.get(hypervisor, ()):
            if hypervisor not in FORMATS_BY_HYPERVISOR:
                raise InvalidParameter(f"hypervisor: {hypervisor or 'nothing'} is not one of "
                                       f"{', '.join(FORMATS_BY_HYPERVISOR)}", field="hypervisor")
            raise InvalidParameter(f"format: {format or 'nothing'} is not a {hypervisor} format; use "
                                   f"{' or '.join(FORMATS_BY_HYPERVISOR[hypervisor])}", field="format")
    _check_featured(caller, is_featured)
    check_resource_limits(account, {ResourceLimit.Type.TEMPLATE: 1})
    template = Template.objects.create(
        name=name, display_text=(display_text or name).strip(), url=url, format=format, hypervisor=hypervisor,
        os_type=os_type, account=account, is_public=is_public, is_featured=is_featured,
        password_enabled=password_enabled, ssh_key_enabled=ssh_key_enabled, is_extractable=is_extractable,
        checksum=_checksum(checksum), bootable=bootable if format == Template.Format.ISO else True,
        cross_zones=zone is None)
    for target in _zones_with_storage(zone):
        _queue_download(TemplateZone.objects.create(template=template, zone=target))
    record_event("TEMPLATE.CREATE" if format != "ISO" else "ISO.CREATE", f"{name} registered from {template.url}",
                 user=caller, resource=template)
    return template


def _name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise InvalidParameter("name: a template needs a name", field="name")
    return name


def _check_featured(caller, is_featured: bool) -> None:
    if is_featured and not caller.is_root_admin:
        raise PermissionDenied("isfeatured: only a root admin features templates", field="isfeatured")


def _queue_download(entry: TemplateZone) -> None:
    """Run the download in a worker once the rows are committed (at once in
    eager mode, as jobs do)."""
    from compute.tasks import download_template_task

    if settings.CELERY_TASK_ALWAYS_EAGER:
        download_template_task.apply(args=[entry.pk])
    else:
        transaction.on_commit(lambda: download_template_task.delay(entry.pk))


def add_builtin_templates(zone: Zone) -> int:
    """Queue the download of every cross-zone template (the built-ins) into
    a zone that has just got secondary storage; answers how many."""
    queued = 0
    for template in Template.objects.filter(cross_zones=True, removed__isnull=True):
        entry, created = TemplateZone.objects.get_or_create(template=template, zone=zone)
        if created or entry.status == TemplateZone.Status.DOWNLOAD_ERROR:
            _queue_download(entry)
            queued += 1
    return queued


def _source(template: Template):
    """An open stream of the template's image and its size (0: unknown)."""
    if template.url.startswith(BUILTIN_SCHEME):
        if template.template_type != Template.Type.BUILTIN:
            raise InvalidParameter("url: builtin:// is for the built-in templates only", field="url")
        path = settings.BUILTIN_TEMPLATE_DIR / template.url.removeprefix(BUILTIN_SCHEME)
        if not path.is_file():
            raise ResourceUnavailable(f"{path} is missing: run bin/build-builtin-template on the management server")
        return open(path, "rb"), path.stat().st_size
    return open_template_url(template.url)


def _writable_store(zone: Zone) -> ImageStore:
    """The zone's secondary storage that the management server writes
    templates into; ResourceUnavailable says why there is none."""
    store = zone.image_stores.order_by("id").first()
    if store is None:
        raise ResourceUnavailable(f"zone {zone.name} has no secondary storage")
    if store.protocol != ImageStore.Protocol.FILE:
        raise ResourceUnavailable(f"secondary storage {store.name} is NFS ({store.url}); the management server "
                                  "does not mount NFS image stores yet, use a local directory store")
    return store


def _store_directory(entry: TemplateZone) -> tuple[ImageStore, Path]:
    store = _writable_store(entry.zone)
    kind = "iso" if entry.template.is_iso else "tmpl"
    return store, Path(store.path) / "template" / kind / str(entry.template.account_id) / str(entry.template.uuid)


def _discard_partial(target: Path) -> None:
    """Remove a download or export that did not complete, and its
    template directory if nothing else is in it."""
    Path(f"{target}.part").unlink(missing_ok=True)
    try:
        target.parent.rmdir()
    except OSError:
        pass  # the directory holds another file of the template, or is gone


def download_template(entry_id: int) -> TemplateZone:
    """Copy a template into its zone's secondary storage, recording the
    progress as it goes, checking its checksum and format; ends Download
    Complete or in DOWNLOAD_ERROR with the reason. A partial file never
    stays behind."""
    entry = TemplateZone.objects.select_related("template", "zone").get(pk=entry_id)
    template = entry.template
    TemplateZone.objects.filter(pk=entry.pk).update(status=TemplateZone.Status.DOWNLOAD_IN_PROGRESS,
                                                    download_percent=0, error="")
    target = None
    try:
        store, directory = _store_directory(entry)
        directory.mkdir(parents=True, exist_ok=True)
        target = directory / f"{template.uuid}.{template.format.lower()}"
        digest = hashlib.new(CHECKSUM_ALGORITHMS[template.checksum[1:].partition("}")[0]]) if template.checksum \
            else None
        stream, total = _source(template)
        copied = reported = 0
        with stream, open(f"{target}.part", "wb") as out:
            while chunk := stream.read(1024 * 1024):
                out.write(chunk)
                copied += len(chunk)
                if digest is not None:
                    digest.update(chunk)
                percent = min(99, copied * 100 // total) if total else 0
                if percent >= reported + PROGRESS_STEP:
                    reported = percent
                    TemplateZone.objects.filter(pk=entry.pk).update(download_percent=percent)
        if digest is not None and f"{{{template.checksum[1:].partition('}')[0]}}}{digest.hexdigest()}" \
                != template.checksum:
            raise InvalidParameter(f"checksum mismatch: expected {template.checksum}, got {digest.hexdigest()}")
        size = inspect_image(f"{target}.part", template.format).virtual_size
        os.replace(f"{target}.part", target)
    except (CloudStackError, OSError) as exc:
        message = exc.message if isinstance(exc, CloudStackError) else str(exc)
        if target is not None:
            _discard_partial(target)
        TemplateZone.objects.filter(pk=entry.pk).update(status=TemplateZone.Status.DOWNLOAD_ERROR,
                                                        error=message[:1024])
        record_event("TEMPLATE.DOWNLOAD.FAILED", f"{template.name} in zone {entry.zone.name}: {message}",
                     level="ERROR", account=template.account, resource=template)
        entry.refresh_from_db()
        return entry
    TemplateZone.objects.filter(pk=entry.pk).update(
        status=TemplateZone.Status.DOWNLOADED, download_percent=100, image_store=store, install_path=str(target),
        size=size, physical_size=copied)
    Template.objects.filter(pk=template.pk, size__lt=size).update(size=size)
    record_event("TEMPLATE.DOWNLOAD.SUCCESS", f"{template.name} downloaded into zone {entry.zone.name}",
                 account=template.account, resource=template)
    entry.refresh_from_db()
    return entry


# --- templates made from volumes and snapshots (createTemplate) --------------------------------------

# What each hypervisor's export_volume writes.
EXPORT_FORMATS = {"KVM": Template.Format.QCOW2, "Simulator": Template.Format.QCOW2}


def _export_source(volume: Volume | None, snapshot: Snapshot | None) -> tuple[StoragePool, str, Volume | None]:
    """The pool and name on it of what a new template is made from, and
    the volume it comes from; refused unless exactly one is given and it
    can be read now."""
    if (volume is None) == (snapshot is None):
        field = "snapshotid" if volume is not None else "volumeid"
        raise InvalidParameter(f"{field}: give either a volumeid or a snapshotid, not both or neither", field=field)
    if snapshot is not None:
        if snapshot.state != Snapshot.State.BACKED_UP:
            raise InvalidParameter(f"snapshotid: snapshot {snapshot.name} is {snapshot.state}, not BackedUp",
                                   field="snapshotid")
        return snapshot.storage_pool, snapshot.path, snapshot.volume
    if volume.state != Volume.State.READY or volume.storage_pool_id is None:
        raise InvalidParameter(f"volumeid: volume {volume.name} is {volume.state}, not Ready", field="volumeid")
    instance = volume.instance
    if instance is not None and instance.state != instance.State.STOPPED:
        raise InvalidParameter(f"volumeid: volume {volume.name} belongs to instance {instance.name}, which is "
                               f"{instance.state}; stop it first", field="volumeid")
    return volume.storage_pool, volume.path, volume


@transaction.atomic
def record_template_from_volume(caller, *, name: str, display_text: str, os_type, volume: Volume | None = None,
                                snapshot: Snapshot | None = None, is_public: bool = False, is_featured: bool = False,
                                password_enabled: bool = False, ssh_key_enabled: bool = False,
                                is_extractable: bool = False) -> Template:
    """Check and record a template of the caller's made from a volume
    (detached, or of a stopped instance) or a volume snapshot, in the
    zone of its storage; `create_template_from_volume` (the job) writes
    it into that zone's secondary storage. It keeps the boot details
    (kernel, initrd) of the template the volume came from."""
    field = "snapshotid" if snapshot is not None else "volumeid"
    pool, _path, origin = _export_source(volume, snapshot)
    name = _name(name)
    _check_featured(caller, is_featured)
    hypervisor = pool_host(pool).hypervisor
    if hypervisor not in EXPORT_FORMATS:
        raise UnsupportedOperation(f"{field}: templates from {hypervisor} volumes are not supported yet "
                                   "(only KVM and the Simulator export volumes)")
    try:
        _writable_store(pool.zone)
    except ResourceUnavailable as exc:
        raise InvalidParameter(f"{field}: {exc.message}", field=field)
    check_resource_limits(caller.account, {ResourceLimit.Type.TEMPLATE: 1})
    source_template = origin.template if origin is not None else None
    template = Template.objects.create(
        name=name, display_text=(display_text or name).strip(), url="", format=EXPORT_FORMATS[hypervisor],
        hypervisor=hypervisor, os_type=os_type, account=caller.account, is_public=is_public,
        is_featured=is_featured, password_enabled=password_enabled, ssh_key_enabled=ssh_key_enabled,
        is_extractable=is_extractable, details=dict(source_template.details) if source_template else {},
        size=(snapshot or volume).size)
    TemplateZone.objects.create(template=template, zone=pool.zone)
    return template


def forget_unmade_template(caller, template: Template, reason: CloudStackError) -> None:
    """A createTemplate whose job was failed before it ran (no worker took
    it): the template it recorded is removed, as a failed one is."""
    if TemplateZone.objects.filter(template=template, status=TemplateZone.Status.DOWNLOADED).exists():
        return
    template.delete()
    record_event("TEMPLATE.CREATE", f"Template {template.name} could not be made: {reason.message}",
                 level="ERROR", user=caller, account=template.account)


def create_template_from_volume(caller, template: Template, *, volume: Volume | None = None,
                                snapshot: Snapshot | None = None) -> TemplateZone:
    """Write the volume or snapshot into the zone's secondary storage as
    the recorded template: Download Complete with its sizes, or, on
    failure, the template is removed, no file stays, and the error says
    why."""
    entry = TemplateZone.objects.select_related("zone").get(template=template)
    TemplateZone.objects.filter(pk=entry.pk).update(status=TemplateZone.Status.DOWNLOAD_IN_PROGRESS)
    target = None
    try:
        pool, path, _origin = _export_source(volume, snapshot)
        store, directory = _store_directory(entry)
        directory.mkdir(parents=True, exist_ok=True)
        target = directory / f"{template.uuid}.{template.format.lower()}"
        host = pool_host(pool, prefer=volume.instance.last_host if volume and volume.instance else None)
        driver, access = driver_and_access(host)
        driver.export_volume(access, pool_ref(pool, path), f"{target}.part")
        size = inspect_image(f"{target}.part", template.format).virtual_size
        os.replace(f"{target}.part", target)
    except (CloudStackError, OSError) as exc:
        if target is not None:
            _discard_partial(target)
        template.delete()
        message = exc.message if isinstance(exc, CloudStackError) else str(exc)
        record_event("TEMPLATE.CREATE", f"Template {template.name} could not be made: {message}",
                     level="ERROR", user=caller, account=template.account)
        raise
    TemplateZone.objects.filter(pk=entry.pk).update(
        status=TemplateZone.Status.DOWNLOADED, download_percent=100, image_store=store, install_path=str(target),
        size=size, physical_size=os.path.getsize(target))
    Template.objects.filter(pk=template.pk).update(size=size)
    source = f"snapshot {snapshot.name}" if snapshot else f"volume {volume.name}"
    record_event("TEMPLATE.CREATE", f"Template {template.name} made from {source}", user=caller,
                 account=template.account, resource=template)
    entry.refresh_from_db()
    return entry


# --- listing, update, delete ----------------------------------------------------------------------

def listed_templates(caller, template_filter: str, *, isos: bool):
    """Per-zone rows (TemplateZone) of templates or ISOs, by CloudStack's
    templatefilter: featured, self, selfexecutable, sharedexecutable,
    executable, community, all (admins)."""
    rows = TemplateZone.objects.select_related("template__os_type", "template__account__domain", "zone").filter(
        template__removed__isnull=True)
    rows = rows.filter(template__format="ISO") if isos else rows.exclude(template__format="ISO")
    mine = Q(template__account=caller.account)
    if template_filter == "featured":
        return rows.filter(template__is_featured=True, template__is_public=True)
    if template_filter in ("self", "selfexecutable"):
        return rows.filter(mine)
    if template_filter == "community":
        return rows.filter(template__is_public=True, template__is_featured=False)
    if template_filter == "sharedexecutable":
        return rows.filter(template__is_public=True).exclude(mine)
    if template_filter == "executable":
        return rows.filter(template__pk__in=usable_templates(caller).values("pk"))
    if template_filter == "all":
        if not caller.is_root_admin:
            raise PermissionDenied("templatefilter: all is for root admins", field="templatefilter")
        return rows
    raise InvalidParameter(f"templatefilter: {template_filter} is not one of featured, self, selfexecutable, "
                           "sharedexecutable, executable, community, all", field="templatefilter")


def find_own_template(caller, uuid, field: str = "id") -> Template:
    """A template the caller may change: its account's, or in reach of an admin."""
    template = scope_by_account(Template.objects.filter(removed__isnull=True), caller).filter(uuid=uuid).first()
    if template is None:
        raise NotFound(f"{field}: no template or ISO {uuid} of yours", field=field)
    return template


def update_template(caller, template: Template, **changes) -> Template:
    """Name, display text, OS type, password/SSH key support, public, featured (root admins)."""
    if changes.get("is_featured") is not None and not caller.is_root_admin:
        raise PermissionDenied("isfeatured: only a root admin features templates", field="isfeatured")
    fields = {k: v for k, v in changes.items() if v is not None}
    if "name" in fields and not fields["name"].strip():
        raise InvalidParameter("name: a template needs a name", field="name")
    if fields:
        Template.objects.filter(pk=template.pk).update(**fields)
        template.refresh_from_db()
    return template


def delete_template(caller, template: Template, zone: Zone | None = None, *, forced: bool = False) -> None:
    """Remove the template from one zone (or all): its copies on the
    zone's primary storage that no volume is backed by (on storage, then
    the copy rows), then its files on secondary storage. A template that
    instances still use is refused naming them unless `forced` (as
    CloudStack's deleteTemplate); then it keeps its row, marked removed,
    and the copies its volumes stand on. A storage refusal raises before
    secondary storage is touched, for a retry."""
    entries = template.zones.all() if zone is None else template.zones.filter(zone=zone)
    if zone is not None and not entries.exists():
        raise InvalidParameter(f"zoneid: {template.name} is not in zone {zone.name}", field="zoneid")
    users = VirtualMachine.objects.filter(Q(template=template) | Q(iso=template))
    if zone is not None:
        users = users.filter(zone=zone)
    if not forced and users.exists():
        raise InvalidParameter(f"id: {template.name} is used by {describe_dependents(users[:50])}; destroy them "
                               "first, or use forced=true (they keep their disks)", field="id")
    copies = template.pool_copies.select_related("storage_pool")
    if zone is not None:
        copies = copies.filter(storage_pool__zone=zone)
    for copy in copies:
        if Volume.objects.filter(template=template, storage_pool=copy.storage_pool).exclude(
                state=Volume.State.EXPUNGED).exists():
            continue
        remove_pool_copy(copy)
    for entry in entries:
        if entry.install_path:
            Path(entry.install_path).unlink(missing_ok=True)
        entry.delete()
    if not template.zones.exists():
        if template.instances.exists() or template.iso_instances.exists() or template.volumes.exclude(
                state=Volume.State.EXPUNGED).exists():
            Template.objects.filter(pk=template.pk).update(removed=timezone.now())
        else:
            template.delete()
    record_event("TEMPLATE.DELETE", f"{template.name} deleted" + (f" from zone {zone.name}" if zone else ""),
                 user=caller, resource=template)


def remove_pool_copy(copy: TemplatePoolCopy) -> None:
    """Delete a template's copy from its primary storage, then its row;
    raises (keeping the row) when storage refuses."""
    if copy.ready:
        driver, access = driver_and_access(pool_host(copy.storage_pool))
        driver.delete_volume(access, pool_ref(copy.storage_pool, copy.name))
    copy.delete()
