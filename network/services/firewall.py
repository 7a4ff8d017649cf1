"""Firewall rules of isolated networks (guide 13.14-13.15): ingress rules
open ports of a public address to source CIDRs; egress rules let the
network's guests (source CIDRs inside the guest CIDR) reach destination
CIDRs. Rules are checked and recorded with the public address (or, for
egress, the network) locked, so two concurrent creates cannot both take
one range; the router applies them in the job (network.services.rule_states)."""
from ipaddress import ip_network

from django.db import transaction

from accounts.services.scope import ensure_can_admin_account, scope_by_account
from cloudstack_ui.errors import InvalidParameter, NetworkRuleConflict, NotFound
from cloudstack_ui.jobs.events import record_event
from network.models import FirewallRule, Network, PublicIpAddress
from network.services.public_ips import ensure_owner_acts
from network.services.rule_states import revoke_rule

INGRESS_PROTOCOLS = ("tcp", "udp", "icmp")
EGRESS_PROTOCOLS = ("tcp", "udp", "icmp", "all")
ANY_ICMP = -1
ALL_PORTS = (1, 65535)


def checked_protocol(protocol: str, allowed: tuple[str, ...]) -> str:
    protocol = (protocol or "").strip().lower()
    if protocol not in allowed:
        raise InvalidParameter(f"protocol: must be one of {', '.join(allowed)}, not {protocol or 'empty'}",
                               field="protocol")
    return protocol


def checked_port_range(start: int | None, end: int | None, *, start_field: str = "startport",
                       end_field: str = "endport") -> tuple[int | None, int | None]:
    """A port range within 1-65535, first <= last; a missing last port is the first."""
    if start is None:
        if end is not None:
            raise InvalidParameter(f"{start_field}: required with {end_field}", field=start_field)
        return None, None
    end = start if end is None else end
    for field, port in ((start_field, start), (end_field, end)):
        if not 1 <= port <= 65535:
            raise InvalidParameter(f"{field}: {port} is not a port (1-65535)", field=field)
    if start > end:
        raise InvalidParameter(f"{end_field}: {end} is below {start_field} {start}", field=end_field)
    return start, end


def checked_rule_match(protocol: str, start: int | None, end: int | None, icmp_type: int | None,
                       icmp_code: int | None) -> tuple[int | None, int | None, int | None, int | None]:
    """Ports only for tcp and udp, ICMP type and code only for icmp (-1: any)."""
    if protocol in ("tcp", "udp"):
        if icmp_type is not None or icmp_code is not None:
            field = "icmptype" if icmp_type is not None else "icmpcode"
            raise InvalidParameter(f"{field}: only for protocol icmp, not {protocol}", field=field)
        return (*checked_port_range(start, end), None, None)
    if start is not None or end is not None:
        field = "startport" if start is not None else "endport"
        raise InvalidParameter(f"{field}: ports are only for protocols tcp and udp, not {protocol}", field=field)
    if protocol != "icmp":
        if icmp_type is not None or icmp_code is not None:
            field = "icmptype" if icmp_type is not None else "icmpcode"
            raise InvalidParameter(f"{field}: only for protocol icmp, not {protocol}", field=field)
        return None, None, None, None
    icmp_type = ANY_ICMP if icmp_type is None else icmp_type
    icmp_code = ANY_ICMP if icmp_code is None else icmp_code
    if not -1 <= icmp_type <= 255:
        raise InvalidParameter(f"icmptype: {icmp_type} is not an ICMP type (0-255, -1 for any)", field="icmptype")
    if not -1 <= icmp_code <= 255:
        raise InvalidParameter(f"icmpcode: {icmp_code} is not an ICMP code (0-255, -1 for any)", field="icmpcode")
    return None, None, icmp_type, icmp_code


