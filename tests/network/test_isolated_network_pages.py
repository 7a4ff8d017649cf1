"""The portal pages of isolated networks with Django's test client: adding
one, its page (IP addresses, egress rules, instances), acquiring and
releasing public IPs, a public IP's firewall, port forwarding and static
NAT tabs (their commands run by name), the admins' virtual router pages,
and the Add Instance wizard's network step in an Advanced zone. Each page
renders for its owner, is unknown to another account, and keeps its query
count when its lists grow."""
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from network.models import FirewallRule, Network, PortForwardingRule, PublicIpAddress, RuleState, VirtualRouter
from network.services.public_ips import allocate_public_ip
from tests.compute.conftest import call, ready_template
from tests.conftest import logged_in_client
from tests.network.advanced_zone import build_advanced_zone, create_isolated_network, deploy_in, isolated_offering
from tests.network.conftest import instance_on, rows

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("jobs_run_eagerly")]


def field_error(html: str, field: str) -> str:
    """The error shown under one field of a form."""
    match = re.search(rf'name="(?:\w+-)?{field}".*?invalid-feedback d-block">([^<]+)<', html, re.S)
    assert match, f"no error on {field}"
    return match.group(1)


def query_count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.fixture
def advanced(root_admin, tenancy, tmp_path):
    zone = build_advanced_zone(root_admin, tmp_path)
    return {"zone": zone, "template": ready_template(zone, root_admin), "user": tenancy["comp1_user"],
            "other": tenancy["sales_user"], "admin": root_admin}


# Adding an isolated network --------------------------------------------------------------------

def test_a_user_adds_an_isolated_network_and_bad_input_changes_nothing(advanced):
    client = logged_in_client(advanced["user"])
    listing = client.get(reverse("network:networks")).content.decode()
    assert reverse("network:network_add_isolated") in listing
    shared_form = f'href="{reverse("network:network_add")}"'
    assert shared_form not in listing, "shared networks are the root admin's"
    assert shared_form in logged_in_client(advanced["admin"]).get(reverse("network:networks")).content.decode()
    form = client.get(reverse("network:network_add_isolated")).content.decode()
    assert "adv" in form and isolated_offering().name in form
    data = {"name": "web", "zoneid": advanced["zone"].zone.uuid, "networkofferingid": isolated_offering().uuid}
    bad = client.post(reverse("network:network_add_isolated"), {**data, "gateway": "10.9.0.1",
                                                                  "netmask": "255.0.255.0"})
    assert bad.status_code == 200 and "netmask" in field_error(bad.content.decode(), "netmask")
    assert not Network.objects.exists()
    response = client.post(reverse("network:network_add_isolated"), {**data, "networkdomain": "web.example"})
    network = Network.objects.get()
    assert response["Location"] == reverse("network:network_detail", args=[network.uuid])
    assert (network.account, network.state, network.network_domain) == (
        advanced["user"].account, "Allocated", "web.example")
    page = client.get(response["Location"]).content.decode()
    for shown in ("Allocated", "10.1.1.0/24", "web.example", "IP addresses", "Egress rules", "Instances",
                  "Restart required", reverse("network:network_restart", args=[network.uuid])):
        assert shown in page, shown
    assert logged_in_client(advanced["other"]).get(response["Location"]).status_code == 404
    assert logged_in_client(advanced["other"]).get(
        reverse("network:network_delete", args=[network.uuid])).status_code == 404


def test_edit_and_restart_run_their_commands(advanced):
    network_id = create_isolated_network(advanced["user"], advanced["zone"], "web")["id"]
    client = logged_in_client(advanced["user"])
    edit = reverse("network:network_edit", args=[network_id])
    assert 'value="web"' in client.get(edit).content.decode()
    assert client.post(edit, {"name": "", "networkdomain": "x"}).status_code == 200
    assert Network.objects.get().name == "web", "an empty name changes nothing"
    assert client.post(edit, {"name": "web2", "networkdomain": "two.example"}).status_code == 302
    assert (Network.objects.get().name, Network.objects.get().network_domain) == ("web2", "two.example")
    restart = reverse("network:network_restart", args=[network_id])
    assert "Clean up" in client.get(restart).content.decode()
    assert client.post(restart, {"cleanup": "on"}, follow=True).status_code == 200


