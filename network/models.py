"""Physical networks with their traffic types, VLAN/IP ranges, network
offerings, guest networks and the guest addresses taken from them."""
import uuid
from ipaddress import IPv4Address, IPv4Network

from django.db import models

from infrastructure.models import Pod, Zone


class PhysicalNetwork(models.Model):
    """Guide 2.8: a zone's physical network; guest VLAN ranges are kept as
    CloudStack writes them ("500-599,700-710")."""

    class State(models.TextChoices):
        ENABLED = "Enabled", "Enabled"
        DISABLED = "Disabled", "Disabled"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="physical_networks")
    name = models.CharField(max_length=255)
    isolation_methods = models.CharField(max_length=64, default="VLAN")
    vlan = models.CharField(max_length=1024, blank=True)
    tags = models.CharField(max_length=255, blank=True)
    broadcast_domain_range = models.CharField(max_length=8, default="ZONE")
    network_speed = models.CharField(max_length=16, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.DISABLED)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["zone__name", "name"]
        constraints = [models.UniqueConstraint(fields=["zone", "name"], name="physnet_name_unique_in_zone")]

    def __str__(self):
        return self.name


class TrafficType(models.Model):
    """A traffic type carried by a physical network, with the label naming
    the host's bridge / network / port group per hypervisor (guide 2.8)."""

    class Kind(models.TextChoices):
        MANAGEMENT = "Management", "Management"
        PUBLIC = "Public", "Public"
        GUEST = "Guest", "Guest"
        STORAGE = "Storage", "Storage"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    physical_network = models.ForeignKey(PhysicalNetwork, on_delete=models.CASCADE, related_name="traffic_types")
    traffic_type = models.CharField(max_length=16, choices=Kind.choices)
    kvm_label = models.CharField(max_length=255, blank=True)
    xen_label = models.CharField(max_length=255, blank=True)
    vmware_label = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["physical_network__name", "traffic_type"]
        constraints = [models.UniqueConstraint(fields=["physical_network", "traffic_type"],
                                               name="traffic_type_once_per_physnet")]

    def __str__(self):
        return f"{self.traffic_type} on {self.physical_network}"


class VlanIpRange(models.Model):
    """A public range of a zone (Advanced, or Basic with NetScaler EIP), or a
    pod's guest range (Basic). `vlan` is a VLAN id or "untagged"."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="vlan_ip_ranges")
    pod = models.ForeignKey(Pod, null=True, blank=True, on_delete=models.PROTECT, related_name="vlan_ip_ranges")
    physical_network = models.ForeignKey(PhysicalNetwork, null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="vlan_ip_ranges")
    vlan = models.CharField(max_length=32, default="untagged")
    gateway = models.GenericIPAddressField(protocol="IPv4")
    netmask = models.GenericIPAddressField(protocol="IPv4")
    start_ip = models.GenericIPAddressField(protocol="IPv4")
    end_ip = models.GenericIPAddressField(protocol="IPv4")
    for_virtual_network = models.BooleanField(default=True, help_text="public (true) or guest direct (false)")
    # A public range dedicated to one account or one domain (guide 13.11);
    # neither: the zone's pool.
    account = models.ForeignKey("accounts.Account", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="dedicated_ip_ranges")
    domain = models.ForeignKey("accounts.Domain", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="dedicated_ip_ranges")
    # The guest network whose addresses these are (guest ranges only).
    network = models.ForeignKey("Network", null=True, blank=True, on_delete=models.PROTECT, related_name="ip_ranges")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["zone__name", "start_ip"]

    def __str__(self):
        return f"{self.start_ip}-{self.end_ip}"

    @property
    def size(self) -> int:
        """How many addresses the range holds."""
        return int(IPv4Address(self.end_ip)) - int(IPv4Address(self.start_ip)) + 1


class StorageNetworkIpRange(models.Model):
    """Addresses of a pod on the storage network, when storage traffic has a
    physical network of its own (guide 2.8)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="storage_ip_ranges")
    pod = models.ForeignKey(Pod, on_delete=models.PROTECT, related_name="storage_ip_ranges")
    vlan = models.CharField(max_length=32, default="untagged")
    gateway = models.GenericIPAddressField(protocol="IPv4")
    netmask = models.GenericIPAddressField(protocol="IPv4")
    start_ip = models.GenericIPAddressField(protocol="IPv4")
    end_ip = models.GenericIPAddressField(protocol="IPv4")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["zone__name", "start_ip"]

    def __str__(self):
        return f"{self.start_ip}-{self.end_ip}"


