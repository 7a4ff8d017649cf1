"""What a virtual router must enforce, as plain values: the services build
a RouterConfig from the database (the truth) and a backend renders and
applies it onto the router's host, idempotently. Nothing here touches the
database or a host."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RouterInterface:
    """One side of the router: the bridge it is plugged into on the host
    (made when missing, on top of `parent` tagged with `vlan`), its MAC and
    its address with prefix length."""

    bridge: str
    mac: str
    address: str
    prefixlen: int
    parent: str = ""  # the traffic label's bridge the VLAN is carried on ("" = `bridge` is the label itself)
    vlan: str = "untagged"


@dataclass(frozen=True)
class DhcpHost:
    """A static DHCP lease: the router answers only known MACs."""

    mac: str
    ip: str
    hostname: str
    default_gateway: bool = True  # False: no router option (the instance's default NIC is elsewhere)


@dataclass(frozen=True)
class GuestMetadata:
    """What an instance fetches from its router: latest/user-data and
    latest/meta-data/<key> (CloudStack's keys: service-offering,
    availability-zone, local-ipv4, local-hostname, public-ipv4,
    public-hostname, instance-id, vm-id, public-keys, cloud-identifier)."""

    ip: str
    user_data: bytes = b""
    meta_data: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class FirewallOpening:
    """Ingress allowed to a public address: protocol tcp/udp/icmp, a port
    range or ICMP type/code, from `source_cidrs` (empty: anywhere)."""

    public_ip: str
    protocol: str
    start_port: int | None = None
    end_port: int | None = None
    icmp_type: int | None = None
    icmp_code: int | None = None
    source_cidrs: tuple[str, ...] = ()


@dataclass(frozen=True)
class EgressRule:
    """Egress from the guest network: protocol tcp/udp/icmp/all, ports or
    ICMP type/code, to `dest_cidrs` (empty: anywhere), from
    `source_cidrs` (empty: the whole guest network)."""

    protocol: str
    start_port: int | None = None
    end_port: int | None = None
    icmp_type: int | None = None
    icmp_code: int | None = None
    dest_cidrs: tuple[str, ...] = ()
    source_cidrs: tuple[str, ...] = ()


@dataclass(frozen=True)
class PortForward:
    """public_ip:public_start-public_end -> private_ip:private_start-private_end
    (ranges of equal size), tcp or udp, from `source_cidrs` (empty: anywhere)."""

    protocol: str
    public_ip: str
    public_start: int
    public_end: int
    private_ip: str
    private_start: int
    private_end: int
    source_cidrs: tuple[str, ...] = ()


@dataclass(frozen=True)
class StaticNat:
    """The whole public address mapped one-to-one to a guest address."""

    public_ip: str
    private_ip: str


@dataclass(frozen=True)
class RouterConfig:
    """Everything one router enforces. `name` (r-<id>-VM) names its
    namespace and state on the host. `public` is None for an offering
    without source NAT; `public_ips` are every public address the router
    answers for (the source NAT one first)."""

    name: str
    guest: RouterInterface
    guest_cidr: str
    network_domain: str
    dns_servers: tuple[str, ...]
    link_local_ip: str
    public: RouterInterface | None = None
    public_gateway: str = ""
    public_ips: tuple[str, ...] = ()
    source_nat_ip: str = ""
    egress_default_allow: bool = True
    dhcp_hosts: tuple[DhcpHost, ...] = ()
    metadata: tuple[GuestMetadata, ...] = ()
    firewall: tuple[FirewallOpening, ...] = ()
    egress: tuple[EgressRule, ...] = ()
    port_forwards: tuple[PortForward, ...] = ()
    static_nats: tuple[StaticNat, ...] = field(default_factory=tuple)
