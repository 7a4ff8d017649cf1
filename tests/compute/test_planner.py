"""The deployment planner's rules, each with the reason it gives, the
dry run, and concurrent claims that never over-commit a host (run on
MariaDB by CI; SQLite serialises writers, so there it proves less)."""
import threading

import pytest
from django.db import connection, connections

from accounts.models import ResourceLimit
from cloudstack_ui.api.registry import invoke
from cloudstack_ui.config.services import update_setting
from cloudstack_ui.errors import InsufficientCapacity
from compute.models import DiskOffering, ServiceOffering, VirtualMachine, Volume
from compute.services import planner
from infrastructure.models import Capacity, Host
from infrastructure.services import clusters, hosts, storage
from infrastructure.services.capacity import recalculate_capacity
from tests.compute.conftest import ready_template

GB = 1024 ** 3


def instance(zone, template, offering, name, *, root_size=2 * GB, data: DiskOffering | None = None, ha=False):
    """An instance row with its volumes, as deploy records it before placement."""
    vm = VirtualMachine.objects.create(name=name, account=template.account, zone=zone.zone, template=template,
                                       service_offering=offering, internal_name=f"i-{name}", ha_enabled=ha)
    Volume.objects.create(name=f"ROOT-{name}", account=vm.account, zone=zone.zone, volume_type="ROOT",
                          size=root_size, instance=vm, device_id=0)
    if data is not None:
        Volume.objects.create(name=f"DATA-{name}", account=vm.account, zone=zone.zone, volume_type="DATADISK",
                              size=data.disk_size * GB, disk_offering=data, instance=vm, device_id=1)
    return vm


def offering(name="big", cpu=4, speed=2000, memory=8192, **fields):
    return ServiceOffering.objects.create(name=name, display_text=name, cpu_number=cpu, cpu_speed=speed,
                                          memory=memory, **fields)


@pytest.fixture
def setup(simulator_zone, root_admin):
    """Two hosts of 8 x 2000 MHz and 16 GB."""
    return simulator_zone, ready_template(simulator_zone, root_admin)


@pytest.mark.django_db
def test_the_host_with_most_free_memory_wins_and_the_claim_holds(setup):
    zone, template = setup
    big = offering()
    first = planner.allocate_host(instance(zone, template, big, "a"))
    second = planner.allocate_host(instance(zone, template, big, "b"))
    assert {first.host, second.host} == set(zone.hosts), "the second goes where more memory is free"
    assert Volume.objects.get(name="ROOT-a").storage_pool == zone.pool
    planner.allocate_host(instance(zone, template, big, "c"))
    planner.allocate_host(instance(zone, template, big, "d"))
    with pytest.raises(InsufficientCapacity) as refused:
        planner.allocate_host(instance(zone, template, big, "e"))
    message = refused.value.message
    assert "no host can run instance e (8000 MHz, 8192 MB)" in message
    assert "host sim-h1: 0 MHz free, 8000 needed" in message and "cluster sim-c1" in message
    recalculate_capacity()
    held = Capacity.objects.get(host=first.host, type=Capacity.Type.CPU)
    assert (held.used, held.total) == (16000, 16000), "capacity pages show what instances hold"
    vm = VirtualMachine.objects.get(name="a")
    planner.release_host(vm)
    assert vm.host is None and vm.last_host == first.host
    assert Capacity.objects.get(host=first.host, type=Capacity.Type.CPU).used == 8000, "released at once"
    assert planner.allocate_host(VirtualMachine.objects.get(name="e")).host == first.host


@pytest.mark.django_db
def test_memory_and_overprovisioning(setup, root_admin):
    zone, template = setup
    hungry = offering(cpu=1, memory=12288)
    planner.allocate_host(instance(zone, template, hungry, "a"))
    planner.allocate_host(instance(zone, template, hungry, "b"))
    with pytest.raises(InsufficientCapacity, match="4096 MB memory free, 12288 needed"):
        planner.allocate_host(instance(zone, template, hungry, "c"))
    update_setting(root_admin, "mem.overprovisioning.factor", "2", scope="cluster", scope_uuid=zone.cluster.uuid)
    assert planner.allocate_host(VirtualMachine.objects.get(name="c")).host is not None


