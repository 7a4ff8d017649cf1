"""Field checks shared by the account services."""
import re

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from cloudstack_ui.errors import InvalidParameter

_NAME_FORBIDDEN = re.compile(r"[/\\\x00-\x1f]")
_NETWORK_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$")


def require_name(value: str | None, field: str, what: str) -> str:
    name = (value or "").strip()
    if not name:
        raise InvalidParameter(f"{field}: the {what} must not be empty", field=field)
    if len(name) > 255:
        raise InvalidParameter(f"{field}: the {what} must be at most 255 characters", field=field)
    if _NAME_FORBIDDEN.search(name):
        raise InvalidParameter(f"{field}: the {what} must not contain '/', '\\' or control characters", field=field)
    return name


def require_password(value: str | None, field: str = "password", *, user=None) -> str:
    """A password that the password policy (AUTH_PASSWORD_VALIDATORS, whose
    rules are the password.policy.* settings) accepts for `user`: the one it
    is for, with its username and current password hash, saved or not."""
    if value is None or value == "" or not value.strip():
        raise InvalidParameter(f"{field}: the password must not be empty", field=field)
    try:
        validate_password(value, user)
    except ValidationError as exc:
        raise InvalidParameter(f"{field}: {'; '.join(exc.messages)}", field=field)
    return value


def clean_email(value: str | None, field: str = "email") -> str:
    email = (value or "").strip()
    if not email:
        return ""
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidParameter(f"{field}: '{email}' is not a valid email address", field=field)
    return email


def clean_network_domain(value: str | None, field: str = "networkdomain") -> str:
    text = (value or "").strip()
    if text and not _NETWORK_DOMAIN.match(text):
        raise InvalidParameter(f"{field}: '{text}' is not a valid DNS domain name", field=field)
    return text


def clean_timezone(value: str | None, field: str = "timezone") -> str:
    import zoneinfo

    text = (value or "").strip()
    if text and text not in zoneinfo.available_timezones():
        raise InvalidParameter(f"{field}: '{text}' is not a known time zone", field=field)
    return text
