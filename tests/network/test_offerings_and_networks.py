"""Network offerings and guest networks: the shipped defaults, every rule
with an input that breaks it (the field and the reason, nothing created),
who sees which network, and the command API's answers."""
import pytest

from cloudstack_ui.errors import InvalidParameter, PermissionDenied, ResourceInUse
from infrastructure.services import pods, zones
from network.models import Network, NetworkOffering, VlanIpRange
from network.services import guest_ips, ip_ranges, networks, offerings, physical_networks
from tests.api.test_command_api import call, session

pytestmark = pytest.mark.django_db


def refused(call_, field, text, exc=InvalidParameter):
    with pytest.raises(exc) as error:
        call_()
    assert error.value.field == field and text in error.value.message, error.value.message


@pytest.fixture
def advanced(root_admin):
    zone = zones.create_zone(root_admin, name="adv", network_type="Advanced", dns1="8.8.8.8",
                             internal_dns1="10.0.0.2")
    physical = physical_networks.create_physical_network(root_admin, zone, name="phys", vlan="500-599")
    physical_networks.add_traffic_type(root_admin, physical, traffic_type="Guest", kvm_label="cloudbr1")
    pods.create_pod(root_admin, zone, name="p", gateway="10.1.0.1", netmask="/24", start_ip="10.1.0.10",
                    end_ip="10.1.0.20")
    return zone


def offering(name):
    return NetworkOffering.objects.get(name=name)


def test_the_default_offerings(root_admin):
    sg = offering("DefaultSharedNetworkOfferingWithSGService")
    assert sg.guest_ip_type == "Shared" and sg.state == "Enabled" and sg.has_security_groups
    assert sg.services["SecurityGroup"] == ["SecurityGroupProvider"] and sg.specify_vlan and sg.specify_ip_ranges
    assert not offering("DefaultSharedNetworkOffering").has_security_groups
    assert offering("DefaultSharedNetscalerEIPandELBNetworkOffering").services["Lb"] == ["Netscaler"]
    isolated = offering("DefaultIsolatedNetworkOfferingWithSourceNatService")
    assert isolated.availability == "Required" and "SourceNat" in isolated.services
    assert not isolated.egress_default_allow, "guide 13.14: egress of isolated networks is denied until allowed"


def test_offering_rules_and_lifecycle(root_admin, tenancy):
    services = offerings.offering_services(["dhcp", "Dns", "SecurityGroup"],
                                           [{"service": "Dhcp", "provider": "VirtualRouter"}])
    assert services == {"Dhcp": ["VirtualRouter"], "Dns": ["VirtualRouter"], "SecurityGroup": ["SecurityGroupProvider"]}
    refused(lambda: offerings.offering_services(["Dhcp", "Teleport"], []), "supportedservices", "Teleport is not one")
    refused(lambda: offerings.offering_services(["Dhcp"], [{"service": "Dhcp", "provider": "Netscaler"}]),
            "serviceproviderlist", "Dhcp is provided by VirtualRouter, not Netscaler")
    refused(lambda: offerings.offering_services(["Dhcp"], [{"service": "Lb", "provider": "Netscaler"}]),
            "serviceproviderlist", "not among the supported services")
    create = offerings.create_network_offering
    refused(lambda: create(root_admin, name="x", display_text="x", guest_ip_type="Shared",
                           services={"SourceNat": ["VirtualRouter"]}), "supportedservices", "cannot offer SourceNat")
    refused(lambda: create(root_admin, name="x", display_text="x", guest_ip_type="Isolated",
                           services={"SecurityGroup": ["SecurityGroupProvider"]}), "supportedservices",
            "Shared offerings only")
    refused(lambda: create(root_admin, name="x", display_text="x", guest_ip_type="Shared", services={},
                           specify_ip_ranges=False), "specifyipranges", "take their IP ranges")
    refused(lambda: create(root_admin, name="DefaultSharedNetworkOffering", display_text="x", guest_ip_type="Shared",
                           services={}), "name", "already exists")
    refused(lambda: create(tenancy["comp1_admin"], name="y", display_text="y", guest_ip_type="Shared", services={}),
            None, "Only root admins", exc=PermissionDenied)
    assert NetworkOffering.objects.count() == 5, "nothing was created"

    mine = create(root_admin, name="Shared-SG", display_text="Mine", guest_ip_type="Shared", services=services)
    assert mine.state == "Disabled" and mine.specify_ip_ranges and mine.egress_default_allow
    offerings.update_network_offering(root_admin, mine, name="Shared-SG-2", state="Enabled", availability="Required")
    mine.refresh_from_db()
    assert (mine.name, mine.state, mine.availability) == ("Shared-SG-2", "Enabled", "Required")
    refused(lambda: offerings.update_network_offering(root_admin, offering("DefaultSharedNetworkOffering"),
                                                      name="renamed"), "name", "keeps its name")


