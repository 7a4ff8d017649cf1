"""The KVM hypervisor through libvirt.

Hosts are libvirt URLs: qemu:///system (a host on the management server
itself, guide 1.3), qemu+tcp://host/system, qemu+ssh://root@host/system,
qemu+tls://host/system, and libvirt's test:/// driver (its state lives in
one process: for trials of the driver alone). Instances are libvirt domains
named by their internal name, with disks on a virtio-scsi controller
(hot-unplug needs no guest cooperation) and a password-protected VNC
display; primary storage pools are libvirt storage pools named by the
pool's uuid, volumes qcow2 files in them; security groups are libvirt
nwfilters. Connection failures become HostUnreachable, refused credentials
HostAuthenticationFailed; hosts below the guide's minimums (8.1.1: libvirt
0.9.4, QEMU 1.0) are refused."""
import ipaddress
import os
import time
import xml.etree.ElementTree as ET
from contextlib import contextmanager
from urllib.parse import urlsplit

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from cloudstack_ui.errors import InvalidParameter
from infrastructure.hypervisors.base import (
    ConsoleAddress,
    DiskSpec,
    HostAccess,
    HostAuthenticationFailed,
    HostFacts,
    HostUnreachable,
    HypervisorDriver,
    HypervisorOperationFailed,
    InstanceSpec,
    PoolSpec,
    PowerState,
    SecurityRule,
    SecurityRuleSet,
    UnsupportedOperation,
    VolumeInfo,
    VolumeRef,
)

SCHEMES = ("qemu", "qemu+tcp", "qemu+ssh", "qemu+tls", "qemu+unix", "test")
MIN_LIBVIRT = 9004  # 0.9.4
MIN_QEMU = 1_000_000  # 1.0


def _version_text(number: int) -> str:
    return f"{number // 1_000_000}.{number // 1000 % 1000}.{number % 1000}"


def check_url(url: str) -> str:
    scheme = urlsplit(url).scheme.lower()
    if scheme not in SCHEMES:
        raise InvalidParameter(f"url: a KVM host is a libvirt URL such as qemu+ssh://root@host/system or "
                               f"qemu:///system, not '{url}'", field="url")
    return url


def _el(tag: str, attributes: dict | None = None, *children: ET.Element | None, text=None) -> ET.Element:
    """One element of the XML we send libvirt; ElementTree escapes every
    value, so names and paths with <, & or quotes reach libvirt as written."""
    element = ET.Element(tag, {key: str(value) for key, value in (attributes or {}).items()})
    element.extend(child for child in children if child is not None)
    if text is not None:
        element.text = str(text)
    return element


def _xml(element: ET.Element) -> str:
    return ET.tostring(element, encoding="unicode")


def parse_xml(text: str) -> ET.Element:
    """XML that a host answered (libvirt descriptions, capabilities), parsed
    without expanding entities or fetching anything a DTD names."""
    try:
        return SafeET.fromstring(text)
    except (DefusedXmlException, ET.ParseError) as exc:
        raise HypervisorOperationFailed(f"the host answered XML that is refused: {exc}")


def _disk_target(device_id: int) -> str:
    """sda, sdb, ... sdz, sdaa: the SCSI disk name of a CloudStack device id."""
    letters, n = "", device_id
    while True:
        letters = chr(ord("a") + n % 26) + letters
        n = n // 26 - 1
        if n < 0:
            return "sd" + letters


def _is_local(url: str) -> bool:
    return urlsplit(url).hostname in (None, "", "localhost", "127.0.0.1", "::1")


def _pool_xml(pool: PoolSpec) -> str:
    """The libvirt storage pool of a primary storage (guide 6.7: KVM takes
    NFS, SharedMountPoint and CLVM; local storage is a directory)."""
    name = _el("name", text=pool.uuid)
    if pool.protocol in ("SharedMountPoint", "Filesystem"):
        return _xml(_el("pool", {"type": "dir"}, name, _el("target", None, _el("path", text=pool.path))))
    if pool.protocol == "NetworkFilesystem":
        source = _el("source", None, _el("host", {"name": pool.server}), _el("dir", {"path": pool.path}),
                     _el("format", {"type": "nfs"}))
        return _xml(_el("pool", {"type": "netfs"}, name, source,
                        _el("target", None, _el("path", text=f"/mnt/{pool.uuid}"))))
    if pool.protocol == "CLVM":
        group = pool.path.strip("/")
        source = _el("source", None, _el("name", text=group), _el("format", {"type": "lvm2"}))
        return _xml(_el("pool", {"type": "logical"}, name, source,
                        _el("target", None, _el("path", text=f"/dev/{group}"))))
    raise UnsupportedOperation(f"primary storage of protocol {pool.protocol} cannot be used by KVM hosts through "
                               f"this driver (it takes NFS, SharedMountPoint, CLVM and local directories)")


