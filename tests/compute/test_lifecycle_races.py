"""Lifecycle races (issue 15 item 11): operations on one instance, volume
or snapshot at once. Each operation checks the state on the row it locks
and moves to a transitional state before the slow hypervisor call, so the
loser is refused naming the state (431/536, never 530) and the database
and the Simulator agree afterwards.

The threaded races run on MariaDB (SQLite has no row locks), with the
Simulator's hosts made slow so that the hypervisor calls really overlap;
whichever caller wins, the invariants hold. The tests without threads
replay the losing side of each race on any database: an operation given
the instance as it read it before a concurrent one changed it."""
import threading
import time

import pytest
from django.db import connection

from cloudstack_ui.errors import CloudStackError
from compute.models import Snapshot, Template, VirtualMachine, Volume
from compute.services import instances, snapshots, volumes
from infrastructure.models import SimulatedInstance, SimulatedMachine, SimulatedVolume
from tests.compute.conftest import call, deployed_instance, new_volume, ready_template
from tests.conftest import all_at_once

pytestmark = pytest.mark.usefixtures("jobs_run_eagerly")
threaded = pytest.mark.django_db(transaction=True, serialized_rollback=True)
SLOW = 0.4  # seconds each Simulator operation takes in the threaded races


def needs_row_locks():
    if connection.vendor == "sqlite":
        pytest.skip("SQLite has no row locks; CI runs this on MariaDB")


def slow_hosts(world, seconds: float = SLOW) -> None:
    SimulatedMachine.objects.filter(name__in=[h.url.split("//")[1] for h in world["zone"].hosts]).update(
        operation_seconds=seconds)


def race(*actions) -> list[tuple]:
    """Run the actions in threads released together; answers, per action,
    ("done", result) or ("refused", errorcode, message). An error that is
    not a CloudStack error fails the test."""
    outcomes: list = [None] * len(actions)
    turn = iter(range(len(actions)))
    lock = threading.Lock()

    def one():
        with lock:
            index = next(turn)
        try:
            outcomes[index] = ("done", actions[index]())
        except CloudStackError as exc:
            outcomes[index] = ("refused", exc.errorcode, exc.message)
        except Exception as exc:  # noqa: BLE001 - reported as the test's failure below
            outcomes[index] = ("crashed", repr(exc))

    all_at_once(one, len(actions))
    for outcome in outcomes:
        assert outcome[0] != "crashed", outcome
        if outcome[0] == "refused":
            assert outcome[1] in (431, 536, 404), f"a refused race answers the reason, not {outcome}"
    return outcomes


def done(outcomes) -> list[bool]:
    return [outcome[0] == "done" for outcome in outcomes]


def simulated_power(vm: VirtualMachine) -> str:
    row = SimulatedInstance.objects.filter(name=vm.internal_name).first()
    return row.power_state if row else "missing"


def assert_agrees_with_simulator(vm: VirtualMachine) -> None:
    """The database and the Simulator tell the same story of the instance."""
    vm.refresh_from_db()
    if vm.state == "Running":
        row = SimulatedInstance.objects.get(name=vm.internal_name)
        assert row.power_state == "PowerOn" and row.machine == vm.host.url.split("//")[1]
    else:
        assert vm.state in ("Stopped", "Destroyed"), vm.state
        assert simulated_power(vm) in ("PowerOff", "missing"), f"{vm.state} in the database, on in the Simulator"
        assert vm.host_id is None


def root_volumes(vm: VirtualMachine):
    return list(Volume.objects.filter(instance=vm, volume_type="ROOT", removed__isnull=True))


def assert_has_its_root_disk(vm: VirtualMachine) -> None:
    roots = root_volumes(vm)
    assert len(roots) == 1 and roots[0].state == "Ready", roots
    on_storage = SimulatedVolume.objects.get(pool=str(roots[0].storage_pool.uuid), name=roots[0].path)
    vm.refresh_from_db()
    if vm.state == "Running":
        assert on_storage.instance.name == vm.internal_name and on_storage.device_id == 0


# --- instances: threaded (MariaDB) ----------------------------------------------------------------

