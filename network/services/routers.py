"""Virtual routers of isolated networks (guide 13.1): a network is
implemented when its first instance starts (a VLAN, its source NAT
address, its router on a host of the zone), its router is started,
stopped, rebooted and destroyed by operators, and it is given the
network's rules. The database is the truth: a router's configuration is
rendered from the rows every time and applied idempotently by the backend
of its host's hypervisor, so a router found missing on its host (restarted)
is rebuilt from the rows."""
import base64
import binascii
import logging
from datetime import timedelta
from ipaddress import IPv4Network

from django.db import transaction
from django.utils import timezone

from accounts.services.scope import scope_by_account
from cloudstack_ui.config.keys import get_value
from cloudstack_ui.errors import CloudStackError, InvalidParameter, NotFound, ResourceUnavailable
from cloudstack_ui.jobs.events import raise_alert, record_event
from cloudstack_ui.jobs.models import Alert
from infrastructure.hypervisors.base import UnsupportedOperation
from infrastructure.models import Host
from infrastructure.services.monitoring import host_access
from network.models import (
    FirewallRule,
    GuestIpAddress,
    Network,
    PortForwardingRule,
    PublicIpAddress,
    RuleState,
    TrafficType,
    VirtualRouter,
)
from network.providers.virtual_router.backends import router_backend
from network.providers.virtual_router.config import (
    DhcpHost,
    EgressRule,
    FirewallOpening,
    GuestMetadata,
    PortForward,
    RouterConfig,
    RouterInterface,
    StaticNat,
)
from network.services.guest_ips import random_mac
from network.services.guest_vlans import allocate_guest_vlan, release_guest_vlan
from network.services.ownership import ensure_can_manage_network
from network.services.public_ips import allocate_public_ip
from network.settings_keys import NETWORK_GC_WAIT

logger = logging.getLogger(__name__)

# The hypervisors whose hosts run virtual routers.
ROUTER_HYPERVISORS = ("KVM", "Simulator")
DEFAULT_LABEL = "cloudbr0"
# Instance states whose NICs the router serves (DHCP leases, metadata).
_SERVED_STATES = ("Starting", "Running", "Stopping", "Stopped", "Migrating", "Restoring")
# Instance states that keep a network in use for the garbage collector.
_IN_USE_STATES = ("Starting", "Running", "Stopping", "Migrating", "Restoring")
IFNAMSIZ = 15


def visible_routers(caller):
    """The routers of the networks the caller administers (root admins all,
    domain admins their subtree's), loaded for their answer."""
    return scope_by_account(VirtualRouter.objects.select_related(
        "network__account__domain", "network__offering", "zone", "host__pod"), caller, "network__account")


def find_router(caller, uuid, field: str = "id") -> VirtualRouter:
    router = visible_routers(caller).filter(uuid=uuid).first() if uuid is not None else None
    if router is None:
        raise NotFound(f"{field}: no virtual router has the id {uuid}", field=field)
    return router


# --- configuration --------------------------------------------------------------------------------

def _label(network: Network, kind: str, hypervisor: str) -> str:
    field = {"XenServer": "xen_label", "VMware": "vmware_label"}.get(hypervisor, "kvm_label")
    traffic = TrafficType.objects.filter(physical_network__zone_id=network.zone_id, traffic_type=kind)
    if kind == TrafficType.Kind.GUEST and network.physical_network_id:
        traffic = traffic.filter(physical_network_id=network.physical_network_id)
    return (traffic.values_list(field, flat=True).first() or "").strip() or DEFAULT_LABEL


def vlan_bridge(label: str, vlan: str) -> str:
    """The host bridge of a VLAN carried on the label's bridge
    (br<label>-<vlan>, as CloudStack's KVM agent names it; shortened to fit
    an interface name)."""
    if vlan in ("", "untagged"):
        return label
    name = f"br{label}-{vlan}"
    return name if len(name) <= IFNAMSIZ else f"brcs-{vlan}"