class NetworkOffering(models.Model):
    """What a guest network offers: its type and, per service, the providers
    that deliver it (CloudStack's network offerings, guide 6.3.1)."""

    class GuestIpType(models.TextChoices):
        SHARED = "Shared", "Shared"
        ISOLATED = "Isolated", "Isolated"

    class Availability(models.TextChoices):
        OPTIONAL = "Optional", "Optional"
        REQUIRED = "Required", "Required"

    class State(models.TextChoices):
        ENABLED = "Enabled", "Enabled"
        DISABLED = "Disabled", "Disabled"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=255, unique=True)
    display_text = models.CharField(max_length=255)
    guest_ip_type = models.CharField(max_length=16, choices=GuestIpType.choices)
    traffic_type = models.CharField(max_length=16, default="Guest")
    # {"Dhcp": ["VirtualRouter"], "SecurityGroup": ["SecurityGroupProvider"], ...}
    services = models.JSONField(default=dict)
    specify_vlan = models.BooleanField(default=False)
    specify_ip_ranges = models.BooleanField(default=False)
    conserve_mode = models.BooleanField(default=True)
    availability = models.CharField(max_length=16, choices=Availability.choices, default=Availability.OPTIONAL)
    egress_default_allow = models.BooleanField(default=True)
    network_rate = models.PositiveIntegerField(null=True, blank=True, help_text="Mbit/s")
    tags = models.CharField(max_length=255, blank=True)
    is_default = models.BooleanField(default=False)
    state = models.CharField(max_length=16, choices=State.choices, default=State.DISABLED)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_default", "name"]

    def __str__(self):
        return self.name

    @property
    def has_security_groups(self) -> bool:
        return "SecurityGroup" in self.services

    @property
    def has_source_nat(self) -> bool:
        return "SourceNat" in self.services

    def offers(self, service: str) -> bool:
        """Whether networks of this offering have `service` ("Firewall", "PortForwarding", ...)."""
        return service in self.services


class Network(models.Model):
    """A guest network (guide 13.1-13.6): a Basic zone's shared network, a
    shared network of an Advanced zone on a VLAN, open to the zone, a domain
    or an account, or an account's isolated network behind its virtual
    router. An isolated network is a database entry (Allocated) until its
    first instance starts; then it gets a VLAN, its router and its source
    NAT address (Implemented); the network garbage collector shuts it down
    (Shutdown: router gone, VLAN given back) once no instance runs on it."""

    class AclType(models.TextChoices):
        DOMAIN = "Domain", "Domain"
        ACCOUNT = "Account", "Account"

    class State(models.TextChoices):
        ALLOCATED = "Allocated", "Allocated"
        SETUP = "Setup", "Setup"
        IMPLEMENTING = "Implementing", "Implementing"
        IMPLEMENTED = "Implemented", "Implemented"
        SHUTDOWN = "Shutdown", "Shutdown"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=255)
    display_text = models.CharField(max_length=255, blank=True)
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="networks")
    physical_network = models.ForeignKey(PhysicalNetwork, null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="networks")
    offering = models.ForeignKey(NetworkOffering, on_delete=models.PROTECT, related_name="networks")
    state = models.CharField(max_length=16, choices=State.choices, default=State.SETUP)
    vlan = models.CharField(max_length=32, default="untagged")
    gateway = models.GenericIPAddressField(protocol="IPv4", null=True, blank=True)
    cidr = models.CharField(max_length=43, blank=True)
    network_domain = models.CharField(max_length=255, blank=True)
    acl_type = models.CharField(max_length=16, choices=AclType.choices, default=AclType.DOMAIN)
    domain = models.ForeignKey("accounts.Domain", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="networks")
    account = models.ForeignKey("accounts.Account", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="networks")
    subdomain_access = models.BooleanField(default=True)
    restart_required = models.BooleanField(default=False)
    # When the garbage collector first found no running instance on it
    # (guide 13.16: shut down at a later run); None while in use.
    idle_since = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["zone__name", "name"]

    def __str__(self):
        return self.name

    @property
    def is_isolated(self) -> bool:
        return self.offering.guest_ip_type == NetworkOffering.GuestIpType.ISOLATED

    @property
    def netmask(self) -> str:
        return str(IPv4Network(self.cidr).netmask) if self.cidr else ""

    @property
    def scope_text(self) -> str:
        """Who may use it, in words."""
        if self.account_id:
            return f"account {self.account.name}"
        if self.domain_id:
            return f"domain {self.domain.name}" + (" and subdomains" if self.subdomain_access else "")
        return "the whole zone"


