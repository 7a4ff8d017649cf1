"""Ingress firewall rules of public addresses and egress rules of isolated
networks through the command API: every bad input refused with its field
and nothing changed, conflicts refused as CloudStack words them, Add ->
Active when the router takes the rule, the row removed when it refuses,
Revoke -> gone on delete and Active again when the router refuses."""
import pytest

from cloudstack_ui.errors import InvalidParameter, NotFound
from network.models import FirewallRule, NetworkOffering, RuleState
from tests.compute.conftest import call
from tests.network.conftest import listed, refused


def open_port(world, caller=None, ip="ip", **params):
    return call(caller or world["user"], "createFirewallRule",
                **{"ipaddressid": world[ip].uuid, "protocol": "tcp", "startport": 22, **params})


@pytest.mark.django_db
def test_a_rule_is_recorded_in_add_then_active_once_the_router_has_it(isolated, router_apply):
    answer = open_port(isolated, startport=80, endport=81, cidrlist="203.0.113.0/24,198.51.100.7/32")
    rule = FirewallRule.objects.get(uuid=answer["firewallrule"]["id"])
    assert rule.state == RuleState.ACTIVE
    assert router_apply.calls == [{"network": isolated["web"].pk, "firewall": [(rule.uuid, RuleState.ADD)],
                                   "port_forwarding": [], "static_nat": []}], "the router got the rule in Add"
    shown = answer["firewallrule"]
    assert (shown["protocol"], shown["startport"], shown["endport"], shown["state"]) == ("tcp", 80, 81, "Active")
    assert shown["cidrlist"] == "203.0.113.0/24,198.51.100.7/32"
    assert (shown["ipaddressid"], shown["ipaddress"]) == (str(isolated["ip"].uuid), isolated["ip"].address)
    assert shown["networkid"] == str(isolated["web"].uuid) and shown["traffictype"] == "Ingress"

    icmp = call(isolated["user"], "createFirewallRule", ipaddressid=isolated["ip"].uuid, protocol="icmp")
    assert (icmp["firewallrule"]["icmptype"], icmp["firewallrule"]["icmpcode"]) == (-1, -1), "-1: any"
    assert call(isolated["user"], "createFirewallRule", ipaddressid=isolated["source_nat"].uuid, protocol="udp",
                startport=53)["firewallrule"]["cidrlist"] == "0.0.0.0/0", "the default source"
    shown = listed(isolated["user"], "listFirewallRules", ipaddressid=isolated["ip"].uuid)
    assert {r["id"] for r in shown} == {answer["firewallrule"]["id"], icmp["firewallrule"]["id"]}


@pytest.mark.django_db
@pytest.mark.parametrize("params, field, text", [
    ({"protocol": "gre"}, "protocol", "must be one of tcp, udp, icmp"),
    ({"protocol": "all", "startport": None}, "protocol", "must be one of"),
    ({"startport": 0}, "startport", "not a port"),
    ({"startport": 22, "endport": 65536}, "endport", "not a port"),
    ({"startport": 30, "endport": 20}, "endport", "below startport"),
    ({"startport": None, "endport": 20}, "startport", "required with endport"),
    ({"icmptype": 8}, "icmptype", "only for protocol icmp"),
    ({"protocol": "icmp", "startport": 22}, "startport", "only for protocols tcp and udp"),
    ({"protocol": "icmp", "startport": None, "icmptype": 300}, "icmptype", "not an ICMP type"),
    ({"protocol": "icmp", "startport": None, "icmpcode": -2}, "icmpcode", "not an ICMP code"),
    ({"cidrlist": "10.0.0.0/33"}, "cidrlist", "not a CIDR"),
    ({"cidrlist": "2001:db8::/32"}, "cidrlist", "not an IPv4 CIDR"),
])
def test_bad_input_is_refused_with_its_field(isolated, router_apply, params, field, text):
    params = {k: v for k, v in {"startport": 22, **params}.items() if v is not None}
    refused(lambda: call(isolated["user"], "createFirewallRule", ipaddressid=isolated["ip"].uuid,
                         **{"protocol": "tcp", **params}), field, text)
    assert router_apply.calls == []


@pytest.mark.django_db
def test_overlapping_ranges_of_one_address_conflict(isolated, router_apply):
    first = open_port(isolated, startport=1000, endport=2000)["firewallrule"]["id"]
    for start, end in ((1500, 1600), (900, 1000), (2000, 2100), (1, 65535)):
        error = refused(lambda s=start, e=end: open_port(isolated, startport=s, endport=e), "startport")
        assert error.errorcode == 537
        assert error.message == (f"startport: The range specified, {start}-{end}, conflicts with rule {first} "
                                 f"which has 1000-2000")
    call(isolated["user"], "createFirewallRule", ipaddressid=isolated["ip"].uuid, protocol="icmp", icmptype=8,
         icmpcode=0)
    refused(lambda: call(isolated["user"], "createFirewallRule", ipaddressid=isolated["ip"].uuid,
                         protocol="icmp", icmptype=8, icmpcode=0), "icmptype", "conflicts with existing rule")
    open_port(isolated, startport=1500, protocol="udp")
    open_port(isolated, startport=1500, cidrlist="10.9.0.0/16")
    open_port(isolated, startport=1500, ip="ip2")
    assert FirewallRule.objects.count() == 5, "another protocol, other sources or another address do not conflict"


