"""Shared network fixtures: `isolated` builds an Advanced zone with a
public range, a Simulator host and isolated networks implemented there
(each with its router) whose accounts have instances on them;
`router_apply` watches network.services.routers.apply_network_rules (the
real one runs: the Simulator machine stores what its router was given)
and makes the router's host refuse changes on request."""
from dataclasses import dataclass, field

import pytest

from cloudstack_ui.errors import CloudStackError
from compute.models import Nic, OsType, ServiceOffering, Template, VirtualMachine
from infrastructure.models import SimulatedMachine, SimulatedRouter
from infrastructure.services import clusters, hosts, pods, zones
from network.models import (
    FirewallRule,
    GuestIpAddress,
    Network,
    NetworkOffering,
    PortForwardingRule,
    PublicIpAddress,
    VlanIpRange,
)
from network.services import ip_ranges, physical_networks, routers
from network.services.guest_ips import random_mac
from network.services.public_ips import allocate_public_ip


@dataclass
class RouterApply:
    """The calls made to apply a network's rules, each with the rules'
    states the router was given; `failing = True` makes the router's host
    refuse the next changes (the Simulator's failing operation router_apply)."""

    apply: object
    calls: list = field(default_factory=list)

    @property
    def failing(self) -> bool:
        return SimulatedMachine.objects.filter(failing_operations="router_apply").exists()

    @failing.setter
    def failing(self, value: bool) -> None:
        SimulatedMachine.objects.update(failing_operations="router_apply" if value else "")

    def __call__(self, network):
        self.calls.append({
            "network": network.pk,
            "firewall": sorted(FirewallRule.objects.filter(network=network.pk).values_list("uuid", "state")),
            "port_forwarding": sorted(PortForwardingRule.objects.filter(network=network.pk)
                                      .values_list("uuid", "state")),
            "static_nat": sorted(network.public_ips.filter(static_nat_ip__isnull=False)
                                 .values_list("address", "static_nat_ip__address")),
        })
        self.apply(network)


@pytest.fixture
def router_apply(monkeypatch) -> RouterApply:
    recorder = RouterApply(apply=routers.apply_network_rules)
    monkeypatch.setattr(routers, "apply_network_rules", recorder)
    return recorder


def router_config(network: Network) -> dict:
    """What the network's router on the Simulator machine was last given."""
    return SimulatedRouter.objects.get(name=network.router.name).config


def isolated_network(zone, physical, account, name: str, third: int) -> Network:
    """An isolated network of the default offering owned by `account`, on
    10.1.<third>.0/24, with its guest range."""
    network = Network.objects.create(
        name=name, zone=zone, physical_network=physical, account=account, domain=account.domain,
        offering=NetworkOffering.objects.get(name="DefaultIsolatedNetworkOfferingWithSourceNatService"),
        acl_type=Network.AclType.ACCOUNT, gateway=f"10.1.{third}.1", cidr=f"10.1.{third}.0/24",
        state=Network.State.ALLOCATED, vlan="")
    VlanIpRange.objects.create(zone=zone, gateway=f"10.1.{third}.1", netmask="255.255.255.0",
                               start_ip=f"10.1.{third}.2", end_ip=f"10.1.{third}.254", for_virtual_network=False,
                               network=network, vlan=str(100 + third))
    return network


def instance_on(network: Network, name: str, *, account=None, default: bool = True, template=None) -> VirtualMachine:
    """A running instance with a NIC (default unless told) on `network`."""
    template = template or Template.objects.filter(name="rules-template").first()
    vm = VirtualMachine.objects.create(
        name=name, account=account or network.account, zone=network.zone, template=template,
        service_offering=ServiceOffering.objects.get(name="Small Instance"), state=VirtualMachine.State.RUNNING)
    taken = GuestIpAddress.objects.filter(network=network).count()
    guest_ip = GuestIpAddress.objects.create(
        network=network, ip_range=network.ip_ranges.get(), zone=network.zone,
        address=f"{network.gateway.rsplit('.', 1)[0]}.{10 + taken}", mac_address=random_mac())
    Nic.objects.create(instance=vm, network=network, guest_ip=guest_ip, is_default=default, device_id=0 if default else 1)
    return vm


@pytest.fixture
def isolated(root_admin, tenancy):
    """An Advanced zone with a public range 198.51.100.10-.40; the Comp1
    user's isolated network `web` with instances web1 and web2 and public
    addresses (the source NAT one and two more); the sales user's network
    `shop` with instance shop1 and one address."""
    zone = zones.create_zone(root_admin, name="adv", network_type="Advanced", dns1="8.8.8.8",
                             internal_dns1="10.0.0.2")
    physical = physical_networks.create_physical_network(root_admin, zone, name="phys", vlan="100-199")
    physical_networks.add_traffic_type(root_admin, physical, traffic_type="Guest")
    pod = pods.create_pod(root_admin, zone, name="pod", gateway="192.168.10.1", netmask="/24",
                          start_ip="192.168.10.10", end_ip="192.168.10.20")
    SimulatedMachine.objects.create(name="adv-h1")
    host = hosts.add_host(root_admin, clusters.add_cluster(root_admin, pod, name="c1", hypervisor="Simulator"),
                          url="simulator://adv-h1", password="password")
    ip_ranges.create_vlan_ip_range(root_admin, zone, gateway="198.51.100.1", netmask="255.255.255.0",
                                   start_ip="198.51.100.10", end_ip="198.51.100.40", vlan="50",
                                   for_virtual_network=True)
    Template.objects.create(
        name="rules-template", display_text="rules", url="http://example.invalid/t.qcow2", format="QCOW2",
        hypervisor="Simulator", os_type=OsType.objects.get_or_create(
            description="Other Linux (64-bit)", defaults={"category": "Other"})[0],
        account=root_admin.account, is_public=True, size=1)
    user, sales = tenancy["comp1_user"], tenancy["sales_user"]
    web = isolated_network(zone, physical, user.account, "web", 1)
    shop = isolated_network(zone, physical, sales.account, "shop", 2)
    world = {
        "tenancy": tenancy, "zone": zone, "user": user, "sales": sales, "web": web, "shop": shop, "host": host,
        "web1": instance_on(web, "web1"), "web2": instance_on(web, "web2"), "shop1": instance_on(shop, "shop1"),
        "source_nat": allocate_public_ip(user.account, web, source_nat=True),
        "ip": allocate_public_ip(user.account, web), "ip2": allocate_public_ip(user.account, web),
        "shop_ip": allocate_public_ip(sales.account, shop),
    }
    for network in (web, shop):
        routers.implement_network(network, host)
        network.refresh_from_db()
    return world


def rows():
    """Every rule row and static NAT mapping, to show a refusal changed nothing."""
    return (list(FirewallRule.objects.order_by("pk").values()),
            list(PortForwardingRule.objects.order_by("pk").values()),
            list(PublicIpAddress.objects.order_by("pk").values_list("pk", "static_nat_ip")))


def refused(action, field: str, text: str = ""):
    """The action is refused naming `field` (as the error's field, or at
    the start of a job's error text) and changes no rule row."""
    before = rows()
    with pytest.raises(CloudStackError) as raised:
        action()
    error = raised.value
    assert error.field == field or error.message.startswith(f"{field}: "), error.message
    assert text in error.message, error.message
    assert rows() == before, "a refusal changes nothing"
    return error


def listed(caller, command: str, **params) -> list[dict]:
    """A list command's answer as the API renders it."""
    from cloudstack_ui.api.registry import prepare

    cmd, parsed = prepare(caller, command, params)
    return list(cmd.serializer(cmd.execute(caller, **parsed), many=True).data)
