"""Isolated networks on the Simulator, through the command API: created
Allocated by their account, implemented when the first instance starts
(VLAN from the physical network's range, source NAT address, router with
the instance's lease and metadata stored on the Simulator machine), shut
down by the garbage collector, restarted, deleted; public IPs acquired and
released; the routers' admin commands; bad input refused with the field
and nothing left behind; VLANs and public IPs never given twice under
concurrent requests (row locks; run on MariaDB by CI)."""
import base64
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from cloudstack_ui.config.services import update_setting
from cloudstack_ui.errors import CloudStackError, InsufficientCapacity, PermissionDenied
from compute.models import ServiceOffering, VirtualMachine
from infrastructure.models import SimulatedMachine, SimulatedRouter
from network.models import GuestVlan, Network, PublicIpAddress, VirtualRouter
from network.services import guest_vlans, networks, public_ips, routers
from tests.compute.conftest import JobFailed, call, ready_template
from tests.network.advanced_zone import api, build_advanced_zone, create_isolated_network, deploy_in, isolated_offering

pytestmark = pytest.mark.usefixtures("jobs_run_eagerly")


@pytest.fixture
def world(root_admin, tenancy, tmp_path):
    zone = build_advanced_zone(root_admin, tmp_path)
    return {"zone": zone, "template": ready_template(zone, root_admin), "user": tenancy["comp1_user"],
            "other": tenancy["sales_user"], "tenancy": tenancy, "admin": root_admin}


def stored_router(router: VirtualRouter) -> SimulatedRouter:
    return SimulatedRouter.objects.get(name=router.name)


@pytest.mark.django_db
def test_an_isolated_network_is_implemented_by_its_first_instance(world):
    user, zone = world["user"], world["zone"]
    answer = create_isolated_network(user, zone, "web", networkdomain="web.example")
    assert (answer["state"], answer["type"], answer["acltype"]) == ("Allocated", "Isolated", "Account")
    assert (answer["cidr"], answer["gateway"], answer["netmask"]) == ("10.1.1.0/24", "10.1.1.1", "255.255.255.0")
    assert "vlan" not in answer and answer["account"] == "comp1-user" and answer["networkdomain"] == "web.example"
    network = Network.objects.get(uuid=answer["id"])
    assert not VirtualRouter.objects.exists() and not PublicIpAddress.objects.exists(), "a row until used"

    user_data = base64.b64encode(b"#!/bin/sh\necho hello\n").decode()
    vm = deploy_in(user, zone, world["template"], network.uuid, "web1", userdata=user_data)
    network.refresh_from_db()
    assert (network.state, network.vlan) == ("Implemented", "600")
    assert GuestVlan.objects.get(network=network).vnet == 600
    router = VirtualRouter.objects.get(network=network)
    assert (router.state, router.host, router.name) == ("Running", zone.hosts[0], f"r-{router.pk}-VM")
    source_nat = PublicIpAddress.objects.get(network=network)
    assert source_nat.is_source_nat and source_nat.address == "203.0.113.10"
    config = stored_router(router).config
    assert config["guest"] == {"bridge": "brcloudbr1-600", "mac": router.guest_mac, "address": "10.1.1.1",
                               "prefixlen": 24, "parent": "cloudbr1", "vlan": "600"}
    assert config["public"]["address"] == "203.0.113.10" and config["public"]["bridge"] == "cloudbr0"
    assert config["network_domain"] == "web.example" and config["dns_servers"] == ["8.8.8.8"]
    nic = vm["nic"][0]
    assert config["dhcp_hosts"] == [{"mac": nic["macaddress"], "ip": nic["ipaddress"], "hostname": "web1",
                                     "default_gateway": True}]
    assert nic["ipaddress"] == "10.1.1.2", "the gateway is the router's"
    metadata = config["metadata"][0]
    assert base64.b64decode(metadata["user_data"]) == b"#!/bin/sh\necho hello\n"
    assert dict(metadata["meta_data"])["public-ipv4"] == "203.0.113.10"
    assert dict(metadata["meta_data"])["local-hostname"] == "web1"

    listed = api(world["admin"], "listRouters", networkid=network.uuid)
    assert listed[0]["id"] == str(router.uuid) and listed[0]["guestnetworkname"] == "web"
    second = deploy_in(user, zone, world["template"], network.uuid, "web2")
    assert len(stored_router(router).config["dhcp_hosts"]) == 2, "the second instance's lease is applied"
    assert VirtualRouter.objects.count() == 1 and GuestVlan.objects.count() == 1
    call(world["admin"], "destroyVirtualMachine", id=second["id"], expunge=True)
    assert [h["hostname"] for h in stored_router(router).config["dhcp_hosts"]] == ["web1"], "its lease leaves"


