"""Global settings of the command API."""
from cloudstack_ui.config.keys import ConfigKey, declare

DEFAULT_PAGE_SIZE = declare(ConfigKey(
    "default.page.size", "Advanced", "integer", "500",
    "Default page size for API list calls; also the cap of pagesize (pagesize=-1 answers at most this many)",
    min_value=1,
))
INTEGRATION_API_PORT = declare(ConfigKey(
    "integration.api.port", "Advanced", "integer", "",
    "Port of the unauthenticated integration API, served on 127.0.0.1 only as the root admin; empty turns it off",
    min_value=1, max_value=65535,
))
# CloudStack ties both rules to enforce.post.requests.and.timestamps (with a
# fixed 15-minute window, and POST-only state changes, which this server does
# not enforce); they are separate keys here.
SIGNATURE_EXPIRES_REQUIRED = declare(ConfigKey(
    "api.signature.expires.required", "Advanced", "boolean", "false",
    "Signed requests must carry signatureVersion=3 and expires; false also accepts version-2 signatures, which "
    "never expire (older clients)",
))
SIGNATURE_EXPIRES_MAX_WINDOW = declare(ConfigKey(
    "api.signature.expires.max.window", "Advanced", "integer", "900",
    "Seconds ahead of now that a signed request's expires may lie (CloudStack's threshold is 900); one further "
    "ahead is refused; 0 accepts any future expires",
    min_value=0,
))