# The network page and its public IPs ------------------------------------------------------------

def test_the_network_page_lists_its_addresses_and_instances_with_bounded_queries(isolated, router_apply):
    web, user = isolated["web"], isolated["user"]
    client = logged_in_client(user)
    url = reverse("network:network_detail", args=[web.uuid])
    page = client.get(url).content.decode()
    for shown in (isolated["source_nat"].address, isolated["ip"].address, "web1", "web2",
                  isolated["web1"].nics.get().guest_ip.mac_address,
                  reverse("network:publicip_detail", args=[isolated["ip"].uuid]),
                  reverse("network:network_acquire_ip", args=[web.uuid])):
        assert shown in page, shown
    assert isolated["shop_ip"].address not in page
    assert logged_in_client(isolated["sales"]).get(url).status_code == 404
    assert logged_in_client(isolated["sales"]).get(
        reverse("network:publicip_detail", args=[isolated["ip"].uuid])).status_code == 404
    before = query_count(client, url)
    added = [instance_on(web, name) for name in ("web3", "web4", "web5")]
    for _ in added:
        allocate_public_ip(user.account, web)
    call(user, "enableStaticNat", ipaddressid=isolated["ip"].uuid, virtualmachineid=added[0].uuid)
    assert query_count(client, url) == before, "no query per address or NIC"


def test_acquire_ip_asks_first_then_acquires_one(isolated):
    web = isolated["web"]
    client = logged_in_client(isolated["user"])
    url = reverse("network:network_acquire_ip", args=[web.uuid])
    assert "Please confirm" in client.get(url, HTTP_HX_REQUEST="true").content.decode()
    count = PublicIpAddress.objects.filter(network=web).count()
    page = client.post(url, follow=True).content.decode()
    assert PublicIpAddress.objects.filter(network=web).count() == count + 1
    newest = PublicIpAddress.objects.filter(network=web).latest("pk")
    assert f"Public IP address {newest.address} acquired" in page
    assert logged_in_client(isolated["sales"]).post(url).status_code == 404
    assert PublicIpAddress.objects.filter(network=web).count() == count + 1


def test_release_is_refused_while_rules_remain_and_never_offered_for_source_nat(isolated, router_apply):
    client = logged_in_client(isolated["user"])
    ip, source_nat = isolated["ip"], isolated["source_nat"]
    source_page = client.get(reverse("network:publicip_detail", args=[source_nat.uuid])).content.decode()
    assert reverse("network:publicip_release", args=[source_nat.uuid]) not in source_page
    refused_source = client.post(reverse("network:publicip_release", args=[source_nat.uuid]))
    assert "source NAT address" in refused_source.content.decode()
    call(isolated["user"], "createPortForwardingRule", ipaddressid=ip.uuid, protocol="tcp", publicport=22,
         privateport=22, virtualmachineid=isolated["web1"].uuid)
    refused = client.post(reverse("network:publicip_release", args=[ip.uuid]))
    assert refused.status_code == 200 and "port forwarding rule" in refused.content.decode()
    assert PublicIpAddress.objects.filter(pk=ip.pk).exists()
    released = client.post(reverse("network:publicip_release", args=[isolated["ip2"].uuid]), follow=True)
    assert f"Public IP address {isolated['ip2'].address} released" in released.content.decode()
    assert not PublicIpAddress.objects.filter(pk=isolated["ip2"].pk).exists()


# Rule tabs -------------------------------------------------------------------------------------------

def rules_url(ip, kind, action):
    return reverse("network:publicip_rules", args=[ip.uuid, kind, action])