@pytest.mark.django_db
def test_the_first_instance_of_an_account_gets_a_default_isolated_network(world):
    vm = call(world["user"], "deployVirtualMachine", zoneid=world["zone"].zone.uuid, name="solo",
              templateid=world["template"].uuid,
              serviceofferingid=ServiceOffering.objects.get(name="Small Instance").uuid)["virtualmachine"]
    network = Network.objects.get(uuid=vm["nic"][0]["networkid"])
    assert (network.name, network.offering, network.state) == ("comp1-user-network", isolated_offering(),
                                                                "Implemented")


@pytest.mark.django_db
def test_subnets_of_an_accounts_networks_never_overlap(world):
    user, zone = world["user"], world["zone"]
    assert create_isolated_network(user, zone, "a")["cidr"] == "10.1.1.0/24"
    assert create_isolated_network(user, zone, "b")["cidr"] == "10.1.2.0/24", "the next free sibling by default"
    assert create_isolated_network(world["other"], zone, "c")["cidr"] == "10.1.1.0/24", "another account's VLAN"
    before = Network.objects.count()
    for params, field, text in (
            ({"gateway": "10.1.2.129", "netmask": "255.255.255.128"}, "gateway", "overlaps 10.1.2.0/24"),
            ({"gateway": "10.9.0.1"}, "netmask", "come together"),
            ({"gateway": "10.9.0.1", "netmask": "255.255.255.252"}, "netmask", "at most /29"),
            ({"gateway": "10.9.0.0", "netmask": "255.255.255.0"}, "gateway", "network or broadcast")):
        with pytest.raises(CloudStackError) as refused:
            create_isolated_network(user, zone, "d", **params)
        assert refused.value.field == field and text in refused.value.message, refused.value.message
    for params, field in (({"name": "a"}, "name"), ({"vlan": "650"}, "vlan"),
                          ({"gateway": "10.9.0.1", "netmask": "255.255.255.0", "startip": "10.9.1.5"}, "startip")):
        with pytest.raises(CloudStackError) as refused:
            create_isolated_network(user, zone, **{"name": "d", **params})
        assert refused.value.field == field, refused.value.message
    assert Network.objects.count() == before, "refusals create nothing"
    ranged = create_isolated_network(user, zone, "e", gateway="10.9.0.1", netmask="255.255.255.0",
                                     startip="10.9.0.50", endip="10.9.0.60")
    guest_range = Network.objects.get(uuid=ranged["id"]).ip_ranges.get()
    assert (guest_range.start_ip, guest_range.end_ip) == ("10.9.0.50", "10.9.0.60")


