"""A protocol fake of XAPI, XenServer's management API: an XML-RPC server
speaking XAPI's wire format (every call `Class.method(session, args...)`,
every answer {"Status": "Success", "Value": ...} or {"Status": "Failure",
"ErrorDescription": [code, ...]}, 64-bit numbers as strings) over an
in-memory pool. It is NOT XenServer: it keeps records and enforces the
power-state and attachment rules the XenServer driver relies on, so the
driver's calls, arguments and error handling are exercised over the wire.

The pool: a master host at `address` (and, with `member_address`, a second
host whose own XML-RPC server answers HOST_IS_SLAVE naming the master, as
a pool member does), the control domain, a template, networks
cloud-public, cloud-private and cloud-guest, a local SR and the "XenServer
Tools" ISO library holding xs-tools.iso. Async calls answer a task that has
already finished (success or failure), except a clean shutdown of a VM in
`hung_guests`, whose task stays pending until cancelled. A server given a
certificate serves HTTPS."""
from __future__ import annotations

import itertools
import ssl
import threading
import uuid
from xmlrpc.server import SimpleXMLRPCRequestHandler, SimpleXMLRPCServer

GiB = 1024**3


class XapiFailure(Exception):
    def __init__(self, *description):
        self.description = [str(d) for d in description]


