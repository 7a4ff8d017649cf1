"""The KVM virtual router as a network namespace on this machine, with
real traffic: a "public" bridge standing for cloudbr0 with an "internet"
namespace on it (the public gateway), a guest VLAN bridge the backend makes
on a parent bridge, and a "guest" namespace standing for an instance
(busybox udhcpc, nslookup and wget). Nothing leaves the machine. Needs root
and `ip netns`; skipped otherwise."""
import dataclasses
import os
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.test import override_settings

from infrastructure.hypervisors.base import HostAccess, HypervisorOperationFailed, UnsupportedOperation
from network.providers.virtual_router.backends import router_backend
from network.providers.virtual_router.config import (
    DhcpHost,
    EgressRule,
    FirewallOpening,
    GuestMetadata,
    PortForward,
    RouterConfig,
    RouterInterface,
    StaticNat,
)
from network.providers.virtual_router.namespace import host_veth, namespace_name


def _can_run_namespaces() -> bool:
    if os.geteuid() != 0 or shutil.which("ip") is None:
        return False
    return subprocess.run(["ip", "netns", "list"], capture_output=True).returncode == 0


def _kernel_has_vlans() -> bool:
    probe = f"tvl{secrets.token_hex(2)}"
    made = subprocess.run(["ip", "link", "add", "link", "lo", "name", probe, "type", "vlan", "id", "5"],
                          capture_output=True).returncode == 0
    if made:
        subprocess.run(["ip", "link", "del", probe], capture_output=True)
    return made


pytestmark = pytest.mark.skipif(not _can_run_namespaces(), reason="needs root and `ip netns`")
# Without 8021q (some sandboxes) the guest bridge is a label bridge made by the test.
VLANS = _can_run_namespaces() and _kernel_has_vlans()

LOCAL = HostAccess(url="qemu:///system")
SUFFIX = secrets.token_hex(2)
PUBLIC_BRIDGE, GUEST_PARENT, GUEST_BRIDGE = f"tpb{SUFFIX}", f"tgp{SUFFIX}", f"tgb{SUFFIX}"
INTERNET, GUEST = f"tinet{SUFFIX}", f"tgst{SUFFIX}"
ROUTER = f"r-{SUFFIX}-VM"
VM_MAC, VM_IP, NATTED_IP = "02:00:0a:01:01:15", "10.1.1.21", "10.1.1.22"
SOURCE_NAT_IP, STATIC_NAT_IP = "198.51.100.10", "198.51.100.11"
INTERNET_IP, OTHER_INTERNET_IP = "198.51.100.1", "198.51.100.2"

# Listens on the given ports; answers every connection with "<peer address> <port>".
SERVER = """
import selectors, socket, sys
selector = selectors.DefaultSelector()
for port in sys.argv[1:]:
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("0.0.0.0", int(port)))
    listener.listen(16)
    selector.register(listener, selectors.EVENT_READ)
print("ready", flush=True)
while True:
    for key, _ in selector.select():
        connection, peer = key.fileobj.accept()
        connection.sendall(f"{peer[0]} {key.fileobj.getsockname()[1]}\\n".encode())
        connection.close()
"""
# Connects (from an optional source address) and prints the answer, or "unreachable".
CLIENT = """
import socket, sys
address, port, source = sys.argv[1], int(sys.argv[2]), sys.argv[3] if len(sys.argv) > 3 else ""
connection = socket.socket()
connection.settimeout(2)
try:
    if source:
        connection.bind((source, 0))
    connection.connect((address, port))
    print(connection.recv(100).decode().strip())
except OSError:
    print("unreachable")
"""
DHCP_SCRIPT = """#!/bin/sh
case "$1" in
  bound|renew)
    ip addr flush dev "$interface"
    ip addr add "$ip/$mask" dev "$interface"
    [ -n "$router" ] && ip route replace default via "${router%% *}" dev "$interface"
    {
      [ -n "$domain" ] && echo "search $domain"
      for server in $dns; do echo "nameserver $server"; done
    } > /etc/resolv.conf
    ;;
esac
"""