@pytest.mark.django_db
def test_public_ips_are_acquired_listed_and_released(world):
    user, zone = world["user"], world["zone"]
    network = create_isolated_network(user, zone, "web")
    deploy_in(user, zone, world["template"], network["id"], "web1")
    acquired = call(user, "associateIpAddress", networkid=network["id"])["ipaddress"]
    assert (acquired["ipaddress"], acquired["state"], acquired["issourcenat"]) == ("203.0.113.11", "Allocated",
                                                                                  False)
    assert acquired["associatednetworkid"] == network["id"]
    router = VirtualRouter.objects.get()
    listed = api(user, "listPublicIpAddresses", associatednetworkid=network["id"])
    assert [ip["ipaddress"] for ip in listed] == ["203.0.113.10", "203.0.113.11"]
    assert listed[0]["issourcenat"] and listed[0]["zonename"] == "adv"
    assert not api(world["other"], "listPublicIpAddresses"), "another account sees none of them"

    source_nat = PublicIpAddress.objects.get(is_source_nat=True)
    with pytest.raises(JobFailed) as refused:
        call(user, "disassociateIpAddress", id=source_nat.uuid)
    assert "source NAT address of network web" in str(refused.value)
    with pytest.raises(CloudStackError):
        call(world["other"], "disassociateIpAddress", id=acquired["id"])
    with pytest.raises(CloudStackError) as refused:
        call(world["other"], "associateIpAddress", networkid=network["id"])
    assert str(refused.value).startswith("networkid: no network"), "another account's network is unknown to it"
    call(user, "disassociateIpAddress", id=acquired["id"])
    assert list(PublicIpAddress.objects.values_list("address", flat=True)) == ["203.0.113.10"]
    assert router.name


@pytest.mark.django_db
@pytest.mark.parametrize("address, errorcode, text", [
    ("203.0.113.10", 536, "ipaddress: 203.0.113.10 is already acquired"),
    ("203.0.113.41", 431, "ipaddress: 203.0.113.41 is in no public range of zone adv that account comp1-user may use"),
    ("203.0.113.1", 431, "ipaddress: 203.0.113.1 is in no public range"),
    ("not-an-ip", 431, "ipaddress: 'not-an-ip' is not an IPv4 address"),
])
def test_an_asked_for_public_ip_is_acquired_when_free_in_the_accounts_ranges(world, address, errorcode, text):
    user, zone = world["user"], world["zone"]
    network = create_isolated_network(user, zone, "web")
    deploy_in(user, zone, world["template"], network["id"], "web1")
    asked = call(user, "associateIpAddress", networkid=network["id"], ipaddress="203.0.113.30")["ipaddress"]
    assert (asked["ipaddress"], asked["associatednetworkid"]) == ("203.0.113.30", network["id"])
    held = set(PublicIpAddress.objects.values_list("address", flat=True))
    assert held == {"203.0.113.10", "203.0.113.30"}

    with pytest.raises(JobFailed) as refused:
        call(user, "associateIpAddress", networkid=network["id"], ipaddress=address)
    assert (refused.value.errorcode, str(refused.value)[:len(text)]) == (errorcode, text)
    assert set(PublicIpAddress.objects.values_list("address", flat=True)) == held


@pytest.mark.django_db
def test_dedicated_ranges_are_used_first_and_only_by_their_account(world, root_admin):
    zone, user = world["zone"], world["user"]
    dedicated = api(root_admin, "createVlanIpRange", zoneid=zone.zone.uuid, gateway="198.51.100.1",
                     netmask="255.255.255.0", startip="198.51.100.5", endip="198.51.100.6", forvirtualnetwork=True,
                     account="comp1-user", domainid=world["tenancy"]["comp1"].uuid)
    assert (dedicated["vlan"]["account"], dedicated["vlan"]["domain"]) == ("comp1-user", "Comp1")
    mine = create_isolated_network(user, zone, "mine")
    theirs = create_isolated_network(world["other"], zone, "theirs")
    assert call(user, "associateIpAddress", networkid=mine["id"])["ipaddress"]["ipaddress"] == "198.51.100.5"
    assert call(world["other"], "associateIpAddress", networkid=theirs["id"])["ipaddress"]["ipaddress"] == \
        "203.0.113.10", "a range dedicated to another account is not theirs"
    with pytest.raises(CloudStackError) as refused:
        call(root_admin, "dedicatePublicIpRange", id=zone.public_range.uuid, account="comp1-user",
             domainid=world["tenancy"]["comp1"].uuid)
    assert refused.value.field == "id" and "203.0.113.10 of range" in refused.value.message
    assert "held by account sales-user" in refused.value.message
    call(root_admin, "dedicatePublicIpRange", id=zone.public_range.uuid, account="sales-user",
         domainid=world["tenancy"]["sales"].uuid)
    assert call(user, "associateIpAddress", networkid=mine["id"])["ipaddress"]["ipaddress"] == "198.51.100.6"
    with pytest.raises(JobFailed) as refused:
        call(user, "associateIpAddress", networkid=mine["id"])
    assert "no free public IP address for account comp1-user" in str(refused.value), "the pool is sales-user's"
    call(root_admin, "releasePublicIpRange", id=zone.public_range.uuid)
    assert call(user, "associateIpAddress", networkid=mine["id"])["ipaddress"]["ipaddress"] == "203.0.113.11"