class GuestIpAddress(models.Model):
    """A guest address taken from one of a network's ranges, with the MAC
    given alongside it; unique per network (and the MAC per zone), so that
    the row lock in the allocator is backed by the database itself."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    network = models.ForeignKey(Network, on_delete=models.PROTECT, related_name="guest_ips")
    ip_range = models.ForeignKey(VlanIpRange, on_delete=models.PROTECT, related_name="guest_ips")
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="+")
    address = models.GenericIPAddressField(protocol="IPv4")
    mac_address = models.CharField(max_length=17)
    allocated = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["network_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["network", "address"], name="guest_ip_once_per_network"),
            models.UniqueConstraint(fields=["zone", "mac_address"], name="mac_once_per_zone"),
        ]

    def __str__(self):
        return self.address


class SecurityGroup(models.Model):
    """A group of instances filtered by the same rules (guide 13.7); every
    account has a "default" group, made on first use."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="security_groups")
    name = models.CharField(max_length=255)
    description = models.CharField(max_length=4096, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["account__name", "name"]
        constraints = [models.UniqueConstraint(fields=["account", "name"], name="security_group_name_per_account")]

    def __str__(self):
        return self.name


class SecurityGroupRule(models.Model):
    """An ingress or egress rule: a protocol with a port range (TCP, UDP) or
    ICMP type and code, from or to one CIDR or the members of one group."""

    class Direction(models.TextChoices):
        INGRESS = "ingress", "Ingress"
        EGRESS = "egress", "Egress"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    group = models.ForeignKey(SecurityGroup, on_delete=models.CASCADE, related_name="rules")
    direction = models.CharField(max_length=8, choices=Direction.choices)
    protocol = models.CharField(max_length=8)  # tcp, udp, icmp, all
    start_port = models.PositiveIntegerField(null=True, blank=True)
    end_port = models.PositiveIntegerField(null=True, blank=True)
    icmp_type = models.IntegerField(null=True, blank=True)
    icmp_code = models.IntegerField(null=True, blank=True)
    cidr = models.CharField(max_length=43, blank=True)
    source_group = models.ForeignKey(SecurityGroup, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="referencing_rules")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["group_id", "direction", "id"]

    def __str__(self):
        where = self.cidr or f"group {self.source_group}"
        return f"{self.direction} {self.protocol} {where}"


class GuestVlan(models.Model):
    """A VLAN of a physical network's guest range taken by one isolated
    network (CloudStack's op_dc_vnet_alloc): the row exists while the VLAN
    is taken; the unique constraint backs the allocator's row lock, so no
    two networks ever share one."""

    physical_network = models.ForeignKey(PhysicalNetwork, on_delete=models.PROTECT, related_name="guest_vlans")
    vnet = models.PositiveIntegerField()
    network = models.OneToOneField(Network, on_delete=models.CASCADE, related_name="guest_vlan")
    account = models.ForeignKey("accounts.Account", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    taken = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["physical_network_id", "vnet"]
        constraints = [models.UniqueConstraint(fields=["physical_network", "vnet"], name="guest_vlan_once")]

    def __str__(self):
        return str(self.vnet)


class PublicIpAddress(models.Model):
    """A public address of a zone's range held by an account (guide
    13.11-13.13): its isolated network's source NAT address, or acquired
    with associateIpAddress; static NAT maps it to one guest address. The
    row exists while the address is held; unique per zone, so the
    allocator's lock is backed by the database."""

    class State(models.TextChoices):
        ALLOCATING = "Allocating", "Allocating"
        ALLOCATED = "Allocated", "Allocated"
        RELEASING = "Releasing", "Releasing"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="public_ips")
    ip_range = models.ForeignKey(VlanIpRange, on_delete=models.PROTECT, related_name="public_ips")
    address = models.GenericIPAddressField(protocol="IPv4")
    account = models.ForeignKey("accounts.Account", on_delete=models.PROTECT, related_name="public_ips")
    network = models.ForeignKey(Network, null=True, blank=True, on_delete=models.PROTECT, related_name="public_ips")
    is_source_nat = models.BooleanField(default=False)
    static_nat_ip = models.ForeignKey(GuestIpAddress, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="static_nat_ips")
    state = models.CharField(max_length=16, choices=State.choices, default=State.ALLOCATED)
    allocated = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["zone_id", "id"]
        constraints = [models.UniqueConstraint(fields=["zone", "address"], name="public_ip_once_per_zone")]

    def __str__(self):
        return self.address

    @property
    def is_static_nat(self) -> bool:
        return self.static_nat_ip_id is not None


class RuleState(models.TextChoices):
    """A rule's state as CloudStack shows it: Add until the router applies
    it, Active once applied, Revoke while it is being removed."""

    ADD = "Add", "Add"
    ACTIVE = "Active", "Active"
    REVOKE = "Revoke", "Revoke"


class FirewallRule(models.Model):
    """An ingress rule opening ports of a public address to source CIDRs
    (guide 13.14), or an egress rule of an isolated network letting its
    guests reach destination CIDRs (13.15)."""

    class TrafficType(models.TextChoices):
        INGRESS = "Ingress", "Ingress"
        EGRESS = "Egress", "Egress"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="firewall_rules")
    public_ip = models.ForeignKey(PublicIpAddress, null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="firewall_rules")
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    traffic_type = models.CharField(max_length=8, choices=TrafficType.choices, default=TrafficType.INGRESS)
    protocol = models.CharField(max_length=8)  # tcp, udp, icmp, all
    start_port = models.PositiveIntegerField(null=True, blank=True)
    end_port = models.PositiveIntegerField(null=True, blank=True)
    icmp_type = models.IntegerField(null=True, blank=True)
    icmp_code = models.IntegerField(null=True, blank=True)
    cidr_list = models.CharField(max_length=2048, blank=True)  # sources; comma-separated
    dest_cidr_list = models.CharField(max_length=2048, blank=True)  # egress destinations
    # The port forwarding rule this one was opened for (openfirewall): it goes with that rule.
    related = models.ForeignKey("PortForwardingRule", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="opened_firewall_rules")
    state = models.CharField(max_length=8, choices=RuleState.choices, default=RuleState.ADD)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["network_id", "id"]

    def __str__(self):
        return f"{self.traffic_type} {self.protocol} {self.start_port or ''}-{self.end_port or ''}"


