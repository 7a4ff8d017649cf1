"""Request signatures of the command API: HMAC-SHA1 of the sorted,
URL-encoded, lower-cased query string, base64-encoded.

Clients disagree on the details (how names sort, which characters are
escaped: Java's URLEncoder escapes "~", Python's quote does not; libcloud
keeps "[" and "]"), so a signature is accepted when it matches any of the
spellings real clients produce."""
import base64
import hashlib
import hmac
from datetime import UTC, datetime
from urllib.parse import quote

from cloudstack_ui.errors import AuthenticationFailed

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


def signature_matches(params: dict[str, str], signature: str, secret: str) -> bool:
    return any(hmac.compare_digest(sign(s, secret), signature) for s in candidate_strings(params))


def check_expiry(params: dict[str, str]) -> None:
    """signatureVersion=3 requires `expires`, in the future."""
    lowered = {k.lower(): v for k, v in params.items()}
    if lowered.get("signatureversion") != "3":
        return
    raw = lowered.get("expires", "")
    try:
        expires = datetime.strptime(raw.replace("Z", "+0000"), "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        raise AuthenticationFailed(CREDENTIALS_FAILURE)
    if expires < datetime.now(UTC):
        raise AuthenticationFailed(CREDENTIALS_FAILURE)
