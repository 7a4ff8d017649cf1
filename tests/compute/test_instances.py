"""Instances on a Simulator zone through the command API: deploy with its
address, volumes and security group; every bad parameter refused with
nothing left; a failed deploy gives everything back and ends in Error; the
life cycle with the states each action needs; power-state sync; rules
re-applied when a group changes; listNics; constant queries per list."""
import base64

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.services import keypairs
from cloudstack_ui.api.registry import invoke
from cloudstack_ui.config.services import update_setting
from cloudstack_ui.errors import CloudStackError, InvalidParameter, NotFound, ResourceInUse
from cloudstack_ui.jobs.models import AsyncJob
from cloudstack_ui.jobs.services import submit_job
from compute.api.serializers import VirtualMachineSerializer
from compute.models import DiskOffering, ServiceOffering, TemplateZone, VirtualMachine, Volume
from compute.services import instances
from infrastructure.models import SimulatedInstance, SimulatedMachine, SimulatedRuleSet, SimulatedVolume
from network.models import GuestIpAddress
from network.services import security_groups
from tests.compute.conftest import ready_template

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("jobs_run_eagerly")]


def run(caller, command: str, **params):
    """Run a command as the API does: async ones as a job (eager here);
    answers the job's result, or raises its error."""
    from cloudstack_ui.api.registry import prepare

    cmd, parsed = prepare(caller, command, params)
    if not cmd.is_async:
        return cmd.execute(caller, **parsed)
    job = submit_job(caller, cmd, parsed)
    job.refresh_from_db()
    if job.status == AsyncJob.Status.FAILED:
        raise CloudStackError(job.result["errortext"])
    return job


@pytest.fixture
def world(simulator_zone, root_admin, tenancy):
    template = ready_template(simulator_zone, root_admin, password_enabled=True)
    small = ServiceOffering.objects.get(name="Small Instance")
    return {"zone": simulator_zone, "template": template, "small": small, "user": tenancy["comp1_user"],
            "other": tenancy["other_admin"], "tenancy": tenancy}


def deploy(world, caller=None, **extra):
    caller = caller or world["user"]
    params = {"zoneid": world["zone"].zone.uuid, "serviceofferingid": world["small"].uuid,
              "templateid": world["template"].uuid, **extra}
    job = run(caller, "deployVirtualMachine", **params)
    return VirtualMachine.objects.get(uuid=job.instance_uuid)


def test_deploy_runs_the_instance_with_its_address_volume_and_group(world, root_admin):
    vm = deploy(world, name="web1", displayname="Web server", group="frontend")
    assert vm.state == "Running" and vm.host is not None and vm.internal_name == f"i-{vm.account_id}-{vm.pk}-VM"
    nic = vm.nics.get()
    assert nic.is_default and nic.guest_ip.address == "10.1.0.100"
    root = vm.volumes.get(volume_type="ROOT")
    assert root.state == "Ready" and root.storage_pool == world["zone"].pool and root.path == str(root.uuid)
    assert [g.name for g in vm.security_groups.all()] == ["default"]
    simulated = SimulatedInstance.objects.get(name=vm.internal_name)
    assert simulated.power_state == "PowerOn" and simulated.memory == world["small"].memory * 1024**2
    assert SimulatedRuleSet.objects.filter(name=f"{vm.internal_name}-nic0", mac=nic.guest_ip.mac_address).exists()

    job = AsyncJob.objects.get(instance_uuid=vm.uuid, command="deployVirtualMachine")
    answer = job.result["virtualmachine"]
    assert answer["state"] == "Running" and answer["group"] == "frontend" and answer["displayname"] == "Web server"
    assert answer["nic"][0]["ipaddress"] == "10.1.0.100" and answer["securitygroup"][0]["name"] == "default"
    assert "password" not in answer, "the stored answer holds no password"
    first = invoke(world["user"], "queryAsyncJobResult", {"jobid": job.uuid}).result["virtualmachine"]
    assert len(first["password"]) >= 8, "a password-enabled template's password is answered once"
    assert "hostname" not in answer and "instancename" not in answer, "users do not see hosts"

    listed = invoke(world["user"], "listVirtualMachines", {"id": vm.uuid})
    shown = VirtualMachineSerializer(listed[0]).data
    assert "password" not in shown, "the password is never answered again"
    admin_view = VirtualMachineSerializer(invoke(root_admin, "listVirtualMachines",
                                                 {"id": vm.uuid, "listall": True})[0]).data
    assert admin_view["hostname"] == vm.host.name and admin_view["instancename"] == vm.internal_name


def _counts():
    return (VirtualMachine.objects.count(), Volume.objects.count(), GuestIpAddress.objects.count())


