"""Port forwarding rules through the command API: ranges of one size, a
public port forwarded once per address and protocol, the instance's
default NIC on the address's network and of its account, not on a static
NAT address (the source NAT address is allowed), openfirewall's ingress
rule, Add -> Active, a refused apply removes both rows, a refused delete
leaves the rule Active."""
import pytest

from cloudstack_ui.errors import NetworkRuleConflict
from network.models import FirewallRule, PortForwardingRule, RuleState
from network.services import port_forwarding
from tests.compute.conftest import call
from tests.conftest import all_at_once, logged_in_client
from tests.network.conftest import instance_on, isolated_network, listed, refused


def forward(world, caller=None, ip="ip", vm="web1", **params):
    return call(caller or world["user"], "createPortForwardingRule", **{
        "ipaddressid": world[ip].uuid, "protocol": "tcp", "publicport": 2222, "privateport": 22,
        "virtualmachineid": world[vm].uuid, **params})


@pytest.mark.django_db
def test_a_rule_forwards_to_the_instance_and_opens_the_firewall(isolated, router_apply):
    answer = forward(isolated, publicport=8080, publicendport=8081, privateport=80, privateendport=81)
    shown = answer["portforwardingrule"]
    rule = PortForwardingRule.objects.get(uuid=shown["id"])
    opened = FirewallRule.objects.get()
    assert (rule.state, opened.state) == (RuleState.ACTIVE, RuleState.ACTIVE)
    assert (opened.protocol, opened.start_port, opened.end_port, opened.public_ip) == ("tcp", 8080, 8081,
                                                                                      isolated["ip"])
    assert router_apply.calls[0]["port_forwarding"] == [(rule.uuid, RuleState.ADD)]
    assert router_apply.calls[0]["firewall"] == [(opened.uuid, RuleState.ADD)], "applied together, once"
    assert len(router_apply.calls) == 1
    assert (shown["publicport"], shown["publicendport"], shown["privateport"], shown["privateendport"]) == (
        "8080", "8081", "80", "81")
    web1 = isolated["web1"]
    assert (shown["virtualmachineid"], shown["virtualmachinename"], shown["virtualmachinedisplayname"]) == (
        str(web1.uuid), "web1", "web1")
    assert shown["vmguestip"] == web1.nics.get().guest_ip.address and shown["state"] == "Active"
    assert (shown["ipaddress"], shown["networkid"], shown["cidrlist"]) == (
        isolated["ip"].address, str(isolated["web"].uuid), "0.0.0.0/0")

    closed = forward(isolated, publicport=2223, openfirewall=False, vm="web2")["portforwardingrule"]
    assert FirewallRule.objects.count() == 1, "openfirewall=false opens nothing"
    on_source_nat = forward(isolated, ip="source_nat")["portforwardingrule"]
    assert on_source_nat["ipaddressid"] == str(isolated["source_nat"].uuid), "allowed on the source NAT address"
    assert {r["id"] for r in listed(isolated["user"], "listPortForwardingRules", ipaddressid=isolated["ip"].uuid)} \
        == {shown["id"], closed["id"]}
    assert listed(isolated["sales"], "listPortForwardingRules") == []


@pytest.mark.django_db
@pytest.mark.parametrize("params, field, text", [
    ({"protocol": "icmp"}, "protocol", "must be one of tcp, udp"),
    ({"publicport": 0}, "publicport", "not a port"),
    ({"privateport": 70000}, "privateport", "not a port"),
    ({"publicport": 90, "publicendport": 80}, "publicendport", "below publicport"),
    ({"publicport": 8080, "publicendport": 8082, "privateport": 80, "privateendport": 81}, "privateendport",
     "the private range 80-81 has 2 ports, the public range 8080-8082 has 3"),
    ({"cidrlist": "10.0.0.0/40"}, "cidrlist", "not a CIDR"),
    ({"vmguestip": "10.1.1.99"}, "vmguestip", "is not instance web1's address"),
])
def test_bad_input_is_refused_with_its_field(isolated, router_apply, params, field, text):
    refused(lambda: forward(isolated, **params), field, text)
    assert router_apply.calls == []


@pytest.mark.django_db
def test_a_public_port_is_forwarded_once_per_address_and_protocol(isolated, router_apply):
    first = forward(isolated, publicport=8000, publicendport=8010, privateport=8000,
                    privateendport=8010)["portforwardingrule"]["id"]
    error = refused(lambda: forward(isolated, publicport=8005, vm="web2", openfirewall=False), "publicport")
    assert error.errorcode == 537
    assert error.message == f"publicport: The range specified, 8005-8005, conflicts with rule {first} which has 8000-8010"
    forward(isolated, publicport=8005, protocol="udp")
    forward(isolated, publicport=8005, ip="ip2")
    assert PortForwardingRule.objects.count() == 3


@pytest.mark.django_db
def test_the_instance_must_be_on_the_addresss_network_and_of_its_account(isolated, router_apply):
    refused(lambda: forward(isolated, vm="shop1"), "virtualmachineid", "has no NIC on network web")
    refused(lambda: forward(isolated, networkid=isolated["shop"].uuid, caller=isolated["tenancy"]["comp1_admin"]),
            "ipaddressid", "not to network shop")
    refused(lambda: forward(isolated, virtualmachineid="00000000-0000-0000-0000-000000000001"),
            "virtualmachineid", "no instance")
    stranger = instance_on(isolated["web"], "stranger", account=isolated["sales"].account)
    refused(lambda: forward(isolated, virtualmachineid=stranger.uuid), "virtualmachineid",
            "not of the account")
    other = isolated_network(isolated["zone"], isolated["web"].physical_network, isolated["user"].account, "db", 3)
    two_nics = instance_on(other, "two-nics")
    nic = instance_on(isolated["web"], "spare").nics.get()
    nic.instance, nic.is_default, nic.device_id = two_nics, False, 1
    nic.save()
    refused(lambda: forward(isolated, virtualmachineid=two_nics.uuid), "virtualmachineid", "not its default NIC")