def test_shared_network_rules(root_admin, advanced, tenancy):
    sg = offering("DefaultSharedNetworkOfferingWithSGService")
    good = {"name": "shared1", "gateway": "10.50.0.1", "netmask": "255.255.255.0", "start_ip": "10.50.0.10",
            "end_ip": "10.50.0.100", "vlan": "100"}
    create = networks.create_network
    for changes, field, text in [
        ({"vlan": ""}, "vlan", "name their VLAN"),
        ({"vlan": "550"}, "vlan", "in physical network phys's guest VLAN range 500-599"),
        ({"vlan": "5000"}, "vlan", "from 1 to 4094"),
        ({"gateway": ""}, "gateway", "needs gateway, netmask and startip"),
        ({"start_ip": "10.51.0.10"}, "startip", "10.50.0.0/24"),
        ({"start_ip": "10.50.0.100", "end_ip": "10.50.0.10"}, "endip", ""),
        ({"gateway": "10.50.0.20"}, "gateway", ""),
        ({"acl_type": "Project"}, "acltype", "Domain or Account"),
    ]:
        refused(lambda c=changes: create(root_admin, advanced, sg, **{**good, **c}), field, text)
    refused(lambda: create(root_admin, advanced, offering("DefaultIsolatedNetworkOfferingWithSourceNatService"),
                           **good), "vlan", "take a VLAN of the physical network's guest range")
    disabled = offerings.create_network_offering(root_admin, name="off", display_text="off", guest_ip_type="Shared",
                                                 services={})
    refused(lambda: create(root_admin, advanced, disabled, **good), "networkofferingid", "is disabled")
    assert not Network.objects.exists() and not VlanIpRange.objects.exists(), "nothing half-made"

    network = create(root_admin, advanced, sg, **good, domain=tenancy["comp1"])
    assert network.cidr == "10.50.0.0/24" and network.vlan == "100" and network.physical_network.name == "phys"
    assert network.ip_ranges.get().end_ip == "10.50.0.100"
    refused(lambda: create(root_admin, advanced, sg, **{**good, "name": "shared2"}), "vlan", "already used")
    refused(lambda: create(root_admin, advanced, sg, **{**good, "name": "shared2", "vlan": "101"}), "startip",
            "overlaps")
    refused(lambda: create(root_admin, advanced, sg, **{**good, "vlan": "101"}), "name", "already has a network")

    plain = offering("DefaultSharedNetworkOffering")
    refused(lambda: networks.update_network(root_admin, network, offering=plain), "networkofferingid",
            "keep security groups")
    refused(lambda: networks.update_network(root_admin, network,
                                            offering=offering("DefaultIsolatedNetworkOfferingWithSourceNatService")),
            "networkofferingid", "is for Isolated networks")
    networks.update_network(root_admin, network, name="renamed", display_text="Renamed")

    address = guest_ips.allocate_guest_ip(network)
    refused(lambda: networks.delete_network(root_admin, network), "id", "1 address(es) in use", exc=ResourceInUse)
    refused(lambda: ip_ranges.delete_vlan_ip_range(root_admin, network.ip_ranges.get()), "id", "in use",
            exc=ResourceInUse)
    refused(lambda: zones.delete_zone(root_admin, advanced), "id", "still has", exc=ResourceInUse)
    guest_ips.release_guest_ip(address)
    networks.delete_network(root_admin, network)
    assert not Network.objects.exists() and not VlanIpRange.objects.filter(for_virtual_network=False).exists()


