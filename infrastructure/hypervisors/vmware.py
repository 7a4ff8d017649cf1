"""The VMware hypervisor through vCenter (pyvmomi).

A VMware cluster is added with its vCenter, datacenter and cluster names
(guide 6.5.2); its ESXi hosts are discovered from vCenter. A host's URL is
`http(s)://vcenter[:port]/DATACENTER/CLUSTER[/ESXI-HOST]` with the vCenter
credentials (https skips certificate validation, as CloudStack's own
vCenter client does). Instances are VMs in the cluster's resource pool with
E1000 NICs on the named port group (standard or distributed; "VM Network",
ESXi's default, when none is named) and a password-protected VNC display
(RemoteDisplay.vnc.*); volumes are VMDKs at the root of datastores (a VMFS
pool is the datastore named by its path, an NFS pool is mounted as a
datastore named by the pool's uuid); snapshots of a running VM's disk are
copied while a VM snapshot freezes it, and that VM snapshot is removed
afterwards. Guest shutdown and reboot go through VMware Tools and fall back
to power-off and reset. CloudStack has no security groups on VMware:
applying rules is refused."""
from __future__ import annotations

import http.client
import re
import ssl
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit
from xml.parsers import expat

from defusedxml import DefusedXmlException, DTDForbidden

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

URL_FORM = "http(s)://vcenter/DATACENTER/CLUSTER[/ESXI-HOST]"
FIRST_VNC_PORT = 5900
# As CloudStack's VmwareResource: a suspended VM still holds its host's resources.
_POWER_STATES = {"poweredOn": PowerState.ON, "poweredOff": PowerState.OFF, "suspended": PowerState.ON}


def fault_text(fault) -> str:
    """vSphere's message of a fault; when it has none (vcsim sends only the
    fault's type), the type in words and the file concerned."""
    message = getattr(fault, "msg", "") or ""
    if message and not message.startswith("*types."):
        return message
    words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", type(fault).__name__.split(".")[-1]).lower()
    return f"{words}: {fault.file}" if getattr(fault, "file", "") else words


class TaskFailed(HypervisorOperationFailed):
    """A vCenter task ended in error; `fault` is vSphere's fault object."""

    def __init__(self, message: str, fault):
        super().__init__(message)
        self.fault = fault


@dataclass(frozen=True)
class VCenterAddress:
    scheme: str
    server: str
    port: int
    datacenter: str
    cluster: str
    host: str


def parse_url(url: str) -> VCenterAddress:
    parts = urlsplit(url or "")
    segments = [unquote(s) for s in parts.path.split("/") if s]
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or len(segments) not in (2, 3):
        raise InvalidParameter(f"url: a VMware cluster or host is written {URL_FORM}, not '{url}'", field="url")
    scheme = parts.scheme.lower()
    return VCenterAddress(scheme=scheme, server=parts.hostname, port=parts.port or (443 if scheme == "https" else 80),
                          datacenter=segments[0], cluster=segments[1], host=segments[2] if len(segments) == 3 else "")


def soap_parser(*args, **kwargs):
    """The expat parser pyvmomi reads vCenter's SOAP with, refusing any DTD
    (SOAP allows none), so an answer declaring entities (billion laughs,
    external entities) is refused as defusedxml refuses it."""
    parser = expat.ParserCreate(*args, **kwargs)

    def refuse_dtd(name, sysid, pubid, _has_internal_subset):
        raise DTDForbidden(name, sysid, pubid)

    parser.StartDoctypeDeclHandler = refuse_dtd
    return parser


def defuse_soap() -> None:
    """pyvmomi parses with expat directly; it gets soap_parser instead."""
    from pyVmomi import SoapAdapter

    SoapAdapter.ParserCreate = soap_parser