def sh(*argv: str, check: bool = True) -> str:
    result = subprocess.run(list(argv), capture_output=True, text=True, timeout=30)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(argv)}: {result.stderr}")
    return result.stdout


def in_ns(namespace: str, *argv: str, check: bool = True) -> str:
    return sh("ip", "netns", "exec", namespace, *argv, check=check)


def connect(namespace: str, address: str, port: int, source: str = "") -> str:
    return in_ns(namespace, sys.executable, "-c", CLIENT, address, str(port), *([source] if source else [])).strip()


def busybox(namespace: str, *argv: str, check: bool = True) -> str:
    return in_ns(namespace, "busybox", *argv, check=check)


def base_config(**changes) -> RouterConfig:
    config = RouterConfig(
        name=ROUTER,
        guest=RouterInterface(bridge=GUEST_BRIDGE, mac="02:00:0a:01:01:01", address="10.1.1.1", prefixlen=24,
                              **({"parent": GUEST_PARENT, "vlan": "101"} if VLANS else {})),
        guest_cidr="10.1.1.0/24",
        network_domain="cs1cloud.internal",
        dns_servers=(INTERNET_IP,),
        link_local_ip="169.254.0.10",
        public=RouterInterface(bridge=PUBLIC_BRIDGE, mac="02:00:c6:33:64:0a", address=SOURCE_NAT_IP, prefixlen=24),
        public_gateway=INTERNET_IP,
        public_ips=(SOURCE_NAT_IP, STATIC_NAT_IP),
        source_nat_ip=SOURCE_NAT_IP,
        dhcp_hosts=(DhcpHost(mac=VM_MAC, ip=VM_IP, hostname="vm-one"),),
        metadata=(GuestMetadata(ip=VM_IP, user_data=b"#!/bin/sh\necho hello\n",
                                meta_data=(("local-hostname", "vm-one"), ("instance-id", "i-2-21-VM"))),),
        port_forwards=(
            PortForward(protocol="tcp", public_ip=SOURCE_NAT_IP, public_start=80, public_end=80,
                        private_ip=VM_IP, private_start=8000, private_end=8000),
            PortForward(protocol="tcp", public_ip=SOURCE_NAT_IP, public_start=2000, public_end=2001,
                        private_ip=VM_IP, private_start=8000, private_end=8001,
                        source_cidrs=(f"{INTERNET_IP}/32",)),
        ),
        static_nats=(StaticNat(public_ip=STATIC_NAT_IP, private_ip=NATTED_IP),),
        firewall=(FirewallOpening(public_ip=STATIC_NAT_IP, protocol="tcp", start_port=9000, end_port=9001,
                                  source_cidrs=(f"{INTERNET_IP}/32",)),),
    )
    return dataclasses.replace(config, **changes)


def _cleanup() -> None:
    for namespace in (GUEST, INTERNET):
        sh("ip", "netns", "del", namespace, check=False)
    for device in (f"tgv{SUFFIX}", f"tiv{SUFFIX}", host_veth(ROUTER, "g"), host_veth(ROUTER, "p"),
                   f"{GUEST_PARENT}.101", GUEST_BRIDGE, GUEST_PARENT, PUBLIC_BRIDGE):
        sh("ip", "link", "del", device, check=False)
    shutil.rmtree(f"/etc/netns/{GUEST}", ignore_errors=True)


@pytest.fixture(scope="module")
def backend():
    return router_backend("KVM")


