"""Deletes with dependents (issue 15, item 9), through the command API: every
delete command, with something still depending on what it deletes, is
refused with CloudStack's code and an error naming the dependent, and
changes nothing; account and domain cleanup remove everything the account
owns, on the hypervisor too; a database refusal that escapes a service is
answered 536 naming the dependents, never 530."""
import pytest
from django.db.models import ProtectedError
from django.test import Client

from accounts.models import Account, Domain, SSHKeyPair, User
from accounts.services import keypairs
from cloudstack_ui.api.registry import Command, Param, register
from compute.models import (
    DiskOffering,
    Nic,
    ServiceOffering,
    Snapshot,
    Template,
    TemplatePoolCopy,
    TemplateZone,
    VirtualMachine,
    Volume,
)
from infrastructure.models import (
    Cluster,
    Host,
    ImageStore,
    Pod,
    SimulatedInstance,
    SimulatedMachine,
    SimulatedRuleSet,
    SimulatedVolume,
    StoragePool,
    Zone,
)
from infrastructure.services import zones
from network.models import GuestIpAddress, Network, NetworkOffering, SecurityGroup, SecurityGroupRule
from network.services import networks, offerings, physical_networks, security_groups
from tests.compute.conftest import call, deployed_instance, new_volume, ready_template

pytestmark = pytest.mark.django_db

WATCHED = (Account, Domain, User, SSHKeyPair, ServiceOffering, DiskOffering, NetworkOffering, Template,
           TemplateZone, TemplatePoolCopy, VirtualMachine, Nic, Volume, Snapshot, Zone, Pod, Cluster, Host,
           StoragePool, ImageStore, Network, GuestIpAddress, SecurityGroup, SecurityGroupRule, SimulatedInstance,
           SimulatedVolume, SimulatedRuleSet)


def state_of_everything() -> dict:
    """Every row of the models a delete could touch, database and Simulator."""
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in WATCHED}


def admin_api():
    """The root admin's command API session (past the first-login change)."""
    User.objects.filter(username="admin", domain__parent=None).update(must_change_password=False)
    client = Client()
    login = client.post("/client/api", {"command": "login", "username": "admin", "password": "password",
                                        "response": "json"})
    assert login.status_code == 200, login.content
    key = login.json()["loginresponse"]["sessionkey"]

    def api(command: str, **params) -> tuple[int, str]:
        """(errorcode, errortext) of a refused call, sync or async; (0, "") on success."""
        response = client.get("/client/api", {"command": command, "sessionkey": key, "response": "json", **params})
        body = response.json()[f"{command.lower()}response"]
        if "errorcode" in body:
            assert response.status_code == body["errorcode"]
            return body["errorcode"], body["errortext"]
        if "jobid" in body:
            job = client.get("/client/api", {"command": "queryAsyncJobResult", "jobid": body["jobid"],
                                             "sessionkey": key, "response": "json"}).json()
            job = job["queryasyncjobresultresponse"]
            assert job["jobstatus"] in (1, 2), job
            if job["jobstatus"] == 2:
                return job["jobresult"]["errorcode"], job["jobresult"]["errortext"]
        return 0, ""
    return api


@pytest.fixture
def world(volume_world, root_admin):
    """volume_world (the Comp1 user's running web1 on a Simulator zone) and
    the root admin's command API."""
    volume_world["api"] = admin_api()
    volume_world["admin"] = root_admin
    return volume_world


# Each case: (command, setup(world) -> (params, dependent name expected in the error), code).

def _template_of_the_user_used_by_another_account(world):
    mine = ready_template(world["zone"], world["user"], name="users-image")
    call(world["admin"], "deployVirtualMachine", zoneid=world["zone"].zone.uuid, name="admins-vm",
         serviceofferingid=ServiceOffering.objects.get(name="Small Instance").uuid, templateid=mine.uuid)
    return mine


def delete_account(world):
    _template_of_the_user_used_by_another_account(world)
    return {"id": world["user"].account.uuid}, "template users-image of account comp1-user is used by other " \
                                                "accounts' instances admins-vm"


def delete_domain_without_cleanup(world):
    return {"id": world["tenancy"]["comp1"].uuid}, "Domain ROOT/Comp1 still has subdomains or accounts"


def delete_domain_with_cleanup(world):
    _template_of_the_user_used_by_another_account(world)
    return {"id": world["tenancy"]["comp1"].uuid, "cleanup": "true"}, "template users-image of account comp1-user"


def delete_service_offering(world):
    return {"id": ServiceOffering.objects.get(name="Small Instance").uuid}, \
        "Service offering Small Instance still has 1 virtual machine: web1"