def test_port_forwarding_tab_adds_and_deletes_rules_through_the_commands(isolated, router_apply):
    client = logged_in_client(isolated["user"])
    ip, web1 = isolated["ip"], isolated["web1"]
    page = client.get(reverse("network:publicip_detail", args=[ip.uuid])).content.decode()
    assert "Port forwarding" in page and "Firewall" in page and "Static NAT" in page
    assert f'value="{web1.uuid}"' in page and str(isolated["shop1"].uuid) not in page, "the network's instances"
    good = {"portforwarding-publicport": "2222", "portforwarding-privateport": "22",
            "portforwarding-protocol": "tcp", "portforwarding-virtualmachineid": web1.uuid}
    before = rows()
    bad = client.post(rules_url(ip, "portforwarding", "add"), {**good, "portforwarding-publicport": "70000"},
                      HTTP_HX_REQUEST="true")
    assert bad.status_code == 200 and "publicport" in field_error(bad.content.decode(), "publicport")
    other = client.post(rules_url(ip, "portforwarding", "add"),
                        {**good, "portforwarding-virtualmachineid": isolated["shop1"].uuid}, HTTP_HX_REQUEST="true")
    assert "not one of the available choices" in field_error(other.content.decode(), "virtualmachineid")
    assert rows() == before, "a refusal changes nothing"
    added = client.post(rules_url(ip, "portforwarding", "add"), good, HTTP_HX_REQUEST="true").content.decode()
    rule = PortForwardingRule.objects.get()
    assert rule.state == RuleState.ACTIVE and (rule.public_start, rule.private_start) == (2222, 22)
    assert f'data-rule="{rule.uuid}"' in added and "web1" in added and "Active" in added
    again = client.post(rules_url(ip, "portforwarding", "add"), good, HTTP_HX_REQUEST="true").content.decode()
    assert "conflicts" in again and PortForwardingRule.objects.count() == 1
    assert logged_in_client(isolated["sales"]).post(rules_url(ip, "portforwarding", "delete"),
                                                    {"rule": rule.uuid}).status_code == 404
    deleted = client.post(rules_url(ip, "portforwarding", "delete"), {"rule": rule.uuid}, HTTP_HX_REQUEST="true")
    assert not PortForwardingRule.objects.exists() and f'data-rule="{rule.uuid}"' not in deleted.content.decode()


def test_firewall_and_egress_tabs_add_rules_and_show_refusals_on_their_field(isolated, router_apply):
    client = logged_in_client(isolated["user"])
    ip, web = isolated["ip"], isolated["web"]
    bad = client.post(rules_url(ip, "firewall", "add"), {"firewall-protocol": "tcp", "firewall-startport": "22",
                                                         "firewall-cidrlist": "300.0.0.0/8"})
    assert bad.status_code == 302 and not FirewallRule.objects.exists(), "without HTMX: back to the page"
    shown = client.get(bad["Location"]).content.decode()
    assert "cidrlist" in shown
    client.post(rules_url(ip, "firewall", "add"), {"firewall-protocol": "tcp", "firewall-startport": "22",
                                                   "firewall-endport": "23", "firewall-cidrlist": "192.0.2.0/24"},
                HTTP_HX_REQUEST="true")
    rule = FirewallRule.objects.get()
    assert (rule.traffic_type, rule.start_port, rule.end_port, rule.cidr_list, rule.state) == (
        "Ingress", 22, 23, "192.0.2.0/24", RuleState.ACTIVE)
    egress_url = reverse("network:network_rules", args=[web.uuid, "egress", "add"])
    response = client.post(egress_url, {"egress-protocol": "icmp", "egress-icmptype": "8", "egress-icmpcode": "0",
                                        "egress-destcidrlist": "0.0.0.0/0"}, HTTP_HX_REQUEST="true")
    egress = FirewallRule.objects.get(traffic_type="Egress")
    assert (egress.protocol, egress.icmp_type, egress.network) == ("icmp", 8, web)
    assert f'data-rule="{egress.uuid}"' in response.content.decode()
    page = client.get(reverse("network:network_detail", args=[web.uuid])).content.decode()
    assert f'data-rule="{egress.uuid}"' in page
    assert logged_in_client(isolated["sales"]).post(egress_url, {"egress-protocol": "all"}).status_code == 404
    assert FirewallRule.objects.count() == 2