@pytest.fixture(scope="module")
def topology(tmp_path_factory, backend):
    """The bridges and namespaces around the router, the router started,
    and the guest holding its DHCP lease; the servers answering in the
    guest (8000, 8001, 9000, 9001) and on the internet (7000, 7001)."""
    state = tmp_path_factory.mktemp("routers")
    servers = []
    with override_settings(ROUTER_STATE_DIR=state):
        try:
            for bridge in (PUBLIC_BRIDGE, GUEST_PARENT if VLANS else GUEST_BRIDGE):
                sh("ip", "link", "add", bridge, "type", "bridge")
                sh("ip", "link", "set", bridge, "up")
            sh("ip", "netns", "add", INTERNET)
            sh("ip", "link", "add", f"tiv{SUFFIX}", "type", "veth", "peer", "name", "eth0", "netns", INTERNET)
            sh("ip", "link", "set", f"tiv{SUFFIX}", "master", PUBLIC_BRIDGE, "up")
            for command in (["link", "set", "lo", "up"], ["link", "set", "eth0", "up"],
                            ["addr", "add", f"{INTERNET_IP}/24", "dev", "eth0"],
                            ["addr", "add", f"{OTHER_INTERNET_IP}/24", "dev", "eth0"]):
                sh("ip", "-n", INTERNET, *command)

            config = base_config()
            backend.prepare_bridge(LOCAL, config.guest)
            started = backend.start(LOCAL, config)

            Path(f"/etc/netns/{GUEST}").mkdir(parents=True)
            Path(f"/etc/netns/{GUEST}/resolv.conf").write_text("")
            script = state / "udhcpc.script"
            script.write_text(DHCP_SCRIPT)
            script.chmod(0o755)
            sh("ip", "netns", "add", GUEST)
            sh("ip", "link", "add", f"tgv{SUFFIX}", "type", "veth", "peer", "name", "eth0", "netns", GUEST)
            sh("ip", "link", "set", f"tgv{SUFFIX}", "master", GUEST_BRIDGE, "up")
            sh("ip", "-n", GUEST, "link", "set", "eth0", "address", VM_MAC)
            sh("ip", "-n", GUEST, "link", "set", "lo", "up")
            sh("ip", "-n", GUEST, "link", "set", "eth0", "up")
            busybox(GUEST, "udhcpc", "-i", "eth0", "-f", "-q", "-n", "-t", "5", "-T", "1", "-s", str(script))
            sh("ip", "-n", GUEST, "addr", "add", f"{NATTED_IP}/24", "dev", "eth0")
            for namespace, ports in ((GUEST, ("8000", "8001", "9000", "9001")), (INTERNET, ("7000", "7001"))):
                server = subprocess.Popen(["ip", "netns", "exec", namespace, sys.executable, "-c", SERVER, *ports],
                                          stdout=subprocess.PIPE, text=True)
                servers.append(server)
                assert server.stdout.readline().strip() == "ready"
            yield {"state": state, "started": started, "config": config}
        finally:
            for server in servers:
                server.kill()
                server.wait()
            backend.stop(LOCAL, ROUTER)
            _cleanup()


def test_the_guest_gets_its_static_lease_gateway_and_domain(topology):
    assert f"inet {VM_IP}/24" in sh("ip", "-n", GUEST, "-o", "addr", "show", "dev", "eth0")
    assert "default via 10.1.1.1" in sh("ip", "-n", GUEST, "route")
    resolv = Path(f"/etc/netns/{GUEST}/resolv.conf").read_text()
    assert "search cs1cloud.internal" in resolv and "nameserver 10.1.1.1" in resolv


def test_the_router_answers_the_network_host_names(topology):
    for name in ("vm-one", "vm-one.cs1cloud.internal"):
        assert VM_IP in busybox(GUEST, "nslookup", name, "10.1.1.1")


def test_the_guest_fetches_its_user_data_and_meta_data(topology):
    url = "http://10.1.1.1/latest"
    assert busybox(GUEST, "wget", "-q", "-O", "-", f"{url}/user-data") == "#!/bin/sh\necho hello\n"
    assert busybox(GUEST, "wget", "-q", "-O", "-", f"{url}/meta-data/").split() == ["instance-id", "local-hostname"]
    assert busybox(GUEST, "wget", "-q", "-O", "-", f"{url}/meta-data/instance-id") == "i-2-21-VM"


