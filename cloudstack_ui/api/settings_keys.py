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
