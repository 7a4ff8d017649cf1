"""Role order in every account, user and key command (issue 15, item 1), over
the command API, REST and the portal.

    ROOT                  admin (root admin), root-da (domain admin of D = ROOT),
                          root-da-peer (its peer), root-user (user in D)
    ├── Comp1             comp1-da (domain admin of a subdomain of D)
    └── Other             other-user (a user elsewhere)

Four callers (root admin, domain admin of D, domain admin of the subdomain,
user in D) try each command on each of six targets. What they may do is the
table REACH (the caller's own cell, "self", is decided per command); whatever
is refused answers an error, and nothing in the database changes."""
import json
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from django.db import transaction

from accounts.models import Account, Role, User
from accounts.services import domains as domain_services
from accounts.services import users as user_services
from cloudstack_ui.jobs.models import AsyncJob
from tests.conftest import PASSWORD, logged_in_client, make_account

OK, NO, SELF = "ok", "no", "self"
TARGETS = ("root", "da_d", "peer_da_d", "da_sub", "user_d", "user_else")
CALLERS = {"root": "root", "da_d": "da_d", "da_sub": "da_sub", "user": "user_d"}
REACH = {
    "root": {"root": SELF, "da_d": OK, "peer_da_d": OK, "da_sub": OK, "user_d": OK, "user_else": OK},
    "da_d": {"root": NO, "da_d": SELF, "peer_da_d": NO, "da_sub": OK, "user_d": OK, "user_else": OK},
    "da_sub": {"root": NO, "da_d": NO, "peer_da_d": NO, "da_sub": SELF, "user_d": NO, "user_else": NO},
    "user": {"root": NO, "da_d": NO, "peer_da_d": NO, "da_sub": NO, "user_d": SELF, "user_else": NO},
}
# Who may do a command to themselves (or, for the create commands, make an
# account like their own in their own domain, or a user in their own account).
EVERYONE, NOBODY, ROOT_ONLY = set(CALLERS), set(), {"root"}
NEW_PASSWORD = "N3w-Passw0rd!"


@dataclass
class Case:
    command: str
    api: Callable                 # target -> command API parameters
    rest: Callable | None         # target -> (method, url, data), None where REST has no such resource
    portal: Callable | None       # target -> (url, form data)
    happened: Callable            # (target, response) -> whether the command took effect
    self_allowed: set
    prepare: Callable | None = None  # target -> None: the state the command needs (e.g. disabled first)


def new_account_fields(t):
    return {"username": "made", "password": PASSWORD, "firstname": "Made", "lastname": "M",
            "email": "made@example.com"}


def account_state(state):
    """The account went into `state` (from another one)."""
    return lambda t, r: t.account.state != state and Account.objects.get(pk=t.account_id).state == state


def user_state(state):
    """The user went into `state` (from another one)."""
    return lambda t, r: t.state != state and User.objects.get(pk=t.pk).state == state


def disable_account(t):
    Account.objects.filter(pk=t.account_id).update(state=Account.State.DISABLED)


def disable_user(t):
    User.objects.filter(pk=t.pk).update(state=User.State.DISABLED)


def role_of(t):
    return Role.objects.get(pk=t.account.role_id)


