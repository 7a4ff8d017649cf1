"""Security groups (guide 13.7): each account has a "default" group, made
on first use; rules open ingress or egress for a protocol and port range
(TCP, UDP) or ICMP type and code, from or to CIDRs or the members of other
groups. With no ingress rule nothing comes in; with no egress rule
everything goes out (the guide's default egress policy). Users manage their
account's groups; domain admins those of their subtree; root admins all."""
from ipaddress import ip_network

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import Account, Domain
from accounts.services.scope import scope_accounts, scope_by_account, visible_domains
from accounts.services.validation import require_name
from cloudstack_ui.dependents import delete_checked
from cloudstack_ui.errors import InvalidParameter, NetworkRuleConflict, NotFound, ResourceInUse
from infrastructure.hypervisors import SecurityRule, SecurityRuleSet
from network.models import SecurityGroup, SecurityGroupRule
from network.signals import security_group_rules_changed

DEFAULT = "default"
PROTOCOLS = ("tcp", "udp", "icmp", "all")


def visible_groups(caller):
    return scope_by_account(SecurityGroup.objects.select_related("account__domain"), caller)


def find_group(caller, uuid, field: str = "id") -> SecurityGroup:
    """A group the caller may manage; another account's looks unknown."""
    group = visible_groups(caller).filter(uuid=uuid).first()
    if group is None:
        raise NotFound(f"{field}: no security group has the id {uuid}", field=field)
    return group


def find_group_by_name(caller, account: Account, name: str) -> SecurityGroup:
    group = visible_groups(caller).filter(account=account, name__iexact=name).first()
    if group is None:
        raise NotFound(f"name: account {account.name} has no security group named {name}", field="name")
    return group


def listed_groups(caller, *, listall: bool = False):
    """The caller's account's groups (its default group made on first use),
    or with listall every group in reach; rules prefetched."""
    default_group(caller.account)
    groups = visible_groups(caller).prefetch_related("rules__source_group__account")
    return groups if listall else groups.filter(account=caller.account)


def default_group(account: Account) -> SecurityGroup:
    """The account's "default" group, made on first use."""
    try:
        with transaction.atomic():
            group, _created = SecurityGroup.objects.get_or_create(
                account=account, name=DEFAULT, defaults={"description": "Default Security Group"})
    except IntegrityError:
        group = SecurityGroup.objects.get(account=account, name=DEFAULT)
    return group


@transaction.atomic
def create_security_group(caller, account: Account, *, name: str, description: str = "") -> SecurityGroup:
    if not scope_accounts(caller).filter(pk=account.pk).exists():
        raise NotFound("account: no such account within reach", field="account")
    name = require_name(name, "name", "security group name")
    default_group(account)
    if SecurityGroup.objects.filter(account=account, name__iexact=name).exists():
        raise InvalidParameter(f"name: account {account.name} already has a security group named {name}",
                               field="name")
    return SecurityGroup.objects.create(account=account, name=name, description=description.strip())


@transaction.atomic
def delete_security_group(caller, group: SecurityGroup) -> None:
    """Refused for the default group, for a group instances are in, and for
    a group other groups' rules name."""
    group = find_group(caller, group.uuid)
    if group.name == DEFAULT:
        raise InvalidParameter("id: the default security group cannot be deleted", field="id")
    member = group.instances.exclude(state="Expunging").first()
    if member is not None:
        raise ResourceInUse(f"id: security group {group.name} is in use by instance {member.name}", field="id")
    users = SecurityGroupRule.objects.filter(source_group=group).exclude(group=group).select_related("group").first()
    if users is not None:
        raise ResourceInUse(f"id: security group {group.name} is named by a rule of group {users.group.name}",
                            field="id")
    group.delete()


def groups_named_by_others(account: Account) -> list[str]:
    """Account cleanup blockers: rules of other accounts' groups that name
    one of the account's groups as their source."""
    rules = SecurityGroupRule.objects.filter(source_group__account=account).exclude(
        group__account=account).select_related("group__account", "source_group")
    return [f"security group {rule.source_group.name} of account {account.name} is named by a rule of group "
            f"{rule.group.name} of account {rule.group.account.name}" for rule in rules]


@transaction.atomic
def remove_account_groups(caller, account: Account) -> None:
    """Account cleanup: the account's groups with their rules (its
    instances are expunged by then)."""
    SecurityGroupRule.objects.filter(group__account=account).delete()
    for group in SecurityGroup.objects.filter(account=account):
        delete_checked(group)


def _port(value, field: str) -> int:
    try:
        port = int(value)
    except (TypeError, ValueError):
        raise InvalidParameter(f"{field}: {value!r} is not a port number", field=field)
    if not 0 <= port <= 65535:
        raise InvalidParameter(f"{field}: {port} is not a port from 0 to 65535", field=field)
    return port


def _icmp(value, field: str) -> int:
    number = -1 if value in (None, "") else value
    try:
        number = int(number)
    except (TypeError, ValueError):
        raise InvalidParameter(f"{field}: {value!r} is not a number", field=field)
    if not -1 <= number <= 255:
        raise InvalidParameter(f"{field}: {number} is out of range -1 to 255 (-1: any)", field=field)
    return number


def authorize(caller, group: SecurityGroup, direction: str, **rule) -> list[SecurityGroupRule]:
    """Add rules to the group (see _add_rules), then have the hosts enforce
    them. The rules stay stored when a host fails: its instances are marked
    out of sync and alerted, and the error is raised so the command fails."""
    created = _add_rules(caller, group, direction, **rule)
    security_group_rules_changed.send(sender=SecurityGroup, groups=[group])
    return created


