"""Account and user rules (services), each with a failing input."""
import pytest
from django.db import connection

from accounts.models import Account, Role, User
from accounts.services import accounts as account_services
from accounts.services import users as user_services
from cloudstack_ui.errors import InvalidParameter, NotFound, PermissionDenied, ResourceInUse
from tests.conftest import PASSWORD, make_account


def create(caller, domain, **overrides):
    fields = dict(domain=domain, username="alice", password=PASSWORD, first_name="Alice", last_name="Doe",
                  email="alice@example.com")
    fields.update(overrides)
    return account_services.create_account(caller, **fields)


def test_create_account_with_its_first_user(root_admin, tenancy):
    account = create(root_admin, tenancy["sales"], account_name="sales-team", timezone="Europe/Paris",
                     network_domain="sales.example.com")
    assert account.domain == tenancy["sales"] and account.type == Account.Type.USER
    assert account.role.type == Role.Type.USER and account.role.is_default
    user = account.users.get()
    assert user.username == "alice" and user.domain == tenancy["sales"] and user.timezone == "Europe/Paris"
    assert user.check_password(PASSWORD)


def test_account_name_defaults_to_username(root_admin, tenancy):
    assert create(root_admin, tenancy["sales"]).name == "alice"


@pytest.mark.parametrize(
    "overrides,field,reason",
    [
        ({"username": ""}, "username", "must not be empty"),
        ({"password": ""}, "password", "must not be empty"),
        ({"password": "   "}, "password", "must not be empty"),
        ({"email": "not-an-email"}, "email", "not a valid email address"),
        ({"first_name": ""}, "firstname", "must not be empty"),
        ({"timezone": "Mars/Olympus"}, "timezone", "not a known time zone"),
        ({"network_domain": "bad domain"}, "networkdomain", "not a valid DNS domain name"),
        ({"account_type": 7}, "accounttype", "must be 0"),
    ],
)
def test_create_account_refuses_bad_input_and_changes_nothing(root_admin, tenancy, overrides, field, reason):
    before = (Account.objects.count(), User.objects.count())
    with pytest.raises(InvalidParameter, match=reason) as exc:
        create(root_admin, tenancy["sales"], **overrides)
    assert exc.value.field == field
    assert (Account.objects.count(), User.objects.count()) == before


def test_account_names_are_unique_within_a_domain(root_admin, tenancy):
    create(root_admin, tenancy["sales"], account_name="team")
    with pytest.raises(InvalidParameter, match="already exists in domain ROOT/Comp1/sales") as exc:
        create(root_admin, tenancy["sales"], account_name="TEAM", username="bob")
    assert exc.value.field == "account"
    create(root_admin, tenancy["other"], account_name="team", username="bob")


def test_usernames_are_unique_within_a_domain(root_admin, tenancy):
    with pytest.raises(InvalidParameter, match="user named sales-user already exists") as exc:
        create(root_admin, tenancy["sales"], username="sales-user", account_name="another")
    assert exc.value.field == "username"
    assert not Account.objects.filter(name="another").exists()
    # The same username in another domain is another user.
    create(root_admin, tenancy["other"], username="sales-user")


def test_role_must_match_account_type(root_admin, tenancy):
    admin_role = Role.objects.get(type=Role.Type.ADMIN)
    with pytest.raises(InvalidParameter, match="does not match the account type") as exc:
        create(root_admin, tenancy["sales"], account_type=Account.Type.USER, role=admin_role)
    assert exc.value.field == "roleid"


def test_custom_role_gives_its_type(root_admin, tenancy):
    ops = Role.objects.create(name="Operators", type=Role.Type.DOMAIN_ADMIN)
    account = create(root_admin, tenancy["sales"], role=ops)
    assert account.type == Account.Type.DOMAIN_ADMIN and account.role == ops


def test_domain_admin_cannot_create_root_admins_or_leave_subtree(tenancy):
    comp1_admin = tenancy["comp1_admin"]
    with pytest.raises(PermissionDenied, match="Only a root admin"):
        create(comp1_admin, tenancy["sales"], account_type=Account.Type.ADMIN)
    with pytest.raises(NotFound):
        create(comp1_admin, tenancy["other"])
    account = create(comp1_admin, tenancy["sales"], account_type=Account.Type.DOMAIN_ADMIN)
    assert account.is_domain_admin


def test_update_account_name_and_role(root_admin, tenancy):
    account = tenancy["sales_user"].account
    custom = Role.objects.create(name="Power users", type=Role.Type.USER)
    account_services.update_account(root_admin, account, new_name="sales-renamed", network_domain="s.example.com",
                                     role=custom)
    account.refresh_from_db()
    assert (account.name, account.network_domain, account.role) == ("sales-renamed", "s.example.com", custom)
    with pytest.raises(InvalidParameter, match="must stay of type User"):
        account_services.update_account(root_admin, account, role=Role.objects.get(type=Role.Type.DOMAIN_ADMIN))
    make_account(root_admin, tenancy["sales"], "taken")
    with pytest.raises(InvalidParameter, match="already exists") as exc:
        account_services.update_account(root_admin, account, new_name="taken")
    assert exc.value.field == "newname"


def test_disable_lock_enable_account_controls_login(root_admin, tenancy):
    user = tenancy["sales_user"]
    account_services.disable_account(root_admin, user.account)
    user.refresh_from_db()
    assert user.account.state == Account.State.DISABLED and not user.is_active
    account_services.disable_account(root_admin, user.account, lock=True)
    user.refresh_from_db()
    assert user.account.state == Account.State.LOCKED and not user.is_active
    account_services.enable_account(root_admin, user.account)
    user.refresh_from_db()
    assert user.is_active