def guest_interface(network: Network, hypervisor: str, *, mac: str = "", with_address: bool = True) -> RouterInterface:
    """The network's guest side on a host: its VLAN bridge (and the
    router's gateway address on it)."""
    label = _label(network, TrafficType.Kind.GUEST, hypervisor)
    prefix = int(network.cidr.split("/")[1]) if network.cidr else 24
    return RouterInterface(bridge=vlan_bridge(label, network.vlan), mac=mac,
                           address=network.gateway if with_address else "", prefixlen=prefix,
                           parent=label if network.vlan not in ("", "untagged") else "",
                           vlan=network.vlan or "untagged")


def nic_bridge(network: Network, hypervisor: str) -> str:
    """The bridge an instance NIC on an isolated network is plugged into."""
    return guest_interface(network, hypervisor, with_address=False).bridge


def _public_interface(network: Network, router: VirtualRouter, source_nat: PublicIpAddress,
                      hypervisor: str) -> RouterInterface:
    label = _label(network, TrafficType.Kind.PUBLIC, hypervisor)
    ip_range = source_nat.ip_range
    prefix = IPv4Network(f"{ip_range.gateway}/{ip_range.netmask}", strict=False).prefixlen
    tagged = ip_range.vlan not in ("", "untagged")
    return RouterInterface(bridge=vlan_bridge(label, ip_range.vlan), mac=router.public_mac,
                           address=source_nat.address, prefixlen=prefix, parent=label if tagged else "",
                           vlan=ip_range.vlan if tagged else "untagged")


def _cidrs(text: str) -> tuple[str, ...]:
    return tuple(c.strip() for c in (text or "").split(",") if c.strip() and c.strip() != "0.0.0.0/0")


def _user_data(encoded: str) -> bytes:
    try:
        return base64.b64decode(encoded or "", validate=True)
    except (binascii.Error, ValueError):
        return b""


def router_config(router: VirtualRouter) -> RouterConfig:
    """Everything the router must enforce, from the rows: its interfaces,
    the DHCP leases, host names and metadata of the instances on its
    network, and the rules in state Add or Active (Revoke ones left out)."""
    network = Network.objects.select_related("zone", "offering", "account").get(pk=router.network_id)
    hypervisor = router.host.hypervisor if router.host_id else "KVM"
    live = (RuleState.ADD, RuleState.ACTIVE)
    public_ips = list(network.public_ips.select_related("ip_range", "static_nat_ip").order_by("-is_source_nat", "id"))
    source_nat = next((ip for ip in public_ips if ip.is_source_nat), None)
    guests = list(GuestIpAddress.objects.filter(network=network, nic__instance__state__in=_SERVED_STATES)
                  .select_related("nic__instance__service_offering", "nic__instance__zone").order_by("id"))
    static_nat = {ip.static_nat_ip_id: ip.address for ip in public_ips if ip.static_nat_ip_id}
    dhcp_hosts, metadata = [], []
    for guest in guests:
        vm = guest.nic.instance
        dhcp_hosts.append(DhcpHost(mac=guest.mac_address, ip=guest.address, hostname=vm.name,
                                   default_gateway=guest.nic.is_default))
        public = static_nat.get(guest.pk) or (source_nat.address if source_nat else "")
        meta = (("service-offering", vm.service_offering.display_text or vm.service_offering.name),
                ("availability-zone", vm.zone.name), ("local-ipv4", guest.address), ("local-hostname", vm.name),
                ("public-ipv4", public), ("public-hostname", public), ("instance-id", vm.internal_name),
                ("vm-id", str(vm.uuid)), ("public-keys", vm.ssh_public_key),
                ("cloud-identifier", f"CloudStack-{{{network.zone.uuid}}}"))
        metadata.append(GuestMetadata(ip=guest.address, user_data=_user_data(vm.user_data), meta_data=meta))
    firewall = tuple(
        FirewallOpening(public_ip=rule.public_ip.address, protocol=rule.protocol, start_port=rule.start_port,
                        end_port=rule.end_port, icmp_type=rule.icmp_type, icmp_code=rule.icmp_code,
                        source_cidrs=_cidrs(rule.cidr_list))
        for rule in FirewallRule.objects.filter(network=network, traffic_type=FirewallRule.TrafficType.INGRESS,
                                                state__in=live).select_related("public_ip").order_by("id"))
    egress = tuple(
        EgressRule(protocol=rule.protocol, start_port=rule.start_port, end_port=rule.end_port,
                   icmp_type=rule.icmp_type, icmp_code=rule.icmp_code, dest_cidrs=_cidrs(rule.dest_cidr_list),
                   source_cidrs=_cidrs(rule.cidr_list))
        for rule in FirewallRule.objects.filter(network=network, traffic_type=FirewallRule.TrafficType.EGRESS,
                                                state__in=live).order_by("id"))
    forwards = tuple(
        PortForward(protocol=rule.protocol, public_ip=rule.public_ip.address, public_start=rule.public_start,
                    public_end=rule.public_end, private_ip=rule.guest_ip.address, private_start=rule.private_start,
                    private_end=rule.private_end, source_cidrs=_cidrs(rule.cidr_list))
        for rule in PortForwardingRule.objects.filter(network=network, state__in=live)
        .select_related("public_ip", "guest_ip").order_by("id"))
    zone = network.zone
    return RouterConfig(
        name=router.name, guest=guest_interface(network, hypervisor, mac=router.guest_mac), guest_cidr=network.cidr,
        network_domain=network.network_domain,
        dns_servers=tuple(d for d in (zone.dns1, zone.dns2) if d), link_local_ip=router.link_local_ip,
        public=_public_interface(network, router, source_nat, hypervisor) if source_nat else None,
        public_gateway=source_nat.ip_range.gateway if source_nat else "",
        public_ips=tuple(ip.address for ip in public_ips), source_nat_ip=source_nat.address if source_nat else "",
        egress_default_allow=network.offering.egress_default_allow, dhcp_hosts=tuple(dhcp_hosts),
        metadata=tuple(metadata), firewall=firewall, egress=egress, port_forwards=forwards,
        static_nats=tuple(StaticNat(public_ip=ip.address, private_ip=ip.static_nat_ip.address)
                          for ip in public_ips if ip.static_nat_ip_id))