class _Session:
    """A logged-in vCenter with the datacenter, cluster and ESXi host of a URL."""

    def __init__(self, instance, address: VCenterAddress):
        from pyVmomi import vim

        self.instance, self.address = instance, address
        self.content = instance.RetrieveContent()
        self.datacenter = self.find(self.content.rootFolder, vim.Datacenter, address.datacenter)
        if self.datacenter is None:
            raise InvalidParameter(f"url: datacenter {address.datacenter} not found in vCenter {address.server}",
                                   field="url")
        self.cluster = self.find(self.datacenter.hostFolder, vim.ClusterComputeResource, address.cluster)
        if self.cluster is None:
            raise InvalidParameter(f"url: cluster {address.cluster} not found in datacenter {address.datacenter} "
                                   f"of vCenter {address.server}", field="url")
        hosts = list(self.cluster.host)
        if address.host:
            hosts = [h for h in hosts if h.name.lower() == address.host.lower()]
            if not hosts:
                raise InvalidParameter(f"url: host {address.host} is not in cluster {address.cluster}", field="url")
        if not hosts:
            raise InvalidParameter(f"url: cluster {address.cluster} has no ESXi host", field="url")
        self.host = hosts[0]

    def objects(self, root, kind, paths: list[str]) -> list[tuple[object, dict]]:
        """Every object of `kind` under `root` with the properties `paths`,
        read in one round trip (objects deleted meanwhile are left out)."""
        from pyVmomi import vim, vmodl

        collector = vmodl.query.PropertyCollector
        view = self.content.viewManager.CreateContainerView(root, [kind], True)
        try:
            traversal = collector.TraversalSpec(name="view", path="view", skip=False, type=vim.view.ContainerView)
            spec = collector.FilterSpec(objectSet=[collector.ObjectSpec(obj=view, skip=True, selectSet=[traversal])],
                                        propSet=[collector.PropertySpec(type=kind, pathSet=paths)])
            return [(found.obj, {prop.name: prop.val for prop in found.propSet})
                    for found in self.content.propertyCollector.RetrieveContents([spec])]
        finally:
            view.Destroy()

    def find(self, root, kind, name: str):
        """The object of `kind` named `name` under `root`, or None."""
        return next((obj for obj, props in self.objects(root, kind, ["name"]) if props.get("name") == name), None)

    def vm(self, name: str):
        from pyVmomi import vim

        return self.find(self.datacenter.vmFolder, vim.VirtualMachine, name)

    def vms(self, hosts, paths: list[str]) -> list[dict]:
        """The properties `paths` of the datacenter's VMs that run on (are
        registered with) one of `hosts`."""
        from pyVmomi import vim

        wanted = {esx._moId for esx in hosts}
        return [props for _vm, props in self.objects(self.datacenter.vmFolder, vim.VirtualMachine,
                                                     ["runtime.host", *paths])
                if props.get("runtime.host") is not None and props["runtime.host"]._moId in wanted]

    def existing_vm(self, name: str):
        vm = self.vm(name)
        if vm is None:
            raise HypervisorOperationFailed(f"instance {name} is not defined in cluster {self.address.cluster}")
        return vm

    def network(self, name: str):
        """The port group `name` as the ESXi host sees it."""
        network = next((n for n in self.host.network if n.name == name), None)
        if network is None:
            raise HypervisorOperationFailed(f"network {name} is not available on host {self.host.name}")
        return network

    def disk_capacity(self, volume: VolumeRef) -> int | None:
        """The VMDK's virtual size in bytes (0 when the datastore does not
        report it), or None when the datastore has no such disk."""
        from pyVmomi import vim

        browser = vim.host.DatastoreBrowser
        store = self.datastore(_datastore_name(volume.pool))
        spec = browser.SearchSpec(matchPattern=[f"{volume.name}.vmdk"],
                                  query=[browser.VmDiskQuery(details=browser.VmDiskQuery.Details(capacityKb=True))])
        result = self.wait(store.browser.SearchDatastore_Task(datastorePath=f"[{store.name}]", searchSpec=spec),
                           f"looking up volume {volume.name}")
        found = next((f for f in result.file if f.path == f"{volume.name}.vmdk"), None)
        return None if found is None else (getattr(found, "capacityKb", None) or 0) * 1024

    def existing_disk_capacity(self, volume: VolumeRef) -> int:
        capacity = self.disk_capacity(volume)
        if capacity is None:
            raise HypervisorOperationFailed(f"volume {volume.name} is not in storage pool {volume.pool.uuid}")
        return capacity

    def datastore(self, name: str):
        store = next((d for d in self.datacenter.datastore if d.name == name), None)
        if store is None:
            raise HypervisorOperationFailed(f"datastore {name} is not in datacenter {self.address.datacenter}")
        return store

    def wait(self, task, action: str):
        """Wait for a vCenter task; its error becomes HypervisorOperationFailed.
        Reads only the task's state, error and result (a whole TaskInfo
        names the task's entity, which for disk tasks is no ManagedEntity)."""
        from pyVmomi import vmodl

        spec = vmodl.query.PropertyCollector.FilterSpec(
            objectSet=[vmodl.query.PropertyCollector.ObjectSpec(obj=task)],
            propSet=[vmodl.query.PropertyCollector.PropertySpec(type=type(task),
                                                                pathSet=["info.state", "info.error", "info.result"])])
        while True:
            found = self.content.propertyCollector.RetrieveContents([spec])
            info = {prop.name: prop.val for prop in found[0].propSet} if found else {}
            if info.get("info.state") not in ("queued", "running"):
                break
            time.sleep(0.1)
        if info.get("info.state") != "success":
            error = info.get("info.error")
            raise TaskFailed(f"{action} failed: {fault_text(error) if error else 'no reason given'}", error)
        return info.get("info.result")


