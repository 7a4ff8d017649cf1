"""The XenServer hypervisor through XenAPI (XML-RPC to the pool master).

A host is `http(s)://address` with its root credentials; a pool member
answers HOST_IS_SLAVE with its master's address, and is then reached
through the master (the services require the first host of a cluster to be
the master, guide 8.2, and later ones to be of the same pool). Instances
are VMs created from a full XAPI record (HVM booting the root disk, the CD
first when an ISO of the pool's ISO library is attached; PV booting the
dom0 kernel and initrd of a template recorded as such), with VBDs for their
volumes and VIFs on networks found by name-label (guide 8.2.10:
cloud-public, cloud-private, cloud-guest). Volumes are VDIs in the SR whose
name-label is the pool's uuid (an NFS SR is created under that label when
missing; a PreSetup SR is found by its own label); snapshots are VDI
snapshots. The console is XAPI's RFB console, reached through its HTTP
location. HTTPS hosts are not certificate-checked (XenServer's certificate
is self-signed). Unreachable hosts and connections lost mid-call become
HostUnreachable, refused credentials HostAuthenticationFailed, XAPI
failures HypervisorOperationFailed carrying XAPI's error code. Importing a
local file and security groups (CloudStack's vmops host plugin) are not
offered by this driver."""
from __future__ import annotations

import http.client
import posixpath
import socket
import ssl
import time
import xmlrpc.client
from contextlib import contextmanager
from urllib.parse import urlsplit
from xml.parsers.expat import ExpatError

import defusedxml.xmlrpc
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
    SecurityRuleSet,
    UnsupportedOperation,
    VolumeInfo,
    VolumeRef,
)

TIMEOUT = 20  # seconds for any XAPI call
CD_DEVICE = "3"  # the userdevice XenServer gives a VM's CD drive
# What a host that cannot be reached, or that is no XAPI server, raises.
# An answer with a DTD or entities is refused as not XAPI's.
_CONNECTION_ERRORS = (OSError, http.client.HTTPException, xmlrpc.client.ProtocolError, ExpatError,
                      DefusedXmlException)
# XAPI answers are parsed by xmlrpc.client; from here on without expanding
# entities (billion laughs) or reading external ones.
defusedxml.xmlrpc.monkey_patch()
_POWER_STATES = {"Running": PowerState.ON, "Paused": PowerState.ON, "Halted": PowerState.OFF,
                 "Suspended": PowerState.OFF}


class _TimeoutTransport(xmlrpc.client.Transport):
    def make_connection(self, host):
        connection = super().make_connection(host)
        connection.timeout = TIMEOUT
        return connection


class _SafeTimeoutTransport(xmlrpc.client.SafeTransport):
    def make_connection(self, host):
        connection = super().make_connection(host)
        connection.timeout = TIMEOUT
        return connection


def _transport(https: bool) -> xmlrpc.client.Transport:
    """An XML-RPC transport with TIMEOUT; over HTTPS it accepts the host's
    self-signed certificate (XenAPI's ignore_ssl does not reach a transport
    given to it)."""
    if not https:
        return _TimeoutTransport()
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return _SafeTimeoutTransport(context=context)


def _addresses(url: str) -> set[str]:
    """The URL's host name and the address it resolves to."""
    name = urlsplit(url).hostname or ""
    try:
        return {name, socket.gethostbyname(name)}
    except OSError:
        return {name}


def check_url(url: str) -> str:
    parts = urlsplit(url or "")
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or parts.path.strip("/"):
        raise InvalidParameter(f"url: a XenServer host is written http://address (or https://), not '{url}'",
                               field="url")
    return url