def test_bad_deploys_are_refused_naming_the_field_and_leave_nothing(world, root_admin):
    other_template = ready_template(world["zone"], world["other"], name="private")
    other_template.is_public = False
    other_template.save()
    keypairs.register_ssh_keypair(world["other"], name="theirs", public_key=_public_key())
    downloading = ready_template(world["zone"], root_admin, name="downloading")
    TemplateZone.objects.filter(template=downloading).update(status="DOWNLOAD_IN_PROGRESS", download_percent=45)
    before = _counts()
    cases = [
        ({"templateid": downloading.uuid}, "templateid", "45"),
        ({"templateid": other_template.uuid}, "templateid", "that you may use"),
        ({"name": "9lives"}, "name", "host name"),
        ({"name": "bad_name"}, "name", "host name"),
        ({"userdata": "not base64!"}, "userdata", "base64"),
        ({"keypair": "theirs"}, "keypair", "no SSH key pair"),
        ({"size": 5}, "size", "disk offering"),
        ({"diskofferingid": DiskOffering.objects.get(name="Custom").uuid}, "size", "give a size"),
        ({"networkids": "00000000-0000-0000-0000-000000000000"}, "networkids", "no network"),
        ({"securitygroupnames": "nosuch"}, "name", "no security group"),
        ({"hostid": world["zone"].hosts[0].uuid}, "hostid", "root admin"),
    ]
    for params, field, text in cases:
        with pytest.raises(CloudStackError, match=text) as error:
            deploy(world, **params)
        assert error.value.field == field, (params, error.value.message)
    assert _counts() == before


def _public_key() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    key = ed25519.Ed25519PrivateKey.generate().public_key()
    return key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()


def test_a_failed_deploy_gives_everything_back_and_ends_in_error(world):
    for host in world["zone"].hosts:
        SimulatedMachine.objects.filter(name=host.url.split("//")[1]).update(failing_operations="start_instance")
    with pytest.raises(CloudStackError, match="start_instance failed"):
        deploy(world, name="doomed")
    vm = VirtualMachine.objects.get(name="doomed")
    assert vm.state == "Error" and "start_instance failed" in vm.state_reason
    assert vm.host is None and not vm.nics.exists() and not vm.volumes.exists()
    assert GuestIpAddress.objects.count() == 0
    assert not SimulatedInstance.objects.filter(name=vm.internal_name).exists()
    run(world["user"], "destroyVirtualMachine", id=vm.uuid)
    assert VirtualMachine.objects.get(pk=vm.pk).state == "Destroyed"


@pytest.mark.parametrize("operation", ["start_instance", "define_instance"])
def test_a_failed_deploy_leaves_no_rule_set_or_volume_on_the_hypervisor(world, operation):
    """The rule sets (nwfilters on KVM) and volumes a failed deploy made
    are removed from the host and the pool; only the template's copy, a
    cache of the pool, stays."""
    for host in world["zone"].hosts:
        SimulatedMachine.objects.filter(name=host.url.split("//")[1]).update(failing_operations=operation)
    with pytest.raises(CloudStackError, match=f"{operation} failed"):
        deploy(world, name="doomed")
    vm = VirtualMachine.objects.get(name="doomed")
    assert not SimulatedRuleSet.objects.filter(name__startswith=vm.internal_name).exists()
    pool = str(world["zone"].pool.uuid)
    assert list(SimulatedVolume.objects.filter(pool=pool).values_list("name", flat=True)) == [
        f"template-{world['template'].uuid}"]


def test_life_cycle_and_the_states_each_action_needs(world, root_admin):
    vm = deploy(world, name="cycle")
    with pytest.raises(CloudStackError, match="Running; it can be started only when Stopped"):
        run(world["user"], "startVirtualMachine", id=vm.uuid)
    run(world["user"], "rebootVirtualMachine", id=vm.uuid)
    assert SimulatedInstance.objects.get(name=vm.internal_name).boots == 2
    run(world["user"], "stopVirtualMachine", id=vm.uuid)
    vm.refresh_from_db()
    assert vm.state == "Stopped" and vm.host is None and vm.last_host is not None
    assert SimulatedInstance.objects.get(name=vm.internal_name).power_state == "PowerOff"
    run(world["user"], "startVirtualMachine", id=vm.uuid)
    vm.refresh_from_db()
    assert vm.state == "Running" and vm.host == vm.last_host
    run(world["user"], "destroyVirtualMachine", id=vm.uuid)
    vm.refresh_from_db()
    assert vm.state == "Destroyed" and vm.removed is not None and vm.host is None
    assert vm.nics.count() == 1, "a destroyed instance keeps its address until expunged"
    run(world["user"], "recoverVirtualMachine", id=vm.uuid)
    assert VirtualMachine.objects.get(pk=vm.pk).state == "Stopped"
    with pytest.raises(CloudStackError, match="only an admin"):
        run(world["user"], "destroyVirtualMachine", id=vm.uuid, expunge=True)
    run(root_admin, "destroyVirtualMachine", id=vm.uuid, expunge=True)
    assert not VirtualMachine.objects.filter(pk=vm.pk).exists()
    assert GuestIpAddress.objects.count() == 0
    assert not Volume.objects.filter(volume_type="ROOT", removed__isnull=True).exists()
    assert list(SimulatedVolume.objects.values_list("name", flat=True)) == [f"template-{world['template'].uuid}"], \
        "the root disk is gone from storage; the template's copy stays for the next deploy"
    assert not SimulatedInstance.objects.filter(name=vm.internal_name).exists()