def _datastore_name(pool: PoolSpec) -> str:
    if pool.protocol == "VMFS":
        return pool.path.rstrip("/").split("/")[-1]
    if pool.protocol == "NetworkFilesystem":
        return pool.uuid
    raise UnsupportedOperation(f"primary storage of protocol {pool.protocol} cannot be used by VMware hosts "
                               f"(they take NFS and VMFS)")


def _disk_path(volume: VolumeRef) -> str:
    return f"[{_datastore_name(volume.pool)}] {volume.name}.vmdk"


def _host_address(esx) -> str:
    """The ESXi host's management IP address, or its name in vCenter."""
    config = esx.config
    for vnic in (config.network.vnic if config is not None and config.network is not None else None) or []:
        if vnic.spec.ip and vnic.spec.ip.ipAddress:
            return vnic.spec.ip.ipAddress
    return esx.name


def _scsi_unit(device_id: int) -> int:
    """SCSI unit 7 is the controller's own."""
    return device_id if device_id < 7 else device_id + 1


class VMwareDriver(HypervisorDriver):
    hypervisor = "VMware"

    @contextmanager
    def _session(self, host: HostAccess):
        from pyVim.connect import Disconnect, SmartConnect
        from pyVmomi import vim, vmodl

        address = parse_url(host.url)
        defuse_soap()
        try:
            instance = SmartConnect(host=address.server, port=address.port, user=host.username, pwd=host.password,
                                    protocol=address.scheme, disableSslCertValidation=address.scheme == "https",
                                    httpConnectionTimeout=20)
        except vim.fault.InvalidLogin:
            raise HostAuthenticationFailed(f"Unable to log in to vCenter {address.server} as {host.username}: the "
                                           f"username or password is wrong")
        except Exception as exc:  # refused, timed out, TLS errors, not a vSphere peer ("not a VIM server")
            raise HostUnreachable(f"Unable to connect to vCenter {address.server}: {getattr(exc, 'msg', '') or exc}")
        try:
            yield _Session(instance, address)
        except vmodl.MethodFault as exc:
            raise HypervisorOperationFailed(f"vCenter {address.server}: {fault_text(exc)}")
        except (OSError, http.client.HTTPException) as exc:
            raise HostUnreachable(f"Unable to connect to vCenter {address.server}: {exc}")
        except DefusedXmlException as exc:
            raise HypervisorOperationFailed(f"vCenter {address.server} answered XML that is refused: {exc}")
        finally:
            try:
                Disconnect(instance)
            except (OSError, http.client.HTTPException):
                pass

    # --- hosts -------------------------------------------------------------------
    @staticmethod
    def _facts(session, esx) -> HostFacts:
        hardware = esx.summary.hardware
        running = sum(vm.get("runtime.powerState") == "poweredOn" for vm in session.vms([esx], ["runtime.powerState"]))
        features = getattr(esx.hardware, "cpuFeature", None) or []
        return HostFacts(
            name=esx.name, ip_address=_host_address(esx), cpu_sockets=hardware.numCpuPkgs, cpu_number=hardware.numCpuCores,
            cpu_speed=hardware.cpuMhz, cpu_model=hardware.cpuModel,
            cpu_flags=" ".join(f"{f.level}:{f.eax}" for f in features), memory=hardware.memorySize,
            hypervisor_version=esx.config.product.fullName, running_vms=running, accelerations=("vmx",))

    def connect(self, host: HostAccess) -> HostFacts:
        with self._session(host) as session:
            return self._facts(session, session.host)

    def discover_hosts(self, host: HostAccess) -> list[HostFacts]:
        """Every ESXi host of the URL's cluster."""
        with self._session(host) as session:
            return [self._facts(session, esx) for esx in session.cluster.host]

    def cluster_vms(self, host: HostAccess) -> int:
        """How many VMs the cluster holds (guide 8.3: none when it is added)."""
        with self._session(host) as session:
            return len(session.vms(session.cluster.host, []))

    def ping(self, host: HostAccess) -> bool:
        with self._session(host) as session:
            return session.host.runtime.connectionState == "connected"

    # --- instances ---------------------------------------------------------------
    def _vnc_port(self, session) -> int:
        """The first VNC port no VM of the ESXi host uses."""
        used = {int(option.value) for vm in session.vms([session.host], ["config.extraConfig"])
                for option in vm.get("config.extraConfig") or [] if option.key == "RemoteDisplay.vnc.port"}
        return next(port for port in range(FIRST_VNC_PORT, FIRST_VNC_PORT + 10000) if port not in used)

    def _disk_device(self, session, disk: DiskSpec, controller_key: int, key: int = -100):
        from pyVmomi import vim

        path = _disk_path(disk.volume)
        backing = vim.vm.device.VirtualDisk.FlatVer2BackingInfo(
            fileName=path, diskMode="independent_nonpersistent" if disk.read_only else "persistent",
            datastore=session.datastore(_datastore_name(disk.volume.pool)))
        device = vim.vm.device.VirtualDisk(key=key, controllerKey=controller_key, unitNumber=_scsi_unit(disk.device_id),
                                           backing=backing)
        return vim.vm.device.VirtualDeviceSpec(operation=vim.vm.device.VirtualDeviceSpec.Operation.add, device=device)

    @staticmethod
    def _nic_backing(session, name: str):
        from pyVmomi import vim

        network = session.network(name or "VM Network")
        if isinstance(network, vim.dvs.DistributedVirtualPortgroup):
            port = vim.dvs.PortConnection(portgroupKey=network.key,
                                          switchUuid=network.config.distributedVirtualSwitch.uuid)
            return vim.vm.device.VirtualEthernetCard.DistributedVirtualPortBackingInfo(port=port)
        return vim.vm.device.VirtualEthernetCard.NetworkBackingInfo(deviceName=network.name, network=network)

    def define_instance(self, host: HostAccess, spec: InstanceSpec) -> None:
        from pyVmomi import vim

        with self._session(host) as session:
            if session.vm(spec.name) is not None:
                raise HypervisorOperationFailed(f"an instance named {spec.name} is already defined in cluster "
                                                f"{session.address.cluster}")
            store = (_datastore_name(spec.disks[0].volume.pool) if spec.disks
                     else session.host.datastore[0].name)
            controller = vim.vm.device.VirtualDeviceSpec(
                operation=vim.vm.device.VirtualDeviceSpec.Operation.add,
                device=vim.vm.device.ParaVirtualSCSIController(key=1000, busNumber=0, sharedBus="noSharing"))
            devices = [controller] + [self._disk_device(session, disk, 1000, -100 - i)
                                      for i, disk in enumerate(spec.disks)]
            for i, nic in enumerate(spec.nics):
                connected = vim.vm.device.VirtualDevice.ConnectInfo(startConnected=True, connected=True,
                                                                    allowGuestControl=True)
                devices.append(vim.vm.device.VirtualDeviceSpec(
                    operation=vim.vm.device.VirtualDeviceSpec.Operation.add,
                    device=vim.vm.device.VirtualE1000(key=-200 - i, backing=self._nic_backing(session, nic.network),
                                                      addressType="manual", macAddress=nic.mac,
                                                      connectable=connected)))
            extra = [vim.option.OptionValue(key="RemoteDisplay.vnc.enabled", value="true"),
                     vim.option.OptionValue(key="RemoteDisplay.vnc.port", value=str(self._vnc_port(session))),
                     vim.option.OptionValue(key="RemoteDisplay.vnc.password", value=spec.vnc_password[:8])]
            config = vim.vm.ConfigSpec(
                name=spec.name, uuid=spec.uuid, numCPUs=spec.vcpus, memoryMB=spec.memory // 1024**2,
                guestId="otherGuest64", files=vim.vm.FileInfo(vmPathName=f"[{store}]"), deviceChange=devices,
                extraConfig=extra, cpuAllocation=vim.ResourceAllocationInfo(shares=vim.SharesInfo(
                    level="custom", shares=max(spec.vcpus * spec.cpu_speed, 1))))
            session.wait(session.datacenter.vmFolder.CreateVM_Task(config=config, pool=session.cluster.resourcePool,
                                                                   host=session.host), f"defining {spec.name}")

    def start_instance(self, host: HostAccess, name: str) -> None:
        with self._session(host) as session:
            vm = session.existing_vm(name)
            if vm.runtime.powerState != "poweredOn":
                session.wait(vm.PowerOnVM_Task(), f"starting {name}")

    def stop_instance(self, host: HostAccess, name: str, *, forced: bool = False, timeout: float = 60) -> None:
        """Graceful: a guest shutdown through VMware Tools, then a power-off
        after `timeout` seconds (or at once when the guest has no Tools)."""
        from pyVmomi import vmodl

        with self._session(host) as session:
            vm = session.existing_vm(name)
            if vm.runtime.powerState == "poweredOff":
                return
            if not forced and vm.runtime.powerState == "poweredOn":
                try:
                    vm.ShutdownGuest()
                    deadline = time.monotonic() + timeout
                    while vm.runtime.powerState != "poweredOff" and time.monotonic() < deadline:
                        time.sleep(0.5)
                except vmodl.MethodFault:  # ToolsUnavailable, InvalidState, NotSupported
                    pass
            if vm.runtime.powerState != "poweredOff":
                session.wait(vm.PowerOffVM_Task(), f"stopping {name}")

    def reboot_instance(self, host: HostAccess, name: str) -> None:
        """A guest reboot through VMware Tools; a hard reset when the guest
        cannot be asked (no Tools running)."""
        from pyVmomi import vmodl

        with self._session(host) as session:
            vm = session.existing_vm(name)
            if vm.runtime.powerState != "poweredOn":
                raise HypervisorOperationFailed(f"instance {name} is not running")
            try:
                vm.RebootGuest()
            except vmodl.MethodFault:  # ToolsUnavailable, InvalidState, NotSupported
                session.wait(vm.ResetVM_Task(), f"rebooting {name}")

    def destroy_instance(self, host: HostAccess, name: str) -> None:
        """Removes the VM but keeps its disks: they are volumes of their own."""
        from pyVmomi import vim

        with self._session(host) as session:
            vm = session.vm(name)
            if vm is None:
                return
            if vm.runtime.powerState != "poweredOff":
                session.wait(vm.PowerOffVM_Task(), f"stopping {name}")
            disks = [d for d in vm.config.hardware.device if isinstance(d, vim.vm.device.VirtualDisk)]
            if disks:
                detach = [vim.vm.device.VirtualDeviceSpec(operation=vim.vm.device.VirtualDeviceSpec.Operation.remove,
                                                          device=d) for d in disks]
                session.wait(vm.ReconfigVM_Task(spec=vim.vm.ConfigSpec(deviceChange=detach)), f"detaching {name}")
            session.wait(vm.Destroy_Task(), f"destroying {name}")

    def migrate_instance(self, host: HostAccess, name: str, destination: HostAccess) -> None:
        """vMotion to another ESXi host of the same vCenter datacenter."""
        from pyVmomi import vim

        source, target = parse_url(host.url), parse_url(destination.url)
        if (source.server, source.port, source.datacenter) != (target.server, target.port, target.datacenter):
            raise UnsupportedOperation(f"instance {name} can move only between hosts of vCenter {source.server}, "
                                       f"datacenter {source.datacenter}")
        with self._session(destination) as session:
            target_name = session.host.name
        with self._session(host) as session:
            vm = session.existing_vm(name)
            if vm.runtime.powerState != "poweredOn":
                raise HypervisorOperationFailed(f"instance {name} is not running; only running instances migrate")
            esx = session.find(session.datacenter.hostFolder, vim.HostSystem, target_name)
            session.wait(vm.RelocateVM_Task(spec=vim.vm.RelocateSpec(host=esx, pool=esx.parent.resourcePool)),
                         f"migrating {name}")

    def instance_power_state(self, host: HostAccess, name: str) -> PowerState:
        with self._session(host) as session:
            vm = session.vm(name)
            return PowerState.MISSING if vm is None else _POWER_STATES.get(vm.runtime.powerState, PowerState.UNKNOWN)

    def instance_power_states(self, host: HostAccess) -> dict[str, PowerState]:
        with self._session(host) as session:
            return {vm["name"]: _POWER_STATES.get(vm.get("runtime.powerState"), PowerState.UNKNOWN)
                    for vm in session.vms([session.host], ["name", "runtime.powerState"])}

    # --- storage -----------------------------------------------------------------
    def prepare_storage_pool(self, host: HostAccess, pool: PoolSpec) -> tuple[int, int]:
        """Mounts an NFS pool, as a datastore named by the pool's uuid, on
        every host of the cluster that lacks it; a VMFS pool must be a
        datastore already. Answers size and free space as vCenter last
        measured them."""
        from pyVmomi import vim

        name = _datastore_name(pool)
        with self._session(host) as session:
            store = next((d for d in session.datacenter.datastore if d.name == name), None)
            if pool.protocol == "NetworkFilesystem":
                spec = vim.host.NasVolume.Specification(remoteHost=pool.server, remotePath=pool.path, localPath=name,
                                                        accessMode="readWrite")
                for esx in session.cluster.host:
                    if not any(mounted.name == name for mounted in esx.datastore):
                        store = esx.configManager.datastoreSystem.CreateNasDatastore(spec)
            if store is None:
                raise InvalidParameter(f"url: datastore {name} not found in datacenter "
                                       f"{session.address.datacenter}", field="url")
            return store.summary.capacity, store.summary.freeSpace

    def remove_storage_pool(self, host: HostAccess, pool: PoolSpec) -> None:
        """Unmount the NFS datastore prepare_storage_pool mounted (named by
        the pool's uuid) from every host of the cluster; the export's files
        stay. A VMFS datastore was vCenter's and stays. (govmomi's vcsim
        does not implement RemoveDatastore, so no test runs this.)"""
        if pool.protocol != "NetworkFilesystem":
            return
        name = _datastore_name(pool)
        with self._session(host) as session:
            for esx in session.cluster.host:
                store = next((mounted for mounted in esx.datastore if mounted.name == name), None)
                if store is not None:
                    esx.configManager.datastoreSystem.RemoveDatastore(store)

    def _volume_info(self, volume: VolumeRef, size: int) -> VolumeInfo:
        return VolumeInfo(name=volume.name, path=_disk_path(volume), size=size, allocation=0, format="vmdk")

    def create_volume(self, host: HostAccess, volume: VolumeRef, size: int, *,
                      template: VolumeRef | None = None) -> VolumeInfo:
        """A thin VMDK, or a full copy of the template's VMDK grown to `size`
        when the template is smaller (vCenter reports a VMDK's capacityKb;
        a datastore that does not is taken to hold a large enough one)."""
        from pyVmomi import vim

        with self._session(host) as session:
            manager = session.content.virtualDiskManager
            if template is None:
                spec = vim.VirtualDiskManager.FileBackedVirtualDiskSpec(diskType="thin", adapterType="lsiLogic",
                                                                        capacityKb=size // 1024)
                session.wait(manager.CreateVirtualDisk_Task(name=_disk_path(volume), datacenter=session.datacenter,
                                                            spec=spec), f"creating volume {volume.name}")
                return self._volume_info(volume, size)
            base = session.existing_disk_capacity(template)
            session.wait(manager.CopyVirtualDisk_Task(sourceName=_disk_path(template),
                                                      sourceDatacenter=session.datacenter,
                                                      destName=_disk_path(volume), destDatacenter=session.datacenter),
                         f"copying template {template.name}")
            if base and size > base:
                session.wait(manager.ExtendVirtualDisk_Task(name=_disk_path(volume), datacenter=session.datacenter,
                                                            newCapacityKb=size // 1024, eagerZero=False),
                             f"growing volume {volume.name}")
            return self._volume_info(volume, max(size, base))

    def import_volume(self, host: HostAccess, volume: VolumeRef, source_file: str) -> VolumeInfo:
        """Uploads the file through vCenter's datastore HTTP access (/folder)."""
        import os

        with self._session(host) as session:
            address = session.address
            query = f"dcPath={quote(address.datacenter)}&dsName={quote(_datastore_name(volume.pool))}"
            target = f"{address.scheme}://{address.server}:{address.port}/folder/{quote(volume.name)}.vmdk?{query}"
            size = os.path.getsize(source_file)
            with open(source_file, "rb") as source:
                request = urllib.request.Request(target, data=source, method="PUT", headers={
                    "Cookie": session.instance._stub.cookie, "Content-Length": str(size),
                    "Content-Type": "application/octet-stream"})
                context = ssl._create_unverified_context() if address.scheme == "https" else None
                try:
                    urllib.request.urlopen(request, context=context, timeout=300).close()
                except OSError as exc:
                    raise HypervisorOperationFailed(f"uploading {volume.name} to vCenter {address.server} failed: "
                                                    f"{exc}")
            return self._volume_info(volume, size)

    def export_volume(self, host: HostAccess, volume: VolumeRef, target_file: str) -> int:
        raise UnsupportedOperation("a VMware template is an OVA; exporting one needs vCenter's OVF export "
                                   "(HttpNfcLease), which this driver does not do yet")

    def delete_volume(self, host: HostAccess, volume: VolumeRef) -> None:
        """Deletes the VMDK (descriptor and extent); a lone file left by an
        upload is deleted as a datastore file; a gone volume is no error."""
        with self._session(host) as session:
            self._delete_disk(session, volume)

    @staticmethod
    def _delete_disk(session, volume: VolumeRef) -> None:
        from pyVmomi import vim

        for delete in (session.content.virtualDiskManager.DeleteVirtualDisk_Task,
                       session.content.fileManager.DeleteDatastoreFile_Task):
            try:
                session.wait(delete(name=_disk_path(volume), datacenter=session.datacenter),
                             f"deleting volume {volume.name}")
                return
            except TaskFailed as exc:
                if not isinstance(exc.fault, vim.fault.FileNotFound):
                    raise

    def _controller_key(self, vm) -> int:
        from pyVmomi import vim

        controller = next((d for d in vm.config.hardware.device
                           if isinstance(d, vim.vm.device.VirtualSCSIController)), None)
        if controller is None:
            raise HypervisorOperationFailed(f"instance {vm.name} has no SCSI controller")
        return controller.key

    def attach_volume(self, host: HostAccess, name: str, disk: DiskSpec) -> None:
        from pyVmomi import vim

        with self._session(host) as session:
            vm = session.existing_vm(name)
            change = self._disk_device(session, disk, self._controller_key(vm))
            session.wait(vm.ReconfigVM_Task(spec=vim.vm.ConfigSpec(deviceChange=[change])),
                         f"attaching {disk.volume.name}")

    def detach_volume(self, host: HostAccess, name: str, disk: DiskSpec) -> None:
        """Removes the disk from the VM; the VMDK stays."""
        from pyVmomi import vim

        with self._session(host) as session:
            vm = session.existing_vm(name)
            device = self._attached_disk(vm, disk.volume)
            if device is None:
                raise HypervisorOperationFailed(f"volume {disk.volume.name} is not attached to instance {name}")
            change = vim.vm.device.VirtualDeviceSpec(operation=vim.vm.device.VirtualDeviceSpec.Operation.remove,
                                                     device=device)
            session.wait(vm.ReconfigVM_Task(spec=vim.vm.ConfigSpec(deviceChange=[change])),
                         f"detaching {disk.volume.name}")

    def snapshot_volume(self, host: HostAccess, volume: VolumeRef, snapshot: VolumeRef,
                        *, instance: str = "") -> VolumeInfo:
        """A copy of the VMDK. While `instance` runs, a VM snapshot freezes
        the disk for the copy and is removed afterwards."""
        with self._session(host) as session:
            size = session.existing_disk_capacity(volume)
            vm = session.vm(instance) if instance else None
            frozen = None
            if vm is not None and vm.runtime.powerState == "poweredOn":
                frozen = session.wait(vm.CreateSnapshot_Task(name=f"copy-{snapshot.name}", memory=False,
                                                             quiesce=False), f"freezing {volume.name}")
            try:
                session.wait(session.content.virtualDiskManager.CopyVirtualDisk_Task(
                    sourceName=_disk_path(volume), sourceDatacenter=session.datacenter,
                    destName=_disk_path(snapshot), destDatacenter=session.datacenter), f"copying {volume.name}")
            finally:
                if frozen is not None:
                    session.wait(frozen.RemoveSnapshot_Task(removeChildren=False), f"releasing {volume.name}")
            return self._volume_info(snapshot, size)

    @staticmethod
    def _attached_disk(vm, volume: VolumeRef):
        """The VM's disk device backed by the volume's VMDK, or None."""
        from pyVmomi import vim

        return next((d for d in vm.config.hardware.device if isinstance(d, vim.vm.device.VirtualDisk)
                     and d.backing.fileName == _disk_path(volume)), None)

    def resize_volume(self, host: HostAccess, volume: VolumeRef, size: int, *, instance: str = "") -> VolumeInfo:
        """A disk of `instance` grows by reconfiguring the VM (hot-extend
        while it runs); a detached disk through ExtendVirtualDisk."""
        from pyVmomi import vim

        with self._session(host) as session:
            vm = session.vm(instance) if instance else None
            disk = self._attached_disk(vm, volume) if vm is not None else None
            if disk is not None:
                current = disk.capacityInBytes or disk.capacityInKB * 1024
            else:
                current = session.existing_disk_capacity(volume)
            if size < current:
                raise UnsupportedOperation(f"volume {volume.name} has {current} bytes; volumes only grow")
            if disk is not None:
                disk.capacityInKB, disk.capacityInBytes = size // 1024, size
                change = vim.vm.device.VirtualDeviceSpec(operation=vim.vm.device.VirtualDeviceSpec.Operation.edit,
                                                         device=disk)
                session.wait(vm.ReconfigVM_Task(spec=vim.vm.ConfigSpec(deviceChange=[change])),
                             f"growing volume {volume.name}")
            elif size > current:
                session.wait(session.content.virtualDiskManager.ExtendVirtualDisk_Task(
                    name=_disk_path(volume), datacenter=session.datacenter, newCapacityKb=size // 1024,
                    eagerZero=False), f"growing volume {volume.name}")
            return self._volume_info(volume, size)

    def revert_volume(self, host: HostAccess, volume: VolumeRef, snapshot: VolumeRef) -> VolumeInfo:
        """The snapshot is copied beside the volume (CopyVirtualDisk does not
        overwrite), the volume's VMDK deleted and the copy moved to its
        name, so the file VMs name stays; vSphere refuses while a running VM
        holds the disk. A copy left by an interrupted revert is replaced."""
        with self._session(host) as session:
            manager = session.content.virtualDiskManager
            size = session.existing_disk_capacity(snapshot)
            staged = VolumeRef(volume.pool, f"{volume.name}-reverting")
            self._delete_disk(session, staged)
            session.wait(manager.CopyVirtualDisk_Task(
                sourceName=_disk_path(snapshot), sourceDatacenter=session.datacenter, destName=_disk_path(staged),
                destDatacenter=session.datacenter), f"copying snapshot {snapshot.name}")
            self._delete_disk(session, volume)
            session.wait(manager.MoveVirtualDisk_Task(
                sourceName=_disk_path(staged), sourceDatacenter=session.datacenter, destName=_disk_path(volume),
                destDatacenter=session.datacenter), f"reverting volume {volume.name}")
            return self._volume_info(volume, size)

    def copy_volume(self, host: HostAccess, source: VolumeRef, dest: VolumeRef) -> VolumeInfo:
        with self._session(host) as session:
            size = session.existing_disk_capacity(source)
            session.wait(session.content.virtualDiskManager.CopyVirtualDisk_Task(
                sourceName=_disk_path(source), sourceDatacenter=session.datacenter, destName=_disk_path(dest),
                destDatacenter=session.datacenter), f"copying volume {source.name}")
            return self._volume_info(dest, size)

    # --- console and rules -------------------------------------------------------
    def console_address(self, host: HostAccess, name: str) -> ConsoleAddress:
        with self._session(host) as session:
            vm = session.existing_vm(name)
            if vm.runtime.powerState != "poweredOn":
                raise HypervisorOperationFailed(f"instance {name} is not running; its console opens when it runs")
            options = {o.key: o.value for o in vm.config.extraConfig}
            if options.get("RemoteDisplay.vnc.enabled") != "true":
                raise HypervisorOperationFailed(f"instance {name} has no VNC display")
            return ConsoleAddress(host=_host_address(vm.runtime.host), port=int(options["RemoteDisplay.vnc.port"]),
                                  password=options.get("RemoteDisplay.vnc.password", ""))

    def apply_security_rules(self, host: HostAccess, rule_set: SecurityRuleSet) -> None:
        raise UnsupportedOperation("security groups are not available on VMware hosts (CloudStack offers them on "
                                   "KVM and XenServer)")

    def remove_security_rules(self, host: HostAccess, name: str) -> None:
        raise UnsupportedOperation("security groups are not available on VMware hosts (CloudStack offers them on "
                                   "KVM and XenServer)")