def delete_disk_offering(world):
    volume = new_volume(world, name="data1")
    return {"id": world["small"].uuid}, f"Disk offering Small still has 1 volume: {volume.name}"


def delete_network_offering(world):
    admin = world["admin"]
    zone = zones.create_zone(admin, name="spare", network_type="Basic", dns1="8.8.8.8", internal_dns1="10.0.0.2")
    physical = physical_networks.create_physical_network(admin, zone, name="spare-phys")
    physical_networks.add_traffic_type(admin, physical, traffic_type="Guest")
    offering = offerings.create_network_offering(admin, name="plain", display_text="plain", guest_ip_type="Shared",
                                                 services={"Dhcp": ["VirtualRouter"]})
    offering = offerings.update_network_offering(admin, offering, state="Enabled")
    networks.create_network(admin, zone, offering, name="plain-net")
    return {"id": offering.uuid}, "Network offering plain still has 1 network: plain-net"


def delete_storage_pool(world):
    root = world["vm"].volumes.get(volume_type="ROOT")
    return {"id": world["zone"].pool.uuid}, f"Storage pool sim-ps1 still has 1 volume: {root.name}"


def delete_host_forced(world):
    return {"id": world["vm"].host.uuid, "forced": "true"}, \
        f"Host {world['vm'].host.name} still has 1 virtual machine: web1"


def delete_cluster(world):
    return {"id": world["zone"].cluster.uuid}, "Cluster sim-c1 still has 2 hosts"


def delete_pod(world):
    return {"id": world["zone"].pod.uuid}, "Pod sim-pod still has 1 cluster: sim-c1"


def delete_zone(world):
    return {"id": world["zone"].zone.uuid}, "Zone sim still has 1 cluster: sim-c1"


def delete_image_store(world):
    return {"id": world["zone"].image_store.uuid}, "still has 3 template zones: BusyBox Linux (KVM), Simulator template, sim-template"


def delete_network(world):
    address = world["vm"].nics.get().guest_ip.address
    return {"id": world["zone"].network.uuid}, \
        f"network defaultGuestNetwork still has 1 address(es) in use: {address} (web1)"


def delete_template(world):
    return {"id": world["template"].uuid}, "sim-template is used by 1 virtual machine: web1"


def delete_iso(world):
    iso = ready_template(world["zone"], world["admin"], name="installer")
    Template.objects.filter(pk=iso.pk).update(format="ISO", hypervisor="")
    call(world["user"], "deployVirtualMachine", zoneid=world["zone"].zone.uuid, name="from-iso",
         serviceofferingid=ServiceOffering.objects.get(name="Small Instance").uuid, templateid=iso.uuid,
         diskofferingid=world["small"].uuid)
    return {"id": iso.uuid}, "installer is used by 1 virtual machine: from-iso"


def delete_security_group(world):
    user = world["user"]
    web = security_groups.create_security_group(user, user.account, name="web")
    security_groups.authorize(user, security_groups.default_group(user.account), "ingress", protocol="tcp",
                              start_port=22, end_port=22, source_groups=[(user.account.name, "web")])
    return {"id": web.uuid}, "security group web is named by a rule of group default"


def delete_user(world):
    user = world["user"]
    return {"id": user.uuid}, f"User {user.username} is the only user of account {user.account.name}"


CASES = [
    ("deleteAccount", delete_account, 536),
    ("deleteDomain", delete_domain_without_cleanup, 536),
    ("deleteDomain", delete_domain_with_cleanup, 536),
    ("deleteServiceOffering", delete_service_offering, 536),
    ("deleteDiskOffering", delete_disk_offering, 536),
    ("deleteNetworkOffering", delete_network_offering, 536),
    ("deleteStoragePool", delete_storage_pool, 536),
    ("deleteHost", delete_host_forced, 536),
    ("deleteCluster", delete_cluster, 536),
    ("deletePod", delete_pod, 536),
    ("deleteZone", delete_zone, 536),
    ("deleteImageStore", delete_image_store, 536),
    ("deleteNetwork", delete_network, 536),
    ("deleteTemplate", delete_template, 431),
    ("deleteIso", delete_iso, 431),
    ("deleteSecurityGroup", delete_security_group, 536),
    ("deleteUser", delete_user, 536),
]


@pytest.mark.parametrize("command,setup,code", CASES, ids=[f"{c}-{s.__name__}" for c, s, _ in CASES])
def test_a_delete_with_a_dependent_is_refused_naming_it_and_changes_nothing(world, command, setup, code):
    params, dependent = setup(world)
    before = state_of_everything()
    answered, text = world["api"](command, **params)
    assert (answered, dependent in text) == (code, True), text
    assert state_of_everything() == before, "a refused delete changes nothing"
