"""The Simulator hypervisor: hosts are `simulator://NAME`, simulated
machines whose profile, instances, volumes and rules live in the database
(SimulatedMachine, SimulatedInstance, SimulatedVolume, SimulatedRuleSet), so
the web server, workers and beat all see the same state. Operations take
the machine's configured time, fail when the machine is told to
(`failing_operations`), and enforce the same power-state rules as a real
hypervisor."""
import os
import subprocess
import time
from urllib.parse import urlsplit

from django.db import IntegrityError, transaction
from django.db.models import Q, Sum

from cloudstack_ui.api.signing import secrets_equal
from cloudstack_ui.errors import InvalidParameter
from infrastructure.hypervisors.base import (
    ConsoleAddress,
    DiskSpec,
    HostAccess,
    HostAuthenticationFailed,
    HostFacts,
    HostUnreachable,
    HypervisorDriver,
    HypervisorOperationFailed,
    InstanceSpec,
    PoolSpec,
    PowerState,
    SecurityRuleSet,
    UnsupportedOperation,
    VolumeInfo,
    VolumeRef,
)
from infrastructure.models import SimulatedInstance, SimulatedMachine, SimulatedRuleSet, SimulatedVolume

POOL_CAPACITY = 4 * 1024**4  # every simulated storage pool holds 4 TiB
FIRST_VNC_PORT = 5900