@transaction.atomic
def _add_rules(caller, group: SecurityGroup, direction: str, *, protocol: str, start_port=None, end_port=None,
               icmp_type=None, icmp_code=None, cidrs: list[str] | None = None,
               source_groups: list[tuple] | None = None) -> list[SecurityGroupRule]:
    """One rule per CIDR and per (account, group[, domain uuid]) source (see
    find_source_group). A rule the group has already is refused; nothing is
    stored unless every source is found."""
    group = SecurityGroup.objects.select_for_update().get(pk=find_group(caller, group.uuid, "securitygroupid").pk)
    protocol = (protocol or "").strip().lower()
    if protocol not in PROTOCOLS:
        raise InvalidParameter(f"protocol: {protocol or 'nothing'} is not one of tcp, udp, icmp, all", field="protocol")
    fields = {"direction": direction, "protocol": protocol}
    if protocol in ("tcp", "udp"):
        if start_port in (None, "") or end_port in (None, ""):
            raise InvalidParameter(f"startport: {protocol.upper()} rules need startport and endport",
                                   field="startport")
        fields["start_port"], fields["end_port"] = _port(start_port, "startport"), _port(end_port, "endport")
        if fields["start_port"] > fields["end_port"]:
            raise InvalidParameter(f"endport: the range {fields['start_port']}-{fields['end_port']} is reversed",
                                   field="endport")
    elif protocol == "icmp":
        fields["icmp_type"], fields["icmp_code"] = _icmp(icmp_type, "icmptype"), _icmp(icmp_code, "icmpcode")
    sources = []
    for cidr in cidrs or []:
        try:
            sources.append({"cidr": str(ip_network(cidr.strip(), strict=False))})
        except ValueError:
            raise InvalidParameter(f"cidrlist: {cidr!r} is not a CIDR such as 192.168.0.0/24", field="cidrlist")
    for account_name, group_name, *domain_uuid in source_groups or []:
        sources.append({"source_group": find_source_group(caller, group, account_name, group_name,
                                                          domain_uuid[0] if domain_uuid else None)})
    if not sources:
        raise InvalidParameter("cidrlist: give a CIDR list or account and group pairs", field="cidrlist")
    created = []
    for source in sources:
        if group.rules.filter(**fields, **source).exists():
            raise NetworkRuleConflict(f"cidrlist: group {group.name} already has this {direction} rule",
                                      field="cidrlist")
        created.append(SecurityGroupRule.objects.create(group=group, **fields, **source))
    return created


def find_source_group(caller, group: SecurityGroup, account_name: str, group_name: str,
                      domain_uuid=None) -> SecurityGroup:
    """The group named by a rule's usersecuritygrouplist entry. As CloudStack
    does, the account is looked up in the domain of the group being changed,
    or in the entry's `domainid` when the caller may see that domain (a user
    their own, a domain admin their subtree, a root admin any); a name out of
    the caller's reach is not found, like one that does not exist."""
    field = "usersecuritygrouplist"
    if domain_uuid:
        try:
            domain = visible_domains(caller).get(uuid=domain_uuid)
        except (Domain.DoesNotExist, ValueError, ValidationError):
            raise NotFound(f"{field}: no domain with the id {domain_uuid}", field=field)
    else:
        domain = group.account.domain
    source = SecurityGroup.objects.filter(account__domain=domain, account__name__iexact=(account_name or "").strip(),
                                          name__iexact=(group_name or "").strip()).first()
    if source is None:
        raise NotFound(f"{field}: account {account_name} in domain {domain.full_path} has no security group "
                       f"{group_name}", field=field)
    return source


def find_rule(caller, uuid, direction: str) -> SecurityGroupRule:
    rule = SecurityGroupRule.objects.filter(uuid=uuid, direction=direction, group__in=visible_groups(caller)).first()
    if rule is None:
        raise NotFound(f"id: no {direction} rule has the id {uuid}", field="id")
    return rule


def revoke(caller, rule: SecurityGroupRule) -> None:
    """Remove a rule, then have the hosts enforce the rest (failures as in
    authorize: the removal stays, the command fails with the reason)."""
    with transaction.atomic():
        rule = find_rule(caller, rule.uuid, rule.direction)
        rule.delete()
    security_group_rules_changed.send(sender=SecurityGroup, groups=[rule.group])


def group_rules(groups, member_addresses=None) -> tuple[SecurityRule, ...]:
    """What a hypervisor enforces for a NIC in `groups`, read in one query:
    each CIDR rule as it is, each group-sourced rule once per address of
    that group's members (`member_addresses(group)` answers them, asked
    once per source group; none until instances exist). Rules come group
    by group in the order of `groups`."""
    position = {group.pk: index for index, group in enumerate(groups)}
    if not position:
        return ()
    stored = sorted(SecurityGroupRule.objects.filter(group_id__in=position).select_related("source_group"),
                    key=lambda rule: (position[rule.group_id], rule.direction, rule.pk))
    members: dict[int, list[str]] = {}
    rules = []
    for rule in stored:
        if rule.cidr:
            addresses = [rule.cidr]
        else:
            if rule.source_group_id not in members:
                members[rule.source_group_id] = list(member_addresses(rule.source_group) if member_addresses else [])
            addresses = [f"{a}/32" for a in members[rule.source_group_id]]
        rules += [SecurityRule(direction=rule.direction, protocol=rule.protocol, cidr=cidr,
                               start_port=rule.start_port, end_port=rule.end_port, icmp_type=rule.icmp_type,
                               icmp_code=rule.icmp_code) for cidr in addresses]
    return tuple(rules)


def rule_set(name: str, mac: str, groups, member_addresses=None) -> SecurityRuleSet:
    """What a hypervisor enforces for one NIC in `groups` (see group_rules)."""
    return SecurityRuleSet(name=name, mac=mac, rules=group_rules(groups, member_addresses))
