"""The permission matrix over every page and action of the accounts app, for
four callers: the root admin, the domain admin of the subtree the target
lives in (Comp1), a domain admin of another subtree (Other), and a user of
Comp1. Allowed ones succeed and change what they should; the rest get 403
(the role may not call the command) or 404 (the object is outside the
caller's reach) — or, for a form that names something out of reach, the
form again with an error — and change nothing."""
from dataclasses import dataclass, field

import pytest

from accounts.models import Account, Domain, SSHKeyPair, User
from accounts.services import users as user_services
from accounts.services.keypairs import create_ssh_keypair
from tests.conftest import PASSWORD, logged_in_client

CALLERS = ("root", "da_same", "da_other", "user")
OK, FORM_ERROR = "ok", "form-error"


@dataclass
class Case:
    name: str
    method: str
    url: callable
    expect: dict
    data: callable = lambda t: {}
    changed: callable = None
    headers: dict = field(default_factory=dict)


def everyone(outcome):
    return dict.fromkeys(CALLERS, outcome)


ADMINS_ONLY_IN_SUBTREE = {"root": OK, "da_same": OK, "da_other": 404, "user": 403}
ADMINS_ONLY_IN_SUBTREE_USER_404 = {"root": OK, "da_same": OK, "da_other": 404, "user": 404}
NEW_ACCOUNT = {"username": "newbie", "password": "New-Bie-pw1", "confirmpassword": "New-Bie-pw1",
               "email": "n@example.com", "firstname": "New", "lastname": "Bie", "account": "", "timezone": "", "networkdomain": ""}

