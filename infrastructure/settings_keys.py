"""Global settings the guide names (ch. 7 and elsewhere) and those the
schedules and allocators of later issues read."""
from cloudstack_ui.config.keys import ConfigKey, declare, declare_scope

MANAGEMENT_NETWORK_CIDR = declare(ConfigKey(
    "management.network.cidr", "Advanced", "cidr", "",
    "CIDR of the management network; must be set for vSphere, recommended for all"))
XEN_SETUP_MULTIPATH = declare(ConfigKey(
    "xen.setup.multipath", "Advanced", "boolean", "false",
    "Enable iSCSI multipath on XenServer hosts when they are added"))
SECSTORAGE_ALLOWED_INTERNAL_SITES = declare(ConfigKey(
    "secstorage.allowed.internal.sites", "Advanced", "cidrs", "",
    "Comma-separated CIDRs of internal (private, loopback, link-local...) addresses that may serve template "
    "and ISO downloads; other non-public addresses are refused, and so are the management server's own ports"))
USE_LOCAL_STORAGE = declare(ConfigKey(
    "use.local.storage", "Storage", "boolean", "false",
    "Use hosts' local storage for data disks, templates and snapshots", scope="zone"))
SYSTEM_VM_LOCAL_STORAGE_REQUIRED = declare(ConfigKey(
    "system.vm.local.storage.required", "Storage", "boolean", "false",
    "Start system VMs on local storage; needed when no shared primary storage exists", scope="zone"))
HOST = declare(ConfigKey(
    "host", "Advanced", "string", "",
    "IP address of the management server (a load-balanced address with several servers)", dynamic=False))
HA_TAG = declare(ConfigKey(
    "ha.tag", "Advanced", "string", "",
    "Host tag marking hosts reserved for restarting HA-enabled instances"))
SWIFT_ENABLE = declare(ConfigKey(
    "swift.enable", "Advanced", "boolean", "false",
    "Use Swift as cloud-wide secondary storage", dynamic=False))
VMWARE_MANAGEMENT_PORTGROUP = declare(ConfigKey(
    "vmware.management.portgroup", "Advanced", "string", "Management Network",
    "Port group of the management network on ESXi hosts"))
GUEST_VLAN_BITS = declare(ConfigKey(
    "guest.vlan.bits", "Network", "integer", "12",
    "Bits of the guest VLAN id: 12 allows 4094 zone VLANs; 11, 10, 9 trade VLANs for running VMs per zone "
    "(guide 12.9)", min_value=9, max_value=12, dynamic=False))
PING_INTERVAL = declare(ConfigKey(
    "ping.interval", "Advanced", "integer", "60", "Seconds between pings of each host", min_value=5,
    schedule="Ping hosts"))
PING_TIMEOUT = declare(ConfigKey(
    "ping.timeout", "Advanced", "float", "2.5",
    "A host that has not answered for ping.interval times this is Down (before that, Disconnected)", min_value=1))
CAPACITY_CHECK_PERIOD = declare(ConfigKey(
    "capacity.check.period", "Advanced", "integer", "300",
    "Seconds between recalculations of host and storage capacity", min_value=10, schedule="Recalculate capacity"))
EXPUNGE_DELAY = declare(ConfigKey(
    "expunge.delay", "Advanced", "integer", "86400",
    "Seconds a destroyed instance is kept before it is expunged", min_value=0))
EXPUNGE_INTERVAL = declare(ConfigKey(
    "expunge.interval", "Advanced", "integer", "86400", "Seconds between runs of the expunge task", min_value=60,
    schedule="Expunge destroyed instances"))
CPU_OVERPROVISIONING = declare(ConfigKey(
    "cpu.overprovisioning.factor", "Advanced", "float", "1.0",
    "CPU capacity is multiplied by this when allocating", min_value=1, scope="cluster"))
MEM_OVERPROVISIONING = declare(ConfigKey(
    "mem.overprovisioning.factor", "Advanced", "float", "1.0",
    "Memory capacity is multiplied by this when allocating", min_value=1, scope="cluster"))
KVM_ACCELERATION = declare(ConfigKey(
    "kvm.guest.acceleration", "Hypervisor", "string", "kvm",
    "How KVM hosts run guests: kvm (hardware acceleration; hosts without it are refused) or qemu (software "
    "emulation, for hosts without usable virtualisation extensions)", scope="cluster", choices=("kvm", "qemu")))
STORAGE_OVERPROVISIONING = declare(ConfigKey(
    "storage.overprovisioning.factor", "Storage", "float", "2.0",
    "Primary storage capacity is multiplied by this when allocating thin volumes", min_value=1, scope="zone"))


def _zone(uuid):
    from infrastructure.models import Zone

    return Zone.objects.filter(uuid=uuid).first()


def _cluster(uuid):
    from infrastructure.models import Cluster

    return Cluster.objects.filter(uuid=uuid).first()


declare_scope("zone", _zone)
declare_scope("cluster", _cluster)
