"""Security rules fail closed (Simulator hosts told to fail
apply_security_rules): a host that does not install an instance's rules
marks its NICs Error with the reason, raises an ALERT.USERVM and fails the
command or job; a deploy or start never leaves the instance running
unprotected; the power-state sync retries; and when a group gains or loses
a member, the groups whose rules name it as a source are re-applied."""
import pytest
from django.urls import reverse

from cloudstack_ui.api.registry import invoke
from cloudstack_ui.errors import CloudStackError
from cloudstack_ui.jobs.models import Alert
from compute.api.serializers import NicSerializer
from compute.models import Nic, VirtualMachine
from compute.services import instances
from compute.tasks import sync_instance_power_states_task
from infrastructure.models import SimulatedInstance, SimulatedMachine, SimulatedRuleSet
from network.models import SecurityGroupRule
from network.services import security_groups
from tests.compute import test_instances
from tests.compute.conftest import client_of
from tests.compute.test_instances import deploy, run

world = test_instances.world  # the same fixture: a Simulator zone, a template, the Comp1 user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("jobs_run_eagerly")]

NOT_APPLIED = "could not be applied on host"


def machine(host) -> str:
    return host.url.split("//")[1]


def rules_fail_on(*hosts) -> None:
    SimulatedMachine.objects.filter(name__in=[machine(h) for h in hosts]).update(
        failing_operations="apply_security_rules")


def hosts_recover(world) -> None:
    SimulatedMachine.objects.filter(name__in=[machine(h) for h in world["zone"].hosts]).update(failing_operations="")


def alerts_about(vm) -> list[str]:
    return [a.subject for a in Alert.objects.filter(type=Alert.Type.USER_VM, resource_uuid=vm.uuid)]


def rule_addresses(vm) -> set[str]:
    return {rule["cidr"] for rule in SimulatedRuleSet.objects.get(name=f"{vm.internal_name}-nic0").rules}


def test_a_deploy_whose_rules_fail_is_not_left_running(world, root_admin):
    rules_fail_on(*world["zone"].hosts)
    with pytest.raises(CloudStackError, match=NOT_APPLIED):
        deploy(world, name="exposed")
    vm = VirtualMachine.objects.get(name="exposed")
    assert vm.state == "Error" and NOT_APPLIED in vm.state_reason
    assert not SimulatedInstance.objects.filter(name=vm.internal_name).exists(), "never defined, never started"
    assert not SimulatedRuleSet.objects.exists()
    assert len(alerts_about(vm)) == 1 and "apply_security_rules failed" in alerts_about(vm)[0]
    listed = invoke(root_admin, "listAlerts", {"type": Alert.Type.USER_VM})
    assert [a.resource_uuid for a in listed] == [vm.uuid]


def test_a_rule_change_a_host_refuses_fails_marks_alerts_and_is_reconciled(world):
    user = world["user"]
    vm = deploy(world, name="web1")
    nic = vm.nics.get()
    assert nic.rules_state == Nic.RulesState.APPLIED
    group = vm.security_groups.get()
    rules_fail_on(vm.host)

    with pytest.raises(CloudStackError, match=f"instance web1 {NOT_APPLIED} {vm.host.name}"):
        run(user, "authorizeSecurityGroupIngress", securitygroupid=group.uuid, protocol="tcp", startport=22,
            endport=22, cidrlist="192.0.2.0/24")
    assert SecurityGroupRule.objects.filter(group=group, start_port=22).exists(), "the rule is the desired state"
    nic.refresh_from_db()
    assert nic.rules_state == "Error" and "apply_security_rules failed" in nic.rules_state_reason
    assert rule_addresses(vm) == set(), "the host still has the old rules"
    shown = NicSerializer(invoke(user, "listNics", {"virtualmachineid": vm.uuid})[0]).data
    assert shown["securitygroupsrulesstate"] == "Error" and NOT_APPLIED in shown["securitygroupsrulesreason"]
    page = client_of(user).get(reverse("compute:instance_detail", args=[vm.uuid])).content.decode()
    assert "Security rules" in page and "apply_security_rules failed" in page
    assert len(alerts_about(vm)) == 1

    assert sync_instance_power_states_task()["rules_reapplied"] == 0, "still failing"
    assert len(alerts_about(vm)) == 1, "one alert, not one per retry"
    hosts_recover(world)
    assert sync_instance_power_states_task()["rules_reapplied"] == 1
    nic.refresh_from_db()
    assert (nic.rules_state, nic.rules_state_reason) == ("Applied", "")
    assert rule_addresses(vm) == {"192.0.2.0/24"}