@threaded
@pytest.mark.parametrize("other", ["startVirtualMachine", "recoverVirtualMachine"])
def test_a_destroyed_instance_never_comes_back_running(volume_world, other):
    """destroy vs start (or recover) of a stopped instance: exactly one
    wins; a destroyed instance is off on the Simulator."""
    needs_row_locks()
    user, vm = volume_world["user"], deployed_instance(volume_world, "racer", running=False)
    slow_hosts(volume_world)
    outcomes = race(lambda: call(user, "destroyVirtualMachine", id=vm.uuid), lambda: call(user, other, id=vm.uuid))
    vm.refresh_from_db()
    if other == "startVirtualMachine":
        assert sum(done(outcomes)) == 1, outcomes
        assert vm.state == ("Destroyed" if done(outcomes)[0] else "Running")
        loser = outcomes[1] if done(outcomes)[0] else outcomes[0]
        assert loser[1] == 536 and ("Destroying" in loser[2] or "Starting" in loser[2]), loser
    else:
        assert done(outcomes)[0] and vm.state in ("Destroyed", "Stopped"), outcomes
    assert_agrees_with_simulator(vm)


@threaded
def test_a_reboot_alongside_a_destroy_never_powers_it_back_on(volume_world):
    needs_row_locks()
    user, vm = volume_world["user"], volume_world["vm"]
    slow_hosts(volume_world)
    outcomes = race(lambda: call(user, "destroyVirtualMachine", id=vm.uuid),
                    lambda: call(user, "rebootVirtualMachine", id=vm.uuid))
    assert done(outcomes)[0], outcomes
    if not done(outcomes)[1]:
        assert "Destroy" in outcomes[1][2], outcomes[1]
    vm.refresh_from_db()
    assert vm.state == "Destroyed"
    assert_agrees_with_simulator(vm)


@threaded
@pytest.mark.parametrize("other", ["restoreVirtualMachine", "destroyVirtualMachine", "stopVirtualMachine"])
def test_a_restore_never_leaves_an_instance_without_a_root_disk(volume_world, other):
    """restore vs restore, destroy or stop of a running instance: one
    restore at a time; whatever wins, the instance has exactly one root
    volume, Ready and on storage (attached in the Simulator if it runs)."""
    needs_row_locks()
    user, vm = volume_world["user"], volume_world["vm"]
    slow_hosts(volume_world)
    ids = {"restoreVirtualMachine": "virtualmachineid"}
    outcomes = race(lambda: call(user, "restoreVirtualMachine", virtualmachineid=vm.uuid),
                    lambda: call(user, other, **{ids.get(other, "id"): vm.uuid}))
    assert any(done(outcomes)), outcomes
    if other == "restoreVirtualMachine":
        assert sum(done(outcomes)) == 1, outcomes
        loser = outcomes[1] if done(outcomes)[0] else outcomes[0]
        assert loser[1] == 536 and "Restoring" in loser[2], loser
    assert_has_its_root_disk(vm)
    assert_agrees_with_simulator(vm)
    assert SimulatedVolume.objects.filter(name__in=[str(v.uuid) for v in Volume.objects.filter(
        volume_type="ROOT", removed__isnull=False)]).count() == 0, "a replaced root disk is gone from storage"


@threaded
def test_two_migrations_of_one_instance_one_wins(volume_world, root_admin):
    needs_row_locks()
    vm = volume_world["vm"]
    target = next(h for h in volume_world["zone"].hosts if h.pk != vm.host_id)
    slow_hosts(volume_world)
    outcomes = race(*[lambda: call(root_admin, "migrateVirtualMachine", virtualmachineid=vm.uuid,
                                   hostid=target.uuid)] * 2)
    assert sum(done(outcomes)) == 1, outcomes
    loser = outcomes[1] if done(outcomes)[0] else outcomes[0]
    assert "Migrating" in loser[2] or "already runs on" in loser[2], loser
    vm.refresh_from_db()
    assert vm.state == "Running" and vm.host == target
    assert_agrees_with_simulator(vm)