def _backend_and_access(host: Host):
    if host.hypervisor not in ROUTER_HYPERVISORS:
        raise UnsupportedOperation(f"host {host.name} is {host.hypervisor}; virtual routers run on "
                                   f"{' and '.join(ROUTER_HYPERVISORS)} hosts")
    return router_backend(host.hypervisor), host_access(host)


def _record_applied(router: VirtualRouter, summary: dict, **changes) -> None:
    changes.update(applied=summary or {}, applied_at=timezone.now())
    VirtualRouter.objects.filter(pk=router.pk).update(**changes)
    for name, value in changes.items():
        setattr(router, name, value)


# --- implementing a network -----------------------------------------------------------------------

def _router_host(network: Network, preferred: Host | None) -> Host:
    """Where a network's router runs: `preferred` (the host of the instance
    that needs it) when it can run routers, else an Up host of the zone that can."""
    if preferred is not None and preferred.hypervisor in ROUTER_HYPERVISORS and preferred.state == Host.State.UP:
        return preferred
    host = (Host.objects.filter(zone_id=network.zone_id, state=Host.State.UP, hypervisor__in=ROUTER_HYPERVISORS)
            .exclude(resource_state=Host.ResourceState.MAINTENANCE).order_by("id").first())
    if host is None:
        raise ResourceUnavailable(f"zone {network.zone.name} has no Up KVM or Simulator host for the virtual router "
                                  f"of network {network.name}")
    return host


def _new_router(network: Network, host: Host) -> VirtualRouter:
    router = VirtualRouter.objects.create(
        name=f"r-{network.pk}-tmp", network=network, zone_id=network.zone_id, host=host,
        state=VirtualRouter.State.STARTING, guest_mac=random_mac(), public_mac=random_mac(),
        link_local_ip="169.254.0.1")
    router.name = f"r-{router.pk}-VM"
    router.link_local_ip = f"169.254.{(router.pk >> 8) & 255}.{(router.pk & 255) or 1}"
    router.save(update_fields=["name", "link_local_ip"])
    return router