CASES = [
    Case("createAccount",
         lambda t: {**new_account_fields(t), "domainid": t.account.domain.uuid, "accounttype": t.account.type},
         lambda t: ("post", "/api/v1/accounts/", {**new_account_fields(t), "domainid": str(t.account.domain.uuid),
                                                  "accounttype": t.account.type}),
         lambda t: ("/client/accounts/add", {**new_account_fields(t), "confirmpassword": PASSWORD, "account": "",
                                             "timezone": "", "networkdomain": "",
                                             "domainid": str(t.account.domain.uuid),
                                             "roleid": str(role_of(t).uuid)}),
         lambda t, r: Account.objects.filter(name="made", domain=t.account.domain).exists(), ROOT_ONLY),
    Case("updateAccount", lambda t: {"id": t.account.uuid, "newname": "renamed"},
         lambda t: ("patch", f"/api/v1/accounts/{t.account.uuid}/", {"newname": "renamed"}),
         lambda t: (f"/client/accounts/{t.account.uuid}/edit",
                    {"newname": "renamed", "networkdomain": "", "roleid": str(role_of(t).uuid)}),
         lambda t, r: Account.objects.get(pk=t.account_id).name == "renamed", ROOT_ONLY),
    Case("disableAccount", lambda t: {"id": t.account.uuid, "lock": "false"},
         lambda t: ("post", f"/api/v1/accounts/{t.account.uuid}/disable/", {}),
         lambda t: (f"/client/accounts/{t.account.uuid}/disable", {}), account_state("disabled"), NOBODY),
    Case("lockAccount", lambda t: {"account": t.account.name, "domainid": t.account.domain.uuid},
         lambda t: ("post", f"/api/v1/accounts/{t.account.uuid}/lock/", {}),
         lambda t: (f"/client/accounts/{t.account.uuid}/lock", {}), account_state("locked"), NOBODY),
    Case("enableAccount", lambda t: {"id": t.account.uuid},
         lambda t: ("post", f"/api/v1/accounts/{t.account.uuid}/enable/", {}),
         lambda t: (f"/client/accounts/{t.account.uuid}/enable", {}), account_state("enabled"), NOBODY,
         prepare=disable_account),
    Case("deleteAccount", lambda t: {"id": t.account.uuid},
         lambda t: ("delete", f"/api/v1/accounts/{t.account.uuid}/", {}),
         lambda t: (f"/client/accounts/{t.account.uuid}/delete", {}),
         lambda t, r: not Account.objects.filter(pk=t.account_id).exists(), NOBODY),
    Case("createUser",
         lambda t: {**new_account_fields(t), "account": t.account.name, "domainid": t.account.domain.uuid},
         lambda t: ("post", "/api/v1/users/", {**new_account_fields(t), "account": t.account.name,
                                               "domainid": str(t.account.domain.uuid)}),
         lambda t: (f"/client/accounts/{t.account.uuid}/add-user",
                    {**new_account_fields(t), "confirmpassword": PASSWORD, "timezone": ""}),
         lambda t, r: User.objects.filter(username="made", account_id=t.account_id).exists(), ROOT_ONLY),
    Case("updateUser", lambda t: {"id": t.uuid, "firstname": "Changed"},
         lambda t: ("patch", f"/api/v1/users/{t.uuid}/", {"firstname": "Changed"}),
         lambda t: (f"/client/users/{t.uuid}/edit", {"username": t.username, "email": t.email,
                                                     "firstname": "Changed", "lastname": "T", "timezone": ""}),
         lambda t, r: User.objects.get(pk=t.pk).first_name == "Changed", EVERYONE),
    Case("updateUser password", lambda t: {"id": t.uuid, "password": NEW_PASSWORD, "currentpassword": PASSWORD},
         lambda t: ("patch", f"/api/v1/users/{t.uuid}/", {"password": NEW_PASSWORD, "currentpassword": PASSWORD}),
         lambda t: (f"/client/users/{t.uuid}/password", {"currentpassword": PASSWORD, "password": NEW_PASSWORD,
                                                         "confirmpassword": NEW_PASSWORD}),
         lambda t, r: User.objects.get(pk=t.pk).check_password(NEW_PASSWORD), EVERYONE),
    Case("disableUser", lambda t: {"id": t.uuid}, lambda t: ("post", f"/api/v1/users/{t.uuid}/disable/", {}),
         lambda t: (f"/client/users/{t.uuid}/disable", {}), user_state("disabled"), NOBODY),
    Case("lockUser", lambda t: {"id": t.uuid}, lambda t: ("post", f"/api/v1/users/{t.uuid}/lock/", {}),
         lambda t: (f"/client/users/{t.uuid}/lock", {}), user_state("locked"), NOBODY),
    Case("enableUser", lambda t: {"id": t.uuid}, lambda t: ("post", f"/api/v1/users/{t.uuid}/enable/", {}),
         lambda t: (f"/client/users/{t.uuid}/enable", {}), user_state("enabled"), NOBODY, prepare=disable_user),
    Case("deleteUser", lambda t: {"id": t.uuid}, lambda t: ("delete", f"/api/v1/users/{t.uuid}/", {}),
         lambda t: (f"/client/users/{t.uuid}/delete", {}),
         lambda t, r: not User.objects.filter(pk=t.pk).exists(), NOBODY),
    Case("registerUserKeys", lambda t: {"id": t.uuid}, lambda t: ("post", f"/api/v1/users/{t.uuid}/keys/", {}),
         lambda t: (f"/client/users/{t.uuid}/keys", {}),
         lambda t, r: User.objects.get(pk=t.pk).api_key not in (None, t.api_key), EVERYONE),
    Case("getUserKeys", lambda t: {"id": t.uuid}, None, None,
         lambda t, r: t.api_key in r.content.decode(), EVERYONE),
]


@pytest.fixture
def world(root_admin):
    comp1 = domain_services.create_domain(root_admin, name="Comp1")
    other = domain_services.create_domain(root_admin, name="Other")
    root = root_admin.account.domain
    users = {
        "root": User.objects.get(pk=root_admin.pk),
        "da_d": make_account(root_admin, root, "root-da", Account.Type.DOMAIN_ADMIN),
        "peer_da_d": make_account(root_admin, root, "root-da-peer", Account.Type.DOMAIN_ADMIN),
        "da_sub": make_account(root_admin, comp1, "comp1-da", Account.Type.DOMAIN_ADMIN),
        "user_d": make_account(root_admin, root, "root-user"),
        "user_else": make_account(root_admin, other, "other-user"),
    }
    for name, user in users.items():
        # A second user in every account, so that deleting the first is allowed;
        # and keys, so that getUserKeys has something to answer.
        user_services.create_user(root_admin, account=user.account, username=f"{user.username}-second",
                                  password=PASSWORD, first_name="Second", last_name="S")
        user_services.register_user_keys(root_admin, user)
        users[name] = User.objects.select_related("account__domain", "account__role").get(pk=user.pk)
    clients = {}
    for caller, target in CALLERS.items():
        client = logged_in_client(users[target])
        session = client.session
        session["sessionkey"] = f"key-{caller}"
        session.save()
        clients[caller] = client
    return users, clients