def _pool_location(xml: str) -> tuple[str, ...]:
    """Where a libvirt pool keeps its volumes, as libvirt compares pools
    for a "storage source conflict": a directory by its target path, NFS
    by server and export, LVM by volume group."""
    root = parse_xml(xml)
    kind = root.get("type", "")
    if kind == "netfs":
        return kind, root.find("source/host").get("name", ""), os.path.normpath(root.find("source/dir").get("path", ""))
    if kind == "logical":
        return kind, root.findtext("source/name", "")
    return kind, os.path.normpath(root.findtext("target/path", ""))


def _disk_element(disk: DiskSpec, path: str, fmt: str) -> ET.Element:
    return _el("disk", {"type": "file", "device": "disk"},
               _el("driver", {"name": "qemu", "type": fmt, "cache": "none"}),
               _el("source", {"file": path}),
               _el("target", {"dev": _disk_target(disk.device_id), "bus": "scsi"}),
               _el("readonly") if disk.read_only else None,
               _el("address", {"type": "drive", "controller": 0, "bus": 0, "target": 0, "unit": disk.device_id}))


def _disk_xml(disk: DiskSpec, path: str, fmt: str) -> str:
    return _xml(_disk_element(disk, path, fmt))


def _volume_xml(name: str, size: int, fmt: str) -> str:
    return _xml(_el("volume", None, _el("name", text=name), _el("capacity", {"unit": "bytes"}, text=size),
                    _el("target", None, _el("format", {"type": fmt}))))


_RULE_PROTOCOLS = ("tcp", "udp", "icmp", "all")


def _rule_element(rule: SecurityRule, priority: int) -> ET.Element:
    """One nwfilter rule. For direction 'in' the remote side is the source,
    for 'out' the destination (libvirt's view from the guest's NIC)."""
    if rule.protocol not in _RULE_PROTOCOLS:
        raise HypervisorOperationFailed(f"a security rule of protocol {rule.protocol!r} cannot be written as an "
                                        f"nwfilter rule")
    network = ipaddress.ip_network(rule.cidr, strict=False)
    side = "src" if rule.direction == "ingress" else "dst"
    attributes = {f"{side}ipaddr": network.network_address, f"{side}ipmask": network.prefixlen}
    if rule.protocol in ("tcp", "udp"):
        attributes.update(dstportstart=rule.start_port, dstportend=rule.end_port)
    elif rule.protocol == "icmp":
        if rule.icmp_type is not None and rule.icmp_type >= 0:
            attributes["type"] = rule.icmp_type
        if rule.icmp_code is not None and rule.icmp_code >= 0:
            attributes["code"] = rule.icmp_code
    attributes["state"] = "NEW"
    direction = "in" if rule.direction == "ingress" else "out"
    return _el("rule", {"action": "accept", "direction": direction, "priority": priority},
               _el(rule.protocol, attributes))


def security_filter_xml(rule_set: SecurityRuleSet, uuid: str = "") -> str:
    """The nwfilter of one NIC: ARP and established traffic pass, each rule
    opens new connections, then ingress is dropped; egress is dropped only
    when egress rules exist (CloudStack's default egress policy: allow).
    `uuid` is the filter's own when it is redefined."""
    rules = [_el("rule", {"action": "accept", "direction": "inout", "priority": -700},
                 _el("mac", {"protocolid": "arp"})),
             _el("rule", {"action": "accept", "direction": "inout", "priority": -600},
                 _el("all", {"state": "ESTABLISHED,RELATED"}))]
    rules += [_rule_element(rule, 100 + i) for i, rule in enumerate(rule_set.rules)]
    rules.append(_el("rule", {"action": "drop", "direction": "in", "priority": 1000}, _el("all")))
    if any(rule.direction == "egress" for rule in rule_set.rules):
        rules.append(_el("rule", {"action": "drop", "direction": "out", "priority": 1000}, _el("all")))
    return _xml(_el("filter", {"name": rule_set.name, "chain": "root"},
                    _el("uuid", text=uuid) if uuid else None, *rules))