def _start_on_host(router: VirtualRouter, host: Host) -> None:
    """Start the router on `host` from the rows; on failure nothing of it
    stays on the host and the error is raised."""
    backend, access = _backend_and_access(host)
    router.host = host
    config = router_config(router)
    try:
        summary = backend.start(access, config)
    except CloudStackError:
        try:
            backend.stop(access, router.name)
        except CloudStackError as cleanup:
            logger.warning("router %s not cleaned from host %s: %s", router.name, host.name, cleanup)
        raise
    _record_applied(router, summary, host=host, state=VirtualRouter.State.RUNNING, state_reason="")


@transaction.atomic
def implement_network(network: Network, host: Host | None = None) -> Network:
    """Make an isolated network usable on `host` (where an instance of it is
    about to start): the first time, take its VLAN and source NAT address
    and start its router (guide 13.16); afterwards, start its router again
    if it is not running, and apply the rows (the new instance's DHCP lease
    and metadata). Runs under the network's row lock, so concurrent starts
    implement it once; on failure the VLAN and address are given back with
    the transaction and nothing of the router stays on its host."""
    network = Network.objects.select_for_update().select_related("offering", "zone", "account").get(pk=network.pk)
    if not network.is_isolated:
        return network
    first = network.state != Network.State.IMPLEMENTED
    allocate_guest_vlan(network)
    if network.offering.has_source_nat and not network.public_ips.filter(is_source_nat=True).exists():
        allocate_public_ip(network.account, network, source_nat=True)
    router = VirtualRouter.objects.select_for_update().filter(network=network).first()
    if router is None:
        router = _new_router(network, _router_host(network, host))
    if router.state == VirtualRouter.State.RUNNING and router.host_id:
        apply_network_rules(network)
    else:
        _start_on_host(router, _router_host(network, router.host if router.host_id else host))
    Network.objects.filter(pk=network.pk).update(state=Network.State.IMPLEMENTED, idle_since=None,
                                                 restart_required=False)
    network.state = Network.State.IMPLEMENTED
    if host is not None and host.pk != router.host_id:
        prepare_host_for(network, host)
    if first:
        record_event("NETWORK.IMPLEMENT", f"Network {network.name} implemented on VLAN {network.vlan} with router "
                     f"{router.name} on host {router.host.name}", account=network.account, resource=network)
    return network


def prepare_host_for(network: Network, host: Host) -> None:
    """Make the implemented network's VLAN bridge on `host`, for an instance
    about to run there (started or migrated) away from its router."""
    backend, access = _backend_and_access(host)
    backend.prepare_bridge(access, guest_interface(network, host.hypervisor, with_address=False))


def apply_network_rules(network: Network) -> None:
    """Render the network's router configuration from the rows (rules in
    state Add or Active; those in Revoke left out) and apply it to the
    running router. No running router (the network is not implemented):
    nothing to do, the rows are rendered when it starts. Raises a
    CloudStackError naming the router when its host refuses; the caller
    then puts the rule rows back as they were."""
    router = (VirtualRouter.objects.select_related("host").filter(network_id=network.pk,
                                                                  state=VirtualRouter.State.RUNNING).first())
    if router is None or router.host is None:
        return
    backend, access = _backend_and_access(router.host)
    try:
        summary = backend.apply(access, router_config(router))
    except CloudStackError as exc:
        raise type(exc)(f"router {router.name} on host {router.host.name} refused the change: {exc.message}") from exc
    _record_applied(router, summary)


def guest_left(network: Network) -> None:
    """An instance's address left the network (expunged): its lease and
    metadata leave the router. A router that refuses is marked for a
    restart rather than failing the expunge."""
    try:
        apply_network_rules(network)
    except CloudStackError as exc:
        Network.objects.filter(pk=network.pk).update(restart_required=True)
        logger.warning("network %s: %s", network.name, exc)


