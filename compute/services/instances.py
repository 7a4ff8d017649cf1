"""Instances (guide 6.9): deploy, start, stop, reboot, destroy, expunge,
recover, restore, migrate, change of offering, password and SSH key resets,
updates, and the sync of their power state with the hypervisors.

`deploy_virtual_machine` checks every parameter and records the instance
(Starting) with its security groups and volume rows before any job runs,
so bad input is refused at once and leaves nothing. `launch_virtual_machine`
(the job) places it, takes its guest addresses, creates its volumes,
defines and starts it; when any step fails it gives back everything it
took (addresses, volumes, host capacity) and leaves the instance in Error
with the reason. An instance's definition on the hypervisor is rebuilt from
the database at each start, so volumes and NICs changed while it was
stopped are what it boots with."""
import base64
import binascii
import logging
import re
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.db.models import Prefetch, Q
from django.utils import timezone

from accounts.models import Account, ResourceLimit, SSHKeyPair
from accounts.services.accounts import lock_account
from accounts.services.limits import check_resource_limits
from accounts.services.scope import ensure_can_admin_account, scope_by_account
from cloudstack_ui.config.keys import get_value
from cloudstack_ui.errors import (
    CloudStackError,
    InsufficientCapacity,
    InvalidParameter,
    NotFound,
    PermissionDenied,
    ResourceInUse,
    ResourceUnavailable,
)
from cloudstack_ui.jobs.events import raise_alert, record_event
from cloudstack_ui.jobs.models import Alert
from compute.models import DiskOffering, InstanceGroup, Nic, ServiceOffering, VirtualMachine, Volume
from compute.services import planner, templates, volumes
from compute.services.offerings import visible_service_offerings
from compute.services.storage_access import driver_and_access, pool_host, pool_ref
from infrastructure.hypervisors import InstanceSpec, NicSpec, PowerState, SecurityRule, SecurityRuleSet
from infrastructure.models import Host, Zone
from infrastructure.services.monitoring import host_access
from infrastructure.settings_keys import EXPUNGE_DELAY, KVM_ACCELERATION
from network.models import Network, SecurityGroup, TrafficType
from network.services import guest_ips, guest_vlans, routers, security_groups
from network.services.networks import create_default_network, visible_networks

logger = logging.getLogger(__name__)

State = VirtualMachine.State
Limit = ResourceLimit.Type
GB = 1024 ** 3
MB = 1024 ** 2
# RFC 1123 host name label, as CloudStack checks an instance's name.
HOSTNAME = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
USER_DATA_LIMIT = 32768


# --- lookup ---------------------------------------------------------------------------------------

def visible_instances(caller):
    """The instances the caller may see, with everything their answer
    shows loaded in a fixed number of queries."""
    return scope_by_account(
        VirtualMachine.objects.select_related(
            "account__domain", "zone", "host", "last_host", "template__os_type", "iso", "service_offering", "group")
        .prefetch_related("nics__network", "nics__guest_ip__static_nat_ips", "security_groups"),
        caller)


def find_instance(caller, uuid, field: str = "id") -> VirtualMachine:
    """An instance the caller may operate; another account's looks unknown."""
    vm = visible_instances(caller).filter(uuid=uuid).first()
    if vm is None:
        raise NotFound(f"{field}: no instance has the id {uuid}", field=field)
    return vm


# States in which an operation is under way on the instance: every other
# operation is refused (ResourceInUse) until it ends.
BUSY_STATES = (State.STARTING, State.STOPPING, State.MIGRATING, State.RESTORING, State.DESTROYING,
               State.EXPUNGING)


def _require_state(vm: VirtualMachine, allowed: tuple[str, ...], action: str) -> None:
    if vm.state not in allowed:
        error = ResourceInUse if vm.state in BUSY_STATES else InvalidParameter
        raise error(
            f"id: instance {vm.name} is {vm.state}; it can be {action} only when "
            + " or ".join(allowed), field="id")


def _lock(vm: VirtualMachine) -> VirtualMachine:
    """The instance's row read again and locked until the transaction ends
    (NotFound once it is expunged), so that checks made on it hold."""
    current = VirtualMachine.objects.select_for_update().filter(pk=vm.pk).first()
    if current is None:
        raise NotFound(f"id: instance {vm.name} has been expunged", field="id")
    return current


def _begin(vm: VirtualMachine, allowed: tuple[str, ...], transitional: str, action: str,
           check=None) -> tuple[VirtualMachine, str]:
    """Start an operation: under the instance's row lock, check its current
    state (and `check(locked row)`), then move it to `transitional`,
    committed at once so that a concurrent operation is refused before any
    slow hypervisor call. Answers the instance as it is now and the state
    it was in."""
    with transaction.atomic():
        current = _lock(vm)
        _require_state(current, allowed, action)
        if check is not None:
            check(current)
        VirtualMachine.objects.filter(pk=vm.pk).update(state=transitional)
    vm.refresh_from_db()
    return vm, current.state


def _current_state(vm: VirtualMachine) -> str:
    return VirtualMachine.objects.filter(pk=vm.pk).values_list("state", flat=True).first() or "expunged"


def _settle(vm: VirtualMachine, transitional: str, action: str, **changes) -> None:
    """End an operation begun with `_begin`: `changes` are written only if
    the instance is still `transitional` (one conditional UPDATE, which
    takes the row lock); otherwise ResourceInUse names the state it was
    moved to meanwhile."""
    if not VirtualMachine.objects.filter(pk=vm.pk, state=transitional).update(**changes):
        raise ResourceInUse(f"id: instance {vm.name} became {_current_state(vm)} while it was being {action}",
                            field="id")
    vm.refresh_from_db()


def _give_back(vm: VirtualMachine, transitional: str, **changes) -> None:
    """An operation that failed leaves its transitional state (if the
    instance is still in it) for `changes`."""
    VirtualMachine.objects.filter(pk=vm.pk, state=transitional).update(**changes)


# --- deploy ---------------------------------------------------------------------------------------

@dataclass
class DeployRequest:
    """What deployVirtualMachine asked for, resolved and checked."""

    networks: list[Network] = field(default_factory=list)
    ip_address: str = ""
    requested_host: Host | None = None


def _owner(caller, account: Account | None) -> Account:
    if account is None or account.pk == caller.account_id:
        return caller.account
    ensure_can_admin_account(caller, account)
    return account


