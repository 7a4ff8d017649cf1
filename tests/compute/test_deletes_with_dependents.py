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
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

WATCHED = (Account, Domain, User, SSHKeyPair, ServiceOffering, DiskOffering, NetworkOffering, Template,
           TemplateZone, TemplatePoolCopy, VirtualMachine, Nic, Volume, Snapshot, Zone, Pod, Cluster, Host,
           StoragePool, ImageStore, Network, GuestIpAddress, SecurityGroup, SecurityGroupRule, SimulatedInstance,
           SimulatedVolume, SimulatedRuleSet)


def state_of_everything() -> dict:
    """Every row of the models a delete could touch, database and Simulator."""
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in WATCHED}


def admin_api():
    """The root admin's command API session (the `root_admin` fixture has
    made the first-login change)."""
    client = Client()
    login = client.post("/client/api", {"command": "login", "username": "admin", "password": PASSWORD,
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


# --- cleanup paths --------------------------------------------------------------------------------

def _everything_of(world):
    """The Comp1 user's running web1 (with its NIC's address and its rule
    set on the Simulator), plus a data volume, a snapshot, a template of
    its own, an SSH key pair and a security group with a rule."""
    user, vm = world["user"], world["vm"]
    volume = new_volume(world, name="data1")
    call(user, "attachVolume", id=volume.uuid, virtualmachineid=vm.uuid)
    root = vm.volumes.get(volume_type="ROOT")
    call(user, "createSnapshot", volumeid=root.uuid)
    ready_template(world["zone"], user, name="users-image")
    keypairs.create_ssh_keypair(user, name="laptop")
    web = security_groups.create_security_group(user, user.account, name="web")
    security_groups.authorize(user, web, "ingress", protocol="tcp", start_port=80, end_port=80,
                              cidrs=["0.0.0.0/0"])
    assert SimulatedInstance.objects.filter(name=vm.internal_name).exists()
    assert SimulatedRuleSet.objects.filter(name__startswith=vm.internal_name).exists()
    return vm


def _nothing_left_of(account_ids, internal_names) -> None:
    for model in (VirtualMachine, Volume, Snapshot, Template, SSHKeyPair, SecurityGroup, User, Network):
        assert not model.objects.filter(account__in=account_ids).exists(), model.__name__
    assert not Account.objects.filter(pk__in=account_ids).exists()
    assert not GuestIpAddress.objects.filter(nic__instance__account__in=account_ids).exists()
    for name in internal_names:
        assert not SimulatedInstance.objects.filter(name=name).exists(), "the Simulator machine has no domain left"
        assert not SimulatedRuleSet.objects.filter(name__startswith=name).exists()
    pool = str(StoragePool.objects.get().uuid)
    live = set(Volume.objects.filter(storage_pool__isnull=False).values_list("path", flat=True))
    kept = {copy.name for copy in TemplatePoolCopy.objects.all()}
    assert set(SimulatedVolume.objects.filter(pool=pool).values_list("name", flat=True)) <= live | kept, \
        "no volume or snapshot of the account is left on storage"


def test_delete_account_removes_everything_it_owns_on_the_hypervisor_too(world):
    vm = _everything_of(world)
    account = world["user"].account
    assert world["api"]("deleteAccount", id=account.uuid) == (0, "")
    _nothing_left_of([account.pk], [vm.internal_name])
    assert GuestIpAddress.objects.count() == 0, "web1's address went back to the network"


def test_delete_domain_with_cleanup_removes_every_account_of_the_subtree(world):
    vm = _everything_of(world)
    tenancy = world["tenancy"]
    sales_vm = deployed_instance({**world, "user": tenancy["sales_user"]}, "sales1")
    ids = list(Account.objects.filter(domain__path__startswith=tenancy["comp1"].path).values_list("pk", flat=True))
    assert world["api"]("deleteDomain", id=tenancy["comp1"].uuid, cleanup="true") == (0, "")
    _nothing_left_of(ids, [vm.internal_name, sales_vm.internal_name])
    assert not Domain.objects.filter(path__startswith=tenancy["comp1"].path).exists()
    assert Domain.objects.filter(pk=tenancy["other"].pk).exists()


@pytest.mark.parametrize("refusal,code,reason", [
    ({"failing_operations": "stop_instance"}, 530, "stop_instance failed"),
    ({"refuse_connection": True}, 534, "connection refused"),
], ids=["operation-fails", "host-unreachable"])
def test_an_account_cleanup_a_host_refuses_is_kept_disabled_and_finishes_on_retry(world, refusal, code, reason):
    vm = _everything_of(world)
    account = world["user"].account
    machine = SimulatedMachine.objects.filter(name=vm.host.url.split("//")[1])
    machine.update(**refusal)
    answered, text = world["api"]("deleteAccount", id=account.uuid)
    assert answered == code and reason in text and "run the delete again" in text, text
    account.refresh_from_db()
    vm.refresh_from_db()
    assert account.state == Account.State.DISABLED and vm.state == "Running"
    assert SimulatedInstance.objects.filter(name=vm.internal_name).exists()
    assert Volume.objects.filter(account=account).count() == 2 and SSHKeyPair.objects.filter(account=account)
    machine.update(failing_operations="", refuse_connection=False)
    assert world["api"]("deleteAccount", id=account.uuid) == (0, "")
    _nothing_left_of([account.pk], [vm.internal_name])


def test_a_storage_pool_with_only_expunged_volumes_is_deleted(world):
    """Seen: deleteStoragePool after expunging the instances answered 530,
    the expunged root volume row still pointing at the pool."""
    vm = world["vm"]
    call(world["admin"], "destroyVirtualMachine", id=vm.uuid, expunge="true")
    root = Volume.objects.get(name=f"ROOT-{vm.pk}")
    assert root.state == "Expunged" and root.storage_pool_id
    pool = world["zone"].pool
    assert TemplatePoolCopy.objects.filter(storage_pool=pool).exists()
    assert world["api"]("deleteStoragePool", id=pool.uuid) == (0, "")
    assert not StoragePool.objects.filter(pk=pool.pk).exists()
    root.refresh_from_db()
    assert root.state == "Expunged" and root.storage_pool_id is None, "the history row stays"
    assert not SimulatedVolume.objects.filter(pool=str(pool.uuid)).exists(), "the template's copy went too"


def test_a_storage_pool_a_host_cannot_remove_stays_as_it_was(world):
    vm = world["vm"]
    call(world["admin"], "destroyVirtualMachine", id=vm.uuid, expunge="true")
    pool = world["zone"].pool
    SimulatedMachine.objects.update(failing_operations="remove_storage_pool")
    before = state_of_everything()
    code, text = world["api"]("deleteStoragePool", id=pool.uuid)
    assert code == 534 and "could not be removed from host" in text and "delete it again" in text, text
    after = state_of_everything()
    # The template's copy went (it is imported again on next use); all else is as it was.
    assert not after["TemplatePoolCopy"] and not after["SimulatedVolume"]
    for model in ("TemplatePoolCopy", "SimulatedVolume"):
        del before[model], after[model]
    assert after == before
    SimulatedMachine.objects.update(failing_operations="")
    assert world["api"]("deleteStoragePool", id=pool.uuid) == (0, "")
    assert not StoragePool.objects.filter(pk=pool.pk).exists()


def test_deleting_a_key_pair_an_instance_uses_leaves_the_instance_its_key(world):
    user = world["user"]
    pair, _private = keypairs.create_ssh_keypair(user, name="laptop")
    vm = deployed_instance({**world}, "keyed", running=False)
    call(user, "resetSSHKeyForVirtualMachine", id=vm.uuid, keypair="laptop")
    client = admin_api()
    assert client("deleteSSHKeyPair", name="laptop", account=user.account.name,
                  domainid=user.account.domain.uuid) == (0, "")
    vm.refresh_from_db()
    assert not SSHKeyPair.objects.filter(pk=pair.pk).exists() and vm.ssh_public_key == pair.public_key


# --- the last-resort mapping ----------------------------------------------------------------------

@pytest.fixture
def unchecked_pool_delete(world, monkeypatch):
    """deleteStoragePool with its own dependents check taken out, so the
    protected foreign key reaches the surfaces."""
    from infrastructure.services import storage

    monkeypatch.setattr(storage, "ensure_deletable", lambda obj, **kwargs: None)
    monkeypatch.setattr(storage, "tear_down", lambda obj: None)
    return world["zone"].pool, world["vm"].volumes.get(volume_type="ROOT")


def test_a_protected_delete_that_escapes_answers_536_naming_the_dependents(world, unchecked_pool_delete):
    pool, root = unchecked_pool_delete
    code, text = world["api"]("deleteStoragePool", id=pool.uuid)
    assert code == 536 and f"1 volume: {root.name}" in text, text
    assert StoragePool.objects.filter(pk=pool.pk).exists()


def test_rest_and_portal_answer_a_protected_delete_as_a_conflict(world, unchecked_pool_delete):
    from django.urls import reverse

    from tests.compute.conftest import client_of

    pool, root = unchecked_pool_delete
    admin = client_of(User.objects.get(pk=world["admin"].pk))  # its password hash was upgraded at the API login
    response = admin.delete(f"/api/v1/storagepools/{pool.uuid}/")
    assert response.status_code == 409 and root.name in response.json()["errortext"], response.content
    page = admin.post(reverse("infrastructure:storagepool_delete", args=[pool.uuid]), {"confirm": "on"})
    assert page.status_code == 200 and root.name in page.content.decode()
    assert StoragePool.objects.filter(pk=pool.pk).exists()


def test_escaped_database_refusals_are_described(world):
    from cloudstack_ui.dependents import describe_database_refusal

    root = world["vm"].volumes.get(volume_type="ROOT")
    error = describe_database_refusal(ProtectedError("protected", {root}))
    assert error.errorcode == 536 and f"1 volume: {root.name}" in error.message
    assert describe_database_refusal(ValueError("other")) is None


def test_domain_cleanup_removes_its_offerings_and_releases_its_zones(world):
    from compute.services import offerings as compute_offerings

    admin, comp1 = world["admin"], world["tenancy"]["comp1"]
    own = compute_offerings.create_service_offering(admin, name="comp1-only", display_text="x", cpu_number=1,
                                                    cpu_speed=500, memory=256, domain=comp1)
    disk = compute_offerings.create_disk_offering(admin, name="comp1-disk", display_text="x", disk_size=1,
                                                  domain=comp1)
    dedicated = zones.create_zone(admin, name="comp1-zone", network_type="Basic", dns1="8.8.8.8",
                                  internal_dns1="10.0.0.2", domain=comp1)
    assert world["api"]("deleteDomain", id=comp1.uuid, cleanup="true") == (0, "")
    assert not ServiceOffering.objects.filter(pk=own.pk).exists() and not DiskOffering.objects.filter(pk=disk.pk)
    dedicated.refresh_from_db()
    assert dedicated.domain is None, "a deleted domain's zone is public again"


def test_domain_cleanup_is_refused_while_others_use_its_offering(world):
    from compute.services import offerings as compute_offerings

    admin, comp1 = world["admin"], world["tenancy"]["comp1"]
    own = compute_offerings.create_service_offering(admin, name="comp1-only", display_text="x", cpu_number=1,
                                                    cpu_speed=500, memory=256, domain=comp1)
    call(admin, "deployVirtualMachine", zoneid=world["zone"].zone.uuid, name="admins-vm",
         serviceofferingid=own.uuid, templateid=world["template"].uuid)
    before = state_of_everything()
    code, text = world["api"]("deleteDomain", id=comp1.uuid, cleanup="true")
    assert code == 536 and "service offering comp1-only of domain ROOT/Comp1 is used by instance admins-vm" in text
    assert state_of_everything() == before
