"""The XenServer driver over the wire against tests/fakes/xapi.py, a
protocol fake of XAPI (XML-RPC in XAPI's envelope, records in memory): what
is proven is the driver's calls, arguments and error handling, not
XenServer itself."""
import threading
import uuid
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from cloudstack_ui.errors import InvalidParameter
from infrastructure.hypervisors import (
    DiskSpec,
    HostAccess,
    HostAuthenticationFailed,
    HostUnreachable,
    HypervisorOperationFailed,
    InstanceSpec,
    NicSpec,
    PoolSpec,
    PowerState,
    SecurityRuleSet,
    UnsupportedOperation,
    VolumeRef,
    get_driver,
)
from tests.fakes.xapi import XapiServer

NFS = PoolSpec(uuid=str(uuid.uuid4()), protocol="NetworkFilesystem", server="10.0.0.5", path="/export/xen")


@pytest.fixture
def xapi():
    with XapiServer() as server:
        yield server


@pytest.fixture
def host(xapi):
    return HostAccess(xapi.url, "root", "xen-secret")


def test_facts_networks_and_refusals(xapi, host):
    driver = get_driver("XenServer")
    facts = driver.connect(host)
    assert (facts.name, facts.ip_address, facts.hypervisor_version) == ("xen1", "127.0.0.1", "XenServer 6.2.0")
    assert (facts.cpu_sockets, facts.cpu_number, facts.cpu_speed, facts.memory) == (2, 8, 2600, 64 * 1024**3)
    assert "vmx" in facts.cpu_flags and facts.running_vms == 0, "the control domain is not counted"
    assert driver.network_labels(host) == ["cloud-guest", "cloud-private", "cloud-public"]
    assert driver.ping(host) is True
    assert not xapi.xapi.sessions, "every session is logged out"

    with pytest.raises(HostAuthenticationFailed, match="Unable to log in to host 127.0.0.1 as root"):
        driver.connect(HostAccess(xapi.url, "root", "wrong"))
    with pytest.raises(HostUnreachable, match="Unable to connect to host 127.0.0.1"):
        driver.connect(HostAccess("http://127.0.0.1:1", "root", "x"))
    with pytest.raises(InvalidParameter, match="is written http://address"):
        driver.connect(HostAccess("qemu:///system"))


