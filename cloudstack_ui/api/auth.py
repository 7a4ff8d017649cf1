"""Who is calling the command API: the owner of a signed request's API key,
the user of a login session (cookie plus sessionkey), or, on the
integration port, the root admin."""
import secrets

from django.contrib.auth import get_user_model

from cloudstack_ui.api.signing import CREDENTIALS_FAILURE, check_expiry, secrets_equal, signature_matches
from cloudstack_ui.errors import AuthenticationFailed

SESSION_KEY = "sessionkey"


def new_session_key(request) -> str:
    """The sessionkey a login answers; later calls must send it back."""
    key = secrets.token_urlsafe(24)
    request.session[SESSION_KEY] = key
    return key


def is_integration_request(request) -> bool:
    """True only for requests that came in through the integration server,
    which marks its ASGI scope; no header can set it."""
    return bool(getattr(request, "scope", {}).get("csui_integration"))


def integration_caller():
    """The root admin the integration port acts as: the installation's first
    root-admin user in the ROOT domain."""
    User = get_user_model()
    user = (User.objects.select_related("account__role", "account__domain")
            .filter(account__type=1, account__domain__parent__isnull=True, state="enabled")
            .order_by("pk").first())
    if user is None:
        raise AuthenticationFailed("the integration API has no root admin to act as")
    return user


def authenticate(request, params: dict[str, str]):
    """The calling user, or AuthenticationFailed with one generic message."""
    lowered = {k.lower(): v for k, v in params.items()}
    if "apikey" in lowered or "signature" in lowered:
        return _signed_caller(params, lowered)
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        sent = lowered.get(SESSION_KEY) or request.headers.get("sessionkey", "")
        expected = request.session.get(SESSION_KEY, "")
        if expected and sent and secrets_equal(sent, expected) and user.is_active:
            return user
    raise AuthenticationFailed(CREDENTIALS_FAILURE)


def _signed_caller(params, lowered):
    api_key, signature = lowered.get("apikey", ""), lowered.get("signature", "")
    if not api_key or not signature:
        raise AuthenticationFailed(CREDENTIALS_FAILURE)
    user = (get_user_model().objects.select_related("account__role", "account__domain")
            .filter(api_key=api_key).first())
    if user is None or not user.secret_key or not signature_matches(params, signature, user.secret_key):
        raise AuthenticationFailed(CREDENTIALS_FAILURE)
    check_expiry(params)
    if not user.is_active:
        raise AuthenticationFailed(CREDENTIALS_FAILURE)
    return user
