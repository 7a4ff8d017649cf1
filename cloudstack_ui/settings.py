"""Settings, read from the environment (12-factor) with embedded defaults that
need no server: SQLite under var/, a filesystem Celery broker, the in-memory
channel layer. See README.md for the production variables."""
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

VAR_DIR = Path(env.str("CSUI_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)
# Where bin/build-builtin-template puts the built-in templates' images.
BUILTIN_TEMPLATE_DIR = Path(env.str("CSUI_BUILTIN_DIR", default=str(BASE_DIR / "var" / "builtin")))
# Where the KVM virtual routers keep their rendered configuration, pid files,
# leases and pending passwords (one 0700 directory per router).
ROUTER_STATE_DIR = Path(env.str("CSUI_ROUTER_STATE_DIR", default=str(BASE_DIR / "var" / "routers")))


def _file_secret(path: Path) -> str:
    """A Django SECRET_KEY kept in var/ so sessions survive restarts."""
    if not path.exists():
        from django.core.management.utils import get_random_secret_key

        path.write_text(get_random_secret_key())
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env.str("SECRET_KEY", default="") or _file_secret(VAR_DIR / "secret_key")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# The key that encrypts secrets at rest (guide 4.5.5: the "database key").
# Never stored in the database: taken from DATABASE_KEY, or from the file
# DATABASE_KEY_FILE, generated there on first use with a logged warning.
DATABASE_KEY = env.str("DATABASE_KEY", default="")
DATABASE_KEY_FILE = Path(env.str("DATABASE_KEY_FILE", default=str(VAR_DIR / "database.key")))

INSTALLED_APPS = [
    "daphne",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tables2",
    "django_celery_beat",
    "channels",
    "cloudstack_ui.config",
    "cloudstack_ui.api",
    "cloudstack_ui.jobs",
    "cloudstack_ui.ui",
    "accounts",
    "infrastructure",
    "network",
    "compute",
]
# Extra Django apps (plugins) to load, e.g. CSUI_PLUGINS=acme_billing; their
# commands.py, tasks.py and settings_keys.py are discovered like ours.
INSTALLED_APPS += env.list("CSUI_PLUGINS", default=[])

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "cloudstack_ui.ui.middleware.ForcedPasswordChangeMiddleware",
]

ROOT_URLCONF = "cloudstack_ui.urls"
ASGI_APPLICATION = "cloudstack_ui.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cloudstack_ui.ui.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'cloudstack.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (web, worker, beat) share the file: wait for locks
    # instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
elif DATABASES["default"]["ENGINE"] == "django.db.backends.mysql":
    # The guide's MySQL settings (4.5.4): roll the whole transaction back on a
    # lock timeout, and wait long for row locks.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "charset": "utf8mb4",
            "init_command": "SET SESSION innodb_lock_wait_timeout=600",
        }
    )
    # Case-insensitive, as CloudStack's own schema: names unique "among
    # siblings" are compared without case by the services and the indexes.
    DATABASES["default"].setdefault("TEST", {}).update({"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.DomainUserBackend"]
# Usernames are unique within a domain, not globally (the login form asks for
# the domain); the backend above resolves (username, domain).
SILENCED_SYSTEM_CHECKS = ["auth.W004"]
# CloudStack's password policy settings default to no constraints; the
# services refuse an empty password.
# The password policy: its rules are global settings (password.policy.*).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"accounts.password_validation.{name}"}
    for name in ("MinimumLengthValidator", "CharacterClassesValidator", "UsernameValidator", "RegexValidator",
                 "NotCurrentPasswordValidator")
]

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "ui:dashboard"
SESSION_COOKIE_NAME = "JSESSIONID"
SESSION_COOKIE_PATH = "/"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=12 * 3600)

# Login throttling: this many failures for one (username, domain) or one
# client address within the window refuse further attempts until it passes.
LOGIN_FAILURES_ALLOWED = env.int("LOGIN_FAILURES_ALLOWED", default=5)
LOGIN_FAILURE_WINDOW_SECONDS = env.int("LOGIN_FAILURE_WINDOW_SECONDS", default=300)

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/client/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

