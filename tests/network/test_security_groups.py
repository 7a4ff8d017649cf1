"""Security groups: the default group, every rule validation (the field and
the reason, nothing stored), other accounts' groups out of reach, the
command API, and the nwfilter a KVM host gets from the rules."""
import xml.etree.ElementTree as ET

import pytest

from cloudstack_ui.errors import InvalidParameter, NetworkRuleConflict, NotFound, ResourceInUse
from infrastructure.hypervisors.kvm import security_filter_xml
from network.models import SecurityGroup, SecurityGroupRule
from network.services import security_groups
from tests.api.test_command_api import call
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def refused(call_, field, text, exc=InvalidParameter):
    with pytest.raises(exc) as error:
        call_()
    assert error.value.field == field and text in error.value.message, error.value.message


@pytest.fixture
def web(tenancy):
    user = tenancy["comp1_user"]
    return security_groups.create_security_group(user, user.account, name="web", description="Web servers")


def test_default_group_and_names(tenancy, web):
    user = tenancy["comp1_user"]
    assert set(SecurityGroup.objects.filter(account=user.account).values_list("name", flat=True)) == {"default",
                                                                                                       "web"}
    refused(lambda: security_groups.create_security_group(user, user.account, name="WEB"), "name", "already has")
    refused(lambda: security_groups.delete_security_group(user, SecurityGroup.objects.get(name="default")), "id",
            "default security group cannot be deleted")
    other = tenancy["other_admin"]
    with pytest.raises(NotFound):
        security_groups.delete_security_group(other, web)
    with pytest.raises(NotFound):
        security_groups.create_security_group(tenancy["sales_user"], user.account, name="x")
    assert security_groups.create_security_group(tenancy["comp1_admin"], user.account, name="db").account == \
        user.account, "a domain admin manages the groups of the subtree's accounts"


@pytest.mark.parametrize("fields, field, text", [
    ({"protocol": "gre"}, "protocol", "not one of tcp, udp, icmp, all"),
    ({"end_port": None}, "startport", "need startport and endport"),
    ({"start_port": 90, "end_port": 80}, "endport", "range 90-80 is reversed"),
    ({"start_port": 70000, "end_port": 70001}, "startport", "not a port from 0 to 65535"),
    ({"protocol": "icmp", "icmp_type": 300}, "icmptype", "out of range -1 to 255"),
    ({"protocol": "icmp", "icmp_type": 8, "icmp_code": -2}, "icmpcode", "out of range"),
    ({"cidrs": ["10.0.0.0/33"]}, "cidrlist", "not a CIDR"),
    ({"cidrs": []}, "cidrlist", "give a CIDR list"),
    ({"cidrs": [], "source_groups": [("nobody", "web")]}, "usersecuritygrouplist", "has no security group web"),
])
def test_rule_validation(tenancy, web, fields, field, text):
    rule = {"protocol": "tcp", "start_port": 80, "end_port": 80, "cidrs": ["0.0.0.0/0"], **fields}
    refused(lambda: security_groups.authorize(tenancy["comp1_user"], web, "ingress", **rule), field, text,
            NotFound if field == "usersecuritygrouplist" else InvalidParameter)
    assert not SecurityGroupRule.objects.exists()


def test_source_groups_are_named_within_the_callers_reach(root_admin, tenancy, web):
    """usersecuritygrouplist names an account of the changed group's domain
    (or of a domainid the caller sees), never one of the same name elsewhere."""
    from tests.conftest import make_account

    user = tenancy["comp1_user"]
    elsewhere = make_account(root_admin, tenancy["other"], "twin").account
    security_groups.default_group(elsewhere)
    rule = {"protocol": "tcp", "start_port": 22, "end_port": 22, "cidrs": []}
    refused(lambda: security_groups.authorize(user, web, "ingress", source_groups=[("twin", "default")], **rule),
            "usersecuritygrouplist", "account twin in domain ROOT/Comp1 has no security group default", NotFound)
    refused(lambda: security_groups.authorize(user, web, "ingress", source_groups=[
        ("twin", "default", tenancy["other"].uuid)], **rule), "usersecuritygrouplist", "no domain with the id",
        NotFound)
    # A domain admin cannot reach past its subtree either.
    refused(lambda: security_groups.authorize(tenancy["comp1_admin"], web, "ingress", source_groups=[
        ("twin", "default", tenancy["other"].uuid)], **rule), "usersecuritygrouplist", "no domain", NotFound)
    assert not SecurityGroupRule.objects.exists()

    here = make_account(root_admin, tenancy["comp1"], "twin").account
    here_default = security_groups.default_group(here)
    [made] = security_groups.authorize(user, web, "ingress", source_groups=[("twin", "default")], **rule)
    assert made.source_group == here_default
    # A root admin names the other domain's account by its domainid.
    [other_rule] = security_groups.authorize(root_admin, web, "egress", source_groups=[
        ("twin", "default", tenancy["other"].uuid)], **rule)
    assert other_rule.source_group == security_groups.default_group(elsewhere)