def save_password(network: Network, guest_ip: str, password: str) -> None:
    """Hand an instance's new password to its router's password server,
    once (the guest takes it at boot)."""
    router = VirtualRouter.objects.select_related("host").filter(network_id=network.pk,
                                                                 state=VirtualRouter.State.RUNNING).first()
    if router is None or router.host is None or not password:
        return
    backend, access = _backend_and_access(router.host)
    backend.save_password(access, router.name, guest_ip, password)


# --- router operations ----------------------------------------------------------------------------

def _lock_router(router: VirtualRouter) -> VirtualRouter:
    return VirtualRouter.objects.select_for_update().select_related("host", "network").get(pk=router.pk)


@transaction.atomic
def start_router(caller, router: VirtualRouter) -> VirtualRouter:
    """Start a stopped router (on its host, or another Up host of the zone
    that runs routers), rebuilt from the rows."""
    router = _lock_router(router)
    if router.state == VirtualRouter.State.RUNNING:
        raise InvalidParameter(f"id: router {router.name} is already Running", field="id")
    host = router.host if router.host_id and router.host.state == Host.State.UP else None
    _start_on_host(router, _router_host(router.network, host))
    record_event("ROUTER.START", f"Router {router.name} started on host {router.host.name}", user=caller,
                 account=router.network.account, resource=router)
    return router


@transaction.atomic
def stop_router(caller, router: VirtualRouter, *, forced: bool = False) -> VirtualRouter:
    """Stop a router: its namespace and processes leave the host; its rows
    stay, so starting it again restores everything. `forced` stops it in
    the database even when its host cannot be reached."""
    router = _lock_router(router)
    if router.state == VirtualRouter.State.STOPPED:
        raise InvalidParameter(f"id: router {router.name} is already Stopped", field="id")
    if router.host_id:
        try:
            backend, access = _backend_and_access(router.host)
            backend.stop(access, router.name)
        except CloudStackError:
            if not forced:
                raise
    _record_applied(router, {}, state=VirtualRouter.State.STOPPED, state_reason="")
    record_event("ROUTER.STOP", f"Router {router.name} stopped", user=caller, account=router.network.account,
                 resource=router)
    return router


@transaction.atomic
def reboot_router(caller, router: VirtualRouter) -> VirtualRouter:
    """Stop and start a running router on its host."""
    router = _lock_router(router)
    if router.state != VirtualRouter.State.RUNNING:
        raise InvalidParameter(f"id: router {router.name} is {router.state}; only a Running router is rebooted",
                               field="id")
    backend, access = _backend_and_access(router.host)
    backend.stop(access, router.name)
    _start_on_host(router, router.host)
    record_event("ROUTER.REBOOT", f"Router {router.name} rebooted", user=caller, account=router.network.account,
                 resource=router)
    return router


def _remove_router(router: VirtualRouter) -> None:
    if router.host_id:
        backend, access = _backend_and_access(router.host)
        backend.stop(access, router.name)
    router.delete()


@transaction.atomic
def destroy_router(caller, router: VirtualRouter) -> None:
    """Remove a router; its network keeps its VLAN and addresses and gets a
    new router when an instance starts on it or it is restarted."""
    router = _lock_router(router)
    network = router.network
    _remove_router(router)
    Network.objects.filter(pk=network.pk).update(restart_required=True)
    record_event("ROUTER.DESTROY", f"Router {router.name} of network {network.name} destroyed", user=caller,
                 account=network.account, resource=network)


@transaction.atomic
def restart_network(caller, network: Network, *, cleanup: bool = False) -> Network:
    """Apply every rule of an implemented network again (guide 13.6); with
    `cleanup`, its router is destroyed and a new one started from the rows."""
    ensure_can_manage_network(caller, network)
    network = Network.objects.select_for_update().get(pk=network.pk)
    if not network.is_isolated:
        raise InvalidParameter(f"id: network {network.name} is {network.offering.guest_ip_type}; only isolated "
                               f"networks have a router to restart", field="id")
    if network.state != Network.State.IMPLEMENTED:
        raise InvalidParameter(f"id: network {network.name} is {network.state}; it is implemented when an instance "
                               f"starts on it", field="id")
    router = VirtualRouter.objects.select_for_update().select_related("host").filter(network=network).first()
    host = router.host if router is not None else None
    if router is not None and cleanup:
        _remove_router(router)
        router = None
    if router is None:
        router = _new_router(network, _router_host(network, host))
    _start_on_host(router, router.host)
    Network.objects.filter(pk=network.pk).update(restart_required=False)
    network.restart_required = False
    record_event("NETWORK.RESTART", f"Network {network.name} restarted" + (" with cleanup" if cleanup else ""),
                 user=caller, account=network.account, resource=network)
    return network