def test_instances_volumes_snapshots_and_console(xapi, host):
    driver, name = get_driver("XenServer"), "i-2-7-VM"
    records = xapi.xapi.records
    capacity, available = driver.prepare_storage_pool(host, NFS)
    assert capacity == available == 2048 * 1024**3
    sr = next(r for r in records["SR"].values() if r["name_label"] == NFS.uuid)
    assert sr["device_config"] == {"server": "10.0.0.5", "serverpath": "/export/xen"} and sr["shared"] is True
    driver.prepare_storage_pool(host, NFS)
    assert sum(1 for r in records["SR"].values() if r["name_label"] == NFS.uuid) == 1, "created once"
    driver.remove_storage_pool(host, NFS)
    assert not any(r["name_label"] == NFS.uuid for r in records["SR"].values()), "deleted storage is forgotten"
    driver.remove_storage_pool(host, NFS)
    driver.prepare_storage_pool(host, NFS)

    template = driver.create_volume(host, VolumeRef(NFS, "tmpl"), 2 * 1024**3)
    root = driver.create_volume(host, VolumeRef(NFS, "root"), 4 * 1024**3, template=VolumeRef(NFS, "tmpl"))
    assert root.size == 4 * 1024**3 and root.path != template.path, "a clone of the template, grown"
    driver.create_volume(host, VolumeRef(NFS, "data"), 1024**3)

    spec = InstanceSpec(name=name, uuid=str(uuid.uuid4()), vcpus=2, cpu_speed=1000, memory=512 * 1024**2,
                        vnc_password="vncSec-1", disks=(DiskSpec(VolumeRef(NFS, "root"), 0),),
                        nics=(NicSpec(mac="02:00:0a:0b:0c:0d", network="cloud-guest"),))
    driver.define_instance(host, spec)
    with pytest.raises(HypervisorOperationFailed, match="already defined"):
        driver.define_instance(host, spec)
    vm = next(r for r in records["VM"].values() if r["name_label"] == name)
    assert vm["memory_static_max"] == str(512 * 1024**2) and vm["VCPUs_max"] == "2"
    assert [records["VIF"][v]["MAC"] for v in vm["VIFs"]] == ["02:00:0a:0b:0c:0d"]
    with pytest.raises(HypervisorOperationFailed, match="network cloud-storage is not in this pool"):
        driver.define_instance(host, InstanceSpec(name="i-2-8-VM", uuid="u", vcpus=1, cpu_speed=1, memory=1,
                                                  vnc_password="x", nics=(NicSpec("02:00:00:00:00:02",
                                                                                  "cloud-storage"),)))

    assert driver.instance_power_state(host, name) == PowerState.OFF
    driver.start_instance(host, name)
    driver.start_instance(host, name)  # running already: no error
    assert vm["power_state"] == "Running" and driver.instance_power_states(host) == {name: PowerState.ON}
    console = driver.console_address(host, name)
    assert (console.host, console.port, console.password) == ("127.0.0.1", 443, "vncSec-1")
    assert console.tunnel_path.startswith("/console?ref=")

    driver.attach_volume(host, name, DiskSpec(VolumeRef(NFS, "data"), 1))
    attached = [records["VBD"][b] for b in vm["VBDs"]]
    assert [(b["userdevice"], b["currently_attached"]) for b in attached] == [("0", True), ("1", True)]
    snapshot = driver.snapshot_volume(host, VolumeRef(NFS, "root"), VolumeRef(NFS, "root-snap"), instance=name)
    assert snapshot.name == "root-snap" and snapshot.backing == root.path
    with pytest.raises(HypervisorOperationFailed, match="VDI_IN_USE"):
        driver.delete_volume(host, VolumeRef(NFS, "data"))
    driver.detach_volume(host, name, DiskSpec(VolumeRef(NFS, "data"), 1))
    assert len(vm["VBDs"]) == 1
    with pytest.raises(HypervisorOperationFailed, match="not attached"):
        driver.detach_volume(host, name, DiskSpec(VolumeRef(NFS, "data"), 1))

    driver.reboot_instance(host, name)
    assert vm["boots"] == 2
    with pytest.raises(UnsupportedOperation, match="not in this pool"):
        driver.migrate_instance(host, name, HostAccess("http://198.51.100.9", "root", "x"))
    driver.stop_instance(host, name, timeout=5)
    assert vm["power_state"] == "Halted"
    with pytest.raises(HypervisorOperationFailed, match="not running"):
        driver.console_address(host, name)
    driver.start_instance(host, name)
    driver.stop_instance(host, name, forced=True)
    assert driver.instance_power_state(host, name) == PowerState.OFF

    driver.destroy_instance(host, name)
    driver.destroy_instance(host, name)
    assert driver.instance_power_state(host, name) == PowerState.MISSING
    for volume in ("root-snap", "data", "root", "tmpl"):
        driver.delete_volume(host, VolumeRef(NFS, volume))
        driver.delete_volume(host, VolumeRef(NFS, volume))
    assert list(records["VDI"]) == [xapi.xapi.tools_iso], "only the ISO library's VDI is left"
    assert not records.get("VBD") and not records.get("VIF")


