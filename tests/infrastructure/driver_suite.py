"""One operation suite for every hypervisor driver: a template imported into
a pool, a root volume backed by it and a blank data volume, an instance
defined, started, given a data disk while it runs, snapshotted while it runs,
rebooted, stopped gracefully and forcibly, destroyed, and everything deleted
again. `disk_paths(name)` reads the instance's disks back from the
hypervisor itself, so each step is checked where it took effect."""
import uuid

import pytest

from infrastructure.hypervisors import (
    DiskSpec,
    HypervisorOperationFailed,
    InstanceSpec,
    PowerState,
    VolumeRef,
)

MiB = 1024**2


def run_operation_suite(driver, host, pool, template_file, *, disk_paths, name=None, stop_timeout=3.0):
    name = name or f"i-2-{uuid.uuid4().int % 10000}-VM"
    refs = {kind: VolumeRef(pool, f"{name}-{kind}") for kind in ("template", "root", "data", "snapshot")}
    capacity, available = driver.prepare_storage_pool(host, pool)
    assert capacity > 0 and 0 < available <= capacity

    template = driver.import_volume(host, refs["template"], str(template_file))
    assert template.size == template_file.stat().st_size and template.format == "raw"
    root = driver.create_volume(host, refs["root"], 64 * MiB, template=refs["template"])
    assert root.backing == template.path and root.size == 64 * MiB and root.format == "qcow2"
    data = driver.create_volume(host, refs["data"], 32 * MiB)
    assert data.size == 32 * MiB and not data.backing

    spec = InstanceSpec(name=name, uuid=str(uuid.uuid4()), vcpus=1, cpu_speed=500, memory=128 * MiB,
                        vnc_password="vncSec-1", disks=(DiskSpec(refs["root"], 0),), acceleration="qemu")
    driver.define_instance(host, spec)
    try:
        assert driver.instance_power_state(host, name) == PowerState.OFF
        with pytest.raises(HypervisorOperationFailed, match="already defined"):
            driver.define_instance(host, spec)
        assert disk_paths(name) == {root.path}

        driver.start_instance(host, name)
        driver.start_instance(host, name)  # already running: no error
        assert driver.instance_power_state(host, name) == PowerState.ON
        assert driver.instance_power_states(host)[name] == PowerState.ON
        console = driver.console_address(host, name)
        assert console.port >= 5900 and console.password == "vncSec-1"

        driver.attach_volume(host, name, DiskSpec(refs["data"], 1))
        assert disk_paths(name) == {root.path, data.path}
        snapshot = driver.snapshot_volume(host, refs["root"], refs["snapshot"], instance=name)
        assert snapshot.size == root.size and snapshot.format == "qcow2" and not snapshot.backing
        assert driver.instance_power_state(host, name) == PowerState.ON, "the instance ran on through the snapshot"

        driver.reboot_instance(host, name)
        assert driver.instance_power_state(host, name) == PowerState.ON
        driver.detach_volume(host, name, DiskSpec(refs["data"], 1))
        assert disk_paths(name) == {root.path}
        with pytest.raises(HypervisorOperationFailed, match="not attached"):
            driver.detach_volume(host, name, DiskSpec(refs["data"], 1))

        driver.stop_instance(host, name, timeout=stop_timeout)
        assert driver.instance_power_state(host, name) == PowerState.OFF
        with pytest.raises(HypervisorOperationFailed, match="not running"):
            driver.console_address(host, name)
        with pytest.raises(HypervisorOperationFailed, match="not running"):
            driver.reboot_instance(host, name)
        driver.start_instance(host, name)
        driver.stop_instance(host, name, forced=True)
        assert driver.instance_power_state(host, name) == PowerState.OFF
    finally:
        driver.destroy_instance(host, name)
    assert driver.instance_power_state(host, name) == PowerState.MISSING
    assert name not in driver.instance_power_states(host)
    driver.destroy_instance(host, name)  # gone already: no error
    with pytest.raises(HypervisorOperationFailed, match="not defined"):
        driver.start_instance(host, name)

    for kind in ("snapshot", "data", "root", "template"):
        driver.delete_volume(host, refs[kind])
        driver.delete_volume(host, refs[kind])  # gone already: no error
    with pytest.raises(HypervisorOperationFailed, match="is not in storage pool"):
        driver.create_volume(host, refs["root"], MiB, template=refs["template"])