_POWER_STATES = {
    0: PowerState.UNKNOWN,  # NOSTATE
    1: PowerState.ON,  # RUNNING
    2: PowerState.ON,  # BLOCKED
    3: PowerState.ON,  # PAUSED
    4: PowerState.ON,  # SHUTDOWN: being shut down
    5: PowerState.OFF,  # SHUTOFF
    6: PowerState.OFF,  # CRASHED
    7: PowerState.ON,  # PMSUSPENDED
}


class KVMDriver(HypervisorDriver):
    hypervisor = "KVM"

    @contextmanager
    def _connection(self, host: HostAccess):
        import libvirt

        def credentials(creds, _data):
            for cred in creds:
                if cred[0] == libvirt.VIR_CRED_AUTHNAME:
                    cred[4] = host.username or "root"
                elif cred[0] == libvirt.VIR_CRED_PASSPHRASE:
                    cred[4] = host.password
            return 0

        auth = [[libvirt.VIR_CRED_AUTHNAME, libvirt.VIR_CRED_PASSPHRASE], credentials, None]
        name = urlsplit(host.url).hostname or "localhost"
        try:
            connection = libvirt.openAuth(check_url(host.url), auth, 0)
        except libvirt.libvirtError as exc:
            if exc.get_error_code() == libvirt.VIR_ERR_AUTH_FAILED:
                raise HostAuthenticationFailed(f"Unable to log in to host {name} as {host.username or 'root'}: "
                                               f"{exc.get_error_message()}")
            raise HostUnreachable(f"Unable to connect to host {name}: {exc.get_error_message()}")
        try:
            yield connection
        except libvirt.libvirtError as exc:
            if exc.get_error_code() == libvirt.VIR_ERR_NO_SUPPORT:
                raise UnsupportedOperation(f"host {name} cannot do this: {exc.get_error_message()}")
            raise HypervisorOperationFailed(f"host {name}: {exc.get_error_message()}")
        finally:
            connection.close()

    # --- hosts -------------------------------------------------------------------
    def connect(self, host: HostAccess) -> HostFacts:
        with self._connection(host) as connection:
            kind = connection.getType()
            lib_version, hypervisor_version = connection.getLibVersion(), connection.getVersion()
            if lib_version < MIN_LIBVIRT:
                raise InvalidParameter(f"url: the host runs libvirt {_version_text(lib_version)}; at least 0.9.4 is "
                                       f"needed", field="url")
            if kind == "QEMU" and hypervisor_version < MIN_QEMU:
                raise InvalidParameter(f"url: the host runs QEMU {_version_text(hypervisor_version)}; at least 1.0 "
                                       f"is needed", field="url")
            model, memory_mb, _cpus, mhz, _nodes, sockets, cores, threads = connection.getInfo()
            capabilities = parse_xml(connection.getCapabilities())
            cpu_model = capabilities.findtext("host/cpu/model") or model
            flags = sorted(f.get("name") for f in capabilities.findall("host/cpu/feature"))
            accelerations = sorted({d.get("type") for d in capabilities.iter("domain") if d.get("type")})
            return HostFacts(
                name=connection.getHostname(), ip_address=urlsplit(host.url).hostname or "",
                cpu_sockets=sockets, cpu_number=sockets * cores * threads, cpu_speed=mhz, cpu_model=cpu_model,
                cpu_flags=" ".join(flags), memory=memory_mb * 1024 * 1024,
                hypervisor_version=f"{kind} {_version_text(hypervisor_version)}, libvirt {_version_text(lib_version)}",
                running_vms=len(connection.listDomainsID()), accelerations=tuple(accelerations),
            )

    def ping(self, host: HostAccess) -> bool:
        try:
            with self._connection(host) as connection:
                return connection.isAlive() == 1
        except HypervisorOperationFailed:
            return False

    # --- instances ---------------------------------------------------------------
    def _domain(self, connection, name: str):
        import libvirt

        try:
            return connection.lookupByName(name)
        except libvirt.libvirtError as exc:
            if exc.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
                return None
            raise

    def _existing_domain(self, connection, name: str):
        domain = self._domain(connection, name)
        if domain is None:
            raise HypervisorOperationFailed(f"instance {name} is not defined on this host")
        return domain

    def _domain_xml(self, connection, host: HostAccess, spec: InstanceSpec) -> str:
        test = connection.getType() == "TEST"
        kind = "test" if test else spec.acceleration
        memory_kib = spec.memory // 1024
        if spec.kernel:
            boot = [_el("kernel", text=spec.kernel), _el("initrd", text=spec.initrd), _el("cmdline", text=spec.cmdline)]
        else:
            boot = ([_el("boot", {"dev": "cdrom"})] if spec.iso else []) + [_el("boot", {"dev": "hd"})]
        machine = {} if test else {"arch": "x86_64", "machine": "pc"}
        disks = [_disk_element(disk, *self._volume_path_and_format(connection, disk.volume)) for disk in spec.disks]
        if spec.iso:
            disks.append(_el("disk", {"type": "file", "device": "cdrom"},
                             _el("driver", {"name": "qemu", "type": "raw"}), _el("source", {"file": spec.iso}),
                             _el("target", {"dev": "hdc", "bus": "ide"}), _el("readonly")))
        nics = []
        for nic in spec.nics:
            mac = _el("mac", {"address": nic.mac})
            if nic.network:
                filterref = _el("filterref", {"filter": nic.security_filter}) if nic.security_filter else None
                nics.append(_el("interface", {"type": "bridge"}, mac, _el("source", {"bridge": nic.network}),
                                _el("model", {"type": "virtio"}), filterref))
            else:
                nics.append(_el("interface", {"type": "user"}, mac, _el("model", {"type": "virtio"})))
        listen = "127.0.0.1" if _is_local(host.url) else "0.0.0.0"
        shares = max(spec.vcpus * spec.cpu_speed, 2)
        devices = _el("devices", None, _el("controller", {"type": "scsi", "index": 0, "model": "virtio-scsi"}),
                      *disks, *nics, _el("serial", {"type": "pty"}), _el("console", {"type": "pty"}),
                      _el("input", {"type": "tablet", "bus": "usb"}),
                      _el("graphics", {"type": "vnc", "port": -1, "autoport": "yes", "listen": listen,
                                       "passwd": spec.vnc_password[:8]}),
                      _el("video", None, _el("model", {"type": "vga"})))
        return _xml(_el(
            "domain", {"type": kind}, _el("name", text=spec.name), _el("uuid", text=spec.uuid),
            _el("memory", {"unit": "KiB"}, text=memory_kib), _el("currentMemory", {"unit": "KiB"}, text=memory_kib),
            _el("vcpu", text=spec.vcpus), _el("cputune", None, _el("shares", text=shares)),
            _el("os", None, _el("type", machine, text="hvm"), *boot),
            _el("features", None, _el("acpi"), _el("apic")),
            _el("on_poweroff", text="destroy"), _el("on_reboot", text="restart"), _el("on_crash", text="destroy"),
            devices))

    def define_instance(self, host: HostAccess, spec: InstanceSpec) -> None:
        with self._connection(host) as connection:
            if self._domain(connection, spec.name) is not None:
                raise HypervisorOperationFailed(f"an instance named {spec.name} is already defined on this host")
            connection.defineXML(self._domain_xml(connection, host, spec))

    def start_instance(self, host: HostAccess, name: str) -> None:
        with self._connection(host) as connection:
            domain = self._existing_domain(connection, name)
            if not domain.isActive():
                domain.create()

    def stop_instance(self, host: HostAccess, name: str, *, forced: bool = False, timeout: float = 60) -> None:
        """Graceful: an ACPI power-button press, then a power-off after
        `timeout` seconds if the guest has not shut down (as CloudStack's KVM
        agent does)."""
        import libvirt

        with self._connection(host) as connection:
            domain = self._existing_domain(connection, name)
            if not domain.isActive():
                return
            if not forced:
                try:
                    domain.shutdown()
                except libvirt.libvirtError:
                    pass
                deadline = time.monotonic() + timeout
                while time.monotonic() < deadline and domain.isActive():
                    time.sleep(0.5)
            if domain.isActive():
                domain.destroy()

    def reboot_instance(self, host: HostAccess, name: str) -> None:
        """A hard reset, like the machine's reset button: it restarts every
        guest, whether or not it answers ACPI."""
        with self._connection(host) as connection:
            domain = self._existing_domain(connection, name)
            if not domain.isActive():
                raise HypervisorOperationFailed(f"instance {name} is not running")
            domain.reset(0)

    def destroy_instance(self, host: HostAccess, name: str) -> None:
        import libvirt

        with self._connection(host) as connection:
            domain = self._domain(connection, name)
            if domain is None:
                return
            if domain.isActive():
                domain.destroy()
            domain.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_NVRAM | libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA)

    def migrate_instance(self, host: HostAccess, name: str, destination: HostAccess) -> None:
        """Live migration, the destination keeping the definition; both hosts
        must see the instance's volumes (shared primary storage)."""
        import libvirt

        with self._connection(host) as connection, self._connection(destination) as target:
            domain = self._existing_domain(connection, name)
            if not domain.isActive():
                raise HypervisorOperationFailed(f"instance {name} is not running; only running instances migrate")
            flags = libvirt.VIR_MIGRATE_LIVE | libvirt.VIR_MIGRATE_PERSIST_DEST | libvirt.VIR_MIGRATE_UNDEFINE_SOURCE
            domain.migrate(target, flags, None, None, 0)

    def instance_power_state(self, host: HostAccess, name: str) -> PowerState:
        with self._connection(host) as connection:
            domain = self._domain(connection, name)
            return PowerState.MISSING if domain is None else _POWER_STATES.get(domain.state()[0], PowerState.UNKNOWN)

    def instance_power_states(self, host: HostAccess) -> dict[str, PowerState]:
        with self._connection(host) as connection:
            return {domain.name(): _POWER_STATES.get(domain.state()[0], PowerState.UNKNOWN)
                    for domain in connection.listAllDomains()}

    # --- storage -----------------------------------------------------------------
    def _pool(self, connection, pool: PoolSpec):
        """The pool's libvirt pool, defined on first use. A pool the host
        already has for the same location under another name (defined by
        hand, or by an earlier install) is adopted instead of failing with
        libvirt's "storage source conflict"; a pool of our name for another
        location is refused with both locations."""
        wanted = _pool_location(_pool_xml(pool))
        storage = self._named_pool(connection, pool.uuid)
        if storage is not None:
            found = _pool_location(storage.XMLDesc(0))
            if found != wanted:
                raise HypervisorOperationFailed(
                    f"a libvirt storage pool named {pool.uuid} already exists for {':'.join(found[1:])}, not for "
                    f"{':'.join(wanted[1:])}; remove or rename that pool on the host")
        else:
            storage = next((candidate for candidate in connection.listAllStoragePools(0)
                            if _pool_location(candidate.XMLDesc(0)) == wanted), None)
        if storage is None:
            storage = connection.storagePoolDefineXML(_pool_xml(pool), 0)
            if pool.protocol != "CLVM":
                storage.build(0)
            storage.setAutostart(1)
        if not storage.isActive():
            storage.create(0)
        return storage

    @staticmethod
    def _named_pool(connection, name: str):
        import libvirt

        try:
            return connection.storagePoolLookupByName(name)
        except libvirt.libvirtError as exc:
            if exc.get_error_code() != libvirt.VIR_ERR_NO_STORAGE_POOL:
                raise
            return None

    def remove_storage_pool(self, host: HostAccess, pool: PoolSpec) -> None:
        """Stop and undefine the libvirt pool named by the pool's uuid (the
        files under it stay). An adopted pool of another name was the
        host's before and is left to it."""
        with self._connection(host) as connection:
            storage = self._named_pool(connection, pool.uuid)
            if storage is None:
                return
            if storage.isActive():
                storage.destroy()
            storage.undefine()

    def _volume(self, connection, volume: VolumeRef):
        import libvirt

        storage = self._pool(connection, volume.pool)
        try:
            return storage.storageVolLookupByName(volume.name)
        except libvirt.libvirtError as exc:
            if exc.get_error_code() == libvirt.VIR_ERR_NO_STORAGE_VOL:
                storage.refresh(0)
                try:
                    return storage.storageVolLookupByName(volume.name)
                except libvirt.libvirtError:
                    pass
                raise HypervisorOperationFailed(f"volume {volume.name} is not in storage pool {volume.pool.uuid}")
            raise

    def _volume_path_and_format(self, connection, volume: VolumeRef) -> tuple[str, str]:
        info = self._volume_info(self._volume(connection, volume))
        return info.path, info.format

    @staticmethod
    def _volume_info(vol) -> VolumeInfo:
        xml = parse_xml(vol.XMLDesc(0))
        _kind, capacity, allocation = vol.info()
        fmt = xml.find("target/format")
        return VolumeInfo(name=vol.name(), path=vol.path(), size=capacity, allocation=allocation,
                          format=fmt.get("type") if fmt is not None else "raw",
                          backing=xml.findtext("backingStore/path") or "")

    def prepare_storage_pool(self, host: HostAccess, pool: PoolSpec) -> tuple[int, int]:
        with self._connection(host) as connection:
            storage = self._pool(connection, pool)
            storage.refresh(0)
            _state, capacity, _allocation, available = storage.info()
            return capacity, available

    def create_volume(self, host: HostAccess, volume: VolumeRef, size: int, *,
                      template: VolumeRef | None = None) -> VolumeInfo:
        with self._connection(host) as connection:
            storage = self._pool(connection, volume.pool)
            backing = None
            if template is not None:
                base = self._volume_info(self._volume(connection, template))
                size = max(size, base.size)
                backing = _el("backingStore", None, _el("path", text=base.path), _el("format", {"type": base.format}))
            xml = _xml(_el("volume", None, _el("name", text=volume.name),
                           _el("capacity", {"unit": "bytes"}, text=size), _el("allocation", {"unit": "bytes"}, text=0),
                           _el("target", None, _el("format", {"type": "qcow2"})), backing))
            return self._volume_info(storage.createXML(xml, 0))

    def import_volume(self, host: HostAccess, volume: VolumeRef, source_file: str) -> VolumeInfo:
        """Streams the file to the host over the libvirt connection, so
        remote hosts need no access to the management server's disks."""
        with self._connection(host) as connection:
            storage = self._pool(connection, volume.pool)
            size = os.path.getsize(source_file)
            with open(source_file, "rb") as source:
                fmt = "qcow2" if source.read(4) == b"QFI\xfb" else "raw"
            vol = storage.createXML(_volume_xml(volume.name, size, fmt), 0)
            stream = connection.newStream(0)
            try:
                vol.upload(stream, 0, size, 0)
                with open(source_file, "rb") as source:
                    while chunk := source.read(1024 * 1024):
                        stream.send(chunk)
                stream.finish()
            except Exception:
                stream.abort()
                vol.delete(0)
                raise
            storage.refresh(0)
            return self._volume_info(storage.storageVolLookupByName(volume.name))

    def export_volume(self, host: HostAccess, volume: VolumeRef, target_file: str) -> int:
        """Streams the volume over the libvirt connection; a volume backed
        by a template copy is first cloned whole into a temporary volume,
        so the file is a qcow2 image of its own."""
        with self._connection(host) as connection:
            source = self._volume(connection, volume)
            backed = parse_xml(source.XMLDesc(0)).find("backingStore/path") is not None
            temporary = None
            if backed:
                storage = self._pool(connection, volume.pool)
                self._clone(storage, f"export-{volume.name}", source)
                temporary = source = storage.storageVolLookupByName(f"export-{volume.name}")
            stream = connection.newStream(0)
            written = 0
            try:
                source.download(stream, 0, 0, 0)
                with open(target_file, "wb") as target:
                    while chunk := stream.recv(1024 * 1024):
                        if isinstance(chunk, int):
                            raise HypervisorOperationFailed(f"reading volume {volume.name} failed")
                        target.write(chunk)
                        written += len(chunk)
                stream.finish()
            except Exception:
                stream.abort()
                raise
            finally:
                if temporary is not None:
                    temporary.delete(0)
            return written

    def delete_volume(self, host: HostAccess, volume: VolumeRef) -> None:
        import libvirt

        with self._connection(host) as connection:
            storage = self._pool(connection, volume.pool)
            storage.refresh(0)
            try:
                vol = storage.storageVolLookupByName(volume.name)
            except libvirt.libvirtError as exc:
                if exc.get_error_code() == libvirt.VIR_ERR_NO_STORAGE_VOL:
                    return
                raise
            vol.delete(0)

    def _device_flags(self, domain) -> int:
        import libvirt

        flags = libvirt.VIR_DOMAIN_AFFECT_CONFIG
        if domain.isActive():
            flags |= libvirt.VIR_DOMAIN_AFFECT_LIVE
        return flags

    def attach_volume(self, host: HostAccess, name: str, disk: DiskSpec) -> None:
        with self._connection(host) as connection:
            domain = self._existing_domain(connection, name)
            path, fmt = self._volume_path_and_format(connection, disk.volume)
            domain.attachDeviceFlags(_disk_xml(disk, path, fmt), self._device_flags(domain))

    def detach_volume(self, host: HostAccess, name: str, disk: DiskSpec) -> None:
        with self._connection(host) as connection:
            domain = self._existing_domain(connection, name)
            path, fmt = self._volume_path_and_format(connection, disk.volume)
            attached = {source.get("file") for source in parse_xml(domain.XMLDesc(0)).iter("source")}
            if path not in attached:
                raise HypervisorOperationFailed(f"volume {disk.volume.name} is not attached to instance {name}")
            domain.detachDeviceFlags(_disk_xml(disk, path, fmt), self._device_flags(domain))

    def snapshot_volume(self, host: HostAccess, volume: VolumeRef, snapshot: VolumeRef,
                        *, instance: str = "") -> VolumeInfo:
        """A full, independent qcow2 copy in the same pool. From a running
        instance through a libvirt push backup (QEMU copies the disk as it
        was when the snapshot began, while the guest runs); otherwise a
        clone of the volume."""
        with self._connection(host) as connection:
            storage = self._pool(connection, volume.pool)
            source = self._volume(connection, volume)
            domain = self._domain(connection, instance) if instance else None
            if domain is not None and domain.isActive():
                self._backup_running_disk(domain, source.path(), storage, snapshot.name)
                storage.refresh(0)
                return self._volume_info(storage.storageVolLookupByName(snapshot.name))
            return self._clone(storage, snapshot.name, source)

    def _clone(self, storage, name: str, source) -> VolumeInfo:
        """A full qcow2 copy of `source` (QEMU reads its whole backing chain) named `name` in `storage`."""
        return self._volume_info(storage.createXMLFrom(_volume_xml(name, source.info()[1], "qcow2"), source, 0))

    @staticmethod
    def _disk_device(domain, path: str) -> str | None:
        """The target device (sda...) under which the domain has the file `path`, or None."""
        for disk in parse_xml(domain.XMLDesc(0)).findall("devices/disk"):
            source = disk.find("source")
            if source is not None and source.get("file") == path:
                return disk.find("target").get("dev")
        return None

    def resize_volume(self, host: HostAccess, volume: VolumeRef, size: int, *, instance: str = "") -> VolumeInfo:
        """A disk of a running `instance` grows online (QEMU's block_resize,
        the guest sees the new size at once); otherwise the file grows
        through the storage pool (qemu-img resize)."""
        import libvirt

        with self._connection(host) as connection:
            vol = self._volume(connection, volume)
            current = vol.info()[1]
            if size < current:
                raise UnsupportedOperation(f"volume {volume.name} has {current} bytes; volumes only grow")
            domain = self._domain(connection, instance) if instance else None
            device = self._disk_device(domain, vol.path()) if domain is not None and domain.isActive() else None
            if device is not None:
                domain.blockResize(device, size, libvirt.VIR_DOMAIN_BLOCK_RESIZE_BYTES)
            elif size > current:
                vol.resize(size, 0)
            return self._volume_info(self._volume(connection, volume))

    def revert_volume(self, host: HostAccess, volume: VolumeRef, snapshot: VolumeRef) -> VolumeInfo:
        """The volume's file is replaced by a full copy of the snapshot under
        the same name (so the same path: instance definitions stay valid);
        refused while a running instance has the file open."""
        import libvirt

        with self._connection(host) as connection:
            storage = self._pool(connection, volume.pool)
            source = self._volume(connection, snapshot)
            storage.refresh(0)
            try:
                existing = storage.storageVolLookupByName(volume.name)
            except libvirt.libvirtError as exc:
                if exc.get_error_code() != libvirt.VIR_ERR_NO_STORAGE_VOL:
                    raise
                existing = None
            if existing is not None:
                for domain in connection.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE):
                    if self._disk_device(domain, existing.path()) is not None:
                        raise HypervisorOperationFailed(f"volume {volume.name} is in use by running instance "
                                                        f"{domain.name()}")
                existing.delete(0)
            return self._clone(storage, volume.name, source)

    def copy_volume(self, host: HostAccess, source: VolumeRef, dest: VolumeRef) -> VolumeInfo:
        with self._connection(host) as connection:
            original = self._volume(connection, source)
            return self._clone(self._pool(connection, dest.pool), dest.name, original)

    def _backup_running_disk(self, domain, path: str, storage, name: str) -> None:
        import libvirt

        target = os.path.join(parse_xml(storage.XMLDesc(0)).findtext("target/path"), name)
        disks = parse_xml(domain.XMLDesc(0)).findall("devices/disk")
        device = self._disk_device(domain, path)
        if device is None:
            raise HypervisorOperationFailed(f"the volume at {path} is not a disk of instance {domain.name()}")
        others = [_el("disk", {"name": d.find("target").get("dev"), "backup": "no"}) for d in disks
                  if d.get("device") == "disk" and d.find("target").get("dev") != device]
        backed_up = _el("disk", {"name": device, "type": "file"}, _el("target", {"file": target}),
                        _el("driver", {"type": "qcow2"}))
        domain.backupBegin(_xml(_el("domainbackup", None, _el("disks", None, backed_up, *others))), None, 0)
        while domain.jobInfo()[0] != libvirt.VIR_DOMAIN_JOB_NONE:
            time.sleep(0.2)
        result = domain.jobStats(libvirt.VIR_DOMAIN_JOB_STATS_COMPLETED)
        if result.get("type") != libvirt.VIR_DOMAIN_JOB_COMPLETED:
            raise HypervisorOperationFailed(f"the snapshot of {path} failed: {result.get('errmsg', 'unknown error')}")

    # --- console and rules -------------------------------------------------------
    def console_address(self, host: HostAccess, name: str) -> ConsoleAddress:
        import libvirt

        with self._connection(host) as connection:
            domain = self._existing_domain(connection, name)
            if not domain.isActive():
                raise HypervisorOperationFailed(f"instance {name} is not running; its console opens when it runs")
            graphics = parse_xml(domain.XMLDesc(libvirt.VIR_DOMAIN_XML_SECURE)).find("devices/graphics[@type='vnc']")
            if graphics is None or int(graphics.get("port", "-1")) <= 0:
                raise HypervisorOperationFailed(f"instance {name} has no VNC display")
            address = "127.0.0.1" if _is_local(host.url) else urlsplit(host.url).hostname
            return ConsoleAddress(host=address, port=int(graphics.get("port")), password=graphics.get("passwd", ""))

    def apply_security_rules(self, host: HostAccess, rule_set: SecurityRuleSet) -> None:
        """Redefining a filter makes libvirt re-apply it at once to every
        running NIC that refers to it."""
        import libvirt

        with self._connection(host) as connection:
            existing = ""
            try:  # a filter is redefined under its own uuid
                existing = connection.nwfilterLookupByName(rule_set.name).UUIDString()
            except libvirt.libvirtError as exc:
                if exc.get_error_code() != libvirt.VIR_ERR_NO_NWFILTER:
                    raise
            connection.nwfilterDefineXML(security_filter_xml(rule_set, existing))

    def remove_security_rules(self, host: HostAccess, name: str) -> None:
        import libvirt

        with self._connection(host) as connection:
            try:
                connection.nwfilterLookupByName(name).undefine()
            except libvirt.libvirtError as exc:
                if exc.get_error_code() != libvirt.VIR_ERR_NO_NWFILTER:
                    raise