@pytest.mark.django_db
def test_host_tags_ha_tag_and_host_states(setup, root_admin):
    zone, template = setup
    h1, h2 = zone.hosts
    hosts.update_host(root_admin, h1, tags="ssd,gpu")
    tagged = offering(name="gpu", cpu=1, memory=512, host_tags="gpu")
    assert planner.allocate_host(instance(zone, template, tagged, "g")).host == h1
    hosts.update_host(root_admin, h1, tags="ssd,gpu,ha")
    update_setting(root_admin, "ha.tag", "ha")
    with pytest.raises(InsufficientCapacity) as refused:
        planner.allocate_host(instance(zone, template, tagged, "g2"))
    assert "host sim-h1: kept for HA instances (ha.tag ha)" in refused.value.message
    assert "host sim-h2: lacks host tags gpu" in refused.value.message
    ha = offering(name="ha", cpu=1, memory=512, host_tags="gpu", offer_ha=True)
    assert planner.allocate_host(instance(zone, template, ha, "h", ha=True)).host == h1
    Host.objects.filter(pk=h2.pk).update(resource_state="Maintenance")
    clusters.update_cluster(root_admin, zone.cluster, allocation_state="Disabled")
    small = offering(name="small", cpu=1, memory=256)
    with pytest.raises(InsufficientCapacity) as refused:
        planner.allocate_host(instance(zone, template, small, "s"))
    assert "host sim-h2: Maintenance" in refused.value.message
    assert "host sim-h1: cluster sim-c1 is Disabled" in refused.value.message


@pytest.mark.django_db
def test_storage_tags_space_and_the_previous_host(setup, root_admin):
    zone, template = setup
    fast = DiskOffering.objects.create(name="fast", display_text="fast", disk_size=10, tags="ssd")
    with pytest.raises(InsufficientCapacity, match="no shared primary storage with tags ssd"):
        planner.allocate_host(instance(zone, template, offering(cpu=1, memory=256), "t", data=fast))
    ssd = storage.create_storage_pool(root_admin, zone.zone, name="ssd", url="nfs://10.0.0.6/ssd",
                                      cluster=zone.cluster, tags="ssd")
    placed = planner.allocate_host(VirtualMachine.objects.get(name="t"))
    assert Volume.objects.get(name="DATA-t").storage_pool == ssd
    assert Volume.objects.get(name="ROOT-t").storage_pool in (zone.pool, ssd)
    huge = DiskOffering.objects.create(name="huge", display_text="huge", disk_size=9000, tags="ssd")
    with pytest.raises(InsufficientCapacity, match=r"primary storage ssd has \d+ GB free, 9000 GB needed"):
        planner.allocate_host(instance(zone, template, offering(name="o2", cpu=1, memory=256), "u", data=huge))
    vm = VirtualMachine.objects.get(name="t")
    planner.release_host(vm)
    other = next(h for h in zone.hosts if h != placed.host)
    assert planner.allocate_host(vm, prefer=other).host == other, "the preferred host first when it qualifies"
    planner.release_host(vm)
    assert planner.allocate_host(vm, host=placed.host, prefer=other).host == placed.host, \
        "a host asked for is the only one, whatever the previous host"


@pytest.mark.django_db
def test_capacity_rows_keep_the_memory_left_for_the_ranking(setup):
    zone, template = setup
    placed = planner.allocate_host(instance(zone, template, offering(cpu=1, memory=1024), "m")).host
    memory = Capacity.objects.get(host=placed, type=Capacity.Type.MEMORY)
    assert memory.used == 1024 * 1024 ** 2 and memory.free == memory.total - memory.used
    other = next(h for h in zone.hosts if h != placed)
    assert planner.allocate_host(instance(zone, template, offering(name="o2", cpu=1, memory=1024), "n")).host \
        == other, "the host with more memory left ranks first"