def test_who_sees_which_network(root_admin, advanced, tenancy):
    sg = offering("DefaultSharedNetworkOfferingWithSGService")

    def shared(name, vlan, third, **scope):
        return networks.create_network(root_admin, advanced, sg, name=name, gateway=f"10.{third}.0.1",
                                       netmask="/24", start_ip=f"10.{third}.0.10", vlan=vlan, **scope)

    shared("zone-wide", "101", 61)
    shared("comp1-tree", "102", 62, domain=tenancy["comp1"])
    shared("comp1-only", "103", 63, domain=tenancy["comp1"], subdomain_access=False)
    shared("sales-user", "104", 64, account=tenancy["sales_user"].account)

    def seen(user):
        return set(networks.visible_networks(user).values_list("name", flat=True))

    assert seen(tenancy["sales_user"]) == {"zone-wide", "comp1-tree", "sales-user"}
    assert seen(tenancy["comp1_user"]) == {"zone-wide", "comp1-tree", "comp1-only"}
    assert seen(tenancy["comp1_admin"]) == {"zone-wide", "comp1-tree", "comp1-only", "sales-user"}
    assert seen(tenancy["other_admin"]) == {"zone-wide"}
    assert len(seen(root_admin)) == 4


def test_commands_answer_with_cloudstacks_fields(root_admin, advanced):
    client, login = session()
    key = login["sessionkey"]
    listed = call(client, key, "listNetworkOfferings", guestiptype="Shared").json()["listnetworkofferingsresponse"]
    assert listed["count"] == 3
    sg = next(o for o in listed["networkoffering"] if o["name"] == "DefaultSharedNetworkOfferingWithSGService")
    assert {"name": "SecurityGroup", "provider": [{"name": "SecurityGroupProvider"}]} in sg["service"]
    created = call(client, key, "createNetworkOffering", name="mine", displaytext="Mine", guestiptype="Shared",
                   traffictype="Guest", supportedservices="Dhcp,Dns", specifyvlan="true",
                   **{"serviceproviderlist[0].service": "Dhcp", "serviceproviderlist[0].provider": "VirtualRouter"})
    mine = created.json()["createnetworkofferingresponse"]["networkoffering"]
    assert mine["state"] == "Disabled" and mine["specifyipranges"] is True
    bad = call(client, key, "createNetworkOffering", name="bad", displaytext="Bad", guestiptype="Shared",
               traffictype="Guest", supportedservices="Dhcp,Warp").json()["createnetworkofferingresponse"]
    assert bad["errorcode"] == 431 and "Warp is not one" in bad["errortext"]
    call(client, key, "updateNetworkOffering", id=mine["id"], state="Enabled")

    network = call(client, key, "createNetwork", zoneid=str(advanced.uuid), networkofferingid=mine["id"],
                   name="api-net", gateway="10.70.0.1", netmask="255.255.255.0", startip="10.70.0.2",
                   endip="10.70.0.50", vlan="200").json()["createnetworkresponse"]["network"]
    assert (network["type"], network["cidr"], network["broadcasturi"], network["networkofferingname"]) == (
        "Shared", "10.70.0.0/24", "vlan://200", "mine")
    assert network["netmask"] == "255.255.255.0" and network["traffictype"] == "Guest"
    listed = call(client, key, "listNetworks", zoneid=str(advanced.uuid)).json()["listnetworksresponse"]
    assert [n["name"] for n in listed["network"]] == ["api-net"]
    job = call(client, key, "deleteNetwork", id=network["id"]).json()["deletenetworkresponse"]["jobid"]
    result = call(client, key, "queryAsyncJobResult", jobid=job).json()["queryasyncjobresultresponse"]
    assert result["jobstatus"] == 1 and not Network.objects.exists()