@threaded
def test_reset_password_alongside_start_is_applied_or_refused(simulator_zone, root_admin, tenancy):
    """A start is under way (Starting, in its slow hypervisor calls): a
    password reset is refused naming the state, and the password the
    start gave the instance stays; once it runs, a reset is refused too."""
    needs_row_locks()
    world = {"zone": simulator_zone, "user": tenancy["comp1_user"],
             "template": ready_template(simulator_zone, root_admin, password_enabled=True)}
    user, vm = world["user"], deployed_instance(world, "secret", running=False)
    password = VirtualMachine.objects.get(pk=vm.pk).password
    slow_hosts(world)

    def start():
        try:
            instances.start_virtual_machine(user, vm)
        finally:
            connection.close()

    starting = threading.Thread(target=start)
    starting.start()
    deadline = time.monotonic() + 10
    while VirtualMachine.objects.get(pk=vm.pk).state == "Stopped" and time.monotonic() < deadline:
        time.sleep(0.01)
    with pytest.raises(CloudStackError) as refused:
        call(user, "resetPasswordForVirtualMachine", id=vm.uuid)
    starting.join()
    assert refused.value.errorcode == 536 and "is Starting" in refused.value.message
    vm.refresh_from_db()
    assert vm.state == "Running" and vm.password == password, "the password the start used is the one stored"
    assert_agrees_with_simulator(vm)


# --- volumes and snapshots: threaded (MariaDB) ----------------------------------------------------

def ready_detached_volume(world) -> Volume:
    """A data volume on storage, detached: attached once to the running
    instance (which creates it) and detached again."""
    volume = new_volume(world)
    call(world["user"], "attachVolume", id=volume.uuid, virtualmachineid=world["vm"].uuid)
    call(world["user"], "detachVolume", id=volume.uuid)
    volume.refresh_from_db()
    assert volume.state == "Ready" and volume.path
    return volume


def on_storage(volume: Volume) -> SimulatedVolume | None:
    volume.refresh_from_db()
    return SimulatedVolume.objects.filter(name=str(volume.uuid)).select_related("instance").first()


@threaded
def test_a_volume_being_deleted_cannot_be_attached(volume_world):
    """attach vs delete: exactly one wins, the loser's error names the
    state; never an attached-but-deleted row, nor a disk left on storage
    for a deleted volume."""
    needs_row_locks()
    user, vm = volume_world["user"], volume_world["vm"]
    volume = ready_detached_volume(volume_world)
    slow_hosts(volume_world)
    outcomes = race(lambda: call(user, "attachVolume", id=volume.uuid, virtualmachineid=vm.uuid),
                    lambda: call(user, "deleteVolume", id=volume.uuid))
    assert sum(done(outcomes)) == 1, outcomes
    volume.refresh_from_db()
    if done(outcomes)[1]:
        assert "Expunging" in outcomes[0][2] or "Expunged" in outcomes[0][2], outcomes[0]
        assert volume.state == "Expunged" and volume.instance_id is None and on_storage(volume) is None
    else:
        assert "attached to instance" in outcomes[1][2] or "Attaching" in outcomes[1][2], outcomes[1]
        assert volume.state == "Ready" and volume.instance == vm and volume.removed is None
        assert on_storage(volume).instance.name == vm.internal_name
    assert not Volume.objects.filter(removed__isnull=False, instance__isnull=False).exists()


@threaded
def test_a_snapshot_alongside_the_delete_of_its_volume(volume_world):
    """snapshot vs delete of its volume: either the snapshot is taken (and
    the delete refused while it is, naming Snapshotting) or refused
    because the volume is being deleted; never a BackedUp snapshot
    without its copy on storage, never a deleted volume left on storage."""
    needs_row_locks()
    user = volume_world["user"]
    volume = ready_detached_volume(volume_world)
    slow_hosts(volume_world)
    outcomes = race(lambda: call(user, "createSnapshot", volumeid=volume.uuid),
                    lambda: call(user, "deleteVolume", id=volume.uuid))
    assert any(done(outcomes)), outcomes
    for snapshot in Snapshot.objects.filter(volume=volume):
        assert snapshot.state in ("BackedUp", "Error"), snapshot.state
        if snapshot.state == "BackedUp":
            assert SimulatedVolume.objects.filter(name=snapshot.path).exists()
        else:
            assert "Expunging" in snapshot.error or "Expunged" in snapshot.error or "deleted" in snapshot.error
    volume.refresh_from_db()
    assert volume.state in ("Ready", "Expunged")
    assert (on_storage(volume) is None) == (volume.state == "Expunged")
    if not done(outcomes)[1]:
        assert "Snapshotting" in outcomes[1][2], outcomes[1]