@pytest.mark.django_db
def test_the_dry_run_explains_and_claims_nothing(setup, root_admin):
    zone, template = setup
    hosts.update_host(root_admin, zone.hosts[0], tags="gpu")
    answer = invoke(root_admin, "planVirtualMachineDeployment", {
        "zoneid": zone.zone.uuid, "serviceofferingid": ServiceOffering.objects.get(name="Small Instance").uuid,
        "templateid": template.uuid})
    assert answer["hostname"] in {h.name for h in zone.hosts}
    assert answer["storagepool"][0]["name"] == zone.pool.name
    assert answer["explanation"][0].startswith("chosen: host ")
    gpu = offering(name="gpu", cpu=1, memory=256, host_tags="gpu")
    answer = invoke(root_admin, "planVirtualMachineDeployment", {
        "zoneid": zone.zone.uuid, "serviceofferingid": gpu.uuid, "templateid": template.uuid})
    assert answer["hostname"] == zone.hosts[0].name
    assert "cluster sim-c1: host sim-h2: lacks host tags gpu" in answer["explanation"]
    assert not VirtualMachine.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_claims_never_over_commit_a_host(simulator_zone, root_admin):
    """50 claims at once for room of 16 (two hosts of 8 cores, 1-core
    instances of 2000 MHz): exactly 16 placed, 34 refused."""
    if connection.vendor == "sqlite":
        pytest.skip("SQLite has no row locks; CI runs this on MariaDB")
    template = ready_template(simulator_zone, root_admin)
    core = offering(name="core", cpu=1, speed=2000, memory=256)
    vms = [instance(simulator_zone, template, core, f"c{n}") for n in range(50)]
    placed, refused = [], []
    barrier = threading.Barrier(len(vms))

    def claim(vm):
        try:
            barrier.wait()
            placed.append(planner.allocate_host(vm).host.pk)
        except InsufficientCapacity:
            refused.append(vm.pk)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim, args=(vm,)) for vm in vms]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(placed) == 16 and len(refused) == 34
    for host in simulator_zone.hosts:
        assert VirtualMachine.objects.filter(host=host).count() == 8


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_fifty_concurrent_deploys_never_over_commit_a_host(simulator_zone, tenancy, root_admin):
    """50 whole deploys at once (the recorded request, then the job's
    launch: placement, address, volumes, definition, start) for room of 16:
    16 Running with distinct addresses, 34 in Error saying why, having
    given back their addresses, and no host holds more than it has."""
    if connection.vendor == "sqlite":
        pytest.skip("SQLite has no row locks; CI runs this on MariaDB")
    from compute.services import instances
    from network.models import GuestIpAddress

    user = tenancy["comp1_user"]
    for resource_type in (ResourceLimit.Type.USER_VM, ResourceLimit.Type.VOLUME, ResourceLimit.Type.CPU):
        ResourceLimit.objects.create(account=user.account, resource_type=resource_type, max=-1)
    template = ready_template(simulator_zone, root_admin)
    core = offering(name="core", cpu=1, speed=2000, memory=256)
    outcomes, others = [], []
    barrier = threading.Barrier(50)

    def deploy(n):
        try:
            barrier.wait()
            vm, request = instances.deploy_virtual_machine(user, zone=simulator_zone.zone, service_offering=core,
                                                           template_uuid=template.uuid, name=f"c{n}")
            try:
                instances.launch_virtual_machine(user, vm, request)
            except InsufficientCapacity:
                pass
            outcomes.append(VirtualMachine.objects.get(pk=vm.pk).state)
        except Exception as exc:
            others.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deploy, args=(n,)) for n in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not others
    assert sorted(outcomes).count("Running") == 16 and sorted(outcomes).count("Error") == 34
    for host in simulator_zone.hosts:
        assert VirtualMachine.objects.filter(host=host).count() == 8
    running = VirtualMachine.objects.filter(state="Running")
    addresses = list(GuestIpAddress.objects.values_list("address", flat=True))
    assert len(addresses) == len(set(addresses)) == 16 == running.count(), "only the running hold addresses"
    assert all("no host can run" in vm.state_reason for vm in VirtualMachine.objects.filter(state="Error"))