def checked_cidrs(values, field: str = "cidrlist", *, default: tuple[str, ...] = ()) -> list[str]:
    """IPv4 CIDRs in their canonical form; none given is `default`."""
    cidrs = []
    for value in values or default:
        try:
            cidrs.append(str(ip_network(str(value).strip(), strict=False)))
        except ValueError:
            raise InvalidParameter(f"{field}: {value} is not a CIDR", field=field)
        if ip_network(cidrs[-1]).version != 4:
            raise InvalidParameter(f"{field}: {value} is not an IPv4 CIDR", field=field)
    return cidrs


def ensure_offers(network: Network, service: str, field: str) -> None:
    if not network.offering.offers(service):
        raise InvalidParameter(f"{field}: network {network.name}'s offering {network.offering.name} does not "
                               f"offer {service}", field=field)


def _covered_ports(rule) -> tuple[int, int]:
    return (rule.start_port, rule.end_port) if rule.start_port is not None else ALL_PORTS


def _ensure_no_conflict(existing, protocol, start, end, icmp_type, icmp_code, cidrs: list[str]) -> None:
    """CloudStack's conflict rule: two firewall rules of one address (or
    network, for egress) conflict when they have the same protocol and
    source CIDRs and their ports overlap (or the same ICMP type and code)."""
    new_ports = (start, end) if start is not None else ALL_PORTS
    for rule in existing.filter(protocol=protocol):
        if sorted(rule.cidr_list.split(",")) != sorted(cidrs):
            continue
        if protocol == "icmp":
            if (rule.icmp_type, rule.icmp_code) == (icmp_type, icmp_code):
                raise NetworkRuleConflict(f"icmptype: New rule conflicts with existing rule {rule.uuid} (ICMP type "
                                          f"{icmp_type}, code {icmp_code})", field="icmptype")
        elif protocol == "all":
            raise NetworkRuleConflict(f"protocol: New rule conflicts with existing rule {rule.uuid} for all "
                                      f"protocols", field="protocol")
        else:
            low, high = _covered_ports(rule)
            if new_ports[0] <= high and low <= new_ports[1]:
                raise NetworkRuleConflict(
                    f"startport: The range specified, {new_ports[0]}-{new_ports[1]}, conflicts with rule "
                    f"{rule.uuid} which has {low}-{high}", field="startport")


def visible_firewall_rules(caller, traffic_type: str):
    """The rules of one direction the caller may see, loaded for their answer."""
    return scope_by_account(FirewallRule.objects.filter(traffic_type=traffic_type).select_related(
        "public_ip", "network", "account__domain"), caller)


def find_firewall_rule(caller, uuid, traffic_type: str, field: str = "id") -> FirewallRule:
    """A rule the caller may see; another account's looks unknown."""
    rule = visible_firewall_rules(caller, traffic_type).filter(uuid=uuid).first()
    if rule is None:
        kind = "egress firewall rule" if traffic_type == FirewallRule.TrafficType.EGRESS else "firewall rule"
        raise NotFound(f"{field}: no {kind} has the id {uuid}", field=field)
    return rule


def _locked_ip_of_network(ip: PublicIpAddress) -> PublicIpAddress:
    ip = PublicIpAddress.objects.select_for_update().select_related("network__offering", "account").get(pk=ip.pk)
    if ip.network_id is None:
        raise InvalidParameter(f"ipaddressid: {ip.address} belongs to no network; acquire it for one first",
                               field="ipaddressid")
    return ip