DJANGO_TABLES2_TEMPLATE = "django_tables2/bootstrap5.html"
DJANGO_TABLES2_PAGE_RANGE = 7
UI_PAGE_SIZE = env.int("UI_PAGE_SIZE", default=20)

# Celery: any broker URL kombu understands. The default needs no server: a
# filesystem queue under var/ shared by the web server, the worker and beat.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = VAR_DIR / "celery" / "queue"
    _processed_dir = VAR_DIR / "celery" / "processed"
    _queue_dir.mkdir(parents=True, exist_ok=True)
    _processed_dir.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(_processed_dir),
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
    CELERY_WORKER_ENABLE_REMOTE_CONTROL = False
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # With late acknowledgement, Redis gives a dead worker's message to
    # another worker once it has been unacknowledged this long; keep it
    # above the longest job (a running job's message delivered again is
    # left alone: the job is started).
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_BROKER_VISIBILITY_TIMEOUT", default=3600)}
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# A task is acknowledged once it has run, not when a worker takes it, and a
# worker takes one task at a time: a worker that dies leaves its message to
# be delivered again (a job already started is then failed by the reconciler,
# never run twice).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1

# Async jobs: a running job's worker refreshes its heartbeat this often; the
# reconciler fails a started job whose heartbeat is older than the limit. A
# job no worker started within the pickup timeout of its task's last send has
# its task sent again, up to the attempts given, and is then failed.
JOB_HEARTBEAT_SECONDS = env.int("JOB_HEARTBEAT_SECONDS", default=10)
JOB_STALE_AFTER_SECONDS = env.int("JOB_STALE_AFTER_SECONDS", default=60)
JOB_PICKUP_TIMEOUT_SECONDS = env.int("JOB_PICKUP_TIMEOUT_SECONDS", default=300)
JOB_MAX_QUEUE_ATTEMPTS = env.int("JOB_MAX_QUEUE_ATTEMPTS", default=3)

# The CloudStack version whose API this server speaks (listCapabilities,
# the cloud-stack-version attribute of XML answers).
CLOUDSTACK_VERSION = "4.19.0"

# Channels: Redis when REDIS_URL is set (several web nodes), else in-memory.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# The management server's address as browsers reach it, for URLs handed out
# through the API (createConsoleEndpoint).
PUBLIC_URL = env.str("PUBLIC_URL", default=f"http://127.0.0.1:{env.int('CSUI_PORT', default=8080)}")

# The console proxy (`manage.py consoleproxy`): where it listens, and the
# WebSocket URL browsers reach it at. Empty CONSOLE_PROXY_URL: the page's own
# host name on CONSOLE_PROXY_PORT (ws://, or wss:// when the page is https).
# Several proxies may run (on several nodes) behind one URL: any of them
# accepts any token. With a certificate (PEM, with its key unless
# CONSOLE_PROXY_KEY names one) at CONSOLE_PROXY_CERT it serves wss:// too.
CONSOLE_PROXY_BIND = env.str("CONSOLE_PROXY_BIND", default="127.0.0.1")
CONSOLE_PROXY_PORT = env.int("CONSOLE_PROXY_PORT", default=6080)
CONSOLE_PROXY_URL = env.str("CONSOLE_PROXY_URL", default="")
CONSOLE_PROXY_CERT = env.str("CONSOLE_PROXY_CERT", default=str(VAR_DIR / "consoleproxy.pem"))
CONSOLE_PROXY_KEY = env.str("CONSOLE_PROXY_KEY", default="")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "cloudstack_ui.api.rest.authentication.SignedApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "cloudstack_ui.api.rest.exceptions.rest_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "cloudstack-ui REST API",
    "DESCRIPTION": "Resources over the same commands as the CloudStack-compatible API at /client/api.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