CASES = [
    Case("dashboard", "get", lambda t: "/client/", everyone(OK)),
    Case("domain tree", "get", lambda t: "/client/domains/", {"root": OK, "da_same": OK, "da_other": OK, "user": 403}),
    Case("domain detail", "get", lambda t: f"/client/domains/{t['sales'].uuid}/", ADMINS_ONLY_IN_SUBTREE),
    Case("add subdomain", "post", lambda t: f"/client/domains/{t['sales'].uuid}/add", ADMINS_ONLY_IN_SUBTREE,
         data=lambda t: {"name": "east", "networkdomain": ""},
         changed=lambda t: Domain.objects.filter(path="/Comp1/sales/east/").exists()),
    Case("edit domain", "post", lambda t: f"/client/domains/{t['sales'].uuid}/edit", ADMINS_ONLY_IN_SUBTREE,
         data=lambda t: {"name": "sales2", "networkdomain": "s.example.com"},
         changed=lambda t: Domain.objects.filter(path="/Comp1/sales2/", network_domain="s.example.com").exists()),
    Case("delete domain", "post", lambda t: f"/client/domains/{t['sales'].uuid}/delete", ADMINS_ONLY_IN_SUBTREE,
         data=lambda t: {"cleanup": "on"},
         changed=lambda t: not Domain.objects.filter(pk=t["sales"].pk).exists()),
    Case("account list", "get", lambda t: "/client/accounts/", {"root": OK, "da_same": OK, "da_other": OK, "user": 302}),
    Case("account detail", "get", lambda t: f"/client/accounts/{t['account'].uuid}/", ADMINS_ONLY_IN_SUBTREE_USER_404),
    Case("add account", "post", lambda t: "/client/accounts/add",
         {"root": OK, "da_same": OK, "da_other": FORM_ERROR, "user": 403},
         data=lambda t: {**NEW_ACCOUNT, "domainid": str(t["sales"].uuid), "roleid": str(t["user_role"].uuid)},
         changed=lambda t: Account.objects.filter(name="newbie", domain=t["sales"]).exists()),
    Case("edit account", "post", lambda t: f"/client/accounts/{t['account'].uuid}/edit", ADMINS_ONLY_IN_SUBTREE,
         data=lambda t: {"newname": "renamed", "networkdomain": "", "roleid": str(t["user_role"].uuid)},
         changed=lambda t: Account.objects.filter(name="renamed").exists()),
    Case("disable account", "post", lambda t: f"/client/accounts/{t['account'].uuid}/disable", ADMINS_ONLY_IN_SUBTREE,
         changed=lambda t: Account.objects.get(pk=t["account"].pk).state == "disabled"),
    Case("lock account", "post", lambda t: f"/client/accounts/{t['account'].uuid}/lock", ADMINS_ONLY_IN_SUBTREE,
         changed=lambda t: Account.objects.get(pk=t["account"].pk).state == "locked"),
    Case("enable account", "post", lambda t: f"/client/accounts/{t['locked_account'].uuid}/enable",
         ADMINS_ONLY_IN_SUBTREE,
         changed=lambda t: Account.objects.get(pk=t["locked_account"].pk).state == "enabled"),
    Case("delete account", "post", lambda t: f"/client/accounts/{t['account'].uuid}/delete", ADMINS_ONLY_IN_SUBTREE,
         changed=lambda t: not Account.objects.filter(pk=t["account"].pk).exists()),
    Case("add user", "post", lambda t: f"/client/accounts/{t['account'].uuid}/add-user", ADMINS_ONLY_IN_SUBTREE,
         data=lambda t: {k: v for k, v in NEW_ACCOUNT.items() if k not in ("account", "networkdomain")},
         changed=lambda t: User.objects.filter(username="newbie", account=t["account"]).exists()),
    Case("user detail", "get", lambda t: f"/client/users/{t['target_user'].uuid}/", ADMINS_ONLY_IN_SUBTREE_USER_404),
    Case("edit user", "post", lambda t: f"/client/users/{t['target_user'].uuid}/edit", ADMINS_ONLY_IN_SUBTREE_USER_404,
         data=lambda t: {"username": "sales-user", "email": "x@example.com", "firstname": "Changed",
                         "lastname": "T", "timezone": ""},
         changed=lambda t: User.objects.get(pk=t["target_user"].pk).first_name == "Changed"),
    Case("change password", "post", lambda t: f"/client/users/{t['target_user'].uuid}/password",
         ADMINS_ONLY_IN_SUBTREE_USER_404, data=lambda t: {"password": "Reset-pw-1", "confirmpassword": "Reset-pw-1"},
         changed=lambda t: User.objects.get(pk=t["target_user"].pk).check_password("Reset-pw-1")),
    Case("generate keys", "post", lambda t: f"/client/users/{t['target_user'].uuid}/keys",
         ADMINS_ONLY_IN_SUBTREE_USER_404,
         changed=lambda t: User.objects.get(pk=t["target_user"].pk).api_key is not None),
    Case("disable user", "post", lambda t: f"/client/users/{t['target_user'].uuid}/disable", ADMINS_ONLY_IN_SUBTREE,
         changed=lambda t: User.objects.get(pk=t["target_user"].pk).state == "disabled"),
    Case("lock user", "post", lambda t: f"/client/users/{t['target_user'].uuid}/lock", ADMINS_ONLY_IN_SUBTREE,
         changed=lambda t: User.objects.get(pk=t["target_user"].pk).state == "locked"),
    Case("enable user", "post", lambda t: f"/client/users/{t['locked_user'].uuid}/enable", ADMINS_ONLY_IN_SUBTREE,
         changed=lambda t: User.objects.get(pk=t["locked_user"].pk).state == "enabled"),
    Case("delete user", "post", lambda t: f"/client/users/{t['target_user'].uuid}/delete", ADMINS_ONLY_IN_SUBTREE,
         changed=lambda t: not User.objects.filter(pk=t["target_user"].pk).exists()),
    Case("key pair list", "get", lambda t: "/client/sshkeypairs/", everyone(OK)),
    Case("delete key pair", "post", lambda t: f"/client/sshkeypairs/{t['keypair'].uuid}/delete",
         ADMINS_ONLY_IN_SUBTREE_USER_404, changed=lambda t: not SSHKeyPair.objects.filter(pk=t["keypair"].pk).exists()),
]


def snapshot():
    """Everything the accounts pages can change."""
    return (
        sorted(Domain.objects.values_list("path", "network_domain")),
        sorted(Account.objects.values_list("name", "state", "role_id", "network_domain", "domain_id")),
        sorted(User.objects.values_list("username", "state", "first_name", "email", "password", "api_key")),
        sorted(SSHKeyPair.objects.values_list("name", "account_id")),
    )