def test_destroyed_instances_are_expunged_after_the_delay(world, root_admin):
    from django_celery_beat.models import PeriodicTask

    schedule = PeriodicTask.objects.get(name="Expunge destroyed instances")
    assert (schedule.task, schedule.interval.every) == ("compute.expunge_destroyed_instances", 86400)
    update_setting(root_admin, "expunge.interval", "3600")
    assert PeriodicTask.objects.get(name="Expunge destroyed instances").interval.every == 3600
    assert PeriodicTask.objects.get(name="Sync instance power states").task == "compute.sync_instance_power_states"
    vm = deploy(world, name="later")
    run(world["user"], "destroyVirtualMachine", id=vm.uuid)
    assert instances.expunge_destroyed_instances() == 0, "expunge.delay (a day) has not passed"
    update_setting(root_admin, "expunge.delay", "0")
    assert instances.expunge_destroyed_instances() == 1
    assert not VirtualMachine.objects.filter(pk=vm.pk).exists()


def test_power_states_found_on_the_hosts_win(world):
    vm = deploy(world, name="drift")
    SimulatedInstance.objects.filter(name=vm.internal_name).update(power_state="PowerOff")
    assert instances.sync_power_states()["changed"] == 1
    vm.refresh_from_db()
    assert vm.state == "Stopped" and vm.host is None and "found off" in vm.state_reason
    SimulatedInstance.objects.filter(name=vm.internal_name).update(power_state="PowerOn")
    instances.sync_power_states()
    vm.refresh_from_db()
    assert vm.state == "Running" and vm.host == vm.last_host


def test_rules_are_reapplied_and_a_group_in_use_cannot_be_deleted(world):
    user = world["user"]
    web = security_groups.create_security_group(user, user.account, name="web")
    vm = deploy(world, name="guarded", securitygroupnames="web")
    assert [g.name for g in vm.security_groups.all()] == ["web"]
    rule_set = SimulatedRuleSet.objects.get(name=f"{vm.internal_name}-nic0")
    assert rule_set.rules == []
    run(user, "authorizeSecurityGroupIngress", securitygroupid=web.uuid, protocol="tcp", startport=80, endport=80,
        cidrlist="0.0.0.0/0")
    rule_set.refresh_from_db()
    assert [(r["protocol"], r["start_port"]) for r in rule_set.rules] == [("tcp", 80)]
    with pytest.raises(ResourceInUse, match="in use by instance guarded"):
        security_groups.delete_security_group(user, web)


def test_other_accounts_cannot_touch_an_instance(world):
    vm = deploy(world, name="mine")
    with pytest.raises(NotFound):
        run(world["other"], "stopVirtualMachine", id=vm.uuid)
    assert list(invoke(world["other"], "listVirtualMachines", {"listall": True})) == []


def test_password_ssh_key_update_and_offering_change(world):
    user = world["user"]
    keypairs.register_ssh_keypair(user, name="laptop", public_key=_public_key())
    vm = deploy(world, name="admin-box")
    with pytest.raises(InvalidParameter, match="Running; it can be given a new password only when Stopped"):
        instances.reset_password(user, vm)
    run(user, "stopVirtualMachine", id=vm.uuid)
    vm.refresh_from_db()
    old = vm.password
    job = run(user, "resetPasswordForVirtualMachine", id=vm.uuid)
    vm.refresh_from_db()
    assert "password" not in job.result["virtualmachine"]
    answered = invoke(user, "queryAsyncJobResult", {"jobid": job.uuid}).result["virtualmachine"]
    assert answered["password"] == vm.password != old
    medium = ServiceOffering.objects.get(name="Medium Instance")
    run(user, "changeServiceForVirtualMachine", id=vm.uuid, serviceofferingid=medium.uuid)
    updated = run(user, "updateVirtualMachine", id=vm.uuid, displayname="Admin box", group="ops",
                  userdata=base64.b64encode(b"#!/bin/sh\necho hi").decode())
    assert updated.display_name == "Admin box" and updated.group.name == "ops"
    assert updated.service_offering == medium
    assert run(user, "resetSSHKeyForVirtualMachine", id=vm.uuid, keypair="laptop").result[
        "virtualmachine"]["keypair"] == "laptop"
    with pytest.raises(NotFound):
        run(world["other"], "updateVirtualMachine", id=vm.uuid, displayname="x")


def test_list_nics_and_constant_queries(world):
    first = deploy(world, name="one")
    nics = invoke(world["user"], "listNics", {"virtualmachineid": first.uuid})
    assert [n.guest_ip.address for n in nics] == ["10.1.0.100"]
    for index in range(3):
        deploy(world, name=f"more{index}")
    with CaptureQueriesContext(connection) as four:
        rendered = VirtualMachineSerializer(invoke(world["user"], "listVirtualMachines", {}), many=True).data
    assert len(rendered) == 4
    with CaptureQueriesContext(connection) as one:
        assert len(VirtualMachineSerializer(invoke(world["user"], "listVirtualMachines", {"name": "one"}),
                                            many=True).data) == 1
    assert len(four.captured_queries) == len(one.captured_queries), "no query per instance"
