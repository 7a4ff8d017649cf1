"""Login (guide 5.1): username, password, domain path; one generic refusal;
throttling; the first login of admin and the forced password change."""
import pytest
from django.test import Client

from accounts.models import Account, LoginFailure, User
from accounts.services import accounts as account_services
from accounts.services.auth import GENERIC_FAILURE, THROTTLED, authenticate_user, purge_login_failures
from accounts.tasks import purge_login_failures_task
from cloudstack_ui.errors import AuthenticationFailed
from tests.conftest import PASSWORD


def login(client, username, password, domain=""):
    return client.post("/client/login", {"username": username, "password": password, "domain": domain})


@pytest.mark.parametrize("domain", ["Comp1/sales", "/Comp1/sales/", "ROOT/Comp1/sales", " Comp1/sales "])
def test_subdomain_user_logs_in_with_the_domain_path(tenancy, domain):
    user = authenticate_user("sales-user", PASSWORD, domain)
    assert user.pk == tenancy["sales_user"].pk


def test_blank_domain_means_root(fresh_admin):
    assert authenticate_user("admin", "password", "").pk == fresh_admin.pk


@pytest.mark.parametrize(
    "username,password,domain",
    [
        ("sales-user", "wrong", "Comp1/sales"),  # wrong password
        ("nobody", PASSWORD, "Comp1/sales"),  # unknown user
        ("sales-user", PASSWORD, ""),  # right user, wrong domain
        ("sales-user", PASSWORD, "Comp1/nowhere"),  # domain that does not exist
    ],
)
def test_every_wrong_combination_gets_the_same_message(tenancy, client, username, password, domain):
    response = login(client, username, password, domain)
    assert response.status_code == 200
    assert GENERIC_FAILURE in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_disabled_and_locked_users_cannot_log_in(root_admin, tenancy):
    user = tenancy["sales_user"]
    account_services.disable_account(root_admin, user.account, lock=True)
    with pytest.raises(AuthenticationFailed, match="not correct"):
        authenticate_user("sales-user", PASSWORD, "Comp1/sales")
    account_services.enable_account(root_admin, user.account)
    User.objects.filter(pk=user.pk).update(state=User.State.DISABLED)
    with pytest.raises(AuthenticationFailed, match="not correct"):
        authenticate_user("sales-user", PASSWORD, "Comp1/sales")


def test_repeated_failures_are_throttled_then_forgotten(tenancy, settings):
    settings.LOGIN_FAILURES_ALLOWED = 3
    for _ in range(3):
        with pytest.raises(AuthenticationFailed, match="not correct"):
            authenticate_user("sales-user", "wrong", "Comp1/sales", "10.9.9.9")
    # Even the right password is refused while throttled.
    with pytest.raises(AuthenticationFailed) as exc:
        authenticate_user("sales-user", PASSWORD, "Comp1/sales", "10.9.9.9")
    assert exc.value.message == THROTTLED
    # Another user from elsewhere is not affected.
    assert authenticate_user("comp1-user", PASSWORD, "Comp1", "10.1.1.1")
    # Once the window has passed, the purge task forgets the failures.
    settings.LOGIN_FAILURE_WINDOW_SECONDS = 0
    assert purge_login_failures_task() == 3
    assert authenticate_user("sales-user", PASSWORD, "Comp1/sales", "10.9.9.9")


def test_throttle_per_client_address(tenancy, settings):
    settings.LOGIN_FAILURES_ALLOWED = 1
    for name in ("a", "b", "c", "d"):
        with pytest.raises(AuthenticationFailed):
            authenticate_user(name, "wrong", "", "10.2.2.2")
    with pytest.raises(AuthenticationFailed) as exc:
        authenticate_user("comp1-user", PASSWORD, "Comp1", "10.2.2.2")
    assert exc.value.message == THROTTLED


def test_successful_login_clears_the_users_failures(tenancy):
    with pytest.raises(AuthenticationFailed):
        authenticate_user("sales-user", "wrong", "Comp1/sales")
    authenticate_user("sales-user", PASSWORD, "Comp1/sales")
    assert not LoginFailure.objects.filter(username="sales-user").exists()
    assert purge_login_failures() == 0


def test_pages_need_a_login(db):
    response = Client().get("/client/accounts/")
    assert response.status_code == 302 and response["Location"].startswith("/client/login")


def test_first_login_of_admin_requires_a_new_password_before_anything_else(fresh_admin):
    client = Client()
    response = login(client, "admin", "password")
    assert response["Location"] == "/client/first-login"
    for page in ("/client/", "/client/accounts/", "/client/domains/", f"/client/users/{fresh_admin.uuid}/"):
        assert client.get(page)["Location"] == "/client/first-login"
    splash = client.get("/client/first-login").content.decode()
    assert "Continue with basic setup" in splash and "I have used CloudStack before" in splash

    # Bad input is refused and changes nothing.
    response = client.post("/client/first-login", {"setup": "basic", "currentpassword": "password",
                                                   "password": "a", "confirmpassword": "b"})
    assert "do not match" in response.content.decode()
    response = client.post("/client/first-login", {"setup": "basic", "currentpassword": "password",
                                                   "password": "password", "confirmpassword": "password"})
    assert "must differ from the current one" in response.content.decode()
    response = client.post("/client/first-login", {"setup": "basic", "currentpassword": "wrong",
                                                   "password": "n3w", "confirmpassword": "n3w"})
    assert "current password is not correct" in response.content.decode()
    fresh_admin.refresh_from_db()
    assert fresh_admin.must_change_password and fresh_admin.check_password("password")

    response = client.post("/client/first-login", {"setup": "basic", "currentpassword": "password",
                                                   "password": "n3w-Secret", "confirmpassword": "n3w-Secret"})
    assert response["Location"] == "/client/"
    dashboard = client.get("/client/").content.decode()
    assert "Getting started" in dashboard
    fresh_admin.refresh_from_db()
    assert not fresh_admin.must_change_password and fresh_admin.check_password("n3w-Secret")
    assert client.get("/client/first-login")["Location"] == "/client/"


def test_experienced_user_skips_the_getting_started_steps(fresh_admin):
    client = Client()
    login(client, "admin", "password")
    client.post("/client/first-login", {"setup": "experienced", "currentpassword": "password",
                                       "password": "n3w-Secret", "confirmpassword": "n3w-Secret"})
    dashboard = client.get("/client/").content.decode()
    assert "Getting started" not in dashboard and "Domains, accounts and users" in dashboard


def test_login_then_logout(tenancy):
    client = Client()
    response = login(client, "sales-user", PASSWORD, "Comp1/sales")
    assert response["Location"] == "/client/"
    page = client.get("/client/").content.decode()
    assert "sales-user" in page and "ROOT/Comp1/sales" in page
    assert client.get("/client/logout").status_code == 405
    assert client.post("/client/logout")["Location"] == "/client/login"
    assert client.get("/client/")["Location"].startswith("/client/login")


def test_login_redirects_only_inside_the_portal(tenancy):
    client = Client()
    response = client.post("/client/login?next=https://evil.example.com/",
                           {"username": "sales-user", "password": PASSWORD, "domain": "Comp1/sales"})
    assert response["Location"] == "/client/"


def test_account_types_map_to_default_roles(db):
    from accounts.services.accounts import default_role

    assert default_role(Account.Type.ADMIN).name == "Root Admin"
    assert default_role(Account.Type.DOMAIN_ADMIN).name == "Domain Admin"
    assert default_role(Account.Type.USER).name == "User"