@pytest.mark.django_db
def test_running_out_of_vlans_fails_the_deploy_and_keeps_nothing(world, root_admin):
    zone, user = world["zone"], world["user"]
    call(root_admin, "updatePhysicalNetwork", id=zone.physical.uuid, vlan="600-600")
    first = create_isolated_network(user, zone, "a")
    deploy_in(user, zone, world["template"], first["id"], "a1")
    second = create_isolated_network(user, zone, "b")
    with pytest.raises(JobFailed) as failed:
        deploy_in(user, zone, world["template"], second["id"], "b1")
    assert "no free guest VLAN" in str(failed.value)
    network = Network.objects.get(uuid=second["id"])
    assert network.state == "Allocated" and not network.public_ips.exists() and not hasattr(network, "router")
    assert VirtualMachine.objects.get(name="b1").state == "Error" and not network.guest_ips.exists()
    assert GuestVlan.objects.count() == 1
    with pytest.raises(CloudStackError) as refused:
        call(root_admin, "updatePhysicalNetwork", id=zone.physical.uuid, vlan="700-710")
    assert refused.value.field == "vlan" and "VLAN 600 is used by network a" in refused.value.message


@pytest.mark.django_db
def test_guest_vlan_bits_limit_the_zone(world, root_admin):
    update_setting(root_admin, "guest.vlan.bits", "9")
    assert (guest_vlans.zone_vlan_limit(), guest_vlans.zone_running_limit()) == (512, 32768)
    with pytest.raises(CloudStackError) as refused:
        call(root_admin, "updatePhysicalNetwork", id=world["zone"].physical.uuid, vlan="600-1200")
    assert refused.value.field == "vlan" and "guest.vlan.bits allows 512" in refused.value.message


@pytest.mark.django_db
def test_idle_networks_are_shut_down_and_implemented_again(world, root_admin):
    user, zone = world["user"], world["zone"]
    network = Network.objects.get(uuid=create_isolated_network(user, zone, "web")["id"])
    vm = deploy_in(user, zone, world["template"], network.uuid, "web1")
    update_setting(root_admin, "network.gc.wait", "0")
    assert routers.collect_idle_networks() == {"shut_down": []}, "an instance runs on it"
    call(user, "stopVirtualMachine", id=vm["id"])
    assert routers.collect_idle_networks() == {"shut_down": ["web"]}
    network.refresh_from_db()
    assert (network.state, network.vlan) == ("Shutdown", "")
    assert not VirtualRouter.objects.exists() and not SimulatedRouter.objects.exists()
    assert not GuestVlan.objects.exists() and network.public_ips.get().is_source_nat, "its address stays"
    call(user, "startVirtualMachine", id=vm["id"])
    network.refresh_from_db()
    assert (network.state, network.vlan) == ("Implemented", "600")
    assert stored_router(VirtualRouter.objects.get()).config["dhcp_hosts"][0]["hostname"] == "web1"


