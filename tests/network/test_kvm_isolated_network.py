"""An isolated network on a real KVM host (this machine's libvirtd, QEMU
with software emulation, the built-in BusyBox guest): the network is
implemented with its router as a network namespace, the guest gets its
address by DHCP from the router, resolves its own host name and fetches
its user data from it (the user data is a script the guest runs: it writes
what it found into the files its httpd serves), and reaches the "Internet"
through source NAT; a port forwarding rule makes the guest's httpd
reachable from a namespace standing for the Internet and deleting it
closes it again; static NAT maps a whole address, limited by a firewall
rule's source CIDR. Everything lives in namespaces and bridges made here
and removed after; no traffic leaves the machine."""
import base64
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from cloudstack_ui.errors import CloudStackError
from compute.models import ServiceOffering, Template, VirtualMachine
from network.models import Network, VirtualRouter
from tests.compute.conftest import call
from tests.conftest import remove_pool

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True),
              pytest.mark.usefixtures("jobs_run_eagerly")]

SUFFIX = uuid.uuid4().hex[:4]
PUBLIC_BRIDGE, GUEST_BRIDGE, INTERNET = f"csuip{SUFFIX}", f"csuig{SUFFIX}", f"csui-inet-{SUFFIX}"
GATEWAY, OTHER_CLIENT = "203.0.113.1", "203.0.113.2"


def sh(*argv, check=True, timeout=30):
    return subprocess.run(list(argv), capture_output=True, text=True, check=check, timeout=timeout)


@pytest.fixture
def internet():
    """Two host bridges standing for the traffic labels (public, guest) and
    a namespace on the public one holding the public gateway and one more
    client address, with a web server logging who calls it."""
    sh("ip", "link", "add", PUBLIC_BRIDGE, "type", "bridge")
    sh("ip", "link", "add", GUEST_BRIDGE, "type", "bridge")
    sh("ip", "netns", "add", INTERNET)
    veth = f"csuiv{SUFFIX}"
    sh("ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", INTERNET)
    sh("ip", "link", "set", veth, "master", PUBLIC_BRIDGE, "up")
    for bridge in (PUBLIC_BRIDGE, GUEST_BRIDGE):
        sh("ip", "link", "set", bridge, "up")
    inside = ("ip", "netns", "exec", INTERNET)
    sh(*inside, "ip", "link", "set", "lo", "up")
    sh(*inside, "ip", "link", "set", "eth0", "up")
    sh(*inside, "ip", "addr", "add", f"{GATEWAY}/24", "dev", "eth0")
    sh(*inside, "ip", "addr", "add", f"{OTHER_CLIENT}/24", "dev", "eth0")
    log = Path(f"/tmp/{INTERNET}.log")
    server = subprocess.Popen([*inside, "python3", "-m", "http.server", "8000", "--bind", GATEWAY],
                              stdout=subprocess.DEVNULL, stderr=log.open("w"))
    yield log
    server.terminate()
    server.wait(timeout=10)
    sh("ip", "netns", "del", INTERNET, check=False)
    for device in (veth, PUBLIC_BRIDGE, GUEST_BRIDGE):
        sh("ip", "link", "del", device, check=False)
    log.unlink(missing_ok=True)


def fetch(url: str, source: str = GATEWAY, timeout: float = 3) -> str | None:
    """GET `url` from the Internet namespace, from address `source`; None when refused or unanswered."""
    code = ("import sys, http.client, urllib.parse as u\n"
            "p = u.urlsplit(sys.argv[1])\n"
            "c = http.client.HTTPConnection(p.hostname, p.port, timeout=float(sys.argv[3]),"
            " source_address=(sys.argv[2], 0))\n"
            "c.request('GET', p.path or '/'); r = c.getresponse(); print(r.status); print(r.read().decode())")
    done = sh("ip", "netns", "exec", INTERNET, "python3", "-c", code, url, source, str(timeout), check=False,
              timeout=timeout + 10)
    if done.returncode != 0:
        return None
    status, _, body = done.stdout.partition("\n")
    return body if status == "200" else None


