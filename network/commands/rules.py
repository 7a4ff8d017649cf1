"""CloudStack commands of firewall, egress and port forwarding rules and
static NAT. A create records its rule (state Add) when it is called and
the job applies it; a delete revokes in the job."""
from cloudstack_ui.api.paging import filter_by_params
from cloudstack_ui.api.registry import ALL_ROLES, Command, Param, register
from cloudstack_ui.errors import InvalidParameter, NotFound
from cloudstack_ui.jobs.services import current_job_instance_uuid
from network.api.serializers import FirewallRuleSerializer, PortForwardingRuleSerializer
from network.models import FirewallRule, PortForwardingRule, RuleState
from network.services import firewall, port_forwarding, static_nat
from network.services.networks import visible_networks
from network.services.public_ips import find_public_ip
from network.services.rule_states import apply_added_rules, forget_added_rule, restore_revoked_rule

SUCCESS = {"success": True}
INGRESS, EGRESS = FirewallRule.TrafficType.INGRESS, FirewallRule.TrafficType.EGRESS
ID = Param("id", "uuid", required=True, description="the rule's id")
RULE_MATCH = (
    Param("startport", "integer", description="TCP/UDP: the first port"),
    Param("endport", "integer", description="TCP/UDP: the last port (default: the first)"),
    Param("icmptype", "integer", description="ICMP: the type (-1: any)"),
    Param("icmpcode", "integer", description="ICMP: the code (-1: any)"),
)


def _find_network(caller, uuid, field: str = "networkid"):
    network = visible_networks(caller).filter(uuid=uuid).select_related("offering", "account").first()
    if network is None:
        raise NotFound(f"{field}: no network has the id {uuid}", field=field)
    return network


def _recorded(model, name: str):
    """Inside the job: the rule its request recorded."""
    recorded = current_job_instance_uuid()
    if recorded is None:
        raise InvalidParameter(f"{name} runs as an async job", field="id")
    return model.objects.select_related("network", "public_ip").get(uuid=recorded)


# What the firewall and port forwarding lists filter by.
LIST_PARAMS = (
    Param("id", "uuid", description="the rule's id"),
    Param("ipaddressid", "uuid", description="rules of this public IP address"),
    Param("networkid", "uuid", description="rules of this network"),
    Param("listall", "boolean", description="rules of every account in reach (admins)"),
    Param("keyword", description="List by keyword (the protocol)"),
)


class _RuleJob(Command):
    authorized = ALL_ROLES
    is_async = True
    instance_type = "FirewallRule"


class _CreateFirewallRule(_RuleJob):
    """Records the rule in the request; the job applies it."""

    response_name = "firewallrule"
    serializer = FirewallRuleSerializer

    def execute(self, caller, **p):
        rule = _recorded(FirewallRule, self.name)
        apply_added_rules(rule.network, rule)
        return rule

    def job_abandoned(self, caller, instance_uuid, reason):
        rule = FirewallRule.objects.filter(uuid=instance_uuid).first()
        if rule is not None:
            forget_added_rule(rule)

    job_interrupted = job_abandoned


@register
class CreateFirewallRule(_CreateFirewallRule):
    name = "createFirewallRule"
    description = "Opens ports of a public IP address to source CIDRs (guide 13.14)"
    params = (
        Param("ipaddressid", "uuid", required=True, description="the public IP address"),
        Param("protocol", required=True, description="tcp, udp or icmp"),
        *RULE_MATCH,
        Param("cidrlist", "list", description="the source CIDRs (default 0.0.0.0/0)"),
    )

    def job_instance(self, caller, p):
        ip = find_public_ip(caller, p["ipaddressid"])
        return firewall.record_ingress_rule(
            caller, ip, protocol=p["protocol"], start_port=p.get("startport"), end_port=p.get("endport"),
            icmp_type=p.get("icmptype"), icmp_code=p.get("icmpcode"), cidrs=p.get("cidrlist"))


@register
class CreateEgressFirewallRule(_CreateFirewallRule):
    name = "createEgressFirewallRule"
    description = "Lets an isolated network's guests reach destination CIDRs (guide 13.15)"
    params = (
        Param("networkid", "uuid", required=True, description="the isolated network"),
        Param("protocol", required=True, description="tcp, udp, icmp or all"),
        *RULE_MATCH,
        Param("cidrlist", "list", description="the source CIDRs, inside the network's CIDR (default: all of it)"),
        Param("destcidrlist", "list", description="the destination CIDRs (default 0.0.0.0/0)"),
    )

    def job_instance(self, caller, p):
        network = _find_network(caller, p["networkid"])
        return firewall.record_egress_rule(
            caller, network, protocol=p["protocol"], start_port=p.get("startport"), end_port=p.get("endport"),
            icmp_type=p.get("icmptype"), icmp_code=p.get("icmpcode"), cidrs=p.get("cidrlist"),
            dest_cidrs=p.get("destcidrlist"))


