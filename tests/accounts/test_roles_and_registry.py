"""Roles: allow/deny rules per command name, first match wins, the
command's declared role types otherwise. The registry parses parameters as
CloudStack does."""
import pytest

from accounts.models import Account, Role, RolePermission
from cloudstack_ui.api.registry import all_commands, get_command, invoke, is_allowed
from cloudstack_ui.errors import InvalidParameter, PermissionDenied
from tests.conftest import make_account


def test_default_roles_follow_the_commands_declarations(root_admin, tenancy):
    user, domain_admin = tenancy["sales_user"], tenancy["comp1_admin"]
    assert is_allowed(root_admin, "createDomain") and is_allowed(root_admin, "deleteAccount")
    assert is_allowed(domain_admin, "createDomain") and is_allowed(domain_admin, "createAccount")
    assert not is_allowed(user, "createDomain") and not is_allowed(user, "listDomains")
    assert is_allowed(user, "createSSHKeyPair") and is_allowed(user, "updateUser")
    assert not is_allowed(user, "noSuchCommand")


def test_rules_override_in_order_with_wildcards(root_admin, tenancy):
    role = Role.objects.create(name="Auditor", type=Role.Type.DOMAIN_ADMIN)
    RolePermission.objects.create(role=role, rule="listAccounts", permission="ALLOW", sort_order=0)
    RolePermission.objects.create(role=role, rule="list*", permission="DENY", sort_order=1)
    RolePermission.objects.create(role=role, rule="*", permission="ALLOW", sort_order=2)
    auditor = make_account(root_admin, tenancy["comp1"], "auditor", Account.Type.DOMAIN_ADMIN)
    Account.objects.filter(pk=auditor.account_id).update(role=role)
    auditor.refresh_from_db()
    assert is_allowed(auditor, "listAccounts")
    assert not is_allowed(auditor, "listUsers") and not is_allowed(auditor, "listDomains")
    assert is_allowed(auditor, "createDomain")


def test_deny_rule_on_a_default_role_takes_effect(root_admin, tenancy):
    RolePermission.objects.create(role=Role.objects.get(name="User"), rule="createSSHKeyPair", permission="DENY")
    user = tenancy["sales_user"].__class__.objects.get(pk=tenancy["sales_user"].pk)
    with pytest.raises(PermissionDenied, match="not available for user"):
        invoke(user, "createSSHKeyPair", {"name": "k"})


def test_a_rule_cannot_widen_scope(root_admin, tenancy):
    """Allowing an admin command to a user role does not give admin scope:
    the service still refuses."""
    RolePermission.objects.create(role=Role.objects.get(name="User"), rule="createDomain", permission="ALLOW")
    user = tenancy["sales_user"].__class__.objects.get(pk=tenancy["sales_user"].pk)
    with pytest.raises(PermissionDenied):
        invoke(user, "createDomain", {"name": "mine", "parentdomainid": str(tenancy["sales"].uuid)})


def test_parameters_are_case_insensitive_and_unknown_ones_ignored(root_admin):
    domain = invoke(root_admin, "createDomain", {"NAME": "Comp1", "NetworkDomain": "c.example.com", "junk": "x"})
    assert domain.name == "Comp1" and domain.network_domain == "c.example.com"


@pytest.mark.parametrize(
    "command,params,message,field",
    [
        ("createDomain", {}, "missing parameter name", "name"),
        ("createDomain", {"name": "x", "parentdomainid": "not-a-uuid"}, "invalid value not-a-uuid for parameter parentdomainid", "parentdomainid"),
        ("disableAccount", {"account": "admin", "lock": "maybe"}, "invalid value maybe for parameter lock", "lock"),
        ("listDomains", {"level": "one"}, "invalid value one for parameter level", "level"),
        ("createAccount", {"username": "u", "password": "p", "firstname": "f", "lastname": "l", "email": "e@x.org",
                           "accounttype": "5"}, "accounttype: must be one of", "accounttype"),
    ],
)
def test_bad_parameters_name_the_field(root_admin, command, params, message, field):
    with pytest.raises(InvalidParameter, match=message) as exc:
        invoke(root_admin, command, params)
    assert exc.value.field == field


def test_secret_parameters_are_not_echoed(root_admin):
    with pytest.raises(InvalidParameter) as exc:
        get_command("updateUser").parse({"id": "x", "password": "hunter2"})
    assert "hunter2" not in exc.value.message


def test_every_command_declares_roles_and_parameters():
    commands = all_commands()
    assert len(commands) >= 20
    for command in commands:
        assert command.name and command.description and command.authorized
        assert all(p.name == p.name.lower() for p in command.params), command.name