class PortForwardingRule(models.Model):
    """Public ports of a public address forwarded to the same number of
    private ports of one guest address (guide 13.14)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    public_ip = models.ForeignKey(PublicIpAddress, on_delete=models.CASCADE, related_name="port_forwarding_rules")
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="port_forwarding_rules")
    guest_ip = models.ForeignKey(GuestIpAddress, on_delete=models.PROTECT, related_name="port_forwarding_rules")
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    protocol = models.CharField(max_length=8)  # tcp, udp
    public_start = models.PositiveIntegerField()
    public_end = models.PositiveIntegerField()
    private_start = models.PositiveIntegerField()
    private_end = models.PositiveIntegerField()
    cidr_list = models.CharField(max_length=2048, blank=True)
    state = models.CharField(max_length=8, choices=RuleState.choices, default=RuleState.ADD)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["public_ip_id", "public_start"]

    def __str__(self):
        return f"{self.protocol} {self.public_start}-{self.public_end} -> {self.private_start}-{self.private_end}"


class VirtualRouter(models.Model):
    """An isolated network's virtual router (guide 13.1): a network
    namespace on a KVM host (a record on a Simulator host) giving the
    network its gateway, DHCP, DNS, user data, passwords, source NAT,
    static NAT, firewall and port forwarding. The database is the truth:
    `applied` is what was last rendered onto the host, so a restarted host
    or router is rebuilt from the rows, never from the host's leftovers."""

    class State(models.TextChoices):
        STARTING = "Starting", "Starting"
        RUNNING = "Running", "Running"
        STOPPING = "Stopping", "Stopping"
        STOPPED = "Stopped", "Stopped"
        ERROR = "Error", "Error"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=64, unique=True)
    network = models.OneToOneField(Network, on_delete=models.PROTECT, related_name="router")
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="routers")
    host = models.ForeignKey("infrastructure.Host", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="routers")
    state = models.CharField(max_length=16, choices=State.choices, default=State.STOPPED)
    state_reason = models.CharField(max_length=1024, blank=True)
    guest_mac = models.CharField(max_length=17)
    public_mac = models.CharField(max_length=17)
    link_local_ip = models.GenericIPAddressField(protocol="IPv4")
    applied = models.JSONField(default=dict, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["zone_id", "id"]

    def __str__(self):
        return self.name