def test_nobody_disables_or_deletes_their_own_account(root_admin, tenancy):
    for caller in (root_admin, tenancy["comp1_admin"]):
        with pytest.raises(PermissionDenied, match="your own account"):
            account_services.disable_account(caller, caller.account)
        with pytest.raises(PermissionDenied, match="your own account"):
            account_services.delete_account(caller, caller.account)
    assert root_admin.account.state == Account.State.ENABLED


def test_last_root_admin_cannot_be_disabled_locked_or_deleted(root_admin, tenancy):
    # Only root admins reach root admin accounts; a second one in Comp1.
    comp1_root = make_account(root_admin, tenancy["comp1"], "comp1-root", Account.Type.ADMIN)
    account_services.disable_account(root_admin, comp1_root.account)  # admin still remains
    account_services.enable_account(root_admin, comp1_root.account)
    user_services.disable_user(comp1_root, root_admin)  # now comp1-root is the last one
    for attempt in (
        lambda: account_services.disable_account(root_admin, comp1_root.account),
        lambda: account_services.disable_account(root_admin, comp1_root.account, lock=True),
        lambda: account_services.delete_account(root_admin, comp1_root.account),
        lambda: user_services.disable_user(root_admin, comp1_root),
    ):
        with pytest.raises(ResourceInUse, match="no enabled root admin"):
            attempt()
    comp1_root.refresh_from_db()
    assert comp1_root.is_active


def test_delete_account_removes_users_and_keypairs(root_admin, tenancy):
    from accounts.services.keypairs import create_ssh_keypair

    user = tenancy["sales_user"]
    create_ssh_keypair(user, name="k1")
    account_services.delete_account(root_admin, user.account)
    assert not Account.objects.filter(pk=user.account_id).exists()
    assert not User.objects.filter(pk=user.pk).exists()


def test_add_edit_delete_user(root_admin, tenancy):
    account = tenancy["sales_user"].account
    bob = user_services.create_user(root_admin, account=account, username="bob", password=PASSWORD,
                                    first_name="Bob", last_name="B", email="bob@example.com")
    assert bob.domain == tenancy["sales"]
    user_services.update_user(root_admin, bob, first_name="Robert", email="robert@example.com")
    bob.refresh_from_db()
    assert (bob.first_name, bob.email) == ("Robert", "robert@example.com")
    with pytest.raises(InvalidParameter, match="not a valid email") as exc:
        user_services.update_user(root_admin, bob, email="robert@")
    assert exc.value.field == "email"
    with pytest.raises(InvalidParameter, match="already exists") as exc:
        user_services.update_user(root_admin, bob, username="sales-user")
    user_services.delete_user(root_admin, bob)
    assert not User.objects.filter(pk=bob.pk).exists()


def test_the_only_user_of_an_account_is_not_deleted(root_admin, tenancy):
    with pytest.raises(ResourceInUse, match="only user"):
        user_services.delete_user(root_admin, tenancy["sales_user"])


def test_nobody_deletes_or_disables_themselves(tenancy, root_admin):
    for caller in (root_admin, tenancy["comp1_admin"]):
        with pytest.raises(PermissionDenied, match="yourself"):
            user_services.delete_user(caller, caller)
        with pytest.raises(PermissionDenied, match="yourself"):
            user_services.disable_user(caller, caller)


def test_user_manages_only_themselves(tenancy):
    user = tenancy["comp1_user"]
    user_services.update_user(user, user, first_name="Me")
    with pytest.raises(NotFound):
        user_services.update_user(user, tenancy["sales_user"], first_name="You")
    colleague = user_services.create_user(tenancy["comp1_admin"], account=user.account, username="colleague",
                                          password=PASSWORD, first_name="C", last_name="D", email="c@example.com")
    with pytest.raises(PermissionDenied):
        user_services.disable_user(user, colleague)


def test_change_own_password_needs_the_current_one(tenancy):
    user = tenancy["sales_user"]
    with pytest.raises(InvalidParameter, match="current password is not correct") as exc:
        user_services.change_password(user, user, password="new-one-pw", current_password="wrong")
    assert exc.value.field == "currentpassword"
    with pytest.raises(InvalidParameter, match="must not be empty"):
        user_services.change_password(user, user, password="", current_password=PASSWORD)
    with pytest.raises(InvalidParameter, match="must differ"):
        user_services.change_password(user, user, password=PASSWORD, current_password=PASSWORD)
    user_services.change_password(user, user, password="new-one-pw", current_password=PASSWORD)
    user.refresh_from_db()
    assert user.check_password("new-one-pw")


def test_admin_resets_a_password_without_the_current_one(root_admin, tenancy):
    user = tenancy["sales_user"]
    user_services.change_password(root_admin, user, password="reset-by-admin")
    user.refresh_from_db()
    assert user.check_password("reset-by-admin")


def test_api_secret_key_is_encrypted_at_rest_and_returned_once(root_admin, tenancy):
    user = tenancy["sales_user"]
    api_key, secret_key = user_services.register_user_keys(user, user)
    assert len(api_key) >= 64 and len(secret_key) >= 64
    with connection.cursor() as cursor:
        cursor.execute("SELECT api_key, secret_key FROM accounts_user WHERE id = %s", [user.pk])
        stored_api_key, stored_secret = cursor.fetchone()
    assert stored_api_key == api_key
    assert secret_key not in stored_secret and stored_secret.startswith("gAAAA")
    assert User.objects.get(pk=user.pk).secret_key == secret_key
    new_api_key, _ = user_services.register_user_keys(root_admin, user)
    assert new_api_key != api_key
