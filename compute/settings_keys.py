"""Global settings of the compute app."""
from cloudstack_ui.config.keys import ConfigKey, declare

# Volumes and snapshots --------------------------------------------------------------------------
SNAPSHOT_MAX = {
    interval: declare(ConfigKey(
        f"snapshot.max.{interval.lower()}", "Snapshots", "integer", "8",
        f"The most snapshots a {interval.lower()} snapshot policy may keep (its maxsnaps)", min_value=1))
    for interval in ("HOURLY", "DAILY", "WEEKLY", "MONTHLY")
}

# The console (compute/console) ---------------------------------------------------------------------
CONSOLE_TOKEN_LIFETIME = declare(ConfigKey(
    "consoleproxy.token.lifetime", "Console Proxy", "integer", "60",
    "Seconds a console link stays usable before its first use; each link opens one session",
    min_value=5, max_value=3600))

# Template and ISO downloads (compute/services/template_urls.py; secstorage.allowed.internal.sites is an
# infrastructure setting) ----------------------------------------------------------------------------
SECSTORAGE_ALLOWED_LOCAL_DIRECTORIES = declare(ConfigKey(
    "secstorage.allowed.local.directories", "Advanced", "string", "",
    "Comma separated absolute directories of the management server from which root admins may register "
    "templates and ISOs with file:// URLs; empty: none"))