@threaded
def test_a_revert_alongside_an_attach(volume_world):
    """revertSnapshot vs attach to the running instance: one wins; a volume
    is never attached to a running instance while it is being reverted,
    nor left Reverting or Attaching."""
    needs_row_locks()
    user, vm = volume_world["user"], volume_world["vm"]
    volume = ready_detached_volume(volume_world)
    snapshot = Snapshot.objects.get(uuid=call(user, "createSnapshot", volumeid=volume.uuid)["snapshot"]["id"])
    slow_hosts(volume_world)
    outcomes = race(lambda: call(user, "revertSnapshot", id=snapshot.uuid),
                    lambda: call(user, "attachVolume", id=volume.uuid, virtualmachineid=vm.uuid))
    assert any(done(outcomes)), outcomes
    for loser in (outcome for outcome in outcomes if outcome[0] == "refused"):
        assert any(state in loser[2] for state in ("Reverting", "Attaching", "Running", "meanwhile")), loser
    volume.refresh_from_db()
    assert volume.state == "Ready"
    assert (volume.instance_id == vm.pk) == done(outcomes)[1]
    assert (on_storage(volume).instance is not None) == done(outcomes)[1]


# --- the losing side of each race, on any database ------------------------------------------------

def moved_meanwhile(vm: VirtualMachine, state: str) -> VirtualMachine:
    """The instance as a caller read it; then a concurrent operation moved
    it to `state`. Answers the caller's (now stale) copy."""
    stale = VirtualMachine.objects.get(pk=vm.pk)
    VirtualMachine.objects.filter(pk=vm.pk).update(state=state)
    return stale


def unchanged(vm: VirtualMachine):
    return (VirtualMachine.objects.filter(pk=vm.pk).values().first(), list(Volume.objects.order_by("pk").values()),
            list(SimulatedInstance.objects.order_by("pk").values()), list(SimulatedVolume.objects.order_by("pk")
                                                                         .values()))


RUNNING_ONES = ("Migrating", "Restoring")  # the states a stale copy of a Running instance is moved to here


@pytest.mark.django_db
@pytest.mark.parametrize("state,action", [
    ("Starting", lambda user, admin, vm: instances.destroy_virtual_machine(user, vm)),
    ("Stopping", lambda user, admin, vm: instances.destroy_virtual_machine(user, vm)),
    ("Destroying", lambda user, admin, vm: instances.recover_virtual_machine(user, vm)),
    ("Destroying", lambda user, admin, vm: instances.start_virtual_machine(user, vm)),
    ("Stopping", lambda user, admin, vm: instances.start_virtual_machine(user, vm)),
    ("Starting", lambda user, admin, vm: instances.reset_password(user, vm)),
    ("Starting", lambda user, admin, vm: instances.reset_ssh_key(user, vm, "laptop")),
    ("Starting", lambda user, admin, vm: instances.change_service_offering(user, vm, vm.service_offering)),
    ("Starting", lambda user, admin, vm: instances.update_virtual_machine(user, vm, name="renamed")),
    ("Restoring", lambda user, admin, vm: instances.restore_virtual_machine(user, vm)),
    ("Restoring", lambda user, admin, vm: instances.stop_virtual_machine(user, vm)),
    ("Migrating", lambda user, admin, vm: instances.reboot_virtual_machine(user, vm)),
    ("Migrating", lambda user, admin, vm: instances.migrate_virtual_machine(admin, vm, vm.last_host)),
])
def test_an_operation_on_an_instance_moved_meanwhile_is_refused_naming_its_state(volume_world, root_admin,
                                                                                 state, action):
    """Each operation re-reads the instance under its row lock: given the
    copy read before a concurrent operation moved it on, it is refused
    with ResourceInUse naming the state, and nothing changes (database
    and Simulator)."""
    user = volume_world["user"]
    Template.objects.filter(pk=volume_world["template"].pk).update(password_enabled=True)
    vm = volume_world["vm"] if state in RUNNING_ONES else deployed_instance(volume_world, "stale", running=False)
    stale = moved_meanwhile(vm, state)
    before = unchanged(vm)
    with pytest.raises(CloudStackError) as refused:
        action(user, root_admin, stale)
    assert refused.value.errorcode == 536 and f"is {state}" in refused.value.message, refused.value.message
    assert refused.value.field == "id"
    assert unchanged(vm) == before


