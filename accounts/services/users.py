"""Users: add, edit, change password, disable, lock, enable, delete, and the
API key pair (the secret is encrypted at rest and shown once)."""
import secrets

from django.contrib.auth.hashers import check_password
from django.db import transaction
from django.db.models import QuerySet

from accounts.models import Account, User
from accounts.services.scope import ensure_can_admin_account, ensure_can_manage_user
from accounts.services.validation import clean_email, clean_timezone, require_name, require_password
from cloudstack_ui.errors import InvalidParameter, PermissionDenied, ResourceInUse


def build_user(*, account: Account, username: str, password: str, first_name: str, last_name: str,
               email: str = "", timezone: str = "") -> User:
    """A validated, unsaved user of `account` (whose domain decides uniqueness)."""
    username = require_name(username, "username", "username")
    if User.objects.filter(domain=account.domain, username__iexact=username).exists():
        raise InvalidParameter(
            f"username: a user named {username} already exists in domain {account.domain.full_path}", field="username"
        )
    user = User(
        account=account,
        domain=account.domain,
        username=username,
        first_name=require_name(first_name, "firstname", "first name"),
        last_name=require_name(last_name, "lastname", "last name"),
        email=clean_email(email),
        timezone=clean_timezone(timezone),
    )
    user.set_password(require_password(password, user=user))
    return user


@transaction.atomic
def create_user(caller, *, account: Account, username: str, password: str, first_name: str, last_name: str,
                email: str = "", timezone: str = "") -> User:
    ensure_can_admin_account(caller, account)
    Account.objects.select_for_update().get(pk=account.pk)
    user = build_user(account=account, username=username, password=password, first_name=first_name,
                      last_name=last_name, email=email, timezone=timezone)
    user.save()
    return user


@transaction.atomic
def update_user(caller, user: User, *, username: str | None = None, first_name: str | None = None,
                last_name: str | None = None, email: str | None = None, timezone: str | None = None) -> User:
    ensure_can_manage_user(caller, user)
    user = User.objects.select_for_update().get(pk=user.pk)
    if username is not None and username != user.username:
        username = require_name(username, "username", "username")
        if User.objects.filter(domain=user.domain, username__iexact=username).exclude(pk=user.pk).exists():
            raise InvalidParameter(
                f"username: a user named {username} already exists in domain {user.domain.full_path}", field="username"
            )
        user.username = username
    if first_name is not None:
        user.first_name = require_name(first_name, "firstname", "first name")
    if last_name is not None:
        user.last_name = require_name(last_name, "lastname", "last name")
    if email is not None:
        user.email = clean_email(email)
    if timezone is not None:
        user.timezone = clean_timezone(timezone)
    user.save()
    return user


@transaction.atomic
def change_password(caller, user: User, *, password: str, current_password: str | None = None) -> User:
    """Set a new password that the password policy accepts and that is not
    the current one. Changing one's own asks for the current one
    (CloudStack's `currentpassword`); an admin resetting another user's does not."""
    ensure_can_manage_user(caller, user)
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.pk == caller.pk and (not current_password or not check_password(current_password, user.password)):
        raise InvalidParameter("currentpassword: the current password is not correct", field="currentpassword")
    user.set_password(require_password(password, user=user))
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    return user


@transaction.atomic
def disable_user(caller, user: User, *, lock: bool = False) -> User:
    _ensure_not_self(caller, user, "disable or lock")
    ensure_can_admin_account(caller, user.account)
    user = User.objects.select_for_update().get(pk=user.pk)
    ensure_root_admin_remains(removing_users=User.objects.filter(pk=user.pk))
    user.state = User.State.LOCKED if lock else User.State.DISABLED
    user.save(update_fields=["state"])
    return user


@transaction.atomic
def enable_user(caller, user: User) -> User:
    _ensure_not_self(caller, user, "enable")
    ensure_can_admin_account(caller, user.account)
    user = User.objects.select_for_update().get(pk=user.pk)
    user.state = User.State.ENABLED
    user.save(update_fields=["state"])
    return user


@transaction.atomic
def delete_user(caller, user: User) -> None:
    """Delete a user. An account keeps at least one user (delete the account
    instead), and nobody deletes themselves or the last root admin."""
    _ensure_not_self(caller, user, "delete")
    ensure_can_admin_account(caller, user.account)
    Account.objects.select_for_update().get(pk=user.account_id)
    if user.account.users.count() <= 1:
        raise ResourceInUse(
            f"User {user.username} is the only user of account {user.account.name}; delete the account instead"
        )
    ensure_root_admin_remains(removing_users=User.objects.filter(pk=user.pk))
    User.objects.filter(pk=user.pk).delete()


@transaction.atomic
def register_user_keys(caller, user: User) -> tuple[str, str]:
    """Generate a new API key and secret key, replacing the old pair. The
    secret is returned here and never shown again."""
    ensure_can_manage_user(caller, user)
    user = User.objects.select_for_update().get(pk=user.pk)
    user.api_key = secrets.token_urlsafe(64)
    user.secret_key = secrets.token_urlsafe(64)
    user.save(update_fields=["api_key", "secret_key"])
    return user.api_key, user.secret_key


def get_user_api_key(caller, user: User) -> str | None:
    """The user's API key, for those who may manage the user (the secret
    is never answered again after register_user_keys)."""
    ensure_can_manage_user(caller, user)
    return user.api_key


def choose_guided_setup(user: User, *, basic: bool) -> None:
    """Record the choice made on the first-login splash (guide 5.1.3)."""
    User.objects.filter(pk=user.pk).update(guided_setup=basic)


def ensure_root_admin_remains(*, removing_users: QuerySet[User]) -> None:
    """Refuse a change that would leave no enabled user in an enabled root
    admin account: nobody could administer the cloud any more."""
    removing = set(removing_users.values_list("pk", flat=True))
    remaining = (
        User.objects.select_for_update()
        .filter(account__type=Account.Type.ADMIN, account__state=Account.State.ENABLED, state=User.State.ENABLED)
        .values_list("pk", flat=True)
    )
    if not set(remaining) - removing:
        raise ResourceInUse("This would leave no enabled root admin; create or enable another one first")


def _ensure_not_self(caller, user: User, verb: str) -> None:
    if user.pk == caller.pk:
        raise PermissionDenied(f"You cannot {verb} yourself")