def test_volumes_grow_copy_and_revert(xapi, host):
    """VDI.resize only while no running VM has the disk plugged; VDI.copy
    into a fresh VDI, and into the volume's own VDI for a revert (the fake's
    `data` stands for the blocks)."""
    driver, name, GiB = get_driver("XenServer"), "i-2-9-VM", 1024**3
    records = xapi.xapi.records

    def vdi(label):
        return next(r for r in records["VDI"].values() if r["name_label"] == label)

    vol, snap, copy = VolumeRef(NFS, "vol"), VolumeRef(NFS, "snap"), VolumeRef(NFS, "copy")
    driver.prepare_storage_pool(host, NFS)
    driver.create_volume(host, vol, GiB)
    assert driver.resize_volume(host, vol, 2 * GiB).size == 2 * GiB
    with pytest.raises(UnsupportedOperation, match="only grow"):
        driver.resize_volume(host, vol, GiB)
    driver.snapshot_volume(host, vol, snap)
    taken, original = vdi("vol")["data"], vdi("vol")["uuid"]
    vdi("vol")["data"] = "written after the snapshot"

    copied = driver.copy_volume(host, snap, copy)
    assert copied.size == 2 * GiB and vdi("copy")["data"] == taken and vdi("copy")["is_a_snapshot"] is False
    reverted = driver.revert_volume(host, vol, snap)
    assert vdi("vol")["data"] == taken and reverted.path == original, "the snapshot's blocks, in the same VDI"

    driver.define_instance(host, InstanceSpec(name=name, uuid=str(uuid.uuid4()), vcpus=1, cpu_speed=1000,
                                              memory=512 * 1024**2, vnc_password="x", disks=(DiskSpec(vol, 0),)))
    driver.start_instance(host, name)
    with pytest.raises(UnsupportedOperation, match="only while it is detached or its instance is stopped"):
        driver.resize_volume(host, vol, 3 * GiB, instance=name)
    with pytest.raises(HypervisorOperationFailed, match="in use by a running instance"):
        driver.revert_volume(host, vol, snap)
    driver.stop_instance(host, name, forced=True)
    assert driver.resize_volume(host, vol, 3 * GiB, instance=name).size == 3 * GiB
    driver.revert_volume(host, vol, snap)
    driver.destroy_instance(host, name)

    driver.delete_volume(host, vol)
    assert driver.revert_volume(host, vol, snap).size == 2 * GiB and vdi("vol")["data"] == taken, \
        "a volume gone from the SR is copied afresh"
    for ref in (vol, snap, copy):
        driver.delete_volume(host, ref)
    assert list(records["VDI"]) == [xapi.xapi.tools_iso]


def test_what_the_driver_does_not_offer(host, tmp_path):
    driver = get_driver("XenServer")
    with pytest.raises(UnsupportedOperation, match="import_raw_vdi"):
        driver.import_volume(host, VolumeRef(NFS, "x"), str(tmp_path))
    with pytest.raises(UnsupportedOperation, match="vmops"):
        driver.apply_security_rules(host, SecurityRuleSet("x", "02:00:00:00:00:01"))
    with pytest.raises(UnsupportedOperation, match="vmops"):
        driver.remove_security_rules(host, "x")
    with pytest.raises(InvalidParameter, match="storage repository label-x is not in this pool"):
        driver.prepare_storage_pool(host, PoolSpec(uuid="u", protocol="PreSetup", server="xen1", path="/label-x"))