def test_the_password_server_answers_a_saved_password_once(topology, backend):
    def ask(request: str) -> str:
        return busybox(GUEST, "wget", "-q", "-O", "-", "--header", f"DomU_Request: {request}",
                       "http://10.1.1.1:8080/")

    with override_settings(ROUTER_STATE_DIR=topology["state"]):
        backend.save_password(LOCAL, ROUTER, VM_IP, "Secr3t-pw")
    assert (topology["state"] / ROUTER / "passwords" / VM_IP).stat().st_mode & 0o777 == 0o600
    assert ask("send_my_password") == "Secr3t-pw"
    assert ask("saved_password") == "saved_password"
    assert ask("send_my_password") == "saved_password"
    assert ask("something_else") == "bad_request"


def test_the_guest_reaches_the_internet_through_source_nat(topology, backend):
    with override_settings(ROUTER_STATE_DIR=topology["state"]):
        backend.apply(LOCAL, base_config())
    assert connect(GUEST, INTERNET_IP, 7000) == f"{SOURCE_NAT_IP} 7000"


def test_a_port_forward_opens_its_port_and_removing_it_closes_it(topology, backend):
    with override_settings(ROUTER_STATE_DIR=topology["state"]):
        backend.apply(LOCAL, base_config())
        assert connect(INTERNET, SOURCE_NAT_IP, 80) == f"{INTERNET_IP} 8000"
        # a range maps port to port, and only from its source CIDR
        assert connect(INTERNET, SOURCE_NAT_IP, 2001) == f"{INTERNET_IP} 8001"
        assert connect(INTERNET, SOURCE_NAT_IP, 2000, source=OTHER_INTERNET_IP) == "unreachable"
        # nothing else of the public address is open
        assert connect(INTERNET, SOURCE_NAT_IP, 8000) == "unreachable"
        backend.apply(LOCAL, base_config(port_forwards=base_config().port_forwards[1:]))
        assert connect(INTERNET, SOURCE_NAT_IP, 80) == "unreachable"
        assert connect(INTERNET, SOURCE_NAT_IP, 2000) == f"{INTERNET_IP} 8000"


def test_static_nat_maps_the_whole_address_behind_its_firewall(topology, backend):
    with override_settings(ROUTER_STATE_DIR=topology["state"]):
        backend.apply(LOCAL, base_config())
    assert connect(INTERNET, STATIC_NAT_IP, 9000) == f"{INTERNET_IP} 9000"
    assert connect(INTERNET, STATIC_NAT_IP, 9001) == f"{INTERNET_IP} 9001"
    assert connect(INTERNET, STATIC_NAT_IP, 9000, source=OTHER_INTERNET_IP) == "unreachable"
    assert connect(INTERNET, STATIC_NAT_IP, 8000) == "unreachable"  # no opening for it
    # the statically NATed address goes out as its public address
    assert connect(GUEST, INTERNET_IP, 7000, source=NATTED_IP) == f"{STATIC_NAT_IP} 7000"


def test_egress_default_deny_lets_only_its_rules_out_and_default_allow_drops_them(topology, backend):
    rule = EgressRule(protocol="tcp", start_port=7000, end_port=7000, dest_cidrs=("198.51.100.0/24",))
    with override_settings(ROUTER_STATE_DIR=topology["state"]):
        backend.apply(LOCAL, base_config(egress_default_allow=False, egress=(rule,)))
        assert connect(GUEST, INTERNET_IP, 7000) == f"{SOURCE_NAT_IP} 7000"
        assert connect(GUEST, INTERNET_IP, 7001) == "unreachable"
        # the router's own services stay reachable
        assert VM_IP in busybox(GUEST, "nslookup", "vm-one", "10.1.1.1")
        backend.apply(LOCAL, base_config(egress_default_allow=True, egress=(rule,)))
        assert connect(GUEST, INTERNET_IP, 7000) == "unreachable"
        assert connect(GUEST, INTERNET_IP, 7001) == f"{SOURCE_NAT_IP} 7001"
        backend.apply(LOCAL, base_config())