def snapshot():
    return (
        sorted(Account.objects.values_list("pk", "name", "state", "type", "role_id", "domain_id")),
        sorted(User.objects.values_list("pk", "username", "state", "first_name", "password", "api_key")),
    )


@contextmanager
def rolled_back():
    """Whatever happens inside is undone afterwards."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def job_failed(response, key: str) -> bool:
    body = response.json()
    if key in body:
        body = body[key]
    jobid = body.get("jobid") or body.get("id")
    return bool(jobid) and AsyncJob.objects.filter(uuid=jobid, status=AsyncJob.Status.FAILED).exists()


def through_api(client, caller, case, target):
    params = {"command": case.command.split()[0], "sessionkey": f"key-{caller}", "response": "json",
              **case.api(target)}
    response = client.post("/client/api", params)
    refused = response.status_code in (401, 431, 432) or (
        response.status_code == 200 and job_failed(response, f"{params['command'].lower()}response"))
    return response, refused


def through_rest(client, caller, case, target):
    method, url, data = case.rest(target)
    response = getattr(client, method)(url, data=json.dumps(data), content_type="application/json")
    refused = response.status_code in (400, 401, 403, 404) or (response.status_code == 202
                                                                  and job_failed(response, "job"))
    return response, refused


def through_portal(client, caller, case, target):
    url, data = case.portal(target)
    response = client.post(url, data)
    page = response.content.decode() if response.status_code == 200 else ""
    refused = response.status_code in (403, 404) or "alert-danger" in page or "is-invalid" in page
    return response, refused


SURFACES = {"api": through_api, "rest": through_rest, "portal": through_portal}


def expected(caller: str, target: str, case: Case) -> str:
    cell = REACH[caller][target]
    if cell == SELF:
        return OK if caller in case.self_allowed else NO
    return cell


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("case", CASES, ids=[c.command for c in CASES])
def test_role_order(world, case, caller):
    users, clients = world
    wrong = []
    for target_name in TARGETS:
        want = expected(caller, target_name, case)
        for surface, attempt in SURFACES.items():
            if surface == "rest" and case.rest is None or surface == "portal" and case.portal is None:
                continue
            client = clients[caller]
            cookies = client.cookies.output()
            with rolled_back():
                if case.prepare and target_name != CALLERS[caller]:
                    case.prepare(users[target_name])
                target = User.objects.select_related("account__domain", "account__role").get(
                    pk=users[target_name].pk)
                before = snapshot()
                response, refused = attempt(client, caller, case, target)
                assert response.status_code < 500, (surface, target_name, response.content[:300])
                got = OK if case.happened(target, response) else NO
                if got != want:
                    wrong.append(f"{surface}: {caller} -> {target_name}: expected {want}, got {got} "
                                 f"({response.status_code} {response.content[:200]!r})")
                elif want == NO and not (refused and snapshot() == before):
                    wrong.append(f"{surface}: {caller} -> {target_name}: not refused cleanly "
                                 f"({response.status_code} {response.content[:200]!r})")
            # A password change of one's own renews the session; the rollback undid the new one.
            client.cookies.load(cookies.replace("Set-Cookie: ", ""))
    assert not wrong, "\n".join(wrong)


def test_list_users_never_answers_a_secret(world):
    users, clients = world
    for caller in CALLERS:
        body = clients[caller].post("/client/api", {"command": "listUsers", "listall": "true", "response": "json",
                                                    "sessionkey": f"key-{caller}"}).content.decode()
        rest = clients[caller].get("/api/v1/users/").content.decode()
        for user in users.values():
            assert user.secret_key not in body and user.secret_key not in rest
        assert "secretkey" not in body and "secretkey" not in rest


def test_nobody_hands_out_a_role_that_can_do_more_than_their_own(world, root_admin):
    """CloudStack's checkRoleEscalation: a domain-admin-type role that also
    allows a root-admin command is refused to a domain admin, on create and
    on update, and nothing changes."""
    from accounts.models import RolePermission
    from accounts.services import accounts as account_services
    from cloudstack_ui.errors import PermissionDenied

    users, _ = world
    wider = Role.objects.create(name="Domain Admin Plus", type=Role.Type.DOMAIN_ADMIN)
    RolePermission.objects.create(role=wider, rule="*", permission=RolePermission.Permission.ALLOW)
    caller, target = users["da_d"], users["da_sub"]
    before = snapshot()
    with pytest.raises(PermissionDenied) as refused:
        account_services.create_account(caller, domain=target.account.domain, username="plus", password=PASSWORD,
                                        first_name="P", last_name="P", role=wider)
    assert refused.value.field == "roleid" and "allows commands" in refused.value.message
    with pytest.raises(PermissionDenied) as refused:
        account_services.update_account(caller, target.account, role=wider)
    assert refused.value.field == "roleid"
    assert snapshot() == before
    # A root admin may.
    assert account_services.update_account(root_admin, target.account, role=wider).role == wider