@transaction.atomic
def shutdown_network(network: Network) -> None:
    """Take an implemented isolated network down (guide 13.16): its router
    leaves its host, its VLAN goes back to the physical network; its public
    addresses and rules stay, for the next implement."""
    network = Network.objects.select_for_update().get(pk=network.pk)
    router = VirtualRouter.objects.select_for_update().select_related("host").filter(network=network).first()
    if router is not None:
        host = router.host
        _remove_router(router)
        if host is not None and network.vlan:
            backend, access = _backend_and_access(host)
            backend.release_bridge(access, guest_interface(network, host.hypervisor, with_address=False))
    release_guest_vlan(network)
    Network.objects.filter(pk=network.pk).update(state=Network.State.SHUTDOWN, idle_since=None)
    record_event("NETWORK.SHUTDOWN", f"Network {network.name} shut down: no instance ran on it",
                 account=network.account, resource=network)


def collect_idle_networks() -> dict:
    """The network garbage collector (network.gc.interval): an implemented
    isolated network on which no instance runs is marked idle, and shut down
    at a later run once it was idle for network.gc.wait seconds."""
    now = timezone.now()
    wait = timedelta(seconds=get_value(NETWORK_GC_WAIT))
    implemented = Network.objects.filter(state=Network.State.IMPLEMENTED, offering__guest_ip_type="Isolated")
    busy = set(implemented.filter(nics__instance__state__in=_IN_USE_STATES).values_list("pk", flat=True))
    implemented.filter(pk__in=busy).exclude(idle_since=None).update(idle_since=None)
    implemented.exclude(pk__in=busy).filter(idle_since=None).update(idle_since=now)
    shut = []
    for network in implemented.exclude(pk__in=busy).filter(idle_since__lte=now - wait):
        try:
            shutdown_network(network)
            shut.append(network.name)
        except CloudStackError as exc:
            logger.warning("network %s not shut down: %s", network.name, exc)
    return {"shut_down": shut}


def check_routers() -> dict:
    """Rebuild from the rows every Running router its Up host no longer
    runs (the host restarted, the namespace was removed); a router that
    cannot be rebuilt goes to Error with an alert."""
    rebuilt, failed = [], []
    for router in VirtualRouter.objects.filter(state=VirtualRouter.State.RUNNING, host__state=Host.State.UP) \
            .select_related("host", "network"):
        try:
            backend, access = _backend_and_access(router.host)
            if backend.is_running(access, router.name):
                continue
            _record_applied(router, backend.start(access, router_config(router)))
            rebuilt.append(router.name)
            record_event("ROUTER.START", f"Router {router.name} was missing on host {router.host.name}; rebuilt "
                         f"from the database", account=router.network.account, resource=router)
        except CloudStackError as exc:
            VirtualRouter.objects.filter(pk=router.pk).update(state=VirtualRouter.State.ERROR,
                                                              state_reason=exc.message[:1024])
            raise_alert(Alert.Type.DOMAIN_ROUTER, f"Router {router.name} could not be rebuilt on host "
                        f"{router.host.name}: {exc.message}", zone=router.zone, resource=router,
                        resource_type="DomainRouter")
            failed.append(router.name)
    return {"rebuilt": rebuilt, "failed": failed}


def remove_network_router(network: Network) -> None:
    """A network being deleted: its router leaves its host, its VLAN and bridges go back."""
    if VirtualRouter.objects.filter(network=network).exists() or network.vlan:
        shutdown_network(network)