@pytest.fixture
def targets(root_admin, tenancy):
    sales_user = tenancy["sales_user"]
    account = sales_user.account
    user_services.create_user(root_admin, account=account, username="sales-second", password=PASSWORD,
                              first_name="Second", last_name="S", email="s2@example.com")
    locked = user_services.create_user(root_admin, account=account, username="sales-locked", password=PASSWORD,
                                       first_name="Locked", last_name="L", email="l@example.com")
    user_services.disable_user(root_admin, locked, lock=True)
    from accounts.services.accounts import create_account, disable_account

    locked_account = create_account(root_admin, domain=tenancy["sales"], username="sales-locked-acct",
                                    password=PASSWORD, first_name="L", last_name="A", email="la@example.com")
    disable_account(root_admin, locked_account, lock=True)
    keypair, _ = create_ssh_keypair(sales_user, name="sales-key")
    from accounts.models import Role

    return {
        **tenancy,
        "account": account,
        "target_user": sales_user,
        "locked_user": locked,
        "locked_account": locked_account,
        "keypair": keypair,
        "user_role": Role.objects.get(name="User"),
        "callers": {
            "root": root_admin,
            "da_same": tenancy["comp1_admin"],
            "da_other": tenancy["other_admin"],
            "user": tenancy["comp1_user"],
        },
    }


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_permission_matrix(targets, case, caller):
    client = logged_in_client(User.objects.get(pk=targets["callers"][caller].pk))
    expected = case.expect[caller]
    before = snapshot()
    url = case.url(targets)
    if case.method == "get":
        response = client.get(url)
    else:
        response = client.post(url, case.data(targets))
    if expected == OK:
        if case.method == "get":
            assert response.status_code == 200, response.content[:500]
        else:
            assert response.status_code in (200, 302), response.status_code
            if response.status_code == 200:
                # Only results that carry a secret shown once answer 200.
                assert "Shown" in response.content.decode() or "shown only this once" in response.content.decode()
            assert case.changed(targets), f"{case.name} did not take effect for {caller}"
        return
    if expected == FORM_ERROR:
        assert response.status_code == 200
        assert "is-invalid" in response.content.decode() or "alert-danger" in response.content.decode()
    else:
        assert response.status_code == expected, (case.name, caller, response.status_code)
    assert snapshot() == before, f"{case.name} changed something for {caller}"


def test_user_manages_themselves(tenancy):
    me = tenancy["comp1_user"]
    client = logged_in_client(me)
    assert client.get(f"/client/users/{me.uuid}/").status_code == 200
    response = client.post(f"/client/users/{me.uuid}/edit", {"username": me.username, "email": "me@example.com",
                                                            "firstname": "Me", "lastname": "Myself", "timezone": ""})
    assert response.status_code == 302
    response = client.post(f"/client/users/{me.uuid}/password", {"currentpassword": PASSWORD, "password": "Mine-pw-2",
                                                                "confirmpassword": "Mine-pw-2"})
    assert response.status_code == 302
    response = client.post(f"/client/users/{me.uuid}/keys")
    assert response.status_code == 200 and "shown only this once" in response.content.decode()
    me.refresh_from_db()
    assert me.first_name == "Me" and me.check_password("Mine-pw-2") and me.api_key
    # The session survives one's own password change.
    assert client.get("/client/").status_code == 200
    # No state changes on oneself.
    for action in ("disable", "lock", "delete"):
        assert client.post(f"/client/users/{me.uuid}/{action}").status_code == 403
    me.refresh_from_db()
    assert me.state == User.State.ENABLED


def test_domain_admin_cannot_act_on_own_account_or_domain(tenancy):
    da = tenancy["comp1_admin"]
    client = logged_in_client(da)
    before = snapshot()
    for url in (f"/client/accounts/{da.account.uuid}/disable", f"/client/accounts/{da.account.uuid}/delete"):
        response = client.post(url)
        assert response.status_code == 200 and "your own account" in response.content.decode()
    response = client.post(f"/client/domains/{tenancy['comp1'].uuid}/delete", {"cleanup": "on"})
    assert response.status_code == 200 and "own domain" in response.content.decode()
    assert snapshot() == before
    page = client.get(f"/client/domains/{tenancy['comp1'].uuid}/").content.decode()
    assert f"/client/domains/{tenancy['comp1'].uuid}/delete" not in page


def test_navigation_follows_the_role(root_admin, tenancy):
    admin_page = logged_in_client(User.objects.get(pk=root_admin.pk)).get("/client/").content.decode()
    user_page = logged_in_client(tenancy["comp1_user"]).get("/client/").content.decode()
    for label in ("Dashboard", "Accounts", "Domains", "SSH Key Pairs"):
        assert f"</i> {label}" in admin_page
    assert "</i> SSH Key Pairs" in user_page and "</i> Dashboard" in user_page
    assert "</i> Accounts" not in user_page and "</i> Domains" not in user_page