class _DeleteRule(_RuleJob):
    """Finds the rule in the request; the job revokes it."""

    params = (ID,)

    def job_interrupted(self, caller, instance_uuid, reason):
        for model in (FirewallRule, PortForwardingRule):
            rule = model.objects.filter(uuid=instance_uuid).first()
            if rule is not None:
                restore_revoked_rule(rule)


class _DeleteFirewallRule(_DeleteRule):
    traffic_type = INGRESS

    def job_instance(self, caller, p):
        return firewall.find_firewall_rule(caller, p["id"], self.traffic_type)

    def execute(self, caller, **p):
        firewall.delete_firewall_rule(caller, firewall.find_firewall_rule(caller, p["id"], self.traffic_type))
        return SUCCESS


@register
class DeleteFirewallRule(_DeleteFirewallRule):
    name = "deleteFirewallRule"
    description = "Deletes an ingress firewall rule"


@register
class DeleteEgressFirewallRule(_DeleteFirewallRule):
    name = "deleteEgressFirewallRule"
    description = "Deletes an egress firewall rule"
    traffic_type = EGRESS


class _ListFirewallRules(Command):
    authorized = ALL_ROLES
    response_name = "firewallrule"
    serializer = FirewallRuleSerializer
    traffic_type = INGRESS
    params = LIST_PARAMS

    def execute(self, caller, **p):
        rules = firewall.visible_firewall_rules(caller, self.traffic_type)
        if not p.get("listall") and "id" not in p:
            rules = rules.filter(account=caller.account)
        return filter_by_params(rules, p, id="uuid", ipaddressid="public_ip__uuid", networkid="network__uuid",
                                keyword="protocol__icontains")


@register
class ListFirewallRules(_ListFirewallRules):
    name = "listFirewallRules"
    description = "Lists ingress firewall rules of public IP addresses"


@register
class ListEgressFirewallRules(_ListFirewallRules):
    name = "listEgressFirewallRules"
    description = "Lists egress firewall rules of isolated networks"
    traffic_type = EGRESS


@register
class CreatePortForwardingRule(_RuleJob):
    name = "createPortForwardingRule"
    description = "Forwards public ports of a public IP address to an instance (guide 13.14)"
    response_name = "portforwardingrule"
    serializer = PortForwardingRuleSerializer
    params = (
        Param("ipaddressid", "uuid", required=True, description="the public IP address"),
        Param("protocol", required=True, description="tcp or udp"),
        Param("publicport", "integer", required=True, description="the first public port"),
        Param("publicendport", "integer", description="the last public port (default: the first)"),
        Param("privateport", "integer", required=True, description="the first private port"),
        Param("privateendport", "integer", description="the last private port (default: the first)"),
        Param("virtualmachineid", "uuid", required=True, description="the instance forwarded to"),
        Param("vmguestip", description="the instance's guest address on the network"),
        Param("networkid", "uuid", description="the network of the address and the instance's NIC"),
        Param("cidrlist", "list", description="the source CIDRs (default 0.0.0.0/0)"),
        Param("openfirewall", "boolean", description="also open the public ports in the firewall (default true)"),
    )

    def job_instance(self, caller, p):
        ip = find_public_ip(caller, p["ipaddressid"])
        network = _find_network(caller, p["networkid"]) if "networkid" in p else None
        rule, _opened = port_forwarding.record_port_forwarding_rule(
            caller, ip, vm_uuid=p["virtualmachineid"], protocol=p["protocol"], public_port=p["publicport"],
            public_end_port=p.get("publicendport"), private_port=p["privateport"],
            private_end_port=p.get("privateendport"), cidrs=p.get("cidrlist"),
            open_firewall=p.get("openfirewall", True), guest_address=p.get("vmguestip", ""), network=network)
        return rule

    def execute(self, caller, **p):
        rule = _recorded(PortForwardingRule, self.name)
        opened = port_forwarding.opened_firewall_rule(rule) if p.get("openfirewall", True) else None
        apply_added_rules(rule.network, *(r for r in (rule, opened) if r is not None))
        return port_forwarding.visible_port_forwarding_rules(caller).get(pk=rule.pk)

    def job_abandoned(self, caller, instance_uuid, reason):
        rule = PortForwardingRule.objects.filter(uuid=instance_uuid, state=RuleState.ADD).first()
        if rule is not None:
            opened = port_forwarding.opened_firewall_rule(rule)
            for added in (rule, opened):
                if added is not None:
                    forget_added_rule(added)

    job_interrupted = job_abandoned