@pytest.mark.django_db
def test_another_accounts_address_is_refused(isolated, router_apply):
    refused(lambda: forward(isolated, ip="shop_ip"), "ipaddressid", "no public IP address")
    refused(lambda: forward(isolated, caller=isolated["tenancy"]["other_admin"]), "ipaddressid",
            "no public IP address")
    made = forward(isolated, caller=isolated["tenancy"]["comp1_admin"])["portforwardingrule"]
    assert PortForwardingRule.objects.get(uuid=made["id"]).account == isolated["user"].account
    refused(lambda: call(isolated["tenancy"]["other_admin"], "deletePortForwardingRule", id=made["id"]), "id",
            "no port forwarding rule")


@pytest.mark.django_db
def test_not_on_a_static_nat_address(isolated, router_apply):
    call(isolated["user"], "enableStaticNat", ipaddressid=isolated["ip"].uuid,
         virtualmachineid=isolated["web2"].uuid)
    refused(lambda: forward(isolated), "ipaddressid", "has static NAT")


@pytest.mark.django_db
def test_a_refused_apply_removes_the_rule_and_its_firewall_rule(isolated, router_apply):
    router_apply.failing = True
    with pytest.raises(Exception, match="the host refused"):
        forward(isolated)
    assert router_apply.calls[0]["port_forwarding"][0][1] == RuleState.ADD
    assert not PortForwardingRule.objects.exists() and not FirewallRule.objects.exists(), "nothing half-applied"


@pytest.mark.django_db
def test_delete_revokes_then_removes_and_a_refusal_restores(isolated, router_apply):
    rule_id = forward(isolated, openfirewall=False)["portforwardingrule"]["id"]
    router_apply.failing = True
    with pytest.raises(Exception, match="the host refused"):
        call(isolated["user"], "deletePortForwardingRule", id=rule_id)
    assert router_apply.calls[-1]["port_forwarding"][0][1] == RuleState.REVOKE
    assert PortForwardingRule.objects.get(uuid=rule_id).state == RuleState.ACTIVE
    router_apply.failing = False
    assert call(isolated["user"], "deletePortForwardingRule", id=rule_id) == {"success": True}
    assert not PortForwardingRule.objects.exists()


@pytest.mark.django_db
def test_rest_resources_run_the_same_commands(isolated, router_apply):
    client = logged_in_client(isolated["user"])
    created = client.post("/api/v1/portforwardingrules/", {
        "ipaddressid": str(isolated["ip"].uuid), "protocol": "tcp", "publicport": 2222, "privateport": 22,
        "virtualmachineid": str(isolated["web1"].uuid)}, content_type="application/json")
    assert created.status_code == 202, created.content
    job = client.get(created["Location"]).json()
    assert job["jobstatus"] == 1 and job["jobinstancetype"] == "FirewallRule", job
    rule_id = job["jobresult"]["portforwardingrule"]["id"]
    listed_rules = client.get("/api/v1/portforwardingrules/").json()
    assert listed_rules["count"] == 1 and listed_rules["results"][0]["id"] == rule_id
    firewall = client.get("/api/v1/firewallrules/").json()["results"]
    assert [r["startport"] for r in firewall] == [2222], "openfirewall's rule"
    assert client.get(f"/api/v1/portforwardingrules/{rule_id}/").json()["publicport"] == "2222"
    conflict = client.post("/api/v1/portforwardingrules/", {
        "ipaddressid": str(isolated["ip"].uuid), "protocol": "tcp", "publicport": 2222, "privateport": 22,
        "virtualmachineid": str(isolated["web2"].uuid), "openfirewall": False}, content_type="application/json")
    assert conflict.status_code == 409 and "publicport" in conflict.content.decode()
    assert client.delete(f"/api/v1/portforwardingrules/{rule_id}/").status_code == 202
    assert not PortForwardingRule.objects.exists()
    egress = client.post("/api/v1/egressfirewallrules/", {"networkid": str(isolated["web"].uuid), "protocol": "all"},
                         content_type="application/json")
    assert client.get(egress["Location"]).json()["jobresult"]["firewallrule"]["traffictype"] == "Egress"
    other = logged_in_client(isolated["sales"])
    assert other.get(f"/api/v1/firewallrules/{firewall[0]['id']}/").status_code == 404


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_creates_never_share_a_public_port(isolated, router_apply):
    """The public address's row lock: of 8 requests for one public port,
    one records its rule and the others are refused as conflicts."""
    outcomes = []

    def create():
        try:
            port_forwarding.record_port_forwarding_rule(
                isolated["user"], isolated["ip"], vm_uuid=isolated["web1"].uuid, protocol="tcp", public_port=2222,
                private_port=22, open_firewall=False)
            outcomes.append("recorded")
        except NetworkRuleConflict as refusal:
            outcomes.append(refusal.field)

    all_at_once(create, 8)
    assert sorted(outcomes) == ["publicport"] * 7 + ["recorded"]
    assert PortForwardingRule.objects.count() == 1
