"""RouterConfig -> the text files a namespace router runs on: the
iptables-restore input, dnsmasq's configuration, static leases and host
names, and the metadata tree the metadata server reads. Pure functions:
the same config always renders the same text."""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from .config import EgressRule, FirewallOpening, PortForward, RouterConfig

GUEST_DEVICE = "eth0"  # CloudStack's router names: eth0 guest, eth2 public
PUBLIC_DEVICE = "eth2"
METADATA_PORT = 80
PASSWORD_PORT = 8080


@dataclass(frozen=True)
class RenderedRouter:
    """Every file of one router, by path relative to its state directory."""

    rules: str
    dnsmasq_conf: str
    dhcp_hosts: str
    hosts: str
    metadata: dict[str, bytes]

    def rule_count(self) -> int:
        return sum(1 for line in self.rules.splitlines() if line.startswith("-A "))


def render(config: RouterConfig, state_dir: str) -> RenderedRouter:
    return RenderedRouter(
        rules=render_rules(config),
        dnsmasq_conf=render_dnsmasq_conf(config, state_dir),
        dhcp_hosts=render_dhcp_hosts(config),
        hosts=render_hosts(config),
        metadata=render_metadata(config),
    )


def _ports(start: int | None, end: int | None) -> str:
    if start is None:
        return ""
    return f"{start}" if end in (None, start) else f"{start}:{end}"


def _protocol_match(protocol: str, start: int | None, end: int | None,
                    icmp_type: int | None, icmp_code: int | None) -> list[str]:
    """The iptables match for a protocol with its ports or ICMP type/code
    (CloudStack's -1 type or code means any)."""
    protocol = protocol.lower()
    if protocol == "all":
        return []
    if protocol == "icmp":
        match = ["-p icmp"]
        if icmp_type is not None and icmp_type != -1:
            code = f"/{icmp_code}" if icmp_code is not None and icmp_code != -1 else ""
            match.append(f"--icmp-type {icmp_type}{code}")
        return match
    match = [f"-p {protocol}"]
    ports = _ports(start, end)
    if ports:
        match.append(f"--dport {ports}")
    return match


def _each_source(cidrs: tuple[str, ...]) -> list[str]:
    return [f"-s {cidr}" for cidr in cidrs] or [""]


def _rule(*parts: str) -> str:
    return " ".join(part for part in parts if part)


def _port_forward_dnat(forward: PortForward) -> list[str]:
    """DNAT rules for one forward. Equal ranges keep the port (no port in
    --to-destination); a single port maps to a single port; a range moved
    to another range of the same size is one rule per port, because DNAT
    to a port range picks any port of it rather than the same offset."""
    match = f"-d {forward.public_ip}/32 -p {forward.protocol}"
    if forward.public_start == forward.private_start:
        return [_rule("-A CS_DNAT", match, f"--dport {_ports(forward.public_start, forward.public_end)}",
                      f"-j DNAT --to-destination {forward.private_ip}")]
    return [
        _rule("-A CS_DNAT", match, f"--dport {public}",
              f"-j DNAT --to-destination {forward.private_ip}:{forward.private_start + offset}")
        for offset, public in enumerate(range(forward.public_start, forward.public_end + 1))
    ]


def _ingress_accepts(config: RouterConfig) -> list[str]:
    """Forwarded traffic that came in on a public address: port forwards
    open their own public ports from their sources; firewall openings
    accept on top (for a static NAT address they are the only way in)."""
    rules = []
    for forward in config.port_forwards:
        for source in _each_source(forward.source_cidrs):
            rules.append(_rule("-A CS_INGRESS", source, f"-p {forward.protocol}",
                               f"-m conntrack --ctstate DNAT --ctorigdst {forward.public_ip}",
                               f"--ctorigdstport {_ports(forward.public_start, forward.public_end)}",
                               "-j ACCEPT"))
    for opening in config.firewall:
        rules.extend(_opening_accepts(opening))
    rules.append("-A CS_INGRESS -j DROP")
    return rules


def _opening_accepts(opening: FirewallOpening) -> list[str]:
    protocol = opening.protocol.lower()
    conntrack = f"-m conntrack --ctstate DNAT --ctorigdst {opening.public_ip}"
    if protocol in ("tcp", "udp") and opening.start_port is not None:
        match = [f"-p {protocol}", conntrack, f"--ctorigdstport {_ports(opening.start_port, opening.end_port)}"]
    else:
        icmp = _protocol_match(protocol, None, None, opening.icmp_type, opening.icmp_code)
        match = [*icmp[:1], conntrack, *icmp[1:]]
    return [_rule("-A CS_INGRESS", source, *match, "-j ACCEPT") for source in _each_source(opening.source_cidrs)]


def _egress_rules(config: RouterConfig) -> list[str]:
    """CloudStack's egress semantics: with default allow the rules are the
    exceptions that are dropped; with default deny they are the only
    traffic accepted."""
    verdict, default = ("DROP", "ACCEPT") if config.egress_default_allow else ("ACCEPT", "DROP")
    rules = []
    for egress in config.egress:
        rules.extend(_egress_rule(egress, verdict))
    rules.append(f"-A CS_EGRESS -j {default}")
    return rules