def _check_name(name: str, account: Account, field: str = "name") -> str:
    if not HOSTNAME.match(name) or name[0].isdigit():
        raise InvalidParameter(
            f"{field}: {name!r} is not a valid host name: up to 63 letters, digits and hyphens, "
            "starting with a letter and not ending with a hyphen", field=field)
    if VirtualMachine.objects.filter(account=account, name__iexact=name).exclude(state=State.EXPUNGING).exists():
        raise InvalidParameter(f"{field}: account {account.name} already has an instance named {name}",
                               field=field)
    return name


def _check_user_data(user_data: str) -> str:
    if not user_data:
        return ""
    try:
        decoded = base64.b64decode(user_data, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidParameter("userdata: it must be base64-encoded", field="userdata")
    if len(decoded) > USER_DATA_LIMIT:
        raise InvalidParameter(f"userdata: {len(decoded)} bytes once decoded; at most {USER_DATA_LIMIT}",
                               field="userdata")
    return user_data


def _keypair(account: Account, name: str, field: str = "keypair") -> SSHKeyPair:
    pair = SSHKeyPair.objects.filter(account=account, name=name).first()
    if pair is None:
        raise NotFound(f"{field}: account {account.name} has no SSH key pair named {name}", field=field)
    return pair


def _group(account: Account, name: str) -> InstanceGroup | None:
    if not name:
        return None
    group, _ = InstanceGroup.objects.get_or_create(account=account, name=name)
    return group


def _networks(caller, account: Account, zone: Zone, network_uuids: list) -> list[Network]:
    reachable = visible_networks(caller).filter(zone=zone)
    if not network_uuids:
        candidates = list(reachable.filter(Q(account__isnull=True) | Q(account=account))[:2])
        if not candidates and zone.network_type == Zone.NetworkType.ADVANCED:
            return [create_default_network(caller, zone, account)]
        if zone.network_type == Zone.NetworkType.BASIC or len(candidates) == 1:
            if not candidates:
                raise InvalidParameter(f"networkids: zone {zone.name} has no guest network yet",
                                       field="networkids")
            return candidates[:1]
        raise InvalidParameter(f"networkids: zone {zone.name} has several guest networks; choose one",
                               field="networkids")
    chosen = []
    for uuid in network_uuids:
        network = reachable.filter(uuid=uuid).first()
        if network is None:
            raise NotFound(f"networkids: no network {uuid} in zone {zone.name} that account {account.name} "
                           "may use", field="networkids")
        if network.account_id and network.account_id != account.pk:
            raise PermissionDenied(f"networkids: network {network.name} belongs to another account",
                                   field="networkids")
        if network not in chosen:
            chosen.append(network)
    if zone.network_type == Zone.NetworkType.BASIC and len(chosen) > 1:
        raise InvalidParameter("networkids: an instance of a Basic zone has one network", field="networkids")
    return chosen


def _security_groups(caller, account: Account, networks: list[Network], uuids: list, names: list):
    if uuids and names:
        raise InvalidParameter("securitygroupids: give security group ids or names, not both",
                               field="securitygroupids")
    with_groups = any(n.offering.has_security_groups for n in networks)
    if not with_groups:
        if uuids or names:
            raise InvalidParameter("securitygroupids: security groups apply only on networks that offer them; "
                                   f"{networks[0].name} does not", field="securitygroupids")
        return []
    groups = [security_groups.find_group(caller, uuid, "securitygroupids") for uuid in uuids]
    groups += [security_groups.find_group_by_name(caller, account, name) for name in names]
    for group in groups:
        if group.account_id != account.pk:
            raise PermissionDenied(f"securitygroupids: group {group.name} belongs to account "
                                   f"{group.account.name}", field="securitygroupids")
    return groups or [security_groups.default_group(account)]


def _disk(caller, disk_offering: DiskOffering | None, size: int | None) -> int:
    """The data (or ISO root) disk's size in bytes; 0 without an offering."""
    if disk_offering is None:
        if size:
            raise InvalidParameter("size: a size needs a disk offering (diskofferingid)", field="size")
        return 0
    return volumes.data_disk_size(caller, disk_offering, size)


@transaction.atomic
def deploy_virtual_machine(caller, *, zone: Zone, service_offering: ServiceOffering, template_uuid,
                           account: Account | None = None, disk_offering: DiskOffering | None = None,
                           size: int | None = None, root_disk_size: int | None = None, network_uuids=(),
                           ip_address: str = "", security_group_uuids=(), security_group_names=(),
                           name: str = "", display_name: str = "", group: str = "", keypair: str = "",
                           user_data: str = "", host: Host | None = None, start: bool = True,
                           ) -> tuple[VirtualMachine, DeployRequest]:
    """Check a deploy and record the instance (Starting, or Stopped when
    `start` is false) with its groups and volume rows; nothing is placed
    or created on a hypervisor yet. Raises on any bad parameter, leaving
    nothing behind."""
    account = _owner(caller, account)
    if zone.allocation_state != "Enabled" and not caller.is_root_admin:
        raise ResourceUnavailable(f"zoneid: zone {zone.name} is disabled", field="zoneid")
    if not visible_service_offerings(caller).filter(pk=service_offering.pk).exists():
        raise PermissionDenied(f"serviceofferingid: service offering {service_offering.name} is not offered to "
                               "your domain", field="serviceofferingid")
    template = templates.ready_template(caller, template_uuid, zone, field="templateid", iso=None)
    if template.is_iso:
        if disk_offering is None:
            raise InvalidParameter("diskofferingid: an instance booted from an ISO needs a disk offering for its "
                                   "root disk", field="diskofferingid")
        root_size = _disk(caller, disk_offering, size)
        data_size = 0
    else:
        data_size = _disk(caller, disk_offering, size)
        root_size = max(template.size, (root_disk_size or 0) * GB)
        if root_disk_size and root_disk_size * GB < template.size:
            raise InvalidParameter(f"rootdisksize: at least the template's {template.size // GB or 1} GB",
                                   field="rootdisksize")
    if host is not None:
        if not caller.is_root_admin:
            raise PermissionDenied("hostid: only a root admin chooses the host", field="hostid")
        if host.zone_id != zone.pk:
            raise InvalidParameter(f"hostid: host {host.name} is not in zone {zone.name}", field="hostid")
    # Before anything is written, the account's row lock: concurrent deploys
    # of one account queue here instead of deadlocking.
    lock_account(account)
    check_resource_limits(account, {Limit.USER_VM: 1, Limit.CPU: service_offering.cpu_number,
                                    Limit.MEMORY: service_offering.memory, Limit.VOLUME: 2 if data_size else 1,
                                    Limit.PRIMARY_STORAGE: root_size + data_size})
    networks = _networks(caller, account, zone, list(network_uuids))
    groups = _security_groups(caller, account, networks, list(security_group_uuids), list(security_group_names))
    pair = _keypair(account, keypair) if keypair else None
    vm = VirtualMachine.objects.create(
        name=_check_name(name, account) if name else f"VM-{secrets.token_hex(4)}",
        display_name=display_name or name, account=account, zone=zone,
        # An instance booted from an ISO records it as its template too, as
        # CloudStack answers templateid with the ISO's id.
        template=template, iso=template if template.is_iso else None,
        service_offering=service_offering, group=_group(account, group),
        keypair=pair.name if pair else "", ssh_public_key=pair.public_key if pair else "",
        user_data=_check_user_data(user_data), vnc_password=secrets.token_urlsafe(12),
        password=_new_password() if template.password_enabled else "",
        ha_enabled=service_offering.offer_ha, state=State.STARTING if start else State.STOPPED)
    if not name:
        vm.name = vm.display_name = f"VM-{vm.uuid}"[:63]
    vm.internal_name = f"i-{account.pk}-{vm.pk}-VM"
    vm.save(update_fields=["name", "display_name", "internal_name"])
    vm.security_groups.add(*groups)
    Volume.objects.create(
        name=f"ROOT-{vm.pk}", account=account, zone=zone, volume_type=Volume.Type.ROOT, size=root_size,
        disk_offering=disk_offering if template.is_iso else None, instance=vm, device_id=0,
        template=None if template.is_iso else template)
    if data_size:
        Volume.objects.create(name=f"DATA-{vm.pk}", account=account, zone=zone, volume_type=Volume.Type.DATADISK,
                              size=data_size, disk_offering=disk_offering, instance=vm, device_id=1)
    record_event("VM.CREATE", f"Instance {vm.name} created in zone {zone.name}", user=caller, account=account,
                 resource=vm)
    return vm, DeployRequest(networks=networks, ip_address=ip_address, requested_host=host)


def deploy_request(caller, vm: VirtualMachine, *, network_uuids=(), ip_address: str = "",
                   host: Host | None = None) -> DeployRequest:
    """The deploy job's view of what was asked, for an instance recorded by
    deploy_virtual_machine (its checks already passed)."""
    return DeployRequest(networks=_networks(caller, vm.account, vm.zone, list(network_uuids)),
                         ip_address=ip_address, requested_host=host)


def _new_password() -> str:
    return secrets.token_urlsafe(9)


def launch_virtual_machine(caller, vm: VirtualMachine, request: DeployRequest) -> VirtualMachine:
    """The deploy job: place the instance, give it addresses and volumes,
    define and start it. On failure everything taken is given back, the
    instance is left in Error with the reason, and the error is raised."""
    try:
        if vm.state == State.STOPPED:
            _take_addresses(vm, request.networks, request.ip_address, pod=None)
            return vm
        placement = planner.allocate_host(vm, host=request.requested_host)
        _take_addresses(vm, request.networks, request.ip_address, pod=placement.host.pod)
        _create_volumes(vm, placement.host)
        _define_and_start(vm, placement.host)
    except CloudStackError as exc:
        _fail_deploy(caller, vm, exc)
        raise
    record_event("VM.START", f"Instance {vm.name} started on host {vm.host.name}", user=caller,
                 account=vm.account, resource=vm)
    _membership_changed(vm)
    return vm


def _take_addresses(vm: VirtualMachine, networks: list[Network], ip_address: str, *, pod) -> None:
    basic = vm.zone.network_type == Zone.NetworkType.BASIC
    for device_id, network in enumerate(networks):
        address = guest_ips.allocate_guest_ip(network, pod=pod if basic else None,
                                              requested=ip_address if device_id == 0 else "")
        Nic.objects.create(instance=vm, network=network, guest_ip=address, device_id=device_id,
                           is_default=device_id == 0)


def _create_volumes(vm: VirtualMachine, host: Host, *, among=None) -> None:
    """Create on storage the instance's volumes (or those of `among`, a queryset)
    the planner placed but that do not exist yet: the root volume backed
    by the template's copy on its pool, blank data volumes."""
    driver, access = driver_and_access(host)
    for volume in (vm.volumes if among is None else among).filter(
            state=Volume.State.ALLOCATED, storage_pool__isnull=False).select_related(
            "storage_pool", "template").order_by("device_id"):
        pool = volume.storage_pool
        backing = None
        if volume.volume_type == Volume.Type.ROOT and volume.template_id:
            backing = templates.template_on_pool(volume.template, pool, host)
        info = driver.create_volume(access, pool_ref(pool, str(volume.uuid)), volume.size, template=backing)
        Volume.objects.filter(pk=volume.pk).update(state=Volume.State.READY, storage_pool=pool,
                                                   path=str(volume.uuid), format=info.format, size=info.size)


def _nics(vm: VirtualMachine) -> list[Nic]:
    """The instance's NICs with what defining it and its rules read of them."""
    return list(vm.nics.select_related("network__offering", "guest_ip"))


def _nic_specs(vm: VirtualMachine, host: Host, nics: list[Nic]) -> tuple[NicSpec, ...]:
    labels = dict(TrafficType.objects.filter(
        traffic_type=TrafficType.Kind.GUEST, physical_network__in={n.network.physical_network_id for n in nics}
    ).values_list("physical_network_id", _label_field(host.hypervisor)))

    def bridge(network: Network) -> str:
        if network.is_isolated:
            return routers.nic_bridge(network, host.hypervisor)
        return labels.get(network.physical_network_id, "") or ""

    return tuple(NicSpec(mac=nic.guest_ip.mac_address, network=bridge(nic.network),
                         security_filter=_filter_name(vm, nic) if nic.network.offering.has_security_groups else "")
                 for nic in nics)


def _implement_networks(vm: VirtualMachine, host: Host, nics: list[Nic]) -> None:
    """Before an instance starts on `host`: its isolated networks are
    implemented there (VLAN, router, its DHCP lease and metadata), within
    the zone's running maximum of guide 12.9."""
    running = VirtualMachine.objects.filter(zone_id=vm.zone_id, state=State.RUNNING).count()
    if running >= guest_vlans.zone_running_limit():
        raise InsufficientCapacity(f"zone {vm.zone.name} runs {running} instances, the most guest.vlan.bits allows")
    for nic in nics:
        if nic.network.is_isolated:
            nic.network = routers.implement_network(nic.network, host)


def _hand_password(vm: VirtualMachine, nics: list[Nic]) -> None:
    """A password-enabled instance fetches its password from its default
    network's router at boot (CloudStack's password server)."""
    default = next((nic for nic in nics if nic.is_default), None)
    if vm.password and default is not None and default.network.is_isolated:
        routers.save_password(default.network, default.guest_ip.address, vm.password)


def _label_field(hypervisor: str) -> str:
    return {"XenServer": "xen_label", "VMware": "vmware_label"}.get(hypervisor, "kvm_label")


def _filter_name(vm: VirtualMachine, nic: Nic) -> str:
    return f"{vm.internal_name}-nic{nic.device_id}"


def _member_addresses(group: SecurityGroup) -> list[str]:
    return list(Nic.objects.filter(instance__security_groups=group, instance__host__isnull=False)
                .values_list("guest_ip__address", flat=True))


class SecurityRulesNotApplied(ResourceUnavailable):
    """A host did not install an instance's security-group rules; its NICs
    are marked Error with the reason and an alert is raised."""


def apply_security_rules(vm: VirtualMachine, *, nics: list[Nic] | None = None,
                         rules: tuple[SecurityRule, ...] | None = None, host: Host | None = None) -> None:
    """Install the rule set of each of the instance's NICs on `host` (its
    own by default). The rules of its groups are worked out once for all its
    NICs (`rules` when the caller already has them for the same groups).
    Fails closed: when the host refuses, the NICs are marked Error with the
    reason, an ALERT.USERVM is raised and SecurityRulesNotApplied is raised
    for the caller to fail with; on success they are marked Applied."""
    host = host or vm.host
    if host is None:
        return
    guarded = [nic for nic in (_nics(vm) if nics is None else nics) if nic.network.offering.has_security_groups]
    if not guarded:
        return
    try:
        if rules is None:
            rules = security_groups.group_rules(list(vm.security_groups.all()), _member_addresses)
        driver, access = driver_and_access(host)
        for nic in guarded:
            driver.apply_security_rules(access, SecurityRuleSet(_filter_name(vm, nic), nic.guest_ip.mac_address,
                                                                rules))
    except CloudStackError as exc:
        reason = (f"the security group rules of instance {vm.name} could not be applied on host {host.name}: "
                  f"{exc.message}")[:1024]
        Nic.objects.filter(pk__in=[nic.pk for nic in guarded]).update(rules_state=Nic.RulesState.ERROR,
                                                                      rules_state_reason=reason)
        if any(nic.rules_state != Nic.RulesState.ERROR for nic in guarded):  # once, not at every retry
            raise_alert(Alert.Type.USER_VM, reason, zone=vm.zone, resource=vm, resource_type="VirtualMachine")
        raise SecurityRulesNotApplied(reason) from exc
    stale = [nic.pk for nic in guarded if nic.rules_state != Nic.RulesState.APPLIED]
    if stale:
        Nic.objects.filter(pk__in=stale).update(rules_state=Nic.RulesState.APPLIED, rules_state_reason="")


def reapply_security_rules(groups, *, members: bool = True) -> int:
    """Re-install the rules of every running member of `groups` (unless
    `members` is false) and of instances whose rules name them as a source,
    after rules or memberships changed; answers how many instances were
    updated. The rules of a set of groups are worked out once for all its
    members. Every instance is tried; when any failed (each is marked and
    alerted by apply_security_rules) SecurityRulesNotApplied names them."""
    group_ids = [g.pk for g in groups]
    selected = Q(security_groups__rules__source_group__in=group_ids)
    if members:
        selected |= Q(security_groups__in=group_ids)
    affected = VirtualMachine.objects.filter(selected, host__isnull=False, state=State.RUNNING).select_related(
        "host", "zone").prefetch_related(
        "security_groups", Prefetch("nics", queryset=Nic.objects.select_related("network__offering", "guest_ip"))
    ).distinct()
    addresses: dict[int, list[str]] = {}

    def member_addresses(group: SecurityGroup) -> list[str]:
        if group.pk not in addresses:
            addresses[group.pk] = _member_addresses(group)
        return addresses[group.pk]

    rules_of: dict[tuple, tuple[SecurityRule, ...]] = {}
    count = 0
    failures = []
    for vm in affected:
        members_of = list(vm.security_groups.all())
        key = tuple(group.pk for group in members_of)
        if key not in rules_of:
            rules_of[key] = security_groups.group_rules(members_of, member_addresses)
        try:
            apply_security_rules(vm, nics=list(vm.nics.all()), rules=rules_of[key])
            count += 1
        except SecurityRulesNotApplied as exc:
            failures.append(exc.message)
    if failures:
        raise SecurityRulesNotApplied("; ".join(failures)[:4000])
    return count


def _membership_changed(vm: VirtualMachine, groups=None) -> None:
    """The instance's address joined or left the member lists of its groups
    (`groups` once it is gone): it started, stopped or went away, so the
    rules naming them as a source are re-applied. A failure there is marked
    and alerted on those instances and retried by reconcile_security_rules;
    it does not undo this instance's own change."""
    groups = list(vm.security_groups.all()) if groups is None else groups
    if not groups:
        return
    try:
        reapply_security_rules(groups, members=False)
    except SecurityRulesNotApplied as exc:
        logger.warning("rules naming the groups of %s not re-applied: %s", vm.name, exc)


def reconcile_security_rules() -> int:
    """Re-apply the rules of running instances with a NIC marked Error (the
    power-state sync schedule runs it); answers how many are in sync again."""
    fixed = 0
    for vm in VirtualMachine.objects.filter(state=State.RUNNING, host__isnull=False,
                                            nics__rules_state=Nic.RulesState.ERROR).select_related(
            "host", "zone").distinct():
        try:
            apply_security_rules(vm)
            fixed += 1
        except SecurityRulesNotApplied as exc:
            logger.info("rules still not applied: %s", exc)
    return fixed


def _define_and_start(vm: VirtualMachine, host: Host) -> None:
    driver, access = driver_and_access(host)
    template = vm.iso or vm.template
    boot = templates.template_boot_details(template) if not vm.iso else {}
    offering = vm.service_offering
    nics = _nics(vm)
    _implement_networks(vm, host, nics)
    spec = InstanceSpec(
        name=vm.internal_name, uuid=str(vm.uuid), vcpus=offering.cpu_number, cpu_speed=offering.cpu_speed,
        memory=offering.memory * MB, vnc_password=vm.vnc_password,
        disks=volumes.disks_for_instance(vm), nics=_nic_specs(vm, host, nics),
        kernel=boot.get("kernel", ""), initrd=boot.get("initrd", ""), cmdline=boot.get("cmdline", ""),
        iso=templates.iso_path(vm.iso, host) if vm.iso else "",
        acceleration=get_value(KVM_ACCELERATION, host.cluster.uuid) if host.hypervisor == "KVM" else "kvm")
    apply_security_rules(vm, nics=nics)
    _hand_password(vm, nics)
    driver.destroy_instance(access, vm.internal_name)
    driver.define_instance(access, spec)
    driver.start_instance(access, vm.internal_name)
    started = {"state": State.RUNNING, "state_reason": "", "power_state": PowerState.ON.value,
               "power_state_updated": timezone.now(), "last_host": host}
    # Running only if still Starting: an instance moved on meanwhile (failed
    # by the job reconciler, say) is powered off again, never left running.
    if not VirtualMachine.objects.filter(pk=vm.pk, state=State.STARTING).update(**started):
        driver.stop_instance(access, vm.internal_name, forced=True)
        raise ResourceInUse(f"id: instance {vm.name} became {_current_state(vm)} while it was being started; it "
                            "was powered off again", field="id")
    for name, value in started.items():
        setattr(vm, name, value)


def _fail_deploy(caller, vm: VirtualMachine, exc: CloudStackError) -> None:
    """Give back what a failed deploy took and record why it failed: the
    definition and the security rule sets (nwfilters) it made on the host,
    its volumes on storage, its addresses and the host's capacity."""
    host = vm.host
    if host is not None:
        try:
            _remove_from_host(vm, host, _nics(vm))
        except CloudStackError as cleanup:
            logger.warning("instance %s not removed from host %s: %s", vm.internal_name, host.name, cleanup)
    for volume in vm.volumes.all():
        _delete_on_storage(volume, host)
        volume.delete()
    _release_addresses(vm)
    planner.release_host(vm)
    VirtualMachine.objects.filter(pk=vm.pk).update(state=State.ERROR, state_reason=exc.message[:1024])
    vm.refresh_from_db()
    record_event("VM.CREATE", f"Instance {vm.name} could not be deployed: {exc.message}", level="ERROR",
                 user=caller, account=vm.account, resource=vm)


def fail_unfinished_deploy(caller, vm: VirtualMachine, reason: CloudStackError) -> None:
    """A deploy whose job was failed before it ran (no worker took it) or
    while it ran (its worker died): the instance it recorded gives back what
    it holds on the host and storage and ends in Error with the reason, as
    a deploy that failed does."""
    vm = VirtualMachine.objects.select_for_update().select_related("account").get(pk=vm.pk)
    if vm.state in (State.STARTING, State.STOPPED):
        _fail_deploy(caller, vm, reason)


# What an interrupted operation leaves behind; an Expunging instance is
# left to the expunge schedule, which finishes it.
_INTERRUPTIBLE = tuple(state for state in BUSY_STATES if state != State.EXPUNGING)


def fail_interrupted_operation(vm: VirtualMachine, reason: CloudStackError) -> None:
    """An operation whose worker died mid-way left the instance in a
    transitional state that every other operation refuses: it goes to Error
    with the reason, from which it can be stopped (forced) or destroyed."""
    with transaction.atomic():
        current = _lock(vm)
        if current.state not in _INTERRUPTIBLE:
            return
        VirtualMachine.objects.filter(pk=vm.pk).update(state=State.ERROR, state_reason=reason.message[:1024])
    record_event("VM.ERROR", f"Instance {vm.name} was {current.state} when its job was interrupted: {reason.message}",
                 level="ERROR", account=vm.account, resource=vm)


def _delete_on_storage(volume: Volume, host: Host | None) -> None:
    if not volume.storage_pool_id or not volume.path:
        return
    try:
        worker = pool_host(volume.storage_pool, prefer=host)
        driver, access = driver_and_access(worker)
        driver.delete_volume(access, pool_ref(volume.storage_pool, volume.path))
    except CloudStackError as exc:
        logger.warning("volume %s not deleted from storage: %s", volume.name, exc)


def _release_addresses(vm: VirtualMachine) -> None:
    """The instance's addresses go back to their networks; its isolated
    networks' routers forget its lease, metadata and rules."""
    left = set()
    for nic in list(vm.nics.select_related("guest_ip", "network__offering")):
        address = nic.guest_ip
        nic.delete()
        guest_ips.release_guest_ip(address)
        if nic.network.is_isolated:
            left.add(nic.network)
    for network in left:
        routers.guest_left(network)


# --- power operations -----------------------------------------------------------------------------

def start_virtual_machine(caller, vm: VirtualMachine, *, host: Host | None = None) -> VirtualMachine:
    """Start a stopped instance: on `host` (root admins), else preferably
    where it last ran; its definition is rebuilt from what it has now. The
    instance is Starting (every other operation refused) until it runs, or
    is Stopped again with the reason."""
    if host is not None and not caller.is_root_admin:
        raise PermissionDenied("hostid: only a root admin chooses the host", field="hostid")
    vm, _ = _begin(vm, (State.STOPPED,), State.STARTING, "started", check=_no_volume_busy)
    try:
        if not vm.nics.exists():
            raise InvalidParameter(f"id: instance {vm.name} has no NIC", field="id")
        placement = planner.allocate_host(vm, host=host, prefer=_usable(vm.last_host))
        vm.refresh_from_db()
        if vm.last_host_id and vm.last_host_id != placement.host.pk:
            _undefine(vm, vm.last_host)
        _create_volumes(vm, placement.host)
        _define_and_start(vm, placement.host)
    except CloudStackError as exc:
        planner.release_host(vm)
        _give_back(vm, State.STARTING, state=State.STOPPED, state_reason=exc.message[:1024])
        raise
    record_event("VM.START", f"Instance {vm.name} started on host {vm.host.name}", user=caller,
                 account=vm.account, resource=vm)
    _membership_changed(vm)
    return vm


def _no_volume_busy(vm: VirtualMachine) -> None:
    """An instance starts only when none of its volumes is being reverted,
    resized or created (checked under its row lock, which a revert of one
    of its volumes takes too)."""
    busy = vm.volumes.filter(removed__isnull=True, state__in=(
        Volume.State.REVERTING, Volume.State.RESIZING, Volume.State.CREATING, Volume.State.EXPUNGING)).first()
    if busy is not None:
        raise ResourceInUse(f"id: volume {busy.name} of instance {vm.name} is {busy.state}; start it when the volume "
                            "is Ready", field="id")


def _usable(host: Host | None) -> Host | None:
    if host is None or host.state != Host.State.UP or host.resource_state != Host.ResourceState.ENABLED:
        return None
    return host


def _undefine(vm: VirtualMachine, host: Host) -> None:
    try:
        driver, access = driver_and_access(host)
        driver.destroy_instance(access, vm.internal_name)
    except CloudStackError as exc:
        logger.warning("instance %s not undefined on host %s: %s", vm.internal_name, host.name, exc)


def stop_virtual_machine(caller, vm: VirtualMachine, *, forced: bool = False) -> VirtualMachine:
    """Shut the guest down (powered off after a timeout, or at once when
    `forced`, which also ends a stuck Stopping) and free its host's
    capacity; the definition stays. The instance is Stopping meanwhile."""
    allowed = (State.RUNNING,) + ((State.STOPPING, State.ERROR) if forced else ())
    vm, _ = _begin(vm, allowed, State.STOPPING, "stopped")
    if vm.host_id:
        driver, access = driver_and_access(vm.host)
        try:
            driver.stop_instance(access, vm.internal_name, forced=forced)
        except CloudStackError:
            _give_back(vm, State.STOPPING, state=State.RUNNING)
            raise
    if VirtualMachine.objects.filter(pk=vm.pk, state=State.STOPPING).update(
            state=State.STOPPED, state_reason="", power_state=PowerState.OFF.value,
            power_state_updated=timezone.now()):
        planner.release_host(vm)
    elif _current_state(vm) != State.STOPPED:  # a forced stop that ran alongside has done it
        raise ResourceInUse(f"id: instance {vm.name} became {_current_state(vm)} while it was being stopped",
                            field="id")
    vm.refresh_from_db()
    record_event("VM.STOP", f"Instance {vm.name} stopped" + (" (forced)" if forced else ""), user=caller,
                 account=vm.account, resource=vm)
    _membership_changed(vm)
    return vm


def reboot_virtual_machine(caller, vm: VirtualMachine) -> VirtualMachine:
    """Reboot a running instance (it stays Running, as in CloudStack). The
    state is checked on the row as it is now; a reboot that meets an
    instance stopped or destroyed meanwhile fails naming its new state and
    never powers it on (the hypervisors reboot only running machines)."""
    with transaction.atomic():
        _require_state(_lock(vm), (State.RUNNING,), "rebooted")
    vm.refresh_from_db()
    driver, access = driver_and_access(vm.host)
    try:
        driver.reboot_instance(access, vm.internal_name)
    except CloudStackError:
        if _current_state(vm) != State.RUNNING:
            raise ResourceInUse(f"id: instance {vm.name} became {_current_state(vm)} while it was being rebooted",
                                field="id")
        raise
    record_event("VM.REBOOT", f"Instance {vm.name} rebooted", user=caller, account=vm.account, resource=vm)
    return vm


def destroy_virtual_machine(caller, vm: VirtualMachine, *, expunge: bool = False) -> VirtualMachine | None:
    """Power the instance off and mark it Destroyed (recoverable until
    expunge.delay passes); with `expunge` (admins) remove it at once. It is
    Destroying while the hypervisor powers it off, so that no start,
    reboot or recover can bring it back meanwhile."""
    if expunge and not (caller.is_root_admin or caller.is_domain_admin):
        raise PermissionDenied("expunge: only an admin expunges an instance at once", field="expunge")
    allowed = (State.RUNNING, State.STOPPED, State.ERROR) + ((State.DESTROYED,) if expunge else ())
    with transaction.atomic():
        current = _lock(vm)
        _require_state(current, allowed, "destroyed")
        if current.state != State.DESTROYED:
            VirtualMachine.objects.filter(pk=vm.pk).update(state=State.DESTROYING)
    vm.refresh_from_db()
    if vm.state == State.DESTROYING:
        if vm.host_id:
            driver, access = driver_and_access(vm.host)
            try:
                driver.stop_instance(access, vm.internal_name, forced=True)
            except CloudStackError:
                _give_back(vm, State.DESTROYING, state=current.state)
                raise
        _settle(vm, State.DESTROYING, "destroyed", state=State.DESTROYED, removed=timezone.now(),
                power_state=PowerState.OFF.value)
        planner.release_host(vm)
        record_event("VM.DESTROY", f"Instance {vm.name} destroyed", user=caller, account=vm.account, resource=vm)
        _membership_changed(vm)
    if expunge:
        expunge_virtual_machine(vm, caller=caller)
        return None
    return vm


def _remove_from_host(vm: VirtualMachine, host: Host, nics: list[Nic]) -> None:
    """Remove the instance's definition and the rule sets of `nics` from
    `host`; raises what the host answered. A host that is not Up cannot be
    asked: that is logged, and what it holds is left to it."""
    if host.state != Host.State.UP:
        logger.warning("instance %s not removed from host %s, which is %s", vm.internal_name, host.name, host.state)
        return
    driver, access = driver_and_access(host)
    driver.destroy_instance(access, vm.internal_name)
    for nic in nics:
        if nic.network.offering.has_security_groups:
            driver.remove_security_rules(access, _filter_name(vm, nic))


def expunge_virtual_machine(vm: VirtualMachine, *, caller=None, retry: bool = False) -> None:
    """Remove a destroyed instance for good: its definition, its root
    volume, its addresses and rules; data volumes are detached and kept.
    It is Expunging meanwhile; `retry` (the expunge schedule) also takes
    up one whose earlier expunge stopped half-way."""
    allowed = (State.DESTROYED, State.EXPUNGING) if retry else (State.DESTROYED,)
    vm, _ = _begin(vm, allowed, State.EXPUNGING, "expunged")
    host = vm.host or vm.last_host
    if host is not None:
        _remove_from_host(vm, host, _nics(vm))
    volumes.destroy_instance_volumes(vm)
    groups = list(vm.security_groups.all())
    _release_addresses(vm)
    record_event("VM.EXPUNGE", f"Instance {vm.name} expunged", user=caller, account=vm.account, resource=vm)
    vm.delete()
    _membership_changed(vm, groups)


def expunge_destroyed_instances() -> int:
    """The expunge schedule: instances destroyed more than expunge.delay
    seconds ago are expunged; answers how many."""
    cutoff = timezone.now() - timedelta(seconds=get_value(EXPUNGE_DELAY))
    done = 0
    # Expunging ones too: an expunge that storage refused half-way is retried.
    for vm in VirtualMachine.objects.filter(state__in=(State.DESTROYED, State.EXPUNGING),
                                            removed__lte=cutoff).select_related(
            "host", "last_host", "account"):
        try:
            expunge_virtual_machine(vm, retry=True)
            done += 1
        except CloudStackError as exc:
            logger.warning("instance %s not expunged: %s", vm.name, exc)
    return done


@transaction.atomic
def recover_virtual_machine(caller, vm: VirtualMachine) -> VirtualMachine:
    """A destroyed instance comes back Stopped, within its account's limits;
    only once its destroy has finished (Destroyed, not Destroying)."""
    _require_state(_lock(vm), (State.DESTROYED,), "recovered")
    offering = vm.service_offering
    check_resource_limits(vm.account, {Limit.USER_VM: 1, Limit.CPU: offering.cpu_number,
                                       Limit.MEMORY: offering.memory})
    VirtualMachine.objects.filter(pk=vm.pk).update(state=State.STOPPED, removed=None)
    vm.refresh_from_db()
    record_event("VM.RECOVER", f"Instance {vm.name} recovered", user=caller, account=vm.account, resource=vm)
    return vm


def restore_virtual_machine(caller, vm: VirtualMachine) -> VirtualMachine:
    """A fresh root volume from the instance's template replaces the old
    one; a running instance is started again on it. The instance is
    Restoring meanwhile. The new root volume is created before the old one
    is let go, so a failure leaves the old root disk in place: the
    instance always has a root disk."""
    if vm.iso_id:
        raise InvalidParameter(f"id: instance {vm.name} was booted from an ISO; there is no template to restore",
                               field="id")
    templates.ready_template(caller, vm.template.uuid, vm.zone, field="templateid", iso=False)
    vm, previous = _begin(vm, (State.RUNNING, State.STOPPED), State.RESTORING, "restored")
    was_running = previous == State.RUNNING
    try:
        if was_running and vm.host_id:
            driver, access = driver_and_access(vm.host)
            driver.stop_instance(access, vm.internal_name, forced=True)
            VirtualMachine.objects.filter(pk=vm.pk).update(power_state=PowerState.OFF.value,
                                                           power_state_updated=timezone.now())
            planner.release_host(vm)
        _replace_root_volume(vm)
    except CloudStackError as exc:
        _give_back(vm, State.RESTORING, state=State.STOPPED if was_running else previous,
                   state_reason=exc.message[:1024])
        raise
    _settle(vm, State.RESTORING, "restored", state=State.STOPPED, state_reason="")
    record_event("VM.RESTORE", f"Instance {vm.name} restored from template {vm.template.name}", user=caller,
                 account=vm.account, resource=vm)
    if was_running:
        return start_virtual_machine(caller, vm)
    return vm


def _replace_root_volume(vm: VirtualMachine) -> None:
    """A new root volume of the instance's template in the old one's pool
    (created there first), then the old one is expunged; a root volume
    never placed is only recorded anew. Raises, with the old root volume
    untouched, when storage refuses the new one."""
    old = vm.volumes.select_related("storage_pool").get(volume_type=Volume.Type.ROOT, removed__isnull=True)
    if old.storage_pool is None:
        return
    host = pool_host(old.storage_pool, prefer=vm.last_host)
    new = Volume.objects.create(name=old.name, account=vm.account, zone=vm.zone, volume_type=Volume.Type.ROOT,
                                size=old.size, disk_offering=old.disk_offering, template=vm.template,
                                storage_pool=old.storage_pool)
    try:
        _create_volumes(vm, host, among=Volume.objects.filter(pk=new.pk))
    except CloudStackError:
        new.delete()
        raise
    with transaction.atomic():
        Volume.objects.filter(pk=old.pk).update(state=Volume.State.EXPUNGED, removed=timezone.now(), instance=None,
                                                device_id=None, attached=None)
        Volume.objects.filter(pk=new.pk).update(instance=vm, device_id=0, attached=timezone.now())
        old.snapshot_policies.update(volume=new)
    # The definition left by the last run names the old disk; the next start
    # defines the instance again with the new one.
    vm.refresh_from_db()
    if vm.last_host is not None:
        _undefine(vm, vm.last_host)
    _delete_on_storage(old, host)


def migrate_virtual_machine(caller, vm: VirtualMachine, destination: Host) -> VirtualMachine:
    """Move a running instance to another host of its cluster (its volumes
    stay on the cluster's storage), claiming capacity there first. The
    instance is Migrating meanwhile: a second migration is refused."""
    if not caller.is_root_admin:
        raise PermissionDenied("hostid: only a root admin migrates instances", field="hostid")

    def check_destination(current: VirtualMachine) -> None:
        if destination.pk == current.host_id:
            raise InvalidParameter(f"hostid: instance {current.name} already runs on {destination.name}",
                                   field="hostid")
        if destination.cluster_id != current.host.cluster_id:
            raise InvalidParameter(f"hostid: host {destination.name} is in another cluster; its volumes would not "
                                   "be reachable", field="hostid")

    vm, _ = _begin(vm, (State.RUNNING,), State.MIGRATING, "migrated", check=check_destination)
    source = vm.host
    try:
        planner.claim_host(vm, destination)
        # The destination enforces the rules, and has the bridges of its
        # isolated networks, before the instance arrives.
        apply_security_rules(vm, host=destination)
        for nic in _nics(vm):
            if nic.network.is_isolated:
                routers.prepare_host_for(nic.network, destination)
        driver, access = driver_and_access(source)
        driver.migrate_instance(access, vm.internal_name, host_access(destination))
    except CloudStackError:
        _give_back(vm, State.MIGRATING, state=State.RUNNING, host=source)
        raise
    _settle(vm, State.MIGRATING, "migrated", state=State.RUNNING, host=destination, last_host=destination)
    record_event("VM.MIGRATE", f"Instance {vm.name} migrated from {source.name} to {destination.name}",
                 user=caller, account=vm.account, resource=vm)
    return vm


@transaction.atomic
def change_service_offering(caller, vm: VirtualMachine, offering: ServiceOffering) -> VirtualMachine:
    """A stopped instance gets another offering (used at its next start);
    live scaling is not offered. Checked and written under the instance's
    row lock, so a start meanwhile either waits or refuses it."""
    vm = _lock(vm)
    if vm.state == State.RUNNING:
        raise InvalidParameter(f"id: instance {vm.name} is Running; stop it before changing its offering "
                               "(live scaling is not supported)", field="id")
    _require_state(vm, (State.STOPPED,), "changed")
    if not visible_service_offerings(caller).filter(pk=offering.pk).exists():
        raise PermissionDenied(f"serviceofferingid: service offering {offering.name} is not offered to your "
                               "domain", field="serviceofferingid")
    if offering.storage_type != vm.service_offering.storage_type:
        raise InvalidParameter("serviceofferingid: the new offering must use the same storage type "
                               f"({vm.service_offering.storage_type})", field="serviceofferingid")
    current = vm.service_offering
    check_resource_limits(vm.account, {Limit.CPU: offering.cpu_number - current.cpu_number,
                                       Limit.MEMORY: offering.memory - current.memory})
    VirtualMachine.objects.filter(pk=vm.pk).update(service_offering=offering, ha_enabled=offering.offer_ha)
    vm.refresh_from_db()
    record_event("VM.UPGRADE", f"Instance {vm.name} now has offering {offering.name}", user=caller,
                 account=vm.account, resource=vm)
    return vm


@transaction.atomic
def reset_password(caller, vm: VirtualMachine) -> tuple[VirtualMachine, str]:
    """A new password for a stopped instance of a password-enabled
    template; answered once, stored encrypted. Checked and written under
    the instance's row lock: a start that runs alongside either reads the
    new password or makes this refused; the password is never lost."""
    vm = _lock(vm)
    if not vm.template.password_enabled:
        raise InvalidParameter(f"id: template {vm.template.name} of instance {vm.name} is not password enabled",
                               field="id")
    _require_state(vm, (State.STOPPED,), "given a new password")
    password = _new_password()
    vm.password = password
    vm.save(update_fields=["password"])
    record_event("VM.RESETPASSWORD", f"Password of instance {vm.name} reset", user=caller, account=vm.account,
                 resource=vm)
    return vm, password


@transaction.atomic
def reset_ssh_key(caller, vm: VirtualMachine, keypair: str) -> VirtualMachine:
    """Another of the account's key pairs for a stopped instance (guide
    5.2.5), checked and written under the instance's row lock."""
    vm = _lock(vm)
    _require_state(vm, (State.STOPPED,), "given a new SSH key")
    pair = _keypair(vm.account, keypair)
    VirtualMachine.objects.filter(pk=vm.pk).update(keypair=pair.name, ssh_public_key=pair.public_key)
    vm.refresh_from_db()
    record_event("VM.RESETSSHKEY", f"SSH key of instance {vm.name} reset to {pair.name}", user=caller,
                 account=vm.account, resource=vm)
    return vm


@transaction.atomic
def update_virtual_machine(caller, vm: VirtualMachine, *, display_name: str | None = None,
                           name: str | None = None, group: str | None = None, user_data: str | None = None,
                           ha_enabled: bool | None = None) -> VirtualMachine:
    """Rename (the host name only while stopped), regroup, new user data, HA;
    checked and written under the instance's row lock."""
    vm = _lock(vm)
    changes = {}
    if name is not None and name != vm.name:
        _require_state(vm, (State.STOPPED,), "renamed")
        changes["name"] = _check_name(name, vm.account)
    if display_name is not None:
        changes["display_name"] = display_name
    if group is not None:
        changes["group"] = _group(vm.account, group)
    if user_data is not None:
        changes["user_data"] = _check_user_data(user_data)
    if ha_enabled is not None:
        if ha_enabled and not vm.service_offering.offer_ha:
            raise InvalidParameter(f"haenable: service offering {vm.service_offering.name} does not offer HA",
                                   field="haenable")
        changes["ha_enabled"] = ha_enabled
    if changes:
        VirtualMachine.objects.filter(pk=vm.pk).update(**changes)
        vm.refresh_from_db()
        record_event("VM.UPDATE", f"Instance {vm.name} updated", user=caller, account=vm.account, resource=vm)
    return vm


# --- instance groups ------------------------------------------------------------------------------

def visible_instance_groups(caller):
    return scope_by_account(InstanceGroup.objects.select_related("account__domain"), caller)


def find_instance_group(caller, uuid, field: str = "id") -> InstanceGroup:
    group = visible_instance_groups(caller).filter(uuid=uuid).first()
    if group is None:
        raise NotFound(f"{field}: no instance group has the id {uuid}", field=field)
    return group


def create_instance_group(caller, account: Account, name: str) -> InstanceGroup:
    account = _owner(caller, account)
    if not name.strip():
        raise InvalidParameter("name: a group needs a name", field="name")
    if InstanceGroup.objects.filter(account=account, name=name).exists():
        raise InvalidParameter(f"name: account {account.name} already has a group named {name}", field="name")
    return InstanceGroup.objects.create(account=account, name=name)


def delete_instance_group(caller, group: InstanceGroup) -> None:
    group.delete()


# --- power state sync -----------------------------------------------------------------------------

def sync_power_states() -> dict[str, int]:
    """Compare what each Up host reports with what the database says: an
    instance found off (or gone) while Running becomes Stopped, one found
    on while Stopped becomes Running again on that host; each change is
    an event. Answers the hosts asked and the instances changed."""
    changed = asked = 0
    for host in Host.objects.filter(state=Host.State.UP):
        try:
            driver, access = driver_and_access(host)
            reported = driver.instance_power_states(access)
        except CloudStackError as exc:
            logger.info("power states of host %s not read: %s", host.name, exc)
            continue
        asked += 1
        now = timezone.now()
        for vm in VirtualMachine.objects.filter(Q(host=host) | Q(host__isnull=True, last_host=host),
                                                state__in=(State.RUNNING, State.STOPPED)):
            power = reported.get(vm.internal_name, PowerState.MISSING)
            # Each change is written only if the instance is still in the
            # state read: one that an operation moved on meanwhile (a start,
            # a stop) is left to that operation.
            if vm.state == State.RUNNING and vm.host_id == host.pk and power in (PowerState.OFF,
                                                                                   PowerState.MISSING):
                if not VirtualMachine.objects.filter(pk=vm.pk, state=State.RUNNING, host=host).update(
                        state=State.STOPPED, power_state=power.value, power_state_updated=now,
                        state_reason=f"found {'off' if power == PowerState.OFF else 'missing'} on host {host.name}"):
                    continue
                planner.release_host(vm)
                record_event("VM.STOP", f"Instance {vm.name} was found {power.value} on host {host.name}; "
                             "it is now Stopped", level="WARN", account=vm.account, resource=vm)
                changed += 1
            elif vm.state == State.STOPPED and power == PowerState.ON:
                if not VirtualMachine.objects.filter(pk=vm.pk, state=State.STOPPED).update(
                        state=State.RUNNING, host=host, power_state=power.value, power_state_updated=now,
                        state_reason=f"found running on host {host.name}"):
                    continue
                try:
                    planner.claim_host(vm, host)
                except CloudStackError as exc:
                    logger.warning("instance %s runs on %s beyond its capacity: %s", vm.name, host.name, exc)
                record_event("VM.START", f"Instance {vm.name} was found running on host {host.name}",
                             level="WARN", account=vm.account, resource=vm)
                changed += 1
            elif vm.power_state != power.value:
                VirtualMachine.objects.filter(pk=vm.pk).update(power_state=power.value, power_state_updated=now)
    return {"hosts": asked, "changed": changed}