def test_static_nat_is_enabled_onto_an_instance_and_disabled(isolated, router_apply):
    client = logged_in_client(isolated["user"])
    ip, web2 = isolated["ip"], isolated["web2"]
    enable = reverse("network:publicip_static_nat_enable", args=[ip.uuid])
    assert f'value="{web2.uuid}"' in client.get(enable).content.decode()
    assert client.post(enable, {"virtualmachineid": ""}).status_code == 200
    assert client.post(enable, {"virtualmachineid": web2.uuid}).status_code == 302
    ip.refresh_from_db()
    assert ip.static_nat_ip == web2.nics.get().guest_ip
    page = client.get(reverse("network:publicip_detail", args=[ip.uuid])).content.decode()
    assert "Static NAT to" in page and reverse("network:publicip_static_nat_disable", args=[ip.uuid]) in page
    client.post(reverse("network:publicip_static_nat_disable", args=[ip.uuid]))
    ip.refresh_from_db()
    assert ip.static_nat_ip is None


# Virtual routers --------------------------------------------------------------------------------

def test_router_pages_are_the_admins_and_run_stop_and_start(advanced):
    user, admin = advanced["user"], advanced["admin"]
    network_id = create_isolated_network(user, advanced["zone"], "web")["id"]
    deploy_in(user, advanced["zone"], advanced["template"], network_id, "web1")
    router = VirtualRouter.objects.get()
    client = logged_in_client(admin)
    listing = client.get(reverse("network:routers")).content.decode()
    for shown in (router.name, "Running", "web", "comp1-user", "203.0.113.10", "10.1.1.1", advanced["zone"].hosts[0].name):
        assert shown in listing, shown
    assert reverse("network:routers") in client.get(reverse("infrastructure:overview")).content.decode()
    detail = reverse("network:router_detail", args=[router.uuid])
    page = client.get(detail).content.decode()
    assert router.guest_mac in page and reverse("network:router_stop", args=[router.uuid]) in page
    user_client = logged_in_client(user)
    for url in (reverse("network:routers"), detail, reverse("network:router_stop", args=[router.uuid])):
        assert user_client.get(url).status_code == 403, url
    assert "Virtual routers" not in user_client.get(reverse("network:networks")).content.decode()
    assert client.post(reverse("network:router_stop", args=[router.uuid])).status_code == 302
    router.refresh_from_db()
    assert router.state == "Stopped"
    assert reverse("network:router_start", args=[router.uuid]) in client.get(detail).content.decode()
    client.post(reverse("network:router_start", args=[router.uuid]))
    router.refresh_from_db()
    assert router.state == "Running"
    before = query_count(client, reverse("network:routers"))
    second = create_isolated_network(user, advanced["zone"], "db")["id"]
    deploy_in(user, advanced["zone"], advanced["template"], second, "db1")
    assert query_count(client, reverse("network:routers")) == before, "no query per router"


# The Add Instance wizard's network step ----------------------------------------------------------

def walk_to_network(client, advanced):
    from compute.models import ServiceOffering

    client.post(reverse("compute:instance_add_step", args=["zone"]), {"zoneid": advanced["zone"].zone.uuid})
    client.post(reverse("compute:instance_add_step", args=["image"]),
                {"tab": "featured", "templateid": advanced["template"].uuid})
    client.post(reverse("compute:instance_add_step", args=["offering"]),
                {"serviceofferingid": ServiceOffering.objects.get(name="Small Instance").uuid})
    client.post(reverse("compute:instance_add_step", args=["disk"]), {"diskofferingid": ""})
    return client.get(reverse("compute:instance_add_step", args=["network"])).content.decode()


def test_the_wizard_offers_the_accounts_isolated_networks_or_says_a_default_one_is_made(advanced):
    user = advanced["user"]
    client = logged_in_client(user)
    page = walk_to_network(client, advanced)
    assert "a default isolated network, comp1-user-network, will be created" in page
    response = client.post(reverse("compute:instance_add_step", args=["network"]), {})
    assert response["Location"].endswith("/details"), "no network to choose: the step passes"
    client.post(reverse("compute:instance_add_step", args=["details"]), {"name": "first"})
    client.post(reverse("compute:instance_add_step", args=["review"]), {"launch": "1"})
    network = Network.objects.get(account=user.account)
    assert network.name == "comp1-user-network" and network.state == "Implemented"
    create_isolated_network(advanced["other"], advanced["zone"], "theirs")
    client = logged_in_client(user)
    page = walk_to_network(client, advanced)
    assert "comp1-user-network (isolated, 10.1.1.0/24)" in page and "theirs" not in page
    assert "will be created" not in page