@register
class DeletePortForwardingRule(_DeleteRule):
    name = "deletePortForwardingRule"
    description = "Deletes a port forwarding rule"

    def job_instance(self, caller, p):
        return port_forwarding.find_port_forwarding_rule(caller, p["id"])

    def execute(self, caller, **p):
        port_forwarding.delete_port_forwarding_rule(caller, port_forwarding.find_port_forwarding_rule(caller, p["id"]))
        return SUCCESS

    def job_interrupted(self, caller, instance_uuid, reason):
        rule = PortForwardingRule.objects.filter(uuid=instance_uuid).first()
        if rule is not None:
            restore_revoked_rule(rule, *rule.opened_firewall_rules.all())


@register
class UpdatePortForwardingRule(_RuleJob):
    name = "updatePortForwardingRule"
    description = "Changes the private ports or the instance a port forwarding rule forwards to"
    response_name = "portforwardingrule"
    serializer = PortForwardingRuleSerializer
    params = (
        ID,
        Param("privateport", "integer", description="the first private port"),
        Param("privateendport", "integer", description="the last private port"),
        Param("virtualmachineid", "uuid", description="the instance forwarded to"),
        Param("vmguestip", description="the instance's guest address on the network"),
    )

    def job_instance(self, caller, p):
        return port_forwarding.find_port_forwarding_rule(caller, p["id"])

    def execute(self, caller, **p):
        rule = port_forwarding.update_port_forwarding_rule(
            caller, port_forwarding.find_port_forwarding_rule(caller, p["id"]), private_port=p.get("privateport"),
            private_end_port=p.get("privateendport"), vm_uuid=p.get("virtualmachineid"),
            guest_address=p.get("vmguestip", ""))
        return port_forwarding.visible_port_forwarding_rules(caller).get(pk=rule.pk)


@register
class ListPortForwardingRules(Command):
    name = "listPortForwardingRules"
    description = "Lists port forwarding rules"
    authorized = ALL_ROLES
    response_name = "portforwardingrule"
    serializer = PortForwardingRuleSerializer
    params = LIST_PARAMS

    def execute(self, caller, **p):
        rules = port_forwarding.visible_port_forwarding_rules(caller)
        if not p.get("listall") and "id" not in p:
            rules = rules.filter(account=caller.account)
        return filter_by_params(rules, p, id="uuid", ipaddressid="public_ip__uuid", networkid="network__uuid",
                                keyword="protocol__icontains")


@register
class EnableStaticNat(Command):
    name = "enableStaticNat"
    description = "Maps a public IP address one-to-one onto an instance (guide 13.13)"
    authorized = ALL_ROLES
    params = (
        Param("ipaddressid", "uuid", required=True, description="the public IP address"),
        Param("virtualmachineid", "uuid", required=True, description="the instance"),
        Param("networkid", "uuid", description="the network of the address and the instance's NIC"),
        Param("vmguestip", description="the instance's guest address on the network"),
    )

    def execute(self, caller, **p):
        ip = find_public_ip(caller, p["ipaddressid"])
        network = _find_network(caller, p["networkid"]) if "networkid" in p else None
        static_nat.enable_static_nat(caller, ip, vm_uuid=p["virtualmachineid"], guest_address=p.get("vmguestip", ""),
                                     network=network)
        return SUCCESS


@register
class DisableStaticNat(Command):
    name = "disableStaticNat"
    description = "Removes a public IP address's static NAT"
    authorized = ALL_ROLES
    is_async = True
    instance_type = "IpAddress"
    params = (Param("ipaddressid", "uuid", required=True, description="the public IP address"),)

    def job_instance(self, caller, p):
        return find_public_ip(caller, p["ipaddressid"])

    def execute(self, caller, **p):
        static_nat.disable_static_nat(caller, find_public_ip(caller, p["ipaddressid"]))
        return SUCCESS