@pytest.mark.django_db
def test_a_pool_is_one_cluster_led_by_its_master(root_admin):
    """Two hosts of one pool, each with its own endpoint (127.0.0.2 the
    master, 127.0.0.3 a member answering HOST_IS_SLAVE), and a host of
    another pool."""
    from cloudstack_ui.errors import InvalidParameter as Refused
    from infrastructure.services import clusters, hosts, pods, zones
    from tests.fakes.xapi import FakeXapi

    pool = FakeXapi(address="127.0.0.2")
    pool.add_member("127.0.0.3")
    zone = zones.create_zone(root_admin, name="xz", network_type="Basic", dns1="8.8.8.8", internal_dns1="10.0.0.2")
    pod = pods.create_pod(root_admin, zone, name="p", gateway="10.6.0.1", netmask="/24", start_ip="10.6.0.2",
                          end_ip="10.6.0.9")
    cluster = clusters.add_cluster(root_admin, pod, name="xen", hypervisor="XenServer")
    with XapiServer(pool, address="127.0.0.2") as master, \
            XapiServer(pool, address="127.0.0.3", port=master.port) as member, XapiServer() as other:
        facts = get_driver("XenServer").connect(HostAccess(member.url, "root", "xen-secret"))
        assert (facts.name, facts.ip_address) == ("xen2", "127.0.0.3"), "a member is reached through its master"
        with pytest.raises(Refused, match="member of the pool whose master is 127.0.0.2; the first host"):
            hosts.add_host(root_admin, cluster, url=member.url, password="xen-secret")
        hosts.add_host(root_admin, cluster, url=master.url, password="xen-secret")
        hosts.add_host(root_admin, cluster, url=member.url, password="xen-secret")
        with pytest.raises(Refused, match="belongs to the pool of 127.0.0.1, not to cluster xen's pool"):
            hosts.add_host(root_admin, cluster, url=other.url, password="xen-secret")

        driver, on_master = get_driver("XenServer"), HostAccess(master.url, "root", "xen-secret")
        driver.define_instance(on_master, InstanceSpec(name="i-2-20-VM", uuid=str(uuid.uuid4()), vcpus=1,
                                                       cpu_speed=500, memory=256 * 1024**2, vnc_password="x"))
        driver.start_instance(on_master, "i-2-20-VM")
        driver.migrate_instance(on_master, "i-2-20-VM", HostAccess(member.url, "root", "xen-secret"))
        vm = next(r for r in pool.records["VM"].values() if r["name_label"] == "i-2-20-VM")
        assert pool.records["host"][vm["resident_on"]]["address"] == "127.0.0.3", "XenMotion to the member"
    assert sorted(cluster.hosts.values_list("name", flat=True)) == ["xen1", "xen2"]


def _spec(name: str, **fields) -> InstanceSpec:
    return InstanceSpec(name=name, uuid=str(uuid.uuid4()), vcpus=1, cpu_speed=500, memory=256 * 1024**2,
                        vnc_password="x", **fields)


def test_iso_on_a_cd_drive_and_pv_kernel_boot(xapi, host):
    driver, records = get_driver("XenServer"), xapi.xapi.records
    driver.define_instance(host, _spec("i-2-30-VM", iso="/opt/xensource/packages/iso/xs-tools.iso"))
    vm = next(r for r in records["VM"].values() if r["name_label"] == "i-2-30-VM")
    (cd,) = (records["VBD"][b] for b in vm["VBDs"])
    assert (cd["VDI"], cd["type"], cd["mode"], cd["userdevice"]) == (xapi.xapi.tools_iso, "CD", "RO", "3")
    assert vm["HVM_boot_policy"] == "BIOS order" and vm["HVM_boot_params"] == {"order": "dc"}
    with pytest.raises(HypervisorOperationFailed, match="ISO missing.iso is in no ISO library"):
        driver.define_instance(host, _spec("i-2-31-VM", iso="/isos/missing.iso"))
    with pytest.raises(HypervisorOperationFailed, match="storage repository .* is not in this pool"):
        driver.define_instance(host, _spec("i-2-31-VM", disks=(DiskSpec(VolumeRef(NFS, "gone"), 0),)))
    assert not any(r["name_label"] == "i-2-31-VM" for r in records["VM"].values()), "nothing half-defined"

    driver.define_instance(host, _spec("i-2-32-VM", kernel="/boot/guest/vmlinuz", initrd="/boot/guest/initrd",
                                       cmdline="console=hvc0"))
    pv = next(r for r in records["VM"].values() if r["name_label"] == "i-2-32-VM")
    assert (pv["HVM_boot_policy"], pv["PV_kernel"], pv["PV_ramdisk"], pv["PV_args"]) == (
        "", "/boot/guest/vmlinuz", "/boot/guest/initrd", "console=hvc0")
    driver.destroy_instance(host, "i-2-30-VM")
    assert xapi.xapi.records["VDI"][xapi.xapi.tools_iso]["VBDs"] == [], "the ISO's VBD went with the VM"


def test_a_guest_ignoring_clean_shutdown_is_powered_off_after_the_timeout(xapi, host):
    driver, fake = get_driver("XenServer"), xapi.xapi
    driver.define_instance(host, _spec("i-2-40-VM"))
    driver.start_instance(host, "i-2-40-VM")
    ref, vm = next((ref, r) for ref, r in fake.records["VM"].items() if r["name_label"] == "i-2-40-VM")
    fake.hung_guests.add(ref)
    driver.stop_instance(host, "i-2-40-VM", timeout=0.5)
    assert vm["power_state"] == "Halted"
    assert not fake.records["task"], "the pending clean shutdown was cancelled and its task destroyed"