class XenServerDriver(HypervisorDriver):
    hypervisor = "XenServer"

    @contextmanager
    def _session(self, host: HostAccess):
        """A logged-in XenAPI session (its `xenapi` proxy) with the pool
        master, logged out afterwards. A pool member's URL is followed to
        its master (same scheme and port)."""
        import XenAPI

        url = check_url(host.url)
        session = self._login(url, host)
        if isinstance(session, str):
            session = self._login(urlsplit(url)._replace(netloc=self._netloc(url, session)).geturl(), host)
            if isinstance(session, str):
                raise HostUnreachable(f"Unable to connect to host {urlsplit(url).hostname}: its pool master "
                                      f"{session} answers as a member too")
        address = urlsplit(url).hostname
        try:
            yield session.xenapi
        except XenAPI.Failure as exc:
            raise HypervisorOperationFailed(f"host {address}: {' '.join(str(d) for d in exc.details)}")
        except xmlrpc.client.Fault as exc:
            raise HypervisorOperationFailed(f"host {address}: {exc.faultString}")
        except _CONNECTION_ERRORS as exc:
            raise HostUnreachable(f"Unable to connect to host {address}: the connection was lost: {exc}")
        finally:
            try:
                session.xenapi.session.logout()
            except (XenAPI.Failure, xmlrpc.client.Fault, *_CONNECTION_ERRORS):
                pass

    @staticmethod
    def _netloc(url: str, address: str) -> str:
        port = urlsplit(url).port
        return f"{address}:{port}" if port else address

    @staticmethod
    def _login(url: str, host: HostAccess):
        """A logged-in session, or the master's address when `url` is a pool member."""
        import XenAPI

        address = urlsplit(url).hostname
        https = urlsplit(url).scheme.lower() == "https"
        session = XenAPI.Session(url, transport=_transport(https))
        try:
            session.xenapi.login_with_password(host.username or "root", host.password, "1.0", "cloudstack-ui")
            return session
        except XenAPI.Failure as exc:
            code = exc.details[0] if exc.details else ""
            if code == "HOST_IS_SLAVE":
                return exc.details[1]
            if code == "SESSION_AUTHENTICATION_FAILED":
                raise HostAuthenticationFailed(f"Unable to log in to host {address} as {host.username or 'root'}: "
                                               f"the username or password is wrong")
            raise HostUnreachable(f"Unable to connect to host {address}: {', '.join(exc.details)}")
        except (xmlrpc.client.Fault, *_CONNECTION_ERRORS) as exc:
            raise HostUnreachable(f"Unable to connect to host {address}: {exc}")

    # --- hosts -------------------------------------------------------------------
    @staticmethod
    def _host_ref(api, url: str) -> str | None:
        """The pool's host record the URL names (by address, host name or label)."""
        addresses = _addresses(url)
        for ref, record in api.host.get_all_records().items():
            if addresses & {record["address"], record["hostname"], record["name_label"]}:
                return ref
        return None

    def _this_host(self, api, host: HostAccess) -> str:
        """The host record the URL names, or the master."""
        return self._host_ref(api, host.url) or api.pool.get_master(api.pool.get_all()[0])

    def pool_master(self, host: HostAccess) -> str:
        """The address of the master of the host's pool."""
        with self._session(host) as api:
            return api.host.get_address(api.pool.get_master(api.pool.get_all()[0]))

    def connect(self, host: HostAccess) -> HostFacts:
        with self._session(host) as api:
            ref = self._this_host(api, host)
            record = api.host.get_record(ref)
            metrics = api.host_metrics.get_record(record["metrics"])
            cpus = [api.host_cpu.get_record(cpu) for cpu in record["host_CPUs"]]
            software = record["software_version"]
            running = sum(1 for vm in record["resident_VMs"] if not api.VM.get_is_control_domain(vm)
                          and api.VM.get_power_state(vm) == "Running")
            sockets = int(record.get("cpu_info", {}).get("socket_count", 1) or 1)
            return HostFacts(
                name=record["hostname"] or record["name_label"], ip_address=record["address"],
                cpu_sockets=sockets, cpu_number=len(cpus), cpu_speed=int(cpus[0]["speed"]) if cpus else 0,
                cpu_model=cpus[0]["modelname"] if cpus else "", cpu_flags=cpus[0]["flags"] if cpus else "",
                memory=int(metrics["memory_total"]),
                hypervisor_version=f"{software.get('product_brand', 'XenServer')} "
                                   f"{software.get('product_version', '')}".strip(),
                running_vms=running, accelerations=("hvm",))

    def network_labels(self, host: HostAccess) -> list[str]:
        """The name-labels of the pool's networks (guide 8.2.10)."""
        with self._session(host) as api:
            return sorted(record["name_label"] for record in api.network.get_all_records().values())

    def ping(self, host: HostAccess) -> bool:
        with self._session(host) as api:
            ref = self._this_host(api, host)
            return bool(api.host_metrics.get_live(api.host.get_metrics(ref)))

    # --- instances ---------------------------------------------------------------
    @staticmethod
    def _vm(api, name: str) -> str | None:
        refs = [ref for ref in api.VM.get_by_name_label(name) if not api.VM.get_is_a_template(ref)]
        return refs[0] if refs else None

    def _existing_vm(self, api, name: str) -> str:
        ref = self._vm(api, name)
        if ref is None:
            raise HypervisorOperationFailed(f"instance {name} is not defined in this pool")
        return ref

    @staticmethod
    def _sr(api, pool: PoolSpec) -> str:
        label = pool.path.strip("/") if pool.protocol == "PreSetup" else pool.uuid
        refs = api.SR.get_by_name_label(label)
        if not refs:
            raise HypervisorOperationFailed(f"storage repository {label} is not in this pool")
        return refs[0]

    def _vdi(self, api, volume: VolumeRef) -> str:
        sr = self._sr(api, volume.pool)
        for ref in api.VDI.get_by_name_label(volume.name):
            if api.VDI.get_SR(ref) == sr:
                return ref
        raise HypervisorOperationFailed(f"volume {volume.name} is not in storage pool {volume.pool.uuid}")

    @staticmethod
    def _vbd_record(vm: str, vdi: str, disk: DiskSpec) -> dict:
        return {"VM": vm, "VDI": vdi, "userdevice": str(disk.device_id),
                "bootable": disk.device_id == 0, "mode": "RO" if disk.read_only else "RW", "type": "Disk",
                "empty": False, "other_config": {}, "qos_algorithm_type": "", "qos_algorithm_params": {}}

    @staticmethod
    def _iso_vdi(api, iso: str) -> str:
        """The VDI of an ISO library SR (type iso) whose file is the ISO's file name."""
        file_name = posixpath.basename(iso)
        for sr in api.SR.get_all_records().values():
            if sr["type"] != "iso":
                continue
            for vdi in sr["VDIs"]:
                if file_name in (api.VDI.get_location(vdi), api.VDI.get_name_label(vdi)):
                    return vdi
        raise HypervisorOperationFailed(f"ISO {file_name} is in no ISO library of this pool")

    @staticmethod
    def _boot_fields(spec: InstanceSpec) -> dict:
        """HVM booting the root disk (the CD first when an ISO is attached),
        or PV booting the template's kernel and initrd, dom0 paths."""
        if spec.kernel:
            return {"HVM_boot_policy": "", "HVM_boot_params": {}, "PV_kernel": spec.kernel,
                    "PV_ramdisk": spec.initrd, "PV_args": spec.cmdline}
        return {"HVM_boot_policy": "BIOS order", "HVM_boot_params": {"order": "dc" if spec.iso else "c"},
                "PV_kernel": "", "PV_ramdisk": "", "PV_args": ""}

    def define_instance(self, host: HostAccess, spec: InstanceSpec) -> None:
        with self._session(host) as api:
            if self._vm(api, spec.name) is not None:
                raise HypervisorOperationFailed(f"an instance named {spec.name} is already defined in this pool")
            networks = {}
            for nic in spec.nics:
                found = api.network.get_by_name_label(nic.network)
                if not found:
                    raise HypervisorOperationFailed(f"network {nic.network} is not in this pool")
                networks[nic.network] = found[0]
            vdis = [self._vdi(api, disk.volume) for disk in spec.disks]
            iso = self._iso_vdi(api, spec.iso) if spec.iso else None
            memory = str(spec.memory)
            vm = api.VM.create({
                "name_label": spec.name, "name_description": spec.uuid, "user_version": "1", "is_a_template": False,
                "affinity": "", "memory_static_max": memory, "memory_dynamic_max": memory,
                "memory_dynamic_min": memory, "memory_static_min": memory,
                "VCPUs_params": {"weight": str(max(spec.cpu_speed * spec.vcpus // 10, 1))},
                "VCPUs_max": str(spec.vcpus), "VCPUs_at_startup": str(spec.vcpus),
                "actions_after_shutdown": "destroy", "actions_after_reboot": "restart",
                "actions_after_crash": "destroy", "PV_bootloader": "", "PV_bootloader_args": "",
                "PV_legacy_args": "", **self._boot_fields(spec),
                "platform": {"acpi": "1", "apic": "true", "vga": "std"}, "PCI_bus": "",
                "other_config": {"vnc-password": spec.vnc_password[:8], "cloudstack-uuid": spec.uuid},
                "recommendations": ""})
            for disk, vdi in zip(spec.disks, vdis, strict=True):
                api.VBD.create(self._vbd_record(vm, vdi, disk))
            if iso is not None:
                api.VBD.create({"VM": vm, "VDI": iso, "userdevice": CD_DEVICE, "bootable": True, "mode": "RO",
                                "type": "CD", "empty": False, "other_config": {}, "qos_algorithm_type": "",
                                "qos_algorithm_params": {}})
            for i, nic in enumerate(spec.nics):
                api.VIF.create({"device": str(i), "network": networks[nic.network], "VM": vm, "MAC": nic.mac,
                                "MTU": "1500", "other_config": {}, "qos_algorithm_type": "",
                                "qos_algorithm_params": {}})

    def start_instance(self, host: HostAccess, name: str) -> None:
        with self._session(host) as api:
            vm = self._existing_vm(api, name)
            if api.VM.get_power_state(vm) == "Halted":
                api.VM.start(vm, False, False)

    def stop_instance(self, host: HostAccess, name: str, *, forced: bool = False, timeout: float = 60) -> None:
        """Graceful: a clean shutdown through the guest's PV drivers, waited
        for up to `timeout` seconds (then cancelled), then a hard shutdown."""
        import XenAPI

        with self._session(host) as api:
            vm = self._existing_vm(api, name)
            if api.VM.get_power_state(vm) == "Halted":
                return
            if not forced:
                try:
                    task = api.Async.VM.clean_shutdown(vm)
                    deadline = time.monotonic() + timeout
                    while api.task.get_status(task) == "pending" and time.monotonic() < deadline:
                        time.sleep(0.2)
                    if api.task.get_status(task) == "pending":
                        api.task.cancel(task)
                    api.task.destroy(task)
                except XenAPI.Failure:
                    pass
            if api.VM.get_power_state(vm) != "Halted":
                api.VM.hard_shutdown(vm)

    def reboot_instance(self, host: HostAccess, name: str) -> None:
        """A hard reboot, as the KVM driver's reset: it restarts every guest."""
        with self._session(host) as api:
            vm = self._existing_vm(api, name)
            if api.VM.get_power_state(vm) != "Running":
                raise HypervisorOperationFailed(f"instance {name} is not running")
            api.VM.hard_reboot(vm)

    def destroy_instance(self, host: HostAccess, name: str) -> None:
        """Removes the VM and its VBDs and VIFs; its VDIs stay (they are volumes)."""
        with self._session(host) as api:
            vm = self._vm(api, name)
            if vm is None:
                return
            if api.VM.get_power_state(vm) != "Halted":
                api.VM.hard_shutdown(vm)
            for vbd in api.VM.get_VBDs(vm):
                api.VBD.destroy(vbd)
            for vif in api.VM.get_VIFs(vm):
                api.VIF.destroy(vif)
            api.VM.destroy(vm)

    def migrate_instance(self, host: HostAccess, name: str, destination: HostAccess) -> None:
        """XenMotion within the pool."""
        with self._session(host) as api:
            vm = self._existing_vm(api, name)
            if api.VM.get_power_state(vm) != "Running":
                raise HypervisorOperationFailed(f"instance {name} is not running; only running instances migrate")
            target = self._host_ref(api, destination.url)
            if target is None:
                raise UnsupportedOperation(f"host {urlsplit(destination.url).hostname} is not in this pool; "
                                           f"instances migrate within their pool")
            api.VM.pool_migrate(vm, target, {"live": "true"})

    def instance_power_state(self, host: HostAccess, name: str) -> PowerState:
        with self._session(host) as api:
            vm = self._vm(api, name)
            return PowerState.MISSING if vm is None else _POWER_STATES.get(api.VM.get_power_state(vm),
                                                                            PowerState.UNKNOWN)

    def instance_power_states(self, host: HostAccess) -> dict[str, PowerState]:
        with self._session(host) as api:
            resident = set(api.host.get_resident_VMs(self._this_host(api, host)))
            return {record["name_label"]: _POWER_STATES.get(record["power_state"], PowerState.UNKNOWN)
                    for ref, record in api.VM.get_all_records().items()
                    if not record["is_a_template"] and not record["is_control_domain"]
                    and (ref in resident or record["power_state"] == "Halted")}

    # --- storage -----------------------------------------------------------------
    def prepare_storage_pool(self, host: HostAccess, pool: PoolSpec) -> tuple[int, int]:
        with self._session(host) as api:
            label = pool.path.strip("/") if pool.protocol == "PreSetup" else pool.uuid
            refs = api.SR.get_by_name_label(label)
            if not refs and pool.protocol == "NetworkFilesystem":
                refs = [api.SR.create(self._this_host(api, host), {"server": pool.server, "serverpath": pool.path},
                                      "0", label, "CloudStack primary storage", "nfs", "user", True, {})]
            if not refs:
                if pool.protocol not in ("NetworkFilesystem", "PreSetup"):
                    raise UnsupportedOperation(f"primary storage of protocol {pool.protocol} cannot be used by "
                                               f"XenServer hosts through this driver (it takes NFS and PreSetup)")
                raise InvalidParameter(f"url: storage repository {label} is not in this pool; create it first "
                                       f"(PreSetup)", field="url")
            record = api.SR.get_record(refs[0])
            size = int(record["physical_size"])
            return size, size - int(record["physical_utilisation"])

    def remove_storage_pool(self, host: HostAccess, pool: PoolSpec) -> None:
        """Unplug and forget the NFS storage repository prepare_storage_pool
        created (named by the pool's uuid; its files stay on the export). A
        PreSetup repository was the administrator's and stays."""
        if pool.protocol != "NetworkFilesystem":
            return
        with self._session(host) as api:
            for sr in api.SR.get_by_name_label(pool.uuid):
                for pbd in api.SR.get_PBDs(sr) or []:
                    api.PBD.unplug(pbd)
                api.SR.forget(sr)

    def _vdi_info(self, api, ref: str) -> VolumeInfo:
        record = api.VDI.get_record(ref)
        return VolumeInfo(name=record["name_label"], path=record["uuid"], size=int(record["virtual_size"]),
                          allocation=int(record["physical_utilisation"]), format="vhd",
                          backing=api.VDI.get_uuid(record["snapshot_of"]) if record.get("is_a_snapshot") else "")

    def create_volume(self, host: HostAccess, volume: VolumeRef, size: int, *,
                      template: VolumeRef | None = None) -> VolumeInfo:
        """A blank VDI, or a clone of the template's VDI grown to `size`."""
        with self._session(host) as api:
            sr = self._sr(api, volume.pool)
            if template is None:
                ref = api.VDI.create({"name_label": volume.name, "name_description": "", "SR": sr,
                                      "virtual_size": str(size), "type": "user", "sharable": False,
                                      "read_only": False, "other_config": {}, "xenstore_data": {}, "sm_config": {},
                                      "tags": []})
                return self._vdi_info(api, ref)
            ref = api.VDI.clone(self._vdi(api, template), {})
            api.VDI.set_name_label(ref, volume.name)
            if size > int(api.VDI.get_virtual_size(ref)):
                api.VDI.resize(ref, str(size))
            return self._vdi_info(api, ref)

    def import_volume(self, host: HostAccess, volume: VolumeRef, source_file: str) -> VolumeInfo:
        raise UnsupportedOperation("importing a file into a XenServer storage repository needs XAPI's HTTP "
                                   "import_raw_vdi handler, which this driver does not use yet")

    def export_volume(self, host: HostAccess, volume: VolumeRef, target_file: str) -> int:
        raise UnsupportedOperation("exporting a XenServer VDI needs XAPI's HTTP export_raw_vdi handler, which this "
                                   "driver does not use yet")

    def delete_volume(self, host: HostAccess, volume: VolumeRef) -> None:
        with self._session(host) as api:
            try:
                ref = self._vdi(api, volume)
            except HypervisorOperationFailed:
                return
            api.VDI.destroy(ref)

    def attach_volume(self, host: HostAccess, name: str, disk: DiskSpec) -> None:
        with self._session(host) as api:
            vm = self._existing_vm(api, name)
            vbd = api.VBD.create(self._vbd_record(vm, self._vdi(api, disk.volume), disk))
            if api.VM.get_power_state(vm) == "Running":
                api.VBD.plug(vbd)

    def detach_volume(self, host: HostAccess, name: str, disk: DiskSpec) -> None:
        with self._session(host) as api:
            vm = self._existing_vm(api, name)
            vdi = self._vdi(api, disk.volume)
            vbd = next((ref for ref in api.VM.get_VBDs(vm) if api.VBD.get_VDI(ref) == vdi), None)
            if vbd is None:
                raise HypervisorOperationFailed(f"volume {disk.volume.name} is not attached to instance {name}")
            if api.VBD.get_currently_attached(vbd):
                api.VBD.unplug(vbd)
            api.VBD.destroy(vbd)

    def snapshot_volume(self, host: HostAccess, volume: VolumeRef, snapshot: VolumeRef,
                        *, instance: str = "") -> VolumeInfo:
        """A VDI snapshot (XAPI takes it while the VM runs)."""
        with self._session(host) as api:
            ref = api.VDI.snapshot(self._vdi(api, volume), {})
            api.VDI.set_name_label(ref, snapshot.name)
            return self._vdi_info(api, ref)

    def resize_volume(self, host: HostAccess, volume: VolumeRef, size: int, *, instance: str = "") -> VolumeInfo:
        """VDI.resize, which XenServer does only on a VDI no running VM has
        plugged (CloudStack refuses the same: stop the instance or detach
        the disk first)."""
        with self._session(host) as api:
            ref = self._vdi(api, volume)
            current = int(api.VDI.get_virtual_size(ref))
            if size < current:
                raise UnsupportedOperation(f"volume {volume.name} has {current} bytes; volumes only grow")
            if any(api.VBD.get_currently_attached(vbd) for vbd in api.VDI.get_VBDs(ref)):
                raise UnsupportedOperation(f"XenServer resizes volume {volume.name} only while it is detached or "
                                           f"its instance is stopped")
            if size > current:
                api.VDI.resize(ref, str(size))
            return self._vdi_info(api, ref)

    def revert_volume(self, host: HostAccess, volume: VolumeRef, snapshot: VolumeRef) -> VolumeInfo:
        """VDI.copy of the snapshot into the volume's own VDI (its into_vdi
        form), so the VDI and the VBDs naming it stay; a volume gone from
        the SR is copied afresh."""
        with self._session(host) as api:
            source = self._vdi(api, snapshot)
            sr = self._sr(api, volume.pool)
            try:
                ref = self._vdi(api, volume)
            except HypervisorOperationFailed:
                ref = api.VDI.copy(source, sr)
                api.VDI.set_name_label(ref, volume.name)
                return self._vdi_info(api, ref)
            if any(api.VBD.get_currently_attached(vbd) for vbd in api.VDI.get_VBDs(ref)):
                raise HypervisorOperationFailed(f"volume {volume.name} is in use by a running instance")
            api.VDI.copy(source, sr, "OpaqueRef:NULL", ref)
            return self._vdi_info(api, ref)

    def copy_volume(self, host: HostAccess, source: VolumeRef, dest: VolumeRef) -> VolumeInfo:
        """VDI.copy into the destination pool's SR: a full VDI of its own."""
        with self._session(host) as api:
            ref = api.VDI.copy(self._vdi(api, source), self._sr(api, dest.pool))
            api.VDI.set_name_label(ref, dest.name)
            return self._vdi_info(api, ref)

    # --- console and rules -------------------------------------------------------
    def console_address(self, host: HostAccess, name: str) -> ConsoleAddress:
        with self._session(host) as api:
            vm = self._existing_vm(api, name)
            if api.VM.get_power_state(vm) != "Running":
                raise HypervisorOperationFailed(f"instance {name} is not running; its console opens when it runs")
            for console in api.VM.get_consoles(vm):
                record = api.console.get_record(console)
                if record["protocol"] == "rfb":
                    location = urlsplit(record["location"])
                    port = location.port or (443 if location.scheme == "https" else 80)
                    path = location.path + (f"?{location.query}" if location.query else "")
                    return ConsoleAddress(host=location.hostname, port=port,
                                          password=api.VM.get_other_config(vm).get("vnc-password", ""),
                                          tunnel_path=path)
            raise HypervisorOperationFailed(f"instance {name} has no VNC console")

    def apply_security_rules(self, host: HostAccess, rule_set: SecurityRuleSet) -> None:
        raise UnsupportedOperation("security groups on XenServer need CloudStack's vmops host plugin, which this "
                                   "driver does not install")

    def remove_security_rules(self, host: HostAccess, name: str) -> None:
        raise UnsupportedOperation("security groups on XenServer need CloudStack's vmops host plugin, which this "
                                   "driver does not install")