def _egress_rule(egress: EgressRule, verdict: str) -> list[str]:
    protocol = _protocol_match(egress.protocol, egress.start_port, egress.end_port,
                               egress.icmp_type, egress.icmp_code)
    destinations = [f"-d {cidr}" for cidr in egress.dest_cidrs] or [""]
    return [
        _rule("-A CS_EGRESS", source, destination, *protocol, f"-j {verdict}")
        for source in _each_source(egress.source_cidrs)
        for destination in destinations
    ]


def render_rules(config: RouterConfig) -> str:
    """The iptables-restore input (filter and nat tables, every chain
    flushed and rebuilt in one commit)."""
    guest, public = f"-i {GUEST_DEVICE}", f"-i {PUBLIC_DEVICE}"
    lines = [
        "*filter",
        ":INPUT DROP [0:0]",
        ":FORWARD DROP [0:0]",
        ":OUTPUT ACCEPT [0:0]",
        ":CS_INGRESS - [0:0]",
        ":CS_EGRESS - [0:0]",
        "-A INPUT -i lo -j ACCEPT",
        "-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT",
        f"-A INPUT {guest} -p udp --dport 67 -j ACCEPT",
        f"-A INPUT {guest} -p udp --dport 53 -j ACCEPT",
        f"-A INPUT {guest} -p tcp --dport 53 -j ACCEPT",
        f"-A INPUT {guest} -p tcp --dport {METADATA_PORT} -j ACCEPT",
        f"-A INPUT {guest} -p tcp --dport {PASSWORD_PORT} -j ACCEPT",
        f"-A INPUT {guest} -p icmp -j ACCEPT",
        "-A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT",
    ]
    if config.public is not None:
        lines += [
            f"-A FORWARD {public} -o {GUEST_DEVICE} -j CS_INGRESS",
            f"-A FORWARD {guest} -o {PUBLIC_DEVICE} -j CS_EGRESS",
        ]
        lines += _ingress_accepts(config)
        lines += _egress_rules(config)
    lines += ["COMMIT", "*nat", ":PREROUTING ACCEPT [0:0]", ":INPUT ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]",
              ":POSTROUTING ACCEPT [0:0]", ":CS_DNAT - [0:0]", ":CS_SNAT - [0:0]"]
    if config.public is not None:
        lines += [f"-A PREROUTING {public} -j CS_DNAT", f"-A POSTROUTING -o {PUBLIC_DEVICE} -j CS_SNAT"]
        for nat in config.static_nats:
            lines.append(f"-A CS_DNAT -d {nat.public_ip}/32 -j DNAT --to-destination {nat.private_ip}")
        for forward in config.port_forwards:
            lines += _port_forward_dnat(forward)
        for nat in config.static_nats:
            lines.append(f"-A CS_SNAT -s {nat.private_ip}/32 -j SNAT --to-source {nat.public_ip}")
        if config.source_nat_ip:
            lines.append(f"-A CS_SNAT -s {config.guest_cidr} -j SNAT --to-source {config.source_nat_ip}")
    lines.append("COMMIT")
    return "\n".join(lines) + "\n"


def render_dnsmasq_conf(config: RouterConfig, state_dir: str) -> str:
    """dnsmasq bound to the guest side only: static leases, the network's
    host names, other names forwarded to the zone's DNS servers."""
    network = ipaddress.ip_network(config.guest_cidr, strict=False)
    domain = config.network_domain
    lines = [
        f"interface={GUEST_DEVICE}",
        "bind-interfaces",
        "except-interface=lo",
        "user=root",
        "no-resolv",
        "no-hosts",
        "no-poll",
        *(f"server={server}" for server in config.dns_servers),
        f"domain={domain}",
        f"local=/{domain}/",
        f"addn-hosts={state_dir}/hosts",
        f"dhcp-range={network.network_address},static,{network.netmask},1h",
        f"dhcp-hostsfile={state_dir}/dhcp-hosts",
        f"dhcp-leasefile={state_dir}/dnsmasq.leases",
        "dhcp-authoritative",
        # hosts whose default NIC is on another network get no router option
        "dhcp-option=tag:nogateway,option:router",
        f"dhcp-option=option:router,{config.guest.address}",
        f"dhcp-option=option:dns-server,{config.guest.address}",
        f"dhcp-option=option:domain-name,{domain}",
        f"dhcp-option=option:domain-search,{domain}",
    ]
    return "\n".join(lines) + "\n"


def render_dhcp_hosts(config: RouterConfig) -> str:
    return "".join(
        f"{host.mac},{'' if host.default_gateway else 'set:nogateway,'}{host.ip},{host.hostname}\n"
        for host in config.dhcp_hosts
    )


def render_hosts(config: RouterConfig) -> str:
    return "".join(f"{host.ip} {host.hostname}.{config.network_domain} {host.hostname}\n"
                   for host in config.dhcp_hosts)


def render_metadata(config: RouterConfig) -> dict[str, bytes]:
    """metadata/<ip>/user-data and metadata/<ip>/meta-data/<key>."""
    files = {}
    for guest in config.metadata:
        files[f"metadata/{guest.ip}/user-data"] = guest.user_data
        for key, value in guest.meta_data:
            files[f"metadata/{guest.ip}/meta-data/{key}"] = value.encode()
    return files
