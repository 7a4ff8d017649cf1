"""One operation suite for every hypervisor driver: a template imported into
a pool, a root volume backed by it and a blank data volume, an instance
defined, started, given a data disk while it runs, snapshotted while it runs,
rebooted, stopped gracefully and forcibly, destroyed, and everything deleted
again. `disk_paths(name)` reads the instance's disks back from the
hypervisor itself, so each step is checked where it took effect.

A second suite grows, snapshots, copies and reverts a volume, offline and
as the disk of a running instance."""
import uuid

import pytest

from infrastructure.hypervisors import (
    DiskSpec,
    HypervisorOperationFailed,
    InstanceSpec,
    PowerState,
    UnsupportedOperation,
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


def run_volume_suite(driver, host, pool, *, name=None, mark=None, marked=None):
    """Resize (never shrink), snapshot, copy and revert a volume, then grow
    it online as the disk of a running instance, where a revert is refused
    until the instance stops. Where the test can reach a volume's content,
    `mark(ref, byte)` fills its first blocks with `byte` and
    `marked(ref, byte)` says whether they hold it."""
    name = name or f"i-2-{uuid.uuid4().int % 10000}-VM"
    refs = {kind: VolumeRef(pool, f"{name}-{kind}") for kind in ("vol", "snap", "copy")}
    driver.prepare_storage_pool(host, pool)
    driver.create_volume(host, refs["vol"], 32 * MiB)
    try:
        assert driver.resize_volume(host, refs["vol"], 48 * MiB).size == 48 * MiB
        with pytest.raises(UnsupportedOperation, match="only grow"):
            driver.resize_volume(host, refs["vol"], 16 * MiB)
        if mark:
            mark(refs["vol"], 0xA1)
        assert driver.snapshot_volume(host, refs["vol"], refs["snap"]).size == 48 * MiB
        if mark:
            mark(refs["vol"], 0xB2)
        driver.resize_volume(host, refs["vol"], 64 * MiB)

        copy = driver.copy_volume(host, refs["snap"], refs["copy"])
        assert copy.size == 48 * MiB and not copy.backing, "a full copy of its own"
        assert driver.revert_volume(host, refs["vol"], refs["snap"]).size == 48 * MiB, "the snapshot's size"
        if marked:
            assert marked(refs["vol"], 0xA1) and marked(refs["copy"], 0xA1) and not marked(refs["vol"], 0xB2)

        spec = InstanceSpec(name=name, uuid=str(uuid.uuid4()), vcpus=1, cpu_speed=500, memory=128 * MiB,
                            vnc_password="vncSec-1", disks=(DiskSpec(refs["vol"], 0),), acceleration="qemu")
        driver.define_instance(host, spec)
        try:
            driver.start_instance(host, name)
            assert driver.resize_volume(host, refs["vol"], 80 * MiB, instance=name).size == 80 * MiB
            assert driver.instance_power_state(host, name) == PowerState.ON, "grown while it runs"
            with pytest.raises(HypervisorOperationFailed, match="in use by running instance"):
                driver.revert_volume(host, refs["vol"], refs["snap"])
            driver.stop_instance(host, name, forced=True)
            assert driver.revert_volume(host, refs["vol"], refs["snap"]).size == 48 * MiB
        finally:
            driver.destroy_instance(host, name)
        driver.delete_volume(host, refs["vol"])
        assert driver.revert_volume(host, refs["vol"], refs["snap"]).size == 48 * MiB, \
            "a volume gone from the pool is made again from the snapshot"
    finally:
        for ref in refs.values():
            driver.delete_volume(host, ref)
