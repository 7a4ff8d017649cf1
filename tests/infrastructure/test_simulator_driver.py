"""The Simulator driver: the shared operation suite, its failure modes, and
its state shared by every process through the database."""
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from infrastructure.hypervisors import (
    DiskSpec,
    HostAccess,
    HostAuthenticationFailed,
    HostUnreachable,
    HypervisorOperationFailed,
    InstanceSpec,
    PoolSpec,
    PowerState,
    SecurityRule,
    SecurityRuleSet,
    VolumeRef,
    get_driver,
)
from infrastructure.models import SimulatedInstance, SimulatedMachine, SimulatedRuleSet, SimulatedVolume
from tests.conftest import subprocess_env
from tests.infrastructure.driver_suite import run_operation_suite, run_volume_suite

HOST = HostAccess("simulator://sim-a")
POOL = PoolSpec(uuid=str(uuid.uuid4()), protocol="NetworkFilesystem", server="nfs.example", path="/export/primary")


def simulated_disks(name):
    return {f"/simulated/{v.pool}/{v.name}" for v in SimulatedVolume.objects.filter(instance__name=name)}


@pytest.fixture
def template_file(tmp_path):
    path = tmp_path / "template.raw"
    path.write_bytes(b"\0" * 1024 * 1024)
    return path


@pytest.mark.django_db
def test_the_operation_suite(template_file):
    run_operation_suite(get_driver("Simulator"), HOST, POOL, template_file, disk_paths=simulated_disks)
    assert not SimulatedInstance.objects.exists() and not SimulatedVolume.objects.exists()


@pytest.mark.django_db
def test_the_volume_suite():
    run_volume_suite(get_driver("Simulator"), HOST, POOL)
    assert not SimulatedInstance.objects.exists() and not SimulatedVolume.objects.exists()


@pytest.mark.django_db
def test_volume_operations_fail_as_told():
    driver = get_driver("Simulator")
    SimulatedMachine.objects.create(name="sim-a", failing_operations="resize_volume,copy_volume")
    driver.create_volume(HOST, VolumeRef(POOL, "vol"), 1024**2)
    with pytest.raises(HypervisorOperationFailed, match="resize_volume failed"):
        driver.resize_volume(HOST, VolumeRef(POOL, "vol"), 2 * 1024**2)
    with pytest.raises(HypervisorOperationFailed, match="copy_volume failed"):
        driver.copy_volume(HOST, VolumeRef(POOL, "vol"), VolumeRef(POOL, "copy"))
    assert SimulatedVolume.objects.get(name="vol").size == 1024**2 and not SimulatedVolume.objects.filter(
        name="copy").exists(), "a failed operation changes nothing"


@pytest.mark.django_db
def test_reboots_and_console_ports_are_real_state(template_file):
    driver = get_driver("Simulator")
    for name in ("i-2-1-VM", "i-2-2-VM"):
        driver.define_instance(HOST, InstanceSpec(name=name, uuid=str(uuid.uuid4()), vcpus=1, cpu_speed=500,
                                                  memory=1024**3, vnc_password="pw-" + name))
        driver.start_instance(HOST, name)
    ports = {driver.console_address(HOST, n).port for n in ("i-2-1-VM", "i-2-2-VM")}
    assert ports == {5900, 5901}, "each running instance has its own VNC port"
    driver.reboot_instance(HOST, "i-2-1-VM")
    assert SimulatedInstance.objects.get(name="i-2-1-VM").boots == 2
    assert driver.connect(HOST).running_vms == 2


@pytest.mark.django_db
def test_migration_moves_a_running_instance():
    driver, target = get_driver("Simulator"), HostAccess("simulator://sim-b")
    driver.define_instance(HOST, InstanceSpec(name="i-2-3-VM", uuid=str(uuid.uuid4()), vcpus=1, cpu_speed=500,
                                              memory=1024**3, vnc_password="x"))
    with pytest.raises(HypervisorOperationFailed, match="only running instances migrate"):
        driver.migrate_instance(HOST, "i-2-3-VM", target)
    driver.start_instance(HOST, "i-2-3-VM")
    driver.migrate_instance(HOST, "i-2-3-VM", target)
    assert driver.instance_power_state(HOST, "i-2-3-VM") == PowerState.MISSING
    assert driver.instance_power_state(target, "i-2-3-VM") == PowerState.ON


