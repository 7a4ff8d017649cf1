"""Port forwarding rules (guide 13.14): public ports of a public address
forwarded to as many private ports of one instance's guest address on
the address's network (its default NIC). Not on a static NAT address
(guide 13.13); the source NAT address of an isolated network may have
them. With openfirewall (CloudStack's default) the matching ingress
firewall rule is recorded too. Rules are checked and recorded with the
public address locked; the job applies them (network.services.rule_states)."""
from django.db import transaction

from accounts.services.scope import ensure_can_admin_account, scope_by_account
from cloudstack_ui.errors import InvalidParameter, NetworkRuleConflict, NotFound
from cloudstack_ui.jobs.events import record_event
from network.models import FirewallRule, GuestIpAddress, Network, PortForwardingRule, PublicIpAddress
from network.services.firewall import (
    checked_cidrs,
    checked_port_range,
    checked_protocol,
    ensure_offers,
    record_ingress_rule,
)
from network.services.public_ips import ensure_ip_of_network, ensure_owner_acts
from network.services.rule_states import revoke_rule

PROTOCOLS = ("tcp", "udp")
GONE_STATES = ("Destroyed", "Expunging")


def visible_port_forwarding_rules(caller):
    """The rules the caller may see, loaded for their answer."""
    return scope_by_account(PortForwardingRule.objects.select_related(
        "public_ip", "network", "account__domain", "guest_ip__nic__instance"), caller)


def find_port_forwarding_rule(caller, uuid, field: str = "id") -> PortForwardingRule:
    rule = visible_port_forwarding_rules(caller).filter(uuid=uuid).first()
    if rule is None:
        raise NotFound(f"{field}: no port forwarding rule has the id {uuid}", field=field)
    return rule


def instance_guest_ip(ip: PublicIpAddress, vm_uuid, guest_address: str = "") -> GuestIpAddress:
    """The guest address of the instance's default NIC on the public
    address's network, the instance being the address's account's."""
    on_network = GuestIpAddress.objects.filter(network=ip.network, nic__instance__uuid=vm_uuid).exclude(
        nic__instance__state__in=GONE_STATES).select_related("nic__instance")
    guest_ip = on_network.first()
    if guest_ip is None:
        if GuestIpAddress.objects.filter(nic__instance__uuid=vm_uuid).exists():
            raise InvalidParameter(f"virtualmachineid: the instance has no NIC on network {ip.network.name} of "
                                   f"{ip.address}", field="virtualmachineid")
        raise NotFound(f"virtualmachineid: no instance has the id {vm_uuid}", field="virtualmachineid")
    instance = guest_ip.nic.instance
    if instance.account_id != ip.account_id:
        raise InvalidParameter(f"virtualmachineid: instance {instance.name} is not of the account of {ip.address}",
                               field="virtualmachineid")
    if not guest_ip.nic.is_default:
        raise InvalidParameter(f"virtualmachineid: instance {instance.name}'s NIC on network {ip.network.name} is "
                               f"not its default NIC", field="virtualmachineid")
    if guest_address and guest_address != guest_ip.address:
        raise InvalidParameter(f"vmguestip: {guest_address} is not instance {instance.name}'s address on network "
                               f"{ip.network.name} ({guest_ip.address})", field="vmguestip")
    return guest_ip


@transaction.atomic
def record_port_forwarding_rule(caller, ip: PublicIpAddress, *, vm_uuid, protocol: str, public_port: int,
                                public_end_port: int | None = None, private_port: int,
                                private_end_port: int | None = None, cidrs=None, open_firewall: bool = True,
                                guest_address: str = "", network: Network | None = None
                                ) -> tuple[PortForwardingRule, FirewallRule | None]:
    """Check and store a rule in state Add (and, with open_firewall, the
    ingress rule opening its public ports): ranges of one size, public
    ports not yet forwarded on the address, not a static NAT address, the
    instance's default NIC on the address's network."""
    ensure_owner_acts(caller, ip)
    ip = PublicIpAddress.objects.select_for_update().select_related("network__offering", "account").get(pk=ip.pk)
    if ip.network_id is None:
        raise InvalidParameter(f"ipaddressid: {ip.address} belongs to no network; acquire it for one first",
                               field="ipaddressid")
    if network is not None:
        ensure_ip_of_network(ip, network)
    ensure_offers(ip.network, "PortForwarding", "ipaddressid")
    if ip.is_static_nat:
        raise InvalidParameter(f"ipaddressid: {ip.address} has static NAT; port forwarding rules cannot be added "
                               f"to it", field="ipaddressid")
    protocol = checked_protocol(protocol, PROTOCOLS)
    public_start, public_end = checked_port_range(public_port, public_end_port, start_field="publicport",
                                                  end_field="publicendport")
    private_start, private_end = checked_port_range(private_port, private_end_port, start_field="privateport",
                                                    end_field="privateendport")
    public_size, private_size = public_end - public_start + 1, private_end - private_start + 1
    if public_size != private_size:
        raise InvalidParameter(
            f"privateendport: the private range {private_start}-{private_end} has {private_size} ports, the public "
            f"range {public_start}-{public_end} has {public_size}", field="privateendport")
    cidrs = checked_cidrs(cidrs, default=("0.0.0.0/0",))
    guest_ip = instance_guest_ip(ip, vm_uuid, guest_address)
    for rule in ip.port_forwarding_rules.filter(protocol=protocol):
        if public_start <= rule.public_end and rule.public_start <= public_end:
            raise NetworkRuleConflict(
                f"publicport: The range specified, {public_start}-{public_end}, conflicts with rule {rule.uuid} "
                f"which has {rule.public_start}-{rule.public_end}", field="publicport")
    rule = PortForwardingRule.objects.create(
        public_ip=ip, network=ip.network, guest_ip=guest_ip, account=ip.account, protocol=protocol,
        public_start=public_start, public_end=public_end, private_start=private_start, private_end=private_end,
        cidr_list=",".join(cidrs))
    firewall_rule = None
    if open_firewall:
        firewall_rule = record_ingress_rule(caller, ip, protocol=protocol, start_port=public_start,
                                            end_port=public_end, cidrs=cidrs)
    record_event("NET.RULEADD", f"Port forwarding rule {protocol} {ip.address}:{public_start}-{public_end} -> "
                 f"{guest_ip.address}:{private_start}-{private_end} created", user=caller, account=ip.account,
                 resource=rule)
    return rule, firewall_rule


def delete_port_forwarding_rule(caller, rule: PortForwardingRule) -> None:
    """Take a rule off the router and delete it (Active again when the router refuses)."""
    if rule.account_id != caller.account_id:
        ensure_can_admin_account(caller, rule.account)
    revoke_rule(rule)
    record_event("NET.RULEDELETE", f"Port forwarding rule {rule.uuid} deleted", user=caller, account=rule.account)


def opened_firewall_rule(rule: PortForwardingRule) -> FirewallRule | None:
    """The ingress rule recorded with a port forwarding rule (openfirewall),
    while both wait in state Add for the job."""
    return FirewallRule.objects.filter(
        public_ip=rule.public_ip_id, traffic_type=FirewallRule.TrafficType.INGRESS, state=rule.state,
        protocol=rule.protocol, start_port=rule.public_start, end_port=rule.public_end,
        cidr_list=rule.cidr_list).first()