def test_offerings_and_networks_through_rest(root_admin, advanced, tenancy):
    from tests.conftest import logged_in_client

    api = logged_in_client(root_admin)
    offerings_listed = api.get("/api/v1/networkofferings/").json()
    assert {"DefaultSharedNetworkOffering", "DefaultSharedNetworkOfferingWithSGService"} <= {
        o["name"] for o in offerings_listed["results"]}
    plain = offering("DefaultSharedNetworkOffering")
    created = api.post("/api/v1/networks/", {"zoneid": str(advanced.uuid), "networkofferingid": str(plain.uuid),
                                             "name": "rest-net", "gateway": "10.80.0.1", "netmask": "/24",
                                             "startip": "10.80.0.10", "vlan": "300"},
                       content_type="application/json")
    assert created.status_code == 201 and created.json()["vlan"] == "300"
    bad = api.post("/api/v1/networks/", {"zoneid": str(advanced.uuid), "networkofferingid": str(plain.uuid),
                                         "name": "bad", "gateway": "10.81.0.1", "netmask": "/24",
                                         "startip": "10.81.0.10", "vlan": "550"}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["field"] == "vlan"
    user = logged_in_client(tenancy["comp1_user"])
    assert [n["name"] for n in user.get("/api/v1/networks/").json()["results"]] == ["rest-net"]
    refused_post = user.post("/api/v1/networks/", {}, content_type="application/json")
    assert refused_post.status_code == 400 and refused_post.json()["field"] == "zoneid", "users make isolated ones"
    deleted = api.delete(f"/api/v1/networks/{created.json()['id']}/")
    assert deleted.status_code in (202, 204) and not Network.objects.exists()


def test_network_pages(root_admin, advanced, tenancy):
    from tests.conftest import logged_in_client

    admin = logged_in_client(root_admin)
    plain = offering("DefaultSharedNetworkOffering")
    refused_form = admin.post("/client/networks/add", {
        "zoneid": str(advanced.uuid), "networkofferingid": str(plain.uuid), "name": "web", "vlan": "510",
        "gateway": "10.90.0.1", "netmask": "255.255.255.0", "startip": "10.90.0.10"})
    assert refused_form.status_code == 200 and "guest VLAN range 500-599" in refused_form.content.decode()
    added = admin.post("/client/networks/add", {
        "zoneid": str(advanced.uuid), "networkofferingid": str(plain.uuid), "name": "web", "vlan": "610",
        "gateway": "10.90.0.1", "netmask": "255.255.255.0", "startip": "10.90.0.10", "endip": "10.90.0.19",
        "domainid": str(tenancy["comp1"].uuid), "subdomainaccess": "on"})
    network = Network.objects.get(name="web")
    assert added.status_code == 302 and added["Location"] == f"/client/networks/{network.uuid}/"
    guest_ips.allocate_guest_ip(network)
    page = admin.get(f"/client/networks/{network.uuid}/").content.decode()
    assert "1 of 10 in use" in page and "domain Comp1 and subdomains" in page and "DefaultSharedNetworkOffering" in page
    assert "web" in admin.get("/client/networks/").content.decode()
    assert "DefaultSharedNetworkOfferingWithSGService" in admin.get("/client/network-offerings/").content.decode()

    sales = logged_in_client(tenancy["sales_user"])
    assert sales.get(f"/client/networks/{network.uuid}/").status_code == 200
    assert "Add guest network" not in sales.get("/client/networks/").content.decode()
    assert sales.get("/client/networks/add").status_code == 403
    assert logged_in_client(tenancy["other_admin"]).get(f"/client/networks/{network.uuid}/").status_code == 404