@pytest.mark.django_db
def test_volumes_in_use_are_protected(template_file):
    driver = get_driver("Simulator")
    template = VolumeRef(POOL, "tmpl")
    driver.import_volume(HOST, template, str(template_file))
    driver.create_volume(HOST, VolumeRef(POOL, "root"), 1024**2, template=template)
    with pytest.raises(HypervisorOperationFailed, match="backs other volumes"):
        driver.delete_volume(HOST, template)
    with pytest.raises(HypervisorOperationFailed, match="already has a volume named root"):
        driver.create_volume(HOST, VolumeRef(POOL, "root"), 1024**2)
    driver.define_instance(HOST, InstanceSpec(name="i-2-4-VM", uuid=str(uuid.uuid4()), vcpus=1, cpu_speed=500,
                                              memory=1024**3, vnc_password="x",
                                              disks=(DiskSpec(VolumeRef(POOL, "root"), 0),)))
    with pytest.raises(HypervisorOperationFailed, match="attached to instance i-2-4-VM"):
        driver.delete_volume(HOST, VolumeRef(POOL, "root"))
    driver.create_volume(HOST, VolumeRef(POOL, "data"), 1024**2)
    with pytest.raises(HypervisorOperationFailed, match="already has a disk at device id 0"):
        driver.attach_volume(HOST, "i-2-4-VM", DiskSpec(VolumeRef(POOL, "data"), 0))


@pytest.mark.django_db
def test_machines_fail_and_refuse_as_told():
    driver = get_driver("Simulator")
    SimulatedMachine.objects.create(name="sim-a", failing_operations="start_instance", password="right")
    driver.define_instance(HOST, InstanceSpec(name="i-2-5-VM", uuid=str(uuid.uuid4()), vcpus=1, cpu_speed=500,
                                              memory=1024**3, vnc_password="x"))
    with pytest.raises(HypervisorOperationFailed, match="start_instance failed"):
        driver.start_instance(HOST, "i-2-5-VM")
    assert driver.instance_power_state(HOST, "i-2-5-VM") == PowerState.OFF
    with pytest.raises(HostAuthenticationFailed):
        driver.ping(HOST)
    assert driver.ping(HostAccess("simulator://sim-a", "root", "right")) is True
    SimulatedMachine.objects.filter(name="sim-a").update(refuse_connection=True)
    with pytest.raises(HostUnreachable, match="connection refused"):
        driver.ping(HOST)
    with pytest.raises(HostUnreachable, match="connection refused"):
        driver.instance_power_states(HOST)


@pytest.mark.django_db
def test_security_rules_are_installed_and_removed():
    driver = get_driver("Simulator")
    rules = (SecurityRule("ingress", "tcp", "0.0.0.0/0", 22, 22), SecurityRule("ingress", "icmp", "10.0.0.0/8",
                                                                                   icmp_type=8, icmp_code=0))
    driver.apply_security_rules(HOST, SecurityRuleSet("i-2-6-VM-def", "02:00:00:00:00:01", rules))
    driver.apply_security_rules(HOST, SecurityRuleSet("i-2-6-VM-def", "02:00:00:00:00:01", rules[:1]))
    stored = SimulatedRuleSet.objects.get(machine="sim-a", name="i-2-6-VM-def")
    assert [r["start_port"] for r in stored.rules] == [22], "applying again replaces the rule set"
    driver.remove_security_rules(HOST, "i-2-6-VM-def")
    driver.remove_security_rules(HOST, "i-2-6-VM-def")
    assert not SimulatedRuleSet.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_every_process_sees_the_same_instances():
    """What one process (a worker) does, another (the web server) sees."""
    script = (
        "import django, uuid; django.setup();"
        "from infrastructure.hypervisors import get_driver, HostAccess, InstanceSpec;"
        "d = get_driver('Simulator'); h = HostAccess('simulator://shared');"
        "d.define_instance(h, InstanceSpec(name='i-9-9-VM', uuid=str(uuid.uuid4()), vcpus=1, cpu_speed=100,"
        " memory=2**30, vnc_password='p')); d.start_instance(h, 'i-9-9-VM')"
    )
    subprocess.run([sys.executable, "-c", script], check=True, cwd=Path(__file__).resolve().parents[2],
                   env=subprocess_env(DJANGO_SETTINGS_MODULE="cloudstack_ui.settings"), timeout=120)
    assert get_driver("Simulator").instance_power_state(HostAccess("simulator://shared"), "i-9-9-VM") == PowerState.ON
