"""Django password validators whose rules are global settings (CloudStack's
`password.policy.*` keys), and the one rule no setting turns off: a new
password is not the current one. Listed in AUTH_PASSWORD_VALIDATORS and run
by accounts.services.validation.require_password on every path that sets a
password (createAccount, createUser, updateUser, the portal's forms)."""
import re

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError

from accounts.settings_keys import (
    PASSWORD_MAY_CONTAIN_USERNAME,
    PASSWORD_MINIMUM_DIGITS,
    PASSWORD_MINIMUM_LENGTH,
    PASSWORD_MINIMUM_LOWERCASE,
    PASSWORD_MINIMUM_SPECIAL,
    PASSWORD_MINIMUM_UPPERCASE,
    PASSWORD_POLICY_KEYS,
    PASSWORD_REGEX,
)
from cloudstack_ui.config.keys import read_values

CHARACTER_CLASSES = (
    (PASSWORD_MINIMUM_DIGITS, "digit", lambda c: c.isdigit()),
    (PASSWORD_MINIMUM_SPECIAL, "special character", lambda c: not c.isalnum()),
    (PASSWORD_MINIMUM_UPPERCASE, "uppercase letter", lambda c: c.isupper()),
    (PASSWORD_MINIMUM_LOWERCASE, "lowercase letter", lambda c: c.islower()),
)


def _policy():
    return read_values(PASSWORD_POLICY_KEYS)


class MinimumLengthValidator:
    """At least `password.policy.minimum.length` characters."""

    def validate(self, password, user=None):
        minimum = _policy().get(PASSWORD_MINIMUM_LENGTH) or 0
        if len(password) < minimum:
            raise ValidationError(f"the password must have at least {minimum} characters", code="password_too_short")

    def get_help_text(self):
        return f"At least {_policy().get(PASSWORD_MINIMUM_LENGTH) or 0} characters."


class CharacterClassesValidator:
    """At least the configured number of digits, special characters,
    uppercase and lowercase letters."""

    def validate(self, password, user=None):
        policy = _policy()
        missing = []
        for key, what, matches in CHARACTER_CLASSES:
            minimum = policy.get(key) or 0
            if sum(1 for c in password if matches(c)) < minimum:
                missing.append(f"{minimum} {what}{'s' if minimum > 1 else ''}")
        if missing:
            raise ValidationError(f"the password must have at least {', '.join(missing)}",
                                  code="password_character_classes")

    def get_help_text(self):
        policy = _policy()
        wanted = [f"{policy.get(key)} {what}(s)" for key, what, _ in CHARACTER_CLASSES if policy.get(key)]
        return f"At least {', '.join(wanted)}." if wanted else ""


class UsernameValidator:
    """Not containing the username, unless
    `password.policy.allowPasswordToContainUsername` is true."""

    def validate(self, password, user=None):
        username = getattr(user, "username", "") or ""
        if username and not _policy().get(PASSWORD_MAY_CONTAIN_USERNAME) and username.lower() in password.lower():
            raise ValidationError("the password must not contain the username", code="password_contains_username")

    def get_help_text(self):
        return "" if _policy().get(PASSWORD_MAY_CONTAIN_USERNAME) else "Not containing the username."


class RegexValidator:
    """Matching `password.policy.regex` in full."""

    def validate(self, password, user=None):
        pattern = _policy().get(PASSWORD_REGEX) or ".+"
        try:
            matched = re.fullmatch(pattern, password)
        except re.error:
            # An unusable expression refuses rather than lets everything through.
            raise ValidationError(f"the password policy's regex {pattern!r} is not a valid expression; "
                                  "ask an administrator to fix password.policy.regex", code="password_regex")
        if not matched:
            raise ValidationError(f"the password must match the expression {pattern}", code="password_regex")

    def get_help_text(self):
        pattern = _policy().get(PASSWORD_REGEX) or ".+"
        return "" if pattern == ".+" else f"Matching {pattern}."


class NotCurrentPasswordValidator:
    """Not the user's current password (always on)."""

    def validate(self, password, user=None):
        current = getattr(user, "password", "")
        if current and check_password(password, current):
            raise ValidationError("the new password must differ from the current one", code="password_unchanged")

    def get_help_text(self):
        return "Not the current password."
