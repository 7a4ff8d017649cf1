"""IPv4 and VLAN rules of the guide (ch. 2, 6.3): every range inside its
CIDR, start <= end, the gateway outside the range, no overlaps, VLAN ids
1-4094. Each check raises InvalidParameter naming the field at fault."""
import ipaddress
from ipaddress import IPv4Address, IPv4Network

from cloudstack_ui.errors import InvalidParameter

VLAN_MIN, VLAN_MAX = 1, 4094


def parse_ip(value, field: str) -> IPv4Address:
    try:
        return IPv4Address(str(value or "").strip())
    except ValueError:
        raise InvalidParameter(f"{field}: '{value}' is not a valid IPv4 address", field=field)


def parse_netmask(value, field: str = "netmask") -> int:
    """The prefix length of a netmask written 255.255.255.0, /24 or 24
    (the guide asks for "CIDR notation" in a field named netmask)."""
    text = str(value or "").strip().lstrip("/")
    try:
        if text.isdigit():
            prefix = int(text)
            if not 0 < prefix <= 32:
                raise ValueError
            return prefix
        return IPv4Network(f"0.0.0.0/{text}").prefixlen
    except ValueError:
        raise InvalidParameter(f"{field}: '{value}' is not a valid netmask", field=field)


def netmask_text(prefix: int) -> str:
    return str(IPv4Network(f"0.0.0.0/{prefix}").netmask)


def parse_cidr(value, field: str) -> IPv4Network:
    try:
        return IPv4Network(str(value or "").strip(), strict=True)
    except ValueError:
        raise InvalidParameter(f"{field}: '{value}' is not a valid CIDR such as 10.1.1.0/24", field=field)


def check_range(*, gateway, netmask, start, end, start_field="startip", end_field="endip",
                gateway_field="gateway") -> tuple[IPv4Network, IPv4Address, IPv4Address, IPv4Address]:
    """The network, gateway, start and end of a range, once the range is
    inside the gateway's subnet, ordered, and does not contain the gateway."""
    gateway_ip = parse_ip(gateway, gateway_field)
    prefix = parse_netmask(netmask)
    network = ipaddress.ip_network(f"{gateway_ip}/{prefix}", strict=False)
    start_ip = parse_ip(start, start_field)
    end_ip = parse_ip(end, end_field) if end not in (None, "") else network.broadcast_address - 1
    for ip, field in ((start_ip, start_field), (end_ip, end_field)):
        if ip not in network:
            raise InvalidParameter(f"{field}: {ip} is outside the subnet {network} of gateway {gateway_ip}",
                                   field=field)
    if start_ip > end_ip:
        raise InvalidParameter(f"{end_field}: the end IP {end_ip} is before the start IP {start_ip}", field=end_field)
    if start_ip <= gateway_ip <= end_ip:
        raise InvalidParameter(f"{gateway_field}: the gateway {gateway_ip} must not be inside the range "
                               f"{start_ip}-{end_ip}", field=gateway_field)
    return network, gateway_ip, start_ip, end_ip


def overlaps(a_start: IPv4Address, a_end: IPv4Address, b_start, b_end) -> bool:
    return a_start <= IPv4Address(b_end) and IPv4Address(b_start) <= a_end


def parse_vlan_ranges(text: str | None, field: str = "vlan") -> list[tuple[int, int]]:
    """'500-599,700' -> [(500, 599), (700, 700)]; ids 1-4094, no overlaps."""
    ranges = []
    for part in [p.strip() for p in (text or "").split(",") if p.strip()]:
        bounds = part.split("-")
        try:
            low, high = (int(bounds[0]), int(bounds[-1])) if len(bounds) <= 2 else (None, None)
            if low is None:
                raise ValueError
        except ValueError:
            raise InvalidParameter(f"{field}: '{part}' is not a VLAN id or a range such as 500-599", field=field)
        if not (VLAN_MIN <= low <= VLAN_MAX and VLAN_MIN <= high <= VLAN_MAX):
            raise InvalidParameter(f"{field}: VLAN ids go from {VLAN_MIN} to {VLAN_MAX}, not '{part}'", field=field)
        if low > high:
            raise InvalidParameter(f"{field}: the range '{part}' ends before it starts", field=field)
        ranges.append((low, high))
    ranges.sort()
    for (a_low, a_high), (b_low, b_high) in zip(ranges, ranges[1:], strict=False):
        if b_low <= a_high:
            raise InvalidParameter(f"{field}: the VLAN ranges {a_low}-{a_high} and {b_low}-{b_high} overlap",
                                   field=field)
    return ranges


def format_vlan_ranges(ranges: list[tuple[int, int]]) -> str:
    return ",".join(f"{low}-{high}" if low != high else str(low) for low, high in ranges)


def parse_vlan_id(value, field: str = "vlan") -> str:
    """A VLAN id (1-4094) or 'untagged', as CloudStack stores it."""
    text = str(value or "").strip().lower()
    if text in ("", "untagged"):
        return "untagged"
    text = text.removeprefix("vlan://")
    if not text.isdigit() or not VLAN_MIN <= int(text) <= VLAN_MAX:
        raise InvalidParameter(f"{field}: '{value}' is not a VLAN id from {VLAN_MIN} to {VLAN_MAX} or 'untagged'",
                               field=field)
    return str(int(text))