@pytest.mark.django_db
def test_a_start_that_finds_its_instance_moved_on_powers_it_off_again(volume_world, monkeypatch):
    """The end of a start writes Running only if the instance is still
    Starting: when something else (the lost-job reconciler, say) moved it
    on meanwhile, the machine is powered off again and the start refused."""
    user = volume_world["user"]
    vm = deployed_instance(volume_world, "late", running=False)
    define_and_start = instances._define_and_start

    def moved_on_during_the_start(starting, host):
        VirtualMachine.objects.filter(pk=starting.pk).update(state="Error")
        define_and_start(starting, host)

    monkeypatch.setattr(instances, "_define_and_start", moved_on_during_the_start)
    with pytest.raises(CloudStackError) as refused:
        instances.start_virtual_machine(user, vm)
    assert refused.value.errorcode == 536 and "became Error" in refused.value.message
    vm.refresh_from_db()
    assert vm.state == "Error" and simulated_power(vm) == "PowerOff"


@pytest.mark.django_db
def test_a_restore_that_storage_refuses_keeps_the_old_root_disk(volume_world):
    """The new root disk is created before the old one is let go: when
    storage refuses it, the old root volume is still there, on storage,
    and the instance is Stopped with the reason."""
    user, vm = volume_world["user"], volume_world["vm"]
    old_root = root_volumes(vm)[0]
    SimulatedMachine.objects.filter(name__in=[h.url.split("//")[1] for h in volume_world["zone"].hosts]).update(
        failing_operations="create_volume")
    with pytest.raises(CloudStackError) as refused:
        call(user, "restoreVirtualMachine", virtualmachineid=vm.uuid)
    assert "create_volume failed" in refused.value.message
    vm.refresh_from_db()
    assert vm.state == "Stopped" and "create_volume failed" in vm.state_reason
    assert root_volumes(vm) == [old_root] and on_storage(old_root) is not None
    assert Volume.objects.filter(volume_type="ROOT").count() == 1, "the refused new root volume is not kept"


@pytest.mark.django_db
def test_a_restore_gives_a_new_root_volume_and_deletes_the_old_one(volume_world):
    user, vm = volume_world["user"], volume_world["vm"]
    old_root = root_volumes(vm)[0]
    call(user, "restoreVirtualMachine", virtualmachineid=vm.uuid)
    vm.refresh_from_db()
    assert vm.state == "Running"
    assert_has_its_root_disk(vm)
    new_root = root_volumes(vm)[0]
    assert new_root.pk != old_root.pk and new_root.device_id == 0
    old_root.refresh_from_db()
    assert old_root.state == "Expunged" and old_root.instance_id is None and on_storage(old_root) is None
    assert_agrees_with_simulator(vm)


@pytest.mark.django_db
@pytest.mark.parametrize("state", ["Expunging", "Attaching", "Snapshotting", "Reverting"])
def test_a_busy_volume_is_neither_attached_nor_detached_nor_deleted(volume_world, state):
    """A volume in the middle of another operation: attach, detach and
    delete are refused naming its state, and nothing changes."""
    user, vm = volume_world["user"], volume_world["vm"]
    volume = ready_detached_volume(volume_world)
    Volume.objects.filter(pk=volume.pk).update(state=state)
    before = unchanged(vm)
    for action in (lambda: volumes.attach_volume(user, volume, vm), lambda: volumes.delete_volume(user, volume)):
        with pytest.raises(CloudStackError) as refused:
            action()
        assert f"is {state}" in refused.value.message and refused.value.field == "id", refused.value.message
        assert unchanged(vm) == before
    Volume.objects.filter(pk=volume.pk).update(instance=vm, device_id=1)
    with pytest.raises(CloudStackError) as refused:
        volumes.detach_volume(user, volume)
    assert f"is {state}" in refused.value.message and refused.value.errorcode == 536


@pytest.mark.django_db
def test_a_snapshot_job_of_a_volume_deleted_meanwhile_names_the_state(volume_world):
    """The snapshot job reads the volume as it is when it runs, not as it
    was recorded: a volume being deleted meanwhile fails the job with the
    state named (536), the snapshot in Error, nothing on storage."""
    user = volume_world["user"]
    volume = ready_detached_volume(volume_world)
    snapshot = snapshots.record_snapshot(user, volume)
    Volume.objects.filter(pk=volume.pk).update(state="Expunging")
    with pytest.raises(CloudStackError) as refused:
        snapshots.take_snapshot(user, snapshot)
    assert refused.value.errorcode in (431, 536) and "is Expunging" in refused.value.message
    snapshot.refresh_from_db()
    assert snapshot.state == "Error" and not SimulatedVolume.objects.filter(name__startswith="snapshot-").exists()