def test_a_start_whose_rules_fail_stays_stopped_and_the_next_start_applies_them(world):
    vm = deploy(world, name="web1")
    run(world["user"], "stopVirtualMachine", id=vm.uuid)
    rules_fail_on(*world["zone"].hosts)
    with pytest.raises(CloudStackError, match=NOT_APPLIED):
        run(world["user"], "startVirtualMachine", id=vm.uuid)
    vm.refresh_from_db()
    assert vm.state == "Stopped" and vm.host is None
    assert SimulatedInstance.objects.get(name=vm.internal_name).power_state == "PowerOff"
    assert vm.nics.get().rules_state == "Error"

    hosts_recover(world)
    run(world["user"], "startVirtualMachine", id=vm.uuid)
    vm.refresh_from_db()
    assert vm.state == "Running" and vm.nics.get().rules_state == "Applied"


def test_a_migration_whose_destination_refuses_the_rules_does_not_move(world, root_admin):
    vm = deploy(world, name="web1")
    source = vm.host
    destination = next(h for h in world["zone"].hosts if h.pk != source.pk)
    rules_fail_on(destination)
    with pytest.raises(CloudStackError, match=f"{NOT_APPLIED} {destination.name}"):
        run(root_admin, "migrateVirtualMachine", virtualmachineid=vm.uuid, hostid=destination.uuid)
    vm.refresh_from_db()
    assert vm.state == "Running" and vm.host == source
    assert SimulatedInstance.objects.get(name=vm.internal_name).machine == machine(source)


def test_groups_naming_a_group_as_source_follow_its_members(world):
    user = world["user"]
    web = security_groups.create_security_group(user, user.account, name="web")
    security_groups.create_security_group(user, user.account, name="app")
    security_groups.authorize(user, web, "ingress", protocol="tcp", start_port=8080, end_port=8080, cidrs=[],
                              source_groups=[(user.account.name, "app")])
    web1 = deploy(world, name="web1", securitygroupnames="web")
    assert rule_addresses(web1) == set(), "app has no members yet"

    app1 = deploy(world, name="app1", securitygroupnames="app")
    app1_address = f"{app1.nics.get().guest_ip.address}/32"
    assert rule_addresses(web1) == {app1_address}, "a new member of app is let in"

    run(user, "stopVirtualMachine", id=app1.uuid)
    assert rule_addresses(web1) == set(), "a stopped member holds no address"
    run(user, "startVirtualMachine", id=app1.uuid)
    assert rule_addresses(web1) == {app1_address}
    run(user, "destroyVirtualMachine", id=app1.uuid)
    assert rule_addresses(web1) == set(), "a destroyed member is let in no more"


def test_a_member_change_a_host_refuses_marks_the_other_instance_not_the_new_one(world, root_admin):
    user = world["user"]
    web = security_groups.create_security_group(user, user.account, name="web")
    security_groups.create_security_group(user, user.account, name="app")
    security_groups.authorize(user, web, "ingress", protocol="all", cidrs=[],
                              source_groups=[(user.account.name, "app")])
    web1 = deploy(world, name="web1", securitygroupnames="web")
    elsewhere = next(h for h in world["zone"].hosts if h.pk != web1.host_id)
    rules_fail_on(web1.host)

    app1 = deploy(world, root_admin, name="app1", securitygroupnames="app", hostid=elsewhere.uuid,
                  account=user.account.name, domainid=user.account.domain.uuid)
    assert app1.state == "Running" and app1.nics.get().rules_state == "Applied"
    nic = web1.nics.get()
    assert nic.rules_state == "Error" and "instance web1" in nic.rules_state_reason
    assert len(alerts_about(web1)) == 1 and not alerts_about(app1)
    hosts_recover(world)
    assert instances.reconcile_security_rules() == 1
    assert rule_addresses(web1) == {f"{app1.nics.get().guest_ip.address}/32"}


def test_a_libvirt_host_without_nwfilter_support_is_an_error_not_a_success():
    """libvirt's test:/// driver has no nwfilters, as a host without them:
    the KVM driver raises, which apply_security_rules turns into the mark,
    the alert and the failed command above."""
    from infrastructure.hypervisors.base import HostAccess, SecurityRule, SecurityRuleSet, UnsupportedOperation
    from infrastructure.hypervisors.kvm import KVMDriver

    rule_set = SecurityRuleSet("i-2-9-VM-nic0", "02:00:00:00:00:09",
                               (SecurityRule("ingress", "tcp", "0.0.0.0/0", 22, 22),))
    with pytest.raises(UnsupportedOperation, match="cannot do this"):
        KVMDriver().apply_security_rules(HostAccess("test:///default"), rule_set)
    assert issubclass(UnsupportedOperation, CloudStackError)