@pytest.mark.django_db
def test_router_commands_and_rebuild_from_the_database(world, root_admin):
    user, zone = world["user"], world["zone"]
    network = create_isolated_network(user, zone, "web")
    deploy_in(user, zone, world["template"], network["id"], "web1")
    router = VirtualRouter.objects.get()
    with pytest.raises(PermissionDenied):
        call(user, "listRouters")
    assert not api(world["tenancy"]["other_admin"], "listRouters"), "another domain's admin sees none"
    assert api(world["tenancy"]["comp1_admin"], "listRouters")[0]["id"] == str(router.uuid)

    answer = call(root_admin, "stopRouter", id=router.uuid)["router"]
    assert answer["state"] == "Stopped" and not SimulatedRouter.objects.exists()
    answer = call(root_admin, "startRouter", id=router.uuid)["router"]
    assert answer["state"] == "Running" and answer["publicip"] == "203.0.113.10"
    assert answer["guestipaddress"] == "10.1.1.1" and answer["role"] == "VIRTUAL_ROUTER"
    assert call(root_admin, "rebootRouter", id=router.uuid)["router"]["state"] == "Running"

    SimulatedRouter.objects.all().delete()  # the host restarted
    assert routers.check_routers() == {"rebuilt": [router.name], "failed": []}
    assert stored_router(router).config["dhcp_hosts"][0]["hostname"] == "web1"
    SimulatedRouter.objects.all().delete()
    SimulatedMachine.objects.update(failing_operations="router_start")
    assert routers.check_routers() == {"rebuilt": [], "failed": [router.name]}
    router.refresh_from_db()
    assert router.state == "Error" and "simulated failure" in router.state_reason
    SimulatedMachine.objects.update(failing_operations="")

    call(user, "restartNetwork", id=network["id"], cleanup=True)
    renewed = VirtualRouter.objects.get()
    assert renewed.pk != router.pk and renewed.state == "Running"
    call(root_admin, "destroyRouter", id=renewed.uuid)
    assert not VirtualRouter.objects.exists() and Network.objects.get(uuid=network["id"]).restart_required
    call(user, "restartNetwork", id=network["id"])
    assert VirtualRouter.objects.get().state == "Running"


@pytest.mark.django_db
def test_deleting_a_network_gives_back_its_vlan_addresses_and_router(world):
    user, zone = world["user"], world["zone"]
    network = create_isolated_network(user, zone, "web")
    vm = deploy_in(user, zone, world["template"], network["id"], "web1")
    call(user, "associateIpAddress", networkid=network["id"])
    with pytest.raises(JobFailed) as refused:
        call(user, "deleteNetwork", id=network["id"])
    assert "web1" in str(refused.value)
    with pytest.raises(CloudStackError):
        call(world["other"], "deleteNetwork", id=network["id"])
    call(world["admin"], "destroyVirtualMachine", id=vm["id"], expunge=True)
    call(user, "deleteNetwork", id=network["id"])
    assert not Network.objects.filter(uuid=network["id"]).exists()
    assert not (PublicIpAddress.objects.exists() or GuestVlan.objects.exists() or VirtualRouter.objects.exists()
                or SimulatedRouter.objects.exists())


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_200_concurrent_implements_never_share_a_vlan_or_address(root_admin, tmp_path):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite has no row locks; CI runs this on MariaDB")
    zone = build_advanced_zone(root_admin, tmp_path, name="busy", vlans="600-789",
                               public=("203.0.113.10", "203.0.113.250"))
    made = [networks.create_isolated_network(root_admin, zone.zone, isolated_offering(), name=f"n{i}",
                                             gateway=f"10.{i // 200}.{i % 200}.1", netmask="255.255.255.0")
            for i in range(200)]

    def implement(network):
        try:
            routers.implement_network(network, zone.hosts[0])
            return "ok"
        except InsufficientCapacity as exc:
            return exc.message

    with ThreadPoolExecutor(max_workers=40) as pool:
        outcomes = list(pool.map(implement, made))
    assert outcomes.count("ok") == 190, "190 VLANs in 600-789"
    vlans = list(GuestVlan.objects.values_list("vnet", flat=True))
    assert sorted(vlans) == list(range(600, 790)), "every VLAN once"
    addresses = list(PublicIpAddress.objects.values_list("address", flat=True))
    assert len(addresses) == len(set(addresses)) == 190
    assert VirtualRouter.objects.filter(state="Running").count() == 190
    extra = public_ips.allocate_public_ip(root_admin.account, made[0])
    assert extra.address not in addresses