def test_a_second_start_changes_nothing(topology, backend):
    state = topology["state"] / ROUTER
    with override_settings(ROUTER_STATE_DIR=topology["state"]):
        backend.apply(LOCAL, base_config())
        before = (state / "dnsmasq.pid").read_text(), (state / "metadata.pid").read_text()
        addresses = sh("ip", "-n", namespace_name(ROUTER), "-o", "-4", "addr")
        again = backend.start(LOCAL, base_config())
        assert again["digest"] == topology["started"]["digest"]
        assert ((state / "dnsmasq.pid").read_text(), (state / "metadata.pid").read_text()) == before
        assert sh("ip", "-n", namespace_name(ROUTER), "-o", "-4", "addr") == addresses
        assert backend.is_running(LOCAL, ROUTER)


def test_apply_rebuilds_a_router_whose_namespace_was_deleted(topology, backend):
    with override_settings(ROUTER_STATE_DIR=topology["state"]):
        sh("ip", "netns", "del", namespace_name(ROUTER))
        assert not backend.is_running(LOCAL, ROUTER)
        backend.apply(LOCAL, base_config())
        assert backend.is_running(LOCAL, ROUTER)
    assert busybox(GUEST, "wget", "-q", "-O", "-", "http://10.1.1.1/latest/meta-data/instance-id") == "i-2-21-VM"
    assert connect(INTERNET, SOURCE_NAT_IP, 80) == f"{INTERNET_IP} 8000"


def test_stop_leaves_nothing_and_a_gone_router_stops(topology, backend):
    state = topology["state"] / ROUTER
    with override_settings(ROUTER_STATE_DIR=topology["state"]):
        pids = [int((state / name).read_text()) for name in ("dnsmasq.pid", "metadata.pid")]
        backend.stop(LOCAL, ROUTER)
        assert not Path(f"/run/netns/{namespace_name(ROUTER)}").exists()
        assert sh("ip", "link", "show", "dev", host_veth(ROUTER, "g"), check=False) == ""
        assert sh("ip", "link", "show", "dev", host_veth(ROUTER, "p"), check=False) == ""
        time.sleep(0.2)
        assert not any(Path(f"/proc/{pid}").exists() for pid in pids)
        assert not state.exists()
        assert not backend.is_running(LOCAL, ROUTER)
        backend.stop(LOCAL, ROUTER)
        # bridges stay; the VLAN bridge goes only when nothing else is plugged in
        backend.release_bridge(LOCAL, base_config().guest)
        assert sh("ip", "link", "show", "dev", GUEST_BRIDGE)  # the guest namespace is still plugged in
        backend.release_bridge(LOCAL, base_config().public)
        assert sh("ip", "link", "show", "dev", PUBLIC_BRIDGE)


@pytest.mark.skipif(not VLANS, reason="the kernel has no 802.1Q VLANs (8021q)")
def test_release_bridge_removes_an_unused_vlan_bridge(backend):
    iface = RouterInterface(bridge=f"tvb{SUFFIX}", mac="02:00:00:00:00:01", address="10.9.9.1", prefixlen=24,
                            parent=f"tvp{SUFFIX}", vlan="202")
    sh("ip", "link", "add", iface.parent, "type", "bridge")
    try:
        backend.prepare_bridge(LOCAL, iface)
        backend.prepare_bridge(LOCAL, iface)
        assert Path(f"/sys/class/net/{iface.bridge}/brif/{iface.parent}.202").exists()
        backend.release_bridge(LOCAL, iface)
        assert not Path(f"/sys/class/net/{iface.bridge}").exists()
        assert not Path(f"/sys/class/net/{iface.parent}.202").exists()
    finally:
        for device in (f"{iface.parent}.202", iface.bridge, iface.parent):
            sh("ip", "link", "del", device, check=False)


def test_a_missing_label_bridge_and_a_remote_host_are_refused(backend):
    label = RouterInterface(bridge=f"tno{SUFFIX}", mac="02:00:00:00:00:01", address="10.9.9.1", prefixlen=24)
    with pytest.raises(HypervisorOperationFailed, match=f"tno{SUFFIX}"):
        backend.prepare_bridge(LOCAL, label)
    with pytest.raises(UnsupportedOperation, match="remote"):
        backend.start(HostAccess(url="qemu+ssh://kvm2.example/system"), base_config())
