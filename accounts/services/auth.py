"""Logging in: (username, password, domain path) with one generic refusal,
and a throttle on repeated failures that holds across processes (it counts
rows, not process memory)."""
import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.utils import timezone

from accounts.models import LoginFailure, User
from accounts.services.scope import path_from_login
from cloudstack_ui.errors import AuthenticationFailed

logger = logging.getLogger(__name__)

GENERIC_FAILURE = "Unable to log in: the username, password or domain is not correct."
THROTTLED = "Too many failed login attempts. Wait a few minutes, then try again."

# Checked against when the user does not exist, so that the time taken does
# not tell which part was wrong.
_DUMMY_HASH = make_password("not-a-real-password")


def authenticate_user(username: str, password: str, domain: str = "", remote_addr: str | None = None) -> User:
    """The enabled user with these credentials, or AuthenticationFailed with
    the same message whatever was wrong."""
    username = (username or "").strip()
    domain_path = path_from_login(domain or "")
    _refuse_if_throttled(username, domain_path, remote_addr)
    user = (
        User.objects.select_related("account__domain", "account__role", "domain")
        .filter(username__iexact=username, domain__path=domain_path)
        .first()
    )
    if user is None:
        check_password(password or "", _DUMMY_HASH)
    elif user.check_password(password or "") and user.is_active:
        LoginFailure.objects.filter(username__iexact=username, domain_path=domain_path).delete()
        return user
    LoginFailure.objects.create(username=username.lower(), domain_path=domain_path, remote_addr=remote_addr)
    logger.info("failed login for %r in domain %r from %s", username, domain_path, remote_addr)
    raise AuthenticationFailed(GENERIC_FAILURE)


def _refuse_if_throttled(username: str, domain_path: str, remote_addr: str | None) -> None:
    since = timezone.now() - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    recent = LoginFailure.objects.filter(created__gte=since)
    allowed = settings.LOGIN_FAILURES_ALLOWED
    if recent.filter(username=username.lower(), domain_path=domain_path).count() >= allowed:
        raise AuthenticationFailed(THROTTLED)
    if remote_addr and recent.filter(remote_addr=remote_addr).count() >= allowed * 4:
        raise AuthenticationFailed(THROTTLED)


def purge_login_failures() -> int:
    """Forget failures older than the throttle window; returns how many."""
    since = timezone.now() - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    deleted, _ = LoginFailure.objects.filter(created__lt=since).delete()
    return deleted