def machine_name(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme.lower() != "simulator" or not parts.netloc:
        raise InvalidParameter("url: a Simulator host is written simulator://NAME", field="url")
    return parts.netloc


def simulated_machine(host: HostAccess, operation: str = "") -> SimulatedMachine:
    """The machine behind the URL, after its configured delay; raises as a
    real host would when it is told to refuse or fail `operation`."""
    name = machine_name(host.url)
    machine = SimulatedMachine.objects.filter(name=name).first() or SimulatedMachine(name=name)
    if machine.operation_seconds:
        time.sleep(machine.operation_seconds)
    if machine.refuse_connection:
        raise HostUnreachable(f"Unable to connect to host {machine.name}: connection refused")
    if operation and operation in {o.strip() for o in machine.failing_operations.split(",")}:
        raise HypervisorOperationFailed(f"host {machine.name}: {operation} failed (simulated failure)")
    return machine


class SimulatorDriver(HypervisorDriver):
    hypervisor = "Simulator"

    def _machine(self, host: HostAccess, operation: str = "") -> SimulatedMachine:
        return simulated_machine(host, operation)

    def _instance(self, host: HostAccess, name: str, operation: str) -> SimulatedInstance:
        machine = self._machine(host, operation)
        instance = SimulatedInstance.objects.select_for_update().filter(machine=machine.name, name=name).first()
        if instance is None:
            raise HypervisorOperationFailed(f"instance {name} is not defined on this host")
        return instance

    # --- hosts -------------------------------------------------------------------
    @staticmethod
    def _log_in(machine: SimulatedMachine, host: HostAccess) -> None:
        if machine.password and not secrets_equal(host.password or "", machine.password):
            raise HostAuthenticationFailed(
                f"Unable to log in to host {machine.name} as {host.username or 'root'}: the username or password "
                f"is wrong")

    def connect(self, host: HostAccess) -> HostFacts:
        machine = self._machine(host)
        self._log_in(machine, host)
        running = SimulatedInstance.objects.filter(machine=machine.name, power_state=PowerState.ON).count()
        return HostFacts(
            name=machine.name, ip_address=machine.ip_address, cpu_sockets=machine.cpu_sockets,
            cpu_number=machine.cpu_number, cpu_speed=machine.cpu_speed, cpu_model=machine.cpu_model,
            cpu_flags=machine.cpu_flags, memory=machine.memory, hypervisor_version=machine.hypervisor_version,
            running_vms=machine.running_vms + running, accelerations=("kvm", "qemu"),
        )

    def ping(self, host: HostAccess) -> bool:
        machine = SimulatedMachine.objects.filter(name=machine_name(host.url)).first()
        if machine is None:
            return True
        if machine.refuse_connection:
            raise HostUnreachable(f"Unable to connect to host {machine.name}: connection refused")
        self._log_in(machine, host)
        return True

    # --- instances ---------------------------------------------------------------
    @transaction.atomic
    def define_instance(self, host: HostAccess, spec: InstanceSpec) -> None:
        """The instance with its disks attached, the volumes read and
        attached in one statement each."""
        machine = self._machine(host, "define_instance")
        volumes = self._volumes([disk.volume for disk in spec.disks])
        try:
            with transaction.atomic():
                instance = SimulatedInstance.objects.create(
                    machine=machine.name, name=spec.name, uuid=spec.uuid, vcpus=spec.vcpus, memory=spec.memory,
                    vnc_password=spec.vnc_password, power_state=PowerState.OFF)
        except IntegrityError:
            raise HypervisorOperationFailed(f"an instance named {spec.name} is already defined on this host")
        devices: dict[int, int] = {}  # device id -> volume pk
        for volume, disk in zip(volumes, spec.disks, strict=True):
            self._check_attachable(instance, volume, disk.device_id,
                                   device_taken=devices.setdefault(disk.device_id, volume.pk) != volume.pk)
            volume.instance, volume.device_id = instance, disk.device_id
        if volumes:
            SimulatedVolume.objects.bulk_update(volumes, ["instance", "device_id"])

    @transaction.atomic
    def start_instance(self, host: HostAccess, name: str) -> None:
        instance = self._instance(host, name, "start_instance")
        if instance.power_state != PowerState.ON:
            used = set(SimulatedInstance.objects.filter(machine=instance.machine, power_state=PowerState.ON)
                       .values_list("vnc_port", flat=True))
            instance.vnc_port = next(port for port in range(FIRST_VNC_PORT, FIRST_VNC_PORT + 10000)
                                     if port not in used)
            instance.power_state = PowerState.ON
            instance.boots += 1
            instance.save(update_fields=["vnc_port", "power_state", "boots"])

    @transaction.atomic
    def stop_instance(self, host: HostAccess, name: str, *, forced: bool = False, timeout: float = 60) -> None:
        instance = self._instance(host, name, "stop_instance")
        instance.power_state, instance.vnc_port = PowerState.OFF, 0
        instance.save()

    @transaction.atomic
    def reboot_instance(self, host: HostAccess, name: str) -> None:
        instance = self._instance(host, name, "reboot_instance")
        if instance.power_state != PowerState.ON:
            raise HypervisorOperationFailed(f"instance {name} is not running")
        instance.boots += 1
        instance.save(update_fields=["boots"])

    def destroy_instance(self, host: HostAccess, name: str) -> None:
        machine = self._machine(host, "destroy_instance")
        defined = list(SimulatedInstance.objects.filter(machine=machine.name, name=name).values_list("pk", flat=True))
        if defined:
            with transaction.atomic():
                SimulatedVolume.objects.filter(instance_id__in=defined).update(instance=None, device_id=None)
                SimulatedInstance.objects.filter(pk__in=defined).delete()

    @transaction.atomic
    def migrate_instance(self, host: HostAccess, name: str, destination: HostAccess) -> None:
        instance = self._instance(host, name, "migrate_instance")
        target = self._machine(destination, "migrate_instance")
        if instance.power_state != PowerState.ON:
            raise HypervisorOperationFailed(f"instance {name} is not running; only running instances migrate")
        if SimulatedInstance.objects.filter(machine=target.name, name=name).exists():
            raise HypervisorOperationFailed(f"host {target.name} already has an instance named {name}")
        instance.machine = target.name
        instance.save(update_fields=["machine"])

    def instance_power_state(self, host: HostAccess, name: str) -> PowerState:
        machine = self._machine(host)
        state = SimulatedInstance.objects.filter(machine=machine.name, name=name).values_list(
            "power_state", flat=True).first()
        return PowerState(state) if state else PowerState.MISSING

    def instance_power_states(self, host: HostAccess) -> dict[str, PowerState]:
        machine = self._machine(host)
        return {name: PowerState(state) for name, state in
                SimulatedInstance.objects.filter(machine=machine.name).values_list("name", "power_state")}

    # --- storage -----------------------------------------------------------------
    @staticmethod
    def _path(pool: str, name: str) -> str:
        return f"/simulated/{pool}/{name}"

    def _info(self, volume: SimulatedVolume) -> VolumeInfo:
        return VolumeInfo(name=volume.name, path=self._path(volume.pool, volume.name), size=volume.size,
                          allocation=0 if volume.backing else volume.size, format=volume.format,
                          backing=volume.backing)

    def _volume(self, ref: VolumeRef) -> SimulatedVolume:
        volume = SimulatedVolume.objects.select_for_update().filter(pool=ref.pool.uuid, name=ref.name).first()
        if volume is None:
            raise HypervisorOperationFailed(f"volume {ref.name} is not in storage pool {ref.pool.uuid}")
        return volume

    def _volumes(self, refs: list[VolumeRef]) -> list[SimulatedVolume]:
        """Several volumes, locked, read in one query; in the order of `refs`."""
        if not refs:
            return []
        wanted = Q()
        for ref in refs:
            wanted |= Q(pool=ref.pool.uuid, name=ref.name)
        found = {(v.pool, v.name): v for v in SimulatedVolume.objects.select_for_update().filter(wanted)}
        for ref in refs:
            if (ref.pool.uuid, ref.name) not in found:
                raise HypervisorOperationFailed(f"volume {ref.name} is not in storage pool {ref.pool.uuid}")
        return [found[(ref.pool.uuid, ref.name)] for ref in refs]

    def prepare_storage_pool(self, host: HostAccess, pool: PoolSpec) -> tuple[int, int]:
        self._machine(host, "prepare_storage_pool")
        used = SimulatedVolume.objects.filter(pool=pool.uuid).aggregate(total=Sum("size"))["total"] or 0
        return POOL_CAPACITY, max(POOL_CAPACITY - used, 0)

    def remove_storage_pool(self, host: HostAccess, pool: PoolSpec) -> None:
        """A simulated pool is its volumes; none of ours is left when this is
        called, so only the machine's refusal or failure is simulated."""
        self._machine(host, "remove_storage_pool")

    @transaction.atomic
    def create_volume(self, host: HostAccess, volume: VolumeRef, size: int, *,
                      template: VolumeRef | None = None) -> VolumeInfo:
        self._machine(host, "create_volume")
        backing = ""
        if template is not None:
            base = self._volume(template)
            size, backing = max(size, base.size), self._path(base.pool, base.name)
        return self._create(volume, size=size, backing=backing)

    def _create(self, ref: VolumeRef, **fields) -> VolumeInfo:
        try:
            with transaction.atomic():
                return self._info(SimulatedVolume.objects.create(pool=ref.pool.uuid, name=ref.name, **fields))
        except IntegrityError:
            raise HypervisorOperationFailed(f"storage pool {ref.pool.uuid} already has a volume named {ref.name}")

    @transaction.atomic
    def import_volume(self, host: HostAccess, volume: VolumeRef, source_file: str) -> VolumeInfo:
        self._machine(host, "import_volume")
        with open(source_file, "rb") as source:
            fmt = "qcow2" if source.read(4) == b"QFI\xfb" else "raw"
        return self._create(volume, size=os.path.getsize(source_file), format=fmt)

    def export_volume(self, host: HostAccess, volume: VolumeRef, target_file: str) -> int:
        """A simulated volume has no content: the file is an empty qcow2
        image of the volume's virtual size, as qemu-img makes one."""
        self._machine(host, "export_volume")
        with transaction.atomic():
            size = self._volume(volume).size
        made = subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", target_file, str(size)],
                              capture_output=True, text=True)
        if made.returncode != 0:
            raise HypervisorOperationFailed(f"writing {target_file} failed: {made.stderr.strip()}")
        return os.path.getsize(target_file)

    @transaction.atomic
    def delete_volume(self, host: HostAccess, volume: VolumeRef) -> None:
        self._machine(host, "delete_volume")
        existing = SimulatedVolume.objects.select_for_update().filter(pool=volume.pool.uuid, name=volume.name).first()
        if existing is None:
            return
        if existing.instance_id:
            raise HypervisorOperationFailed(f"volume {volume.name} is attached to instance {existing.instance.name}")
        if SimulatedVolume.objects.filter(backing=self._path(volume.pool.uuid, volume.name)).exists():
            raise HypervisorOperationFailed(f"volume {volume.name} backs other volumes")
        existing.delete()

    @staticmethod
    def _check_attachable(instance: SimulatedInstance, volume: SimulatedVolume, device_id: int, *,
                          device_taken: bool) -> None:
        if volume.instance_id and volume.instance_id != instance.pk:
            raise HypervisorOperationFailed(f"volume {volume.name} is attached to instance {volume.instance.name}")
        if device_taken:
            raise HypervisorOperationFailed(f"instance {instance.name} already has a disk at device id {device_id}")

    @classmethod
    def _attach(cls, instance: SimulatedInstance, volume: SimulatedVolume, device_id: int) -> None:
        cls._check_attachable(instance, volume, device_id, device_taken=instance.volumes.filter(
            device_id=device_id).exclude(pk=volume.pk).exists())
        volume.instance, volume.device_id = instance, device_id
        volume.save(update_fields=["instance", "device_id"])

    @transaction.atomic
    def attach_volume(self, host: HostAccess, name: str, disk: DiskSpec) -> None:
        self._attach(self._instance(host, name, "attach_volume"), self._volume(disk.volume), disk.device_id)

    @transaction.atomic
    def detach_volume(self, host: HostAccess, name: str, disk: DiskSpec) -> None:
        instance = self._instance(host, name, "detach_volume")
        volume = self._volume(disk.volume)
        if volume.instance_id != instance.pk:
            raise HypervisorOperationFailed(f"volume {disk.volume.name} is not attached to instance {name}")
        volume.instance, volume.device_id = None, None
        volume.save(update_fields=["instance", "device_id"])

    @transaction.atomic
    def snapshot_volume(self, host: HostAccess, volume: VolumeRef, snapshot: VolumeRef,
                        *, instance: str = "") -> VolumeInfo:
        self._machine(host, "snapshot_volume")
        source = self._volume(volume)
        return self._create(snapshot, size=source.size, format="qcow2")

    @transaction.atomic
    def resize_volume(self, host: HostAccess, volume: VolumeRef, size: int, *, instance: str = "") -> VolumeInfo:
        self._machine(host, "resize_volume")
        existing = self._volume(volume)
        if size < existing.size:
            raise UnsupportedOperation(f"volume {volume.name} has {existing.size} bytes; volumes only grow")
        existing.size = size
        existing.save(update_fields=["size"])
        return self._info(existing)

    @transaction.atomic
    def revert_volume(self, host: HostAccess, volume: VolumeRef, snapshot: VolumeRef) -> VolumeInfo:
        self._machine(host, "revert_volume")
        source = self._volume(snapshot)
        existing = SimulatedVolume.objects.select_for_update().filter(pool=volume.pool.uuid, name=volume.name).first()
        if existing is None:
            return self._create(volume, size=source.size, format=source.format)
        if existing.instance_id and existing.instance.power_state == PowerState.ON:
            raise HypervisorOperationFailed(f"volume {volume.name} is in use by running instance "
                                            f"{existing.instance.name}")
        existing.size, existing.format, existing.backing = source.size, source.format, ""
        existing.save(update_fields=["size", "format", "backing"])
        return self._info(existing)

    @transaction.atomic
    def copy_volume(self, host: HostAccess, source: VolumeRef, dest: VolumeRef) -> VolumeInfo:
        self._machine(host, "copy_volume")
        original = self._volume(source)
        return self._create(dest, size=original.size, format=original.format)

    # --- console and rules -------------------------------------------------------
    def console_address(self, host: HostAccess, name: str) -> ConsoleAddress:
        machine = self._machine(host, "console_address")
        instance = SimulatedInstance.objects.filter(machine=machine.name, name=name).first()
        if instance is None:
            raise HypervisorOperationFailed(f"instance {name} is not defined on this host")
        if instance.power_state != PowerState.ON:
            raise HypervisorOperationFailed(f"instance {name} is not running; its console opens when it runs")
        return ConsoleAddress(host=machine.ip_address or machine.name, port=instance.vnc_port,
                              password=instance.vnc_password)

    def apply_security_rules(self, host: HostAccess, rule_set: SecurityRuleSet) -> None:
        machine = self._machine(host, "apply_security_rules")
        installed = {"mac": rule_set.mac, "rules": [rule.__dict__ for rule in rule_set.rules]}
        replaced = SimulatedRuleSet.objects.filter(machine=machine.name, name=rule_set.name)
        if replaced.update(**installed):
            return
        try:
            with transaction.atomic():
                SimulatedRuleSet.objects.create(machine=machine.name, name=rule_set.name, **installed)
        except IntegrityError:
            replaced.update(**installed)  # installed concurrently: this call's rules win, as they came last

    def remove_security_rules(self, host: HostAccess, name: str) -> None:
        machine = self._machine(host, "remove_security_rules")
        SimulatedRuleSet.objects.filter(machine=machine.name, name=name).delete()