@transaction.atomic
def record_ingress_rule(caller, ip: PublicIpAddress, *, protocol: str, start_port: int | None = None,
                        end_port: int | None = None, icmp_type: int | None = None, icmp_code: int | None = None,
                        cidrs=None) -> FirewallRule:
    """Check and store an ingress rule on a public address in state Add
    (the job applies it): the address's account or an admin above it, a
    network offering Firewall, valid ports/ICMP and CIDRs (default
    0.0.0.0/0), no conflicting rule on the address."""
    ensure_owner_acts(caller, ip)
    ip = _locked_ip_of_network(ip)
    ensure_offers(ip.network, "Firewall", "ipaddressid")
    protocol = checked_protocol(protocol, INGRESS_PROTOCOLS)
    start, end, icmp_type, icmp_code = checked_rule_match(protocol, start_port, end_port, icmp_type, icmp_code)
    cidrs = checked_cidrs(cidrs, default=("0.0.0.0/0",))
    _ensure_no_conflict(ip.firewall_rules.filter(traffic_type=FirewallRule.TrafficType.INGRESS), protocol, start,
                        end, icmp_type, icmp_code, cidrs)
    rule = FirewallRule.objects.create(
        network=ip.network, public_ip=ip, account=ip.account, traffic_type=FirewallRule.TrafficType.INGRESS,
        protocol=protocol, start_port=start, end_port=end, icmp_type=icmp_type, icmp_code=icmp_code,
        cidr_list=",".join(cidrs))
    record_event("FIREWALL.OPEN", f"Firewall rule {protocol} {start or ''}-{end or ''} on {ip.address} created",
                 user=caller, account=ip.account, resource=rule)
    return rule


@transaction.atomic
def record_egress_rule(caller, network: Network, *, protocol: str, start_port: int | None = None,
                       end_port: int | None = None, icmp_type: int | None = None, icmp_code: int | None = None,
                       cidrs=None, dest_cidrs=None) -> FirewallRule:
    """Check and store an egress rule of an isolated network in state Add
    (the job applies it): source CIDRs inside the guest CIDR (default: all
    of it), valid destination CIDRs, no conflicting egress rule."""
    if not network.is_isolated or network.account_id is None:
        raise InvalidParameter(f"networkid: egress rules are for isolated networks; {network.name} is not one",
                               field="networkid")
    if network.account_id != caller.account_id:
        ensure_can_admin_account(caller, network.account)
    network = Network.objects.select_for_update().select_related("offering", "account").get(pk=network.pk)
    ensure_offers(network, "Firewall", "networkid")
    protocol = checked_protocol(protocol, EGRESS_PROTOCOLS)
    start, end, icmp_type, icmp_code = checked_rule_match(protocol, start_port, end_port, icmp_type, icmp_code)
    guest_cidr = ip_network(network.cidr, strict=False)
    cidrs = checked_cidrs(cidrs, default=(str(guest_cidr),))
    for cidr in cidrs:
        if not ip_network(cidr).subnet_of(guest_cidr):
            raise InvalidParameter(f"cidrlist: {cidr} is not inside network {network.name}'s CIDR {guest_cidr}",
                                   field="cidrlist")
    dest_cidrs = checked_cidrs(dest_cidrs, "destcidrlist", default=("0.0.0.0/0",))
    _ensure_no_conflict(network.firewall_rules.filter(traffic_type=FirewallRule.TrafficType.EGRESS)
                        .filter(dest_cidr_list=",".join(dest_cidrs)), protocol, start, end, icmp_type, icmp_code,
                        cidrs)
    rule = FirewallRule.objects.create(
        network=network, account=network.account, traffic_type=FirewallRule.TrafficType.EGRESS, protocol=protocol,
        start_port=start, end_port=end, icmp_type=icmp_type, icmp_code=icmp_code, cidr_list=",".join(cidrs),
        dest_cidr_list=",".join(dest_cidrs))
    record_event("FIREWALL.EGRESS.OPEN", f"Egress rule {protocol} of network {network.name} created", user=caller,
                 account=network.account, resource=rule)
    return rule


def delete_firewall_rule(caller, rule: FirewallRule) -> None:
    """Take a rule off the router and delete it (Active again when the router refuses)."""
    if rule.account_id != caller.account_id:
        ensure_can_admin_account(caller, rule.account)
    revoke_rule(rule)
    event = "FIREWALL.EGRESS.CLOSE" if rule.traffic_type == FirewallRule.TrafficType.EGRESS else "FIREWALL.CLOSE"
    record_event(event, f"Firewall rule {rule.uuid} deleted", user=caller, account=rule.account)
