"""API-key authentication of the REST API. The secret never travels: the
client sends its API key and an HMAC-SHA1 (base64) with the secret over

    METHOD \\n path \\n sorted lower-cased query string \\n X-CloudStack-Date \\n sha256(body) hex

in the headers X-CloudStack-ApiKey, X-CloudStack-Signature and
X-CloudStack-Date (ISO 8601, refused when more than 10 minutes off)."""
import hashlib
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from django.contrib.auth import get_user_model
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from cloudstack_ui.api.signing import CREDENTIALS_FAILURE, secrets_equal, sign

MAX_CLOCK_SKEW = timedelta(minutes=10)


def string_to_sign(method: str, path: str, query: dict[str, str], date: str, body: bytes) -> str:
    canonical_query = "&".join(f"{k}={quote(v, safe='*')}" for k, v in sorted(query.items())).lower()
    return "\n".join([method.upper(), path, canonical_query, date, hashlib.sha256(body).hexdigest()])


class SignedApiKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        api_key = request.headers.get("X-CloudStack-ApiKey")
        if not api_key:
            return None
        signature = request.headers.get("X-CloudStack-Signature", "")
        date = request.headers.get("X-CloudStack-Date", "")
        try:
            sent_at = datetime.fromisoformat(date.replace("Z", "+00:00"))
        except ValueError:
            raise exceptions.AuthenticationFailed(CREDENTIALS_FAILURE)
        if sent_at.tzinfo is None or abs(datetime.now(UTC) - sent_at) > MAX_CLOCK_SKEW:
            raise exceptions.AuthenticationFailed(CREDENTIALS_FAILURE)
        user = (get_user_model().objects.select_related("account__role", "account__domain")
                .filter(api_key=api_key).first())
        if user is None or not user.secret_key:
            raise exceptions.AuthenticationFailed(CREDENTIALS_FAILURE)
        message = string_to_sign(request.method, request.path, request.query_params.dict(), date, request.body)
        if not secrets_equal(signature, sign(message, user.secret_key)) or not user.is_active:
            raise exceptions.AuthenticationFailed(CREDENTIALS_FAILURE)
        return user, None

    def authenticate_header(self, request):
        return "CloudStack-ApiKey"


class SignedApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "cloudstack_ui.api.rest.authentication.SignedApiKeyAuthentication"
    name = "cloudstackApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey", "in": "header", "name": "X-CloudStack-ApiKey",
            "description": ("Send X-CloudStack-ApiKey, X-CloudStack-Date (ISO 8601 UTC) and X-CloudStack-Signature: "
                            "base64(HMAC-SHA1(secret, METHOD\\npath\\nsorted lower-cased query\\ndate\\n"
                            "sha256(body) hex)))."),
        }