def test_rules_render_as_an_nwfilter(tenancy, web):
    user = tenancy["comp1_user"]
    security_groups.authorize(user, web, "ingress", protocol="TCP", start_port=22, end_port=22,
                              cidrs=["0.0.0.0/0", "10.1.0.0/16"])
    security_groups.authorize(user, web, "ingress", protocol="icmp", icmp_type=8, icmp_code=0,
                              cidrs=["192.168.0.0/24"])
    security_groups.authorize(user, web, "ingress", protocol="tcp", start_port=3306, end_port=3306,
                              cidrs=[], source_groups=[("comp1-user", "default")])
    refused(lambda: security_groups.authorize(user, web, "ingress", protocol="tcp", start_port=22, end_port=22,
                                              cidrs=["0.0.0.0/0"]), "cidrlist", "already has", NetworkRuleConflict)
    default = SecurityGroup.objects.get(account=user.account, name="default")
    refused(lambda: security_groups.delete_security_group(user, default), "id", "cannot be deleted")
    other = security_groups.create_security_group(user, user.account, name="app")
    security_groups.authorize(user, web, "ingress", protocol="all", cidrs=[], source_groups=[("comp1-user", "app")])
    refused(lambda: security_groups.delete_security_group(user, other), "id", "named by a rule of group web",
            ResourceInUse)

    members = {default.pk: ["10.1.1.5", "10.1.1.6"], other.pk: []}
    rule_set = security_groups.rule_set("i-2-9-VM-eth0", "02:00:00:00:00:09", [web],
                                        member_addresses=lambda group: members[group.pk])
    assert [(r.protocol, r.cidr) for r in rule_set.rules] == [
        ("tcp", "0.0.0.0/0"), ("tcp", "10.1.0.0/16"), ("icmp", "192.168.0.0/24"), ("tcp", "10.1.1.5/32"),
        ("tcp", "10.1.1.6/32")]
    nwfilter = ET.fromstring(security_filter_xml(rule_set))
    assert nwfilter.find(".//tcp[@dstportstart='3306']") is not None
    assert nwfilter.find(".//tcp[@srcipaddr='10.1.1.5'][@srcipmask='32']") is not None
    assert nwfilter.find(".//icmp[@type='8']") is not None
    egress_drop = "rule[@action='drop'][@direction='out'][@priority='1000']"
    assert nwfilter.find(egress_drop) is None, "no egress rule: egress stays open (guide 13.7.5)"
    security_groups.authorize(user, web, "egress", protocol="udp", start_port=53, end_port=53, cidrs=["8.8.8.8/32"])
    rule_set = security_groups.rule_set("n", "m", [web], member_addresses=lambda g: [])
    nwfilter = ET.fromstring(security_filter_xml(rule_set))
    assert nwfilter.find(egress_drop) is not None, "once egress has rules, the rest is dropped"

    rule = SecurityGroupRule.objects.get(direction="egress")
    with pytest.raises(NotFound):
        security_groups.revoke(tenancy["other_admin"], rule)
    security_groups.revoke(user, rule)
    assert not SecurityGroupRule.objects.filter(direction="egress").exists()


def test_security_groups_through_the_api(tenancy):
    from django.test import Client

    client = Client()
    login = client.post("/client/api", {"command": "login", "username": "comp1-user", "password": PASSWORD,
                                        "domain": "/Comp1", "response": "json"}).json()["loginresponse"]
    key = login["sessionkey"]
    listed = call(client, key, "listSecurityGroups").json()["listsecuritygroupsresponse"]
    assert [g["name"] for g in listed["securitygroup"]] == ["default"]
    group = call(client, key, "createSecurityGroup", name="web").json()["createsecuritygroupresponse"][
        "securitygroup"]
    job = call(client, key, "authorizeSecurityGroupIngress", securitygroupid=group["id"], protocol="tcp",
               startport="80", endport="443", cidrlist="0.0.0.0/0,10.0.0.0/8").json()[
        "authorizesecuritygroupingressresponse"]["jobid"]
    result = call(client, key, "queryAsyncJobResult", jobid=job).json()["queryasyncjobresultresponse"]
    rules = result["jobresult"]["securitygroup"]["ingressrule"]
    assert [(r["protocol"], r["startport"], r["endport"], r["cidr"]) for r in rules] == [
        ("tcp", 80, 443, "0.0.0.0/0"), ("tcp", 80, 443, "10.0.0.0/8")]
    bad = call(client, key, "authorizeSecurityGroupIngress", securitygroupid=group["id"], protocol="tcp",
               startport="443", endport="80", cidrlist="0.0.0.0/0").json()["authorizesecuritygroupingressresponse"]
    failed = call(client, key, "queryAsyncJobResult", jobid=bad["jobid"]).json()["queryasyncjobresultresponse"]
    assert failed["jobstatus"] == 2 and "reversed" in failed["jobresult"]["errortext"]
    job = call(client, key, "revokeSecurityGroupIngress", id=rules[0]["ruleid"]).json()[
        "revokesecuritygroupingressresponse"]["jobid"]
    assert call(client, key, "queryAsyncJobResult", jobid=job).json()["queryasyncjobresultresponse"]["jobstatus"] == 1
    assert call(client, key, "deleteSecurityGroup", name="web").json() == {
        "deletesecuritygroupresponse": {"success": "true"}}
    refused_default = call(client, key, "deleteSecurityGroup", name="default").json()["deletesecuritygroupresponse"]
    assert refused_default["errorcode"] == 431 and "cannot be deleted" in refused_default["errortext"]