def eventually(probe, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def kvm_advanced_zone(libvirtd, root_admin, tmp_path, internet):
    from cloudstack_ui.config.services import update_setting
    from infrastructure.services import clusters, hosts, pods, storage, zones
    from network.services import ip_ranges, physical_networks

    zone = zones.create_zone(root_admin, name="kvm-adv", network_type="Advanced", dns1=GATEWAY,
                             internal_dns1="10.0.0.2", guest_cidr="10.1.1.0/24")
    physical = physical_networks.create_physical_network(root_admin, zone, name="phys", vlan="600-609")
    physical_networks.add_traffic_type(root_admin, physical, traffic_type="Guest", kvm_label=GUEST_BRIDGE)
    physical_networks.add_traffic_type(root_admin, physical, traffic_type="Public", kvm_label=PUBLIC_BRIDGE)
    physical_networks.add_traffic_type(root_admin, physical, traffic_type="Management", kvm_label=PUBLIC_BRIDGE)
    ip_ranges.create_vlan_ip_range(root_admin, zone, gateway=GATEWAY, netmask="255.255.255.0",
                                   start_ip="203.0.113.10", end_ip="203.0.113.20", physical_network=physical,
                                   for_virtual_network=True)
    pod = pods.create_pod(root_admin, zone, name="pod", gateway="192.168.60.1", netmask="/24",
                          start_ip="192.168.60.10", end_ip="192.168.60.20")
    cluster = clusters.add_cluster(root_admin, pod, name="c1", hypervisor="KVM")
    update_setting(root_admin, "kvm.guest.acceleration", "qemu", scope="cluster", scope_uuid=cluster.uuid)
    hosts.add_host(root_admin, cluster, url=libvirtd.URL)
    pool_dir = Path("/var/lib/libvirt/images") / f"csui-isolated-{SUFFIX}"
    storage.create_storage_pool(root_admin, zone, name="ps", url=f"sharedmountpoint://{pool_dir}", cluster=cluster)
    (tmp_path / "secondary").mkdir()
    storage.add_image_store(root_admin, zone, url=f"file://{tmp_path / 'secondary'}")
    zones.update_zone(root_admin, zone, allocation_state="Enabled")
    yield zone
    # Whatever the test left (it may have failed half-way): instances,
    # then routers and their VLAN bridges.
    from network.services import routers

    for vm in VirtualMachine.objects.all():
        try:
            call(root_admin, "destroyVirtualMachine", id=vm.uuid, expunge=True)
        except CloudStackError:
            pass
    for network in Network.objects.filter(state="Implemented"):
        routers.shutdown_network(network)
    remove_pool(libvirtd.URL, pool_dir)


USER_DATA = """#!/bin/sh
nslookup $(hostname) > /www/dns.txt 2>&1
n=0
while [ $n -lt 60 ] && ! wget -q -O /www/internet.txt http://203.0.113.1:8000/; do n=$((n + 1)); sleep 2; done
"""


def test_an_isolated_network_on_a_real_kvm_host(kvm_advanced_zone, root_admin, internet):
    zone = kvm_advanced_zone
    offering = "DefaultIsolatedNetworkOfferingWithSourceNatService"
    from network.models import NetworkOffering

    network = call(root_admin, "createNetwork", zoneid=zone.uuid, name="web", displaytext="web",
                   networkofferingid=NetworkOffering.objects.get(name=offering).uuid)
    # Egress is denied by the offering (guide 13.15) but to the Internet's web server.
    egress = call(root_admin, "createEgressFirewallRule", networkid=network.uuid, protocol="tcp", startport=8000,
                  endport=8000, destcidrlist=f"{GATEWAY}/32")["firewallrule"]
    assert egress["state"] == "Active", "stored for the router the network gets when implemented"
    template = Template.objects.get(template_type="BUILTIN", hypervisor="KVM")
    vm = call(root_admin, "deployVirtualMachine", zoneid=zone.uuid, name="web1", templateid=template.uuid,
              serviceofferingid=ServiceOffering.objects.get(name="Small Instance").uuid, networkids=network.uuid,
              userdata=base64.b64encode(USER_DATA.encode()).decode())["virtualmachine"]
    assert vm["state"] == "Running" and vm["nic"][0]["ipaddress"] == "10.1.1.2"
    network = Network.objects.get(pk=network.pk)
    router = VirtualRouter.objects.get(network=network)
    assert (network.state, router.state) == ("Implemented", "Running")
    source_nat = network.public_ips.get(is_source_nat=True)

    forward = call(root_admin, "createPortForwardingRule", ipaddressid=source_nat.uuid, protocol="tcp",
                   publicport=8080, privateport=80, virtualmachineid=vm["id"])["portforwardingrule"]
    assert forward["state"] == "Active"
    page = eventually(lambda: fetch(f"http://{source_nat.address}:8080/"), 120, "the guest's httpd through the PF")
    assert "web1" in page, "the guest got its host name and its address by DHCP from the router"
    dns = eventually(lambda: fetch(f"http://{source_nat.address}:8080/dns.txt"), 60, "the guest's DNS lookup")
    assert "10.1.1.2" in dns, f"the router's DNS answers the guest's own name: {dns}"
    assert eventually(lambda: fetch(f"http://{source_nat.address}:8080/internet.txt"), 60, "the guest's download")
    assert f"{source_nat.address} - -" in internet.read_text(), "the Internet saw the source NAT address"

    call(root_admin, "deletePortForwardingRule", id=forward["id"])
    assert fetch(f"http://{source_nat.address}:8080/") is None, "deleting the rule closes the port"

    other = call(root_admin, "associateIpAddress", networkid=network.uuid)["ipaddress"]
    call(root_admin, "enableStaticNat", ipaddressid=other["id"], virtualmachineid=vm["id"])
    assert fetch(f"http://{other['ipaddress']}/") is None, "no firewall rule: the address takes nothing in"
    call(root_admin, "createFirewallRule", ipaddressid=other["id"], protocol="tcp", startport=80, endport=80,
         cidrlist=f"{OTHER_CLIENT}/32")
    assert "web1" in eventually(lambda: fetch(f"http://{other['ipaddress']}/", source=OTHER_CLIENT), 20,
                                "the static NAT address from the allowed source")
    assert fetch(f"http://{other['ipaddress']}/", source=GATEWAY) is None, "another source is refused"

    call(root_admin, "destroyVirtualMachine", id=vm["id"], expunge=True)
    assert not VirtualMachine.objects.filter(uuid=vm["id"]).exists()