@pytest.mark.django_db
def test_another_accounts_address_is_refused(isolated, router_apply):
    tenancy = isolated["tenancy"]
    refused(lambda: open_port(isolated, ip="shop_ip"), "ipaddressid", "no public IP address")
    refused(lambda: open_port(isolated, caller=tenancy["other_admin"]), "ipaddressid", "no public IP address")
    shop_rule = open_port(isolated, caller=isolated["sales"], ip="shop_ip")["firewallrule"]["id"]
    refused(lambda: call(isolated["user"], "deleteFirewallRule", id=shop_rule), "id", "no firewall rule")
    refused(lambda: call(tenancy["other_admin"], "deleteFirewallRule", id=shop_rule), "id", "no firewall rule")
    admin_made = open_port(isolated, caller=tenancy["comp1_admin"], ip="shop_ip", startport=80)["firewallrule"]
    assert FirewallRule.objects.get(uuid=admin_made["id"]).account == isolated["sales"].account, \
        "a domain admin above the account makes the rule for it"
    assert listed(tenancy["other_admin"], "listFirewallRules", listall=True) == []
    assert len(listed(tenancy["comp1_admin"], "listFirewallRules", listall=True)) == 2


@pytest.mark.django_db
def test_an_address_without_network_or_firewall_is_refused(isolated, router_apply):
    ip = isolated["ip"]
    ip.network = None
    ip.save()
    refused(lambda: open_port(isolated), "ipaddressid", "belongs to no network")
    offering = NetworkOffering.objects.create(name="no-firewall", display_text="x", guest_ip_type="Isolated",
                                              services={"SourceNat": ["VirtualRouter"]}, state="Enabled")
    isolated["web"].offering = offering
    isolated["web"].save()
    refused(lambda: open_port(isolated, ip="ip2"), "ipaddressid", "does not offer Firewall")


@pytest.mark.django_db
def test_a_refused_apply_removes_the_new_rule(isolated, router_apply):
    router_apply.failing = True
    with pytest.raises(Exception, match="the host refused the configuration"):
        open_port(isolated)
    assert FirewallRule.objects.count() == 0, "nothing half-applied"
    assert router_apply.calls[0]["firewall"][0][1] == RuleState.ADD


@pytest.mark.django_db
def test_delete_revokes_then_removes_and_a_refusal_restores(isolated, router_apply):
    rule_id = open_port(isolated)["firewallrule"]["id"]
    router_apply.failing = True
    with pytest.raises(Exception, match="the host refused"):
        call(isolated["user"], "deleteFirewallRule", id=rule_id)
    assert FirewallRule.objects.get(uuid=rule_id).state == RuleState.ACTIVE, "back to Active"
    assert router_apply.calls[-1]["firewall"] == [(FirewallRule.objects.get().uuid, RuleState.REVOKE)]
    router_apply.failing = False
    assert call(isolated["user"], "deleteFirewallRule", id=rule_id) == {"success": True}
    assert router_apply.calls[-1]["firewall"][0][1] == RuleState.REVOKE, "the renderer is given it in Revoke"
    assert not FirewallRule.objects.exists()
    with pytest.raises(NotFound):
        call(isolated["user"], "deleteFirewallRule", id=rule_id)


def egress(world, caller=None, **params):
    return call(caller or world["user"], "createEgressFirewallRule",
                **{"networkid": world["web"].uuid, "protocol": "tcp", "startport": 443, **params})


@pytest.mark.django_db
def test_egress_rules_of_the_network(isolated, router_apply):
    answer = egress(isolated, cidrlist="10.1.1.0/25", destcidrlist="203.0.113.0/24")["firewallrule"]
    assert (answer["cidrlist"], answer["destcidrlist"], answer["traffictype"], answer["state"]) == (
        "10.1.1.0/25", "203.0.113.0/24", "Egress", "Active")
    assert "ipaddressid" not in answer
    everything = egress(isolated, protocol="all", startport=None)["firewallrule"]
    assert (everything["cidrlist"], everything["destcidrlist"]) == ("10.1.1.0/24", "0.0.0.0/0"), "the defaults"
    assert {r["id"] for r in listed(isolated["user"], "listEgressFirewallRules", networkid=isolated["web"].uuid)} \
        == {answer["id"], everything["id"]}
    assert listed(isolated["user"], "listFirewallRules") == [], "egress rules are not ingress rules"
    refused(lambda: egress(isolated, cidrlist="10.1.2.0/24"), "cidrlist", "not inside network web's CIDR")
    refused(lambda: egress(isolated, destcidrlist="300.0.0.0/8"), "destcidrlist", "not a CIDR")
    refused(lambda: egress(isolated, protocol="all"), "startport", "only for protocols tcp and udp")
    refused(lambda: egress(isolated, cidrlist="10.1.1.0/25", destcidrlist="203.0.113.0/24", startport=400,
                           endport=500), "startport", "conflicts with rule")
    refused(lambda: egress(isolated, caller=isolated["sales"]), "networkid")
    refused(lambda: egress(isolated, caller=isolated["tenancy"]["other_admin"]), "networkid")
    assert call(isolated["user"], "deleteEgressFirewallRule", id=answer["id"]) == {"success": True}
    with pytest.raises(NotFound):
        call(isolated["user"], "deleteFirewallRule", id=everything["id"])
    assert FirewallRule.objects.count() == 1


@pytest.mark.django_db
def test_outside_a_job_a_create_does_not_run(isolated, router_apply):
    from cloudstack_ui.api.registry import invoke

    with pytest.raises(InvalidParameter, match="runs as an async job"):
        invoke(isolated["user"], "createFirewallRule", {"ipaddressid": isolated["ip"].uuid, "protocol": "tcp"})