class FakeXapi:
    """The pool's records by class and ref, and the calls on them."""

    def __init__(self, *, username="root", password="xen-secret", address="127.0.0.1"):
        self.username, self.password, self.address = username, password, address
        self.records: dict[str, dict[str, dict]] = {}
        self.sessions: set[str] = set()
        self.hung_guests: set[str] = set()  # VM refs whose guest ignores a clean shutdown
        self._ids = itertools.count(1)
        self.lock = threading.Lock()
        metrics = self.add("host_metrics", memory_total=str(64 * GiB), memory_free=str(60 * GiB), live=True)
        cpus = [self.add("host_cpu", number=str(i), speed="2600", modelname="Intel(R) Xeon(R) E5-2670",
                         flags="fpu vme de pse tsc msr pae mce vmx") for i in range(8)]
        self.master = self.add("host", name_label="xen1", hostname="xen1", address=address, metrics=metrics,
                               host_CPUs=cpus, resident_VMs=[], cpu_info={"socket_count": "2", "cpu_count": "8"},
                               software_version={"product_brand": "XenServer", "product_version": "6.2.0",
                                                 "xapi": "1.3"})
        self.pool = self.add("pool", master=self.master, name_label="pool")
        dom0 = self.add("VM", name_label="Control domain on host: xen1", is_control_domain=True, is_a_template=False,
                        power_state="Running", VBDs=[], VIFs=[], consoles=[], other_config={},
                        resident_on=self.master)
        self.records["host"][self.master]["resident_VMs"].append(dom0)
        self.add("VM", name_label="Other install media", is_control_domain=False, is_a_template=True,
                 power_state="Halted", VBDs=[], VIFs=[], consoles=[], other_config={}, resident_on="OpaqueRef:NULL")
        for label in ("cloud-public", "cloud-private", "cloud-guest"):
            self.add("network", name_label=label, bridge=f"xenbr-{label}", VIFs=[])
        self.local_sr = self.add("SR", name_label="Local storage", type="lvm", physical_size=str(500 * GiB),
                                 physical_utilisation="0", VDIs=[], shared=False, device_config={})
        tools = self.add("SR", name_label="XenServer Tools", type="iso", physical_size="0",
                         physical_utilisation="0", VDIs=[], shared=True, device_config={})
        self.tools_iso = self.add("VDI", name_label="xs-tools.iso", location="xs-tools.iso", SR=tools,
                                  virtual_size=str(50 * 1024**2), physical_utilisation="0", read_only=True,
                                  is_a_snapshot=False, snapshot_of="OpaqueRef:NULL", VBDs=[])
        self.records["SR"][tools]["VDIs"].append(self.tools_iso)

    # --- records -----------------------------------------------------------------
    def add(self, cls: str, **record) -> str:
        ref = f"OpaqueRef:{cls}-{next(self._ids)}"
        record.setdefault("uuid", str(uuid.uuid4()))
        self.records.setdefault(cls, {})[ref] = record
        return ref

    def record(self, cls: str, ref: str) -> dict:
        try:
            return self.records[cls][ref]
        except KeyError:
            raise XapiFailure("HANDLE_INVALID", cls, ref)

    def of(self, cls: str) -> dict[str, dict]:
        return self.records.setdefault(cls, {})

    def add_member(self, address: str) -> str:
        """A second host of the pool."""
        master = self.record("host", self.master)
        metrics = self.add("host_metrics", memory_total=str(64 * GiB), memory_free=str(64 * GiB), live=True)
        return self.add("host", name_label="xen2", hostname="xen2", address=address, metrics=metrics,
                        host_CPUs=list(master["host_CPUs"]), resident_VMs=[], cpu_info=dict(master["cpu_info"]),
                        software_version=dict(master["software_version"]))

    # --- dispatch ----------------------------------------------------------------
    def call(self, method: str, params: tuple, *, served_at: str):
        with self.lock:
            if method == "session.login_with_password":
                if served_at != self.address:
                    raise XapiFailure("HOST_IS_SLAVE", self.address)
                return self.login(*params[:2])
            session, *args = params
            if session not in self.sessions:
                raise XapiFailure("SESSION_INVALID", session)
            if method == "session.logout":
                self.sessions.discard(session)
                return ""
            if method.startswith("Async."):
                return self.run_as_task(method[len("Async."):], args)
            return self.call_unlocked(method, args)

    def run_as_task(self, method: str, args: list) -> str:
        if method == "VM.clean_shutdown" and args[0] in self.hung_guests:
            self.record("VM", args[0])
            return self.add("task", status="pending", result="", error_info=[])
        try:
            result = self.call_unlocked(method, args)
        except XapiFailure as failure:
            return self.add("task", status="failure", result="", error_info=failure.description)
        return self.add("task", status="success", result=str(result or ""), error_info=[])

    def call_unlocked(self, method: str, args: list):
        cls, _, name = method.partition(".")
        special = getattr(self, f"{cls}_{name}", None)
        if special is not None:
            return special(*args)
        if name == "get_all_records":
            return {ref: self.public(r) for ref, r in self.of(cls).items()}
        if name == "get_all":
            return list(self.of(cls))
        if name == "get_record":
            return self.public(self.record(cls, args[0]))
        if name == "get_by_name_label":
            return [ref for ref, r in self.of(cls).items() if r.get("name_label") == args[0]]
        if name == "get_by_uuid":
            return next((ref for ref, r in self.of(cls).items() if r["uuid"] == args[0]), None) or \
                self.fail("UUID_INVALID", cls, args[0])
        if name.startswith("get_"):
            return self.record(cls, args[0]).get(name[4:], "")
        if name.startswith("set_"):
            self.record(cls, args[0])[name[4:]] = args[1]
            return ""
        if name == "destroy":
            self.record(cls, args[0])
            del self.records[cls][args[0]]
            return ""
        raise XapiFailure("MESSAGE_METHOD_UNKNOWN", method)

    @staticmethod
    def public(record: dict) -> dict:
        return {k: v for k, v in record.items() if v is not None}

    @staticmethod
    def fail(*description):
        raise XapiFailure(*description)

    def login(self, username: str, password: str) -> str:
        if (username, password) != (self.username, self.password):
            raise XapiFailure("SESSION_AUTHENTICATION_FAILED", username, "Authentication failure")
        session = f"OpaqueRef:session-{uuid.uuid4()}"
        self.sessions.add(session)
        return session

    # --- pool and hosts ----------------------------------------------------------
    def pool_get_master(self, pool):
        return self.record("pool", pool)["master"]

    def host_metrics_get_live(self, ref):
        return self.record("host_metrics", ref)["live"]

    # --- VMs ---------------------------------------------------------------------
    def VM_create(self, record: dict) -> str:
        required = {"name_label", "memory_static_max", "VCPUs_max", "VCPUs_at_startup", "HVM_boot_policy",
                    "HVM_boot_params", "actions_after_shutdown", "platform", "other_config", "PV_bootloader",
                    "PV_kernel", "PV_ramdisk", "PV_args", "is_a_template"}
        missing = required - set(record)
        if missing:
            raise XapiFailure("FIELD_MISSING", sorted(missing)[0])
        return self.add("VM", **record, power_state="Halted", VBDs=[], VIFs=[], consoles=[],
                        is_control_domain=False, resident_on="OpaqueRef:NULL")

    def _power(self, ref: str, expected: str, new: str) -> None:
        vm = self.record("VM", ref)
        if vm["power_state"] != expected:
            raise XapiFailure("VM_BAD_POWER_STATE", ref, expected.lower(), vm["power_state"].lower())
        vm["power_state"] = new
        resident = self.records["host"][self.master]["resident_VMs"]
        if new == "Running":
            vm["resident_on"] = self.master
            resident.append(ref)
            console = self.add("console", protocol="rfb", VM=ref,
                               location=f"https://127.0.0.1/console?ref=OpaqueRef:console-{ref[-4:]}")
            vm["consoles"] = [console]
            for vbd in vm["VBDs"]:
                self.record("VBD", vbd)["currently_attached"] = True
        else:
            vm["resident_on"] = "OpaqueRef:NULL"
            if ref in resident:
                resident.remove(ref)
            for console in vm["consoles"]:
                del self.records["console"][console]
            vm["consoles"] = []
            for vbd in vm["VBDs"]:
                self.record("VBD", vbd)["currently_attached"] = False

    def VM_start(self, ref, paused, force):
        self._power(ref, "Halted", "Running")
        self.record("VM", ref)["boots"] = self.record("VM", ref).get("boots", 0) + 1
        return ""

    def VM_clean_shutdown(self, ref):
        self._power(ref, "Running", "Halted")
        return ""

    def VM_hard_shutdown(self, ref):
        self._power(ref, "Running", "Halted")
        return ""

    def VM_hard_reboot(self, ref):
        vm = self.record("VM", ref)
        if vm["power_state"] != "Running":
            raise XapiFailure("VM_BAD_POWER_STATE", ref, "running", vm["power_state"].lower())
        vm["boots"] = vm.get("boots", 0) + 1
        return ""

    def VM_pool_migrate(self, ref, host, options):
        self.record("host", host)
        self.record("VM", ref)["resident_on"] = host
        return ""

    def VM_destroy(self, ref):
        vm = self.record("VM", ref)
        if vm["power_state"] != "Halted":
            raise XapiFailure("VM_BAD_POWER_STATE", ref, "halted", vm["power_state"].lower())
        if vm["VBDs"] or vm["VIFs"]:
            raise XapiFailure("OPERATION_NOT_ALLOWED", "the VM still has VBDs or VIFs in this fake")
        del self.records["VM"][ref]
        return ""

    # --- devices -----------------------------------------------------------------
    def VBD_create(self, record: dict) -> str:
        vm, vdi = self.record("VM", record["VM"]), self.record("VDI", record["VDI"])
        if any(self.record("VBD", v)["userdevice"] == record["userdevice"] for v in vm["VBDs"]):
            raise XapiFailure("DEVICE_ALREADY_EXISTS", record["userdevice"])
        ref = self.add("VBD", **record, currently_attached=False)
        vm["VBDs"].append(ref)
        vdi["VBDs"].append(ref)
        return ref

    def VBD_plug(self, ref):
        vbd = self.record("VBD", ref)
        if self.record("VM", vbd["VM"])["power_state"] != "Running":
            raise XapiFailure("VM_BAD_POWER_STATE", vbd["VM"], "running", "halted")
        vbd["currently_attached"] = True
        return ""

    def VBD_unplug(self, ref):
        self.record("VBD", ref)["currently_attached"] = False
        return ""

    def VBD_destroy(self, ref):
        vbd = self.record("VBD", ref)
        if vbd["currently_attached"]:
            raise XapiFailure("OPERATION_NOT_ALLOWED", "VBD is currently attached")
        self.record("VM", vbd["VM"])["VBDs"].remove(ref)
        self.record("VDI", vbd["VDI"])["VBDs"].remove(ref)
        del self.records["VBD"][ref]
        return ""

    def VIF_create(self, record: dict) -> str:
        ref = self.add("VIF", **record)
        self.record("VM", record["VM"])["VIFs"].append(ref)
        return ref

    def VIF_destroy(self, ref):
        vif = self.record("VIF", ref)
        self.record("VM", vif["VM"])["VIFs"].remove(ref)
        del self.records["VIF"][ref]
        return ""

    # --- storage -----------------------------------------------------------------
    def SR_create(self, host, device_config, physical_size, name_label, description, kind, content_type, shared,
                  sm_config):
        self.record("host", host)
        if kind == "nfs" and not {"server", "serverpath"} <= set(device_config):
            raise XapiFailure("SR_BACKEND_FAILURE_87", "", "the NFS server and path are required")
        return self.add("SR", name_label=name_label, type=kind, physical_size=str(2048 * GiB),
                        physical_utilisation="0", VDIs=[], shared=shared, device_config=device_config)

    def SR_forget(self, ref):
        """The SR leaves the pool; its VDIs' records with it (their data stays on the storage)."""
        for vdi in self.record("SR", ref)["VDIs"]:
            self.records["VDI"].pop(vdi, None)
        del self.records["SR"][ref]
        return ""

    def VDI_create(self, record: dict) -> str:
        """`data` stands for the VDI's blocks: clones, snapshots and copies carry it over."""
        sr = self.record("SR", record["SR"])
        ref = self.add("VDI", **record, VBDs=[], physical_utilisation="0", is_a_snapshot=False,
                       snapshot_of="OpaqueRef:NULL", data=str(uuid.uuid4()))
        sr["VDIs"].append(ref)
        return ref

    def _copy_vdi(self, ref: str, **changes) -> str:
        source = self.record("VDI", ref)
        copy = {k: v for k, v in source.items() if k not in ("uuid", "VBDs")}
        copy.update(changes)
        new = self.add("VDI", **copy, VBDs=[])
        self.record("SR", source["SR"])["VDIs"].append(new)
        return new

    def VDI_clone(self, ref, driver_params):
        return self._copy_vdi(ref, is_a_snapshot=False, snapshot_of="OpaqueRef:NULL")

    def VDI_snapshot(self, ref, driver_params):
        return self._copy_vdi(ref, is_a_snapshot=True, snapshot_of=ref)

    def VDI_copy(self, ref, sr, base_vdi="OpaqueRef:NULL", into_vdi="OpaqueRef:NULL"):
        """A fresh VDI in `sr`, or (into_vdi) the source's blocks written over an existing, unplugged VDI."""
        source = self.record("VDI", ref)
        target_sr = self.record("SR", sr)
        if into_vdi == "OpaqueRef:NULL":
            copy = {k: v for k, v in source.items() if k not in ("uuid", "VBDs", "SR", "is_a_snapshot", "snapshot_of")}
            new = self.add("VDI", **copy, SR=sr, VBDs=[], is_a_snapshot=False, snapshot_of="OpaqueRef:NULL")
            target_sr["VDIs"].append(new)
            return new
        target = self.record("VDI", into_vdi)
        if target["SR"] != sr:
            raise XapiFailure("VDI_NOT_IN_SR", into_vdi, sr)
        if any(self.record("VBD", vbd)["currently_attached"] for vbd in target["VBDs"]):
            raise XapiFailure("VDI_IN_USE", into_vdi, "copy")
        if int(target["virtual_size"]) < int(source["virtual_size"]):
            raise XapiFailure("VDI_TOO_SMALL", into_vdi, source["virtual_size"])
        target["data"] = source.get("data")
        return into_vdi

    def VDI_resize(self, ref, size):
        vdi = self.record("VDI", ref)
        if any(self.record("VBD", vbd)["currently_attached"] for vbd in vdi["VBDs"]):
            raise XapiFailure("VDI_IN_USE", ref, "resize")
        if int(size) < int(vdi["virtual_size"]):
            raise XapiFailure("VDI_TOO_SMALL", ref, size)
        vdi["virtual_size"] = str(size)
        return ""

    def VDI_destroy(self, ref):
        vdi = self.record("VDI", ref)
        if vdi["VBDs"]:
            raise XapiFailure("VDI_IN_USE", ref, "destroy")
        self.record("SR", vdi["SR"])["VDIs"].remove(ref)
        del self.records["VDI"][ref]
        return ""

    def task_get_status(self, ref):
        return self.record("task", ref)["status"]

    def task_cancel(self, ref):
        task = self.record("task", ref)
        if task["status"] != "pending":
            raise XapiFailure("OPERATION_NOT_ALLOWED", "the task has finished")
        task["status"] = "cancelled"
        return ""


class _Handler(SimpleXMLRPCRequestHandler):
    rpc_paths = ("/", "/RPC2")

    def log_message(self, *args):
        pass


class XapiServer:
    """One host's XML-RPC endpoint on `address` (a free port unless given),
    serving in a thread, over HTTPS when given a `certificate` (certificate
    file, key file). Servers given the same `xapi` serve one pool; only the
    master's address logs in."""

    def __init__(self, xapi: FakeXapi | None = None, *, address: str = "127.0.0.1", port: int = 0,
                 certificate: tuple[str, str] | None = None, **options):
        self.xapi = xapi or FakeXapi(address=address, **options)
        self.address = address
        self.server = SimpleXMLRPCServer((address, port), requestHandler=_Handler, allow_none=True, logRequests=False)
        self.server.register_instance(self)
        self.port = self.server.server_address[1]
        scheme = "http"
        if certificate is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*certificate)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
            scheme = "https"
        self.url = f"{scheme}://{address}:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _dispatch(self, method: str, params: tuple):
        try:
            return {"Status": "Success", "Value": self.xapi.call(method, params, served_at=self.address)}
        except XapiFailure as failure:
            return {"Status": "Failure", "ErrorDescription": failure.description}

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