def test_the_rule_editor(tenancy):
    from tests.conftest import logged_in_client

    user = tenancy["comp1_user"]
    page = logged_in_client(user)
    added = page.post("/client/security-groups/add", {"name": "web", "description": "Web servers"})
    group = SecurityGroup.objects.get(name="web")
    assert added.status_code == 302 and added["Location"] == f"/client/security-groups/{group.uuid}/"
    hx = {"HTTP_HX_REQUEST": "true"}
    url = f"/client/security-groups/{group.uuid}/ingress/add"
    reversed_ports = page.post(url, {"ingress-protocol": "tcp", "ingress-startport": "443", "ingress-endport": "80",
                                     "ingress-cidrlist": "0.0.0.0/0"}, **hx).content.decode()
    assert "the range 443-80 is reversed" in reversed_ports and 'value="443"' in reversed_ports
    bad_cidr = page.post(url, {"ingress-protocol": "tcp", "ingress-startport": "22", "ingress-endport": "22",
                               "ingress-cidrlist": "10.0.0.300/8"}, **hx).content.decode()
    assert "is not a CIDR" in bad_cidr and not SecurityGroupRule.objects.exists()
    table = page.post(url, {"ingress-protocol": "tcp", "ingress-startport": "22", "ingress-endport": "22",
                            "ingress-cidrlist": "0.0.0.0/0"}, **hx).content.decode()
    assert "0.0.0.0/0" in table and "Remove" in table
    page.post(f"/client/security-groups/{group.uuid}/egress/add", {
        "egress-protocol": "all", "egress-account": "comp1-user", "egress-group": "default"}, **hx)
    detail = page.get(f"/client/security-groups/{group.uuid}/").content.decode()
    assert "group default of comp1-user" in detail and "Delete" in detail
    rule = SecurityGroupRule.objects.get(direction="ingress")
    removed = page.post(f"/client/security-groups/{group.uuid}/ingress/remove", {"rule": str(rule.uuid)}, **hx)
    assert "No ingress rules." in removed.content.decode()
    assert page.post(url, {"ingress-protocol": "udp"}).status_code == 302, "without HTMX: back to the page"

    assert logged_in_client(tenancy["other_admin"]).get(f"/client/security-groups/{group.uuid}/").status_code == 404
    listing = page.get("/client/security-groups/").content.decode()
    assert "web" in listing and "default" in listing


def test_security_groups_through_rest(tenancy):
    from tests.conftest import logged_in_client

    api = logged_in_client(tenancy["comp1_user"])
    created = api.post("/api/v1/securitygroups/", {"name": "rest"}, content_type="application/json")
    assert created.status_code == 201
    group = created.json()["id"]
    job = api.post(f"/api/v1/securitygroups/{group}/ingress/", {"protocol": "icmp", "icmptype": 8, "icmpcode": 0,
                                                                "cidrlist": "10.0.0.0/8"},
                   content_type="application/json")
    assert job.status_code == 202
    rules = api.get(f"/api/v1/securitygroups/{group}/").json()["ingressrule"]
    assert [(r["protocol"], r["icmptype"], r["cidr"]) for r in rules] == [("icmp", 8, "10.0.0.0/8")]
    assert api.delete(f"/api/v1/securitygroups/{group}/ingress/{rules[0]['ruleid']}/").status_code == 202
    assert not SecurityGroupRule.objects.exists()
    assert logged_in_client(tenancy["other_admin"]).get(f"/api/v1/securitygroups/{group}/").status_code == 404
    assert api.delete(f"/api/v1/securitygroups/{group}/").status_code == 204
