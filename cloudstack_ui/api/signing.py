"""Request signatures of the command API: HMAC-SHA1 of the sorted,
URL-encoded, lower-cased query string, base64-encoded.

Clients disagree on the details (how names sort, which characters are
escaped: Java's URLEncoder escapes "~", Python's quote does not; libcloud
keeps "[" and "]"), so a signature is accepted when it matches any of the
spellings real clients produce."""
import base64
import hashlib
import hmac
import logging
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from cloudstack_ui.api.settings_keys import SIGNATURE_EXPIRES_MAX_WINDOW, SIGNATURE_EXPIRES_REQUIRED
from cloudstack_ui.config.keys import read_values
from cloudstack_ui.errors import AuthenticationFailed

logger = logging.getLogger(__name__)

# One answer for a wrong signature, an unknown key, an expired request and a
# disabled or locked user, so a caller learns nothing about which it was.
CREDENTIALS_FAILURE = "unable to verify user credentials and/or request signature"


def _java_style(value: str) -> str:
    return quote(value, safe="*").replace("~", "%7E")


def _python_style(value: str) -> str:
    return quote(value, safe="*")


def _libcloud_style(value: str) -> str:
    return quote(value, safe="[]*")


_SPELLINGS = (
    (False, lambda k: k, _python_style),
    (False, lambda k: k, _java_style),
    (True, lambda k: quote(k, safe="[]"), _libcloud_style),
    (True, lambda k: k, _python_style),
)


def candidate_strings(params: dict[str, str]) -> set[str]:
    """Every lower-cased string a supported client would have signed."""
    pairs = [(k, v) for k, v in params.items() if k.lower() != "signature"]
    strings = set()
    for lower_names, encode_name, encode_value in _SPELLINGS:
        named = [(k.lower() if lower_names else k, v) for k, v in pairs]
        named.sort(key=lambda kv: kv[0])
        strings.add("&".join(f"{encode_name(k)}={encode_value(v)}" for k, v in named).lower())
    return strings


def sign(message: str, secret: str) -> str:
    digest = hmac.new(secret.encode(), message.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def secrets_equal(sent: str, expected: str) -> bool:
    """Constant-time comparison of a secret the caller sent (a signature, a
    sessionkey, a password) with the expected one; any text, never raises."""
    return hmac.compare_digest(sent.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass"))


def signature_matches(params: dict[str, str], signature: str, secret: str) -> bool:
    return any(secrets_equal(signature, sign(s, secret)) for s in candidate_strings(params))


def _refuse(reason: str) -> AuthenticationFailed:
    """The one generic answer; the reason goes to the debug log only (never
    the signature or the secret)."""
    logger.debug("signed request refused: %s", reason)
    return AuthenticationFailed(CREDENTIALS_FAILURE)


def check_expiry(params: dict[str, str]) -> None:
    """signatureVersion=3 requires `expires`, in the future and at most
    api.signature.expires.max.window seconds ahead; with
    api.signature.expires.required, a request without them is refused."""
    lowered = {k.lower(): v for k, v in params.items()}
    values = read_values((SIGNATURE_EXPIRES_REQUIRED, SIGNATURE_EXPIRES_MAX_WINDOW))
    if lowered.get("signatureversion") != "3":
        if values.get(SIGNATURE_EXPIRES_REQUIRED):
            raise _refuse("signatureVersion=3 and expires are required (api.signature.expires.required)")
        return
    raw = lowered.get("expires", "")
    try:
        expires = datetime.strptime(raw.replace("Z", "+0000"), "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        raise _refuse(f"expires {raw[:40]!r} is not a date such as 2026-01-31T12:00:00+0000")
    now = datetime.now(UTC)
    if expires < now:
        raise _refuse(f"the request expired at {expires.isoformat()}")
    window = values.get(SIGNATURE_EXPIRES_MAX_WINDOW)
    if window and expires > now + timedelta(seconds=window):
        raise _refuse(f"expires {expires.isoformat()} is more than {window} s ahead "
                      f"(api.signature.expires.max.window)")