def test_paused_and_suspended_vms(xapi, host):
    driver, fake = get_driver("XenServer"), xapi.xapi
    for name in ("i-2-50-VM", "i-2-51-VM"):
        driver.define_instance(host, _spec(name))
    by_name = {r["name_label"]: r for r in fake.records["VM"].values()}
    by_name["i-2-50-VM"]["power_state"], by_name["i-2-51-VM"]["power_state"] = "Paused", "Suspended"
    assert driver.instance_power_state(host, "i-2-50-VM") == PowerState.ON
    assert driver.instance_power_state(host, "i-2-51-VM") == PowerState.OFF
    assert driver.instance_power_state(host, "i-2-52-VM") == PowerState.MISSING


def test_the_fake_enforces_xapi_rules_over_the_wire(xapi):
    import XenAPI

    session = XenAPI.Session(xapi.url)
    session.xenapi.login_with_password("root", "xen-secret", "1.0", "test")
    try:
        vm = session.xenapi.VM.create({
            "name_label": "v", "memory_static_max": "1", "VCPUs_max": "1", "VCPUs_at_startup": "1",
            "HVM_boot_policy": "BIOS order", "HVM_boot_params": {}, "actions_after_shutdown": "destroy",
            "platform": {}, "other_config": {}, "PV_bootloader": "", "PV_kernel": "", "PV_ramdisk": "",
            "PV_args": "", "is_a_template": False})
        session.xenapi.VM.start(vm, False, False)
        with pytest.raises(XenAPI.Failure) as started_twice:
            session.xenapi.VM.start(vm, False, False)
        assert started_twice.value.details == ["VM_BAD_POWER_STATE", vm, "halted", "running"]
        with pytest.raises(XenAPI.Failure) as unknown:
            session.xenapi.VM.hard_shutdown("OpaqueRef:nope")
        assert unknown.value.details[0] == "HANDLE_INVALID"
        task = session.xenapi.Async.VM.destroy(vm)
        assert session.xenapi.task.get_status(task) == "failure", "a running VM is not destroyed"
        assert session.xenapi.task.get_error_info(task)[0] == "VM_BAD_POWER_STATE"
    finally:
        session.xenapi.session.logout()
    assert not xapi.xapi.sessions


def test_https_host_with_a_self_signed_certificate(tmp_path):
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    private = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "xen1")])
    now = datetime.datetime.now(datetime.UTC)
    signed = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(private.public_key())
              .serial_number(x509.random_serial_number()).not_valid_before(now)
              .not_valid_after(now + datetime.timedelta(days=1)).sign(private, hashes.SHA256()))
    certificate, key = tmp_path / "xapi.pem", tmp_path / "xapi.key"
    certificate.write_bytes(signed.public_bytes(serialization.Encoding.PEM))
    key.write_bytes(private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    with XapiServer(certificate=(str(certificate), str(key))) as server:
        assert server.url.startswith("https://")
        facts = get_driver("XenServer").connect(HostAccess(server.url, "root", "xen-secret"))
        assert facts.name == "xen1" and not server.xapi.sessions


class _NotXapi(BaseHTTPRequestHandler):
    """An HTTP server that is no XML-RPC server."""

    def do_POST(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/xml")
        self.end_headers()
        self.wfile.write(b"<html>a web page</html")

    def log_message(self, *args):
        pass


def test_a_server_that_is_not_xapi_is_unreachable():
    server = HTTPServer(("127.0.0.1", 0), _NotXapi)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(HostUnreachable, match="Unable to connect to host 127.0.0.1"):
            get_driver("XenServer").connect(HostAccess(f"http://127.0.0.1:{server.server_address[1]}", "root", "x"))
    finally:
        server.shutdown()
        server.server_close()
