"""Settings every profile shares. Values come from the environment (see .env.example)."""
from pathlib import Path

import environ
from csp.constants import NONE, SELF

from polyglot_site.environment import Env, generated_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent.parent

# An empty variable means "use the default", so a copied .env.example works as it is.
env = Env()
# A developer's own .env is read when present; real environment variables win.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

POLYGLOT_PROFILE = env.str("POLYGLOT_PROFILE", default="embedded")
# Where the profile keeps its files (SQLite, tantivy, media, beat's schedule): a
# folder per profile, so one profile's site never shows another's data. Empty means the default.
DATA_DIR = Path(env.str("POLYGLOT_DATA_DIR", default="") or BASE_DIR / "var" / POLYGLOT_PROFILE)

# What the azure profile refuses to start without (checked in settings/azure.py).
AZURE_REQUIRED_VARIABLES = [
    "DJANGO_SECRET_KEY",
    "DJANGO_ALLOWED_HOSTS",
    "AZURE_SQL_HOST",
    "AZURE_SQL_DATABASE",
    "AZURE_SQL_USER",
    "AZURE_SQL_PASSWORD",
    "COSMOS_ENDPOINT",
    "COSMOS_KEY",
    "COSMOS_DATABASE",
    "GREMLIN_ENDPOINT",
    "GREMLIN_USERNAME",
    "GREMLIN_KEY",
    "AZURE_SEARCH_ENDPOINT",
    "AZURE_SEARCH_KEY",
    "AZURE_STORAGE_CONNECTION_STRING",
    "REDIS_URL",
    "CELERY_BROKER_URL",
]

DEBUG = env.bool("DJANGO_DEBUG", default=POLYGLOT_PROFILE == "embedded")
# From the environment (required in azure), else a key made for this site on its
# first start and kept in its data folder: never a key published with the code.
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="") or generated_secret_key(DATA_DIR)
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]", "testserver")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
# A site that answers to a public name is reached over HTTPS: its cookies say so.
SERVES_ONLY_THIS_MACHINE = all(host in LOCAL_HOSTS for host in ALLOWED_HOSTS)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=not SERVES_ONLY_THIS_MACHINE)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# Debug pages mask every secret, including passwords in URLs and keys in connection strings.
DEFAULT_EXCEPTION_REPORTER_FILTER = "polyglot_site.debug.MaskingExceptionReporterFilter"

INSTALLED_APPS = [
    "polyglot_site.admin_site.ShopAdminConfig",  # django.contrib.admin, branded
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "apps.stores",
    "apps.sync",
    "apps.users",
    "apps.catalog",
    "apps.orders",
    "apps.social",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "apps.sync.consistency.ReadYourWritesMiddleware",
    # Django's, skipped under /api/ (no API view shows a message).
    "polyglot_site.middleware.PageMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a lockout into its answer.
    "axes.middleware.AxesMiddleware",
]

# Failed logins (admin, site, API Basic and token requests) lock the username from
# that address out for a while: django-axes counts them before the password backend.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_CALLABLE = "polyglot_site.views.locked_out"  # the shop's page, or JSON under /api/

ROOT_URLCONF = "polyglot_site.urls"
WSGI_APPLICATION = "polyglot_site.wsgi.application"
ASGI_APPLICATION = "polyglot_site.asgi.application"

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
                "apps.orders.context_processors.cart",
            ],
        },
    },
]

AUTH_USER_MODEL = "users.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "catalog:product-list"
LOGOUT_REDIRECT_URL = "catalog:product-list"

# Password-reset mail: printed to the console unless an SMTP server is named
# (the azure profile needs one); DJANGO_EMAIL_* below.
EMAIL_HOST = env.str("DJANGO_EMAIL_HOST", default="")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = env.int("DJANGO_EMAIL_PORT", default=587)
EMAIL_HOST_USER = env.str("DJANGO_EMAIL_USER", default="")
EMAIL_HOST_PASSWORD = env.str("DJANGO_EMAIL_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("DJANGO_EMAIL_USE_TLS", default=True)
DEFAULT_FROM_EMAIL = env.str("DJANGO_DEFAULT_FROM_EMAIL", default="Polyglot Shop <shop@localhost>")
# Uploads: a 5 MB avatar fits; a larger request is refused before it is read.
MAX_UPLOAD_BYTES = 6 * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "polyglot_site.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
MEDIA_URL = "media/"
# Hashed, compressed static files (run collectstatic first, as the Dockerfile does).
STATIC_MANIFEST = env.bool("DJANGO_STATIC_MANIFEST", default=POLYGLOT_PROFILE == "azure")
STATICFILES_STORAGE_BACKEND = {
    "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    if STATIC_MANIFEST
    else "django.contrib.staticfiles.storage.StaticFilesStorage"
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REST_FRAMEWORK = {
    # Token first: DRF answers an anonymous request with the first class's challenge, so
    # a client without credentials gets 401 and "WWW-Authenticate: Token" (session
    # authentication has no challenge, which would make it a 403).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
        "polyglot_site.api_auth.ThrottledBasicAuthentication",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Anonymous and signed-in clients have a rate each; Basic credentials have their own,
    # checked before the password hash they would cost.
    # One atomic cache increment per request (see polyglot_site/throttling.py); an action
    # naming a throttle_scope also has that rate for anonymous clients.
    "DEFAULT_THROTTLE_CLASSES": [
        "polyglot_site.throttling.AnonCountThrottle",
        "polyglot_site.throttling.UserCountThrottle",
        "polyglot_site.throttling.AnonScopedCountThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_RATE_ANONYMOUS", default="300/minute"),
        "user": env.str("API_RATE_SIGNED_IN", default="1200/minute"),
        "basic_auth": env.str("API_RATE_BASIC_AUTH", default="20/minute"),
        # The search box's suggestions, for anonymous clients (a request per pause in typing;
        # besides the anon rate).
        "suggest_anon": env.str("API_RATE_SUGGEST_ANONYMOUS", default="60/minute"),
        "social_write": env.str("API_RATE_SOCIAL_WRITES", default="120/minute"),
        # Checkouts per signed-in client: each runs a saga across SQL, documents and blobs.
        "checkout": env.str("API_RATE_CHECKOUTS", default="20/minute"),
    },
    # Anyone may read the catalogue; changing it takes the model permissions (DRF's
    # DjangoModelPermissionsOrAnonReadOnly, a read answered without building a queryset).
    "DEFAULT_PERMISSION_CLASSES": [
        "polyglot_site.api_permissions.ModelPermissionsOrAnonReadOnly",
    ],
    # DRF's negotiation, each choice remembered per Accept header (a bounded few).
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "polyglot_site.api_negotiation.RememberingContentNegotiation",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    # Errors a client can cause are 4xx (model validation, refused store queries), never 500.
    "EXCEPTION_HANDLER": "polyglot_site.api_errors.exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "polyglot_site.api_parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}

REDIS_JSON_SERIALIZER = "django_redis.serializers.json.JSONSerializer"

# A database server's connection stays open in its process between requests and Celery
# tasks (and is checked before it is reused), instead of one connection per request or
# per relay task: a relay task is a few milliseconds, opening a connection costs as much.
# Profiles with a database server merge this into their DATABASES entry.
PERSISTENT_CONNECTIONS = {
    "CONN_MAX_AGE": env.int("DATABASE_CONN_MAX_AGE", default=60),
    "CONN_HEALTH_CHECKS": True,
}

# Content-Security-Policy: this site's own scripts, styles and images only; no
# inline script, no framing, forms post back here.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# The product page reads its parts from several stores at once; each store gets this
# long before the page shows without it (and says so).
PRODUCT_PAGE_STORE_TIMEOUT_SECONDS = env.float("PRODUCT_PAGE_STORE_TIMEOUT_SECONDS", default=0.5)
# How long a product's page parts and API detail stay cached (edits replace them sooner).
PRODUCT_CACHE_SECONDS = env.int("PRODUCT_CACHE_SECONDS", default=300)
# Checkout: the payment methods offered, by dotted path (the first is the default;
# apps/orders/payments.py). The test method approves, declines or fails as
# ORDERS_TEST_PAYMENT_OUTCOME says; offer it only where nobody really pays.
ORDERS_PAYMENT_METHODS = env.list("ORDERS_PAYMENT_METHODS", default=["apps.orders.payments.PayOnDelivery"])
ORDERS_TEST_PAYMENT_OUTCOME = env.str("ORDERS_TEST_PAYMENT_OUTCOME", default="approve")
# A receipt link (signed, to the private receipt) works this long.
ORDERS_RECEIPT_LINK_SECONDS = env.int("ORDERS_RECEIPT_LINK_SECONDS", default=600)
# How many orders "my orders" shows per page; the first page is cached per user.
ORDERS_PER_PAGE = 20
# A store that fails this many times in a row is skipped for RESET_SECONDS, then tried
# once (circuit breaker per store alias; /health/ready shows their states).
POLYGLOT_BREAKERS = {
    "FAILURE_THRESHOLD": env.int("BREAKER_FAILURE_THRESHOLD", default=3),
    "RESET_SECONDS": env.float("BREAKER_RESET_SECONDS", default=30.0),
}

# /health/ready shows projection names and counts to staff and to these networks
# (the load balancer's probes); everyone else gets the status alone.
HEALTH_DETAIL_NETWORKS = env.list("HEALTH_DETAIL_NETWORKS", default=["127.0.0.1/32", "::1/128"])
# /health/ready asks each store one cheap read, each within this many seconds.
HEALTH_STORE_TIMEOUT_SECONDS = env.float("HEALTH_STORE_TIMEOUT_SECONDS", default=2.0)
# The stores without which this instance is not ready (503); the others make it "degraded"
# (the product page, say, serves without the document store). The database always counts.
HEALTH_REQUIRED_STORES = env.list("HEALTH_REQUIRED_STORES", default=["cache"])

# The API's OpenAPI 3 schema (/api/schema/) and its Swagger UI (/api/docs/), served
# from this site (the sidecar package), never from a CDN.
SPECTACULAR_SETTINGS = {
    "TITLE": "polyglot-site API",
    "DESCRIPTION": "The shop's catalogue. Reads are public; writes take the product permissions.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "apps.sync.api_schema.document_unsupported_media_type",
    ],
}

# Celery, configured from the CELERY_ namespace (see polyglot_site/celery.py).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Relay tasks are short and idempotent, and acks_late redelivers what a dead worker held,
# so a worker may hold several messages: that hides the broker round trip per task.
CELERY_WORKER_PREFETCH_MULTIPLIER = env.int("CELERY_WORKER_PREFETCH_MULTIPLIER", default=16)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
# A request must never hang on a broker that is down: the outbox keeps the
# event and the relay delivers it later.
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=2.0)
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
# Celery closes a worker's database connections after every task unless this is set, and then
# recycles them every this many tasks; between those, polyglot_site/celery.py closes a connection
# that broke or outlived CONN_MAX_AGE (PERSISTENT_CONNECTIONS), as Django does per request.
CELERY_DB_REUSE_MAX = 1000

# Delivery of outbox events to projections (apps.sync); see apps/sync/conf.py.
POLYGLOT_SYNC = {
    # Attempts per event and projection before the delivery is dead (until a redrive).
    "MAX_ATTEMPTS": env.int("SYNC_MAX_ATTEMPTS", default=8),
    # Retry n waits about BASE * 2**(n-1) seconds (with jitter), at most MAX.
    "RETRY_BASE_SECONDS": env.float("SYNC_RETRY_BASE_SECONDS", default=2.0),
    "RETRY_MAX_SECONDS": env.float("SYNC_RETRY_MAX_SECONDS", default=300.0),
    # The sweeper leaves younger pending deliveries to the on-commit dispatch.
    "SWEEP_GRACE_SECONDS": env.float("SYNC_SWEEP_GRACE_SECONDS", default=5.0),
    "SWEEP_BATCH": env.int("SYNC_SWEEP_BATCH", default=500),
    # After a failed publish, requests stop trying the broker for this long.
    "BROKER_RETRY_AFTER_SECONDS": env.float("SYNC_BROKER_RETRY_AFTER_SECONDS", default=10.0),
    # read-your-writes: how long a read waits for the projection before reading the home.
    "READ_YOUR_WRITES_WAIT_SECONDS": env.float("SYNC_READ_YOUR_WRITES_WAIT_SECONDS", default=0.5),
    # bounded staleness: lag beyond this reads the home and logs a warning.
    "STALENESS_BOUND_SECONDS": env.float("SYNC_STALENESS_BOUND_SECONDS", default=5.0),
    # One worker at a time drains a projection; a dead worker's hold runs out after this.
    "DRAIN_LEASE_SECONDS": env.float("SYNC_DRAIN_LEASE_SECONDS", default=30.0),
    # A saga runner holds its run this long (renewed at every step); a dead runner's run is
    # taken over by the resume task once it runs out.
    "SAGA_LEASE_SECONDS": env.float("SYNC_SAGA_LEASE_SECONDS", default=60.0),
    # Outbox retention: events delivered to every projection go after this many seconds (7 days),
    # with their deliveries, at most OUTBOX_PRUNE_BATCH events looked at per transaction.
    "OUTBOX_RETENTION_SECONDS": env.float("SYNC_OUTBOX_RETENTION_SECONDS", default=7 * 24 * 3600.0),
    "OUTBOX_PRUNE_BATCH": env.int("SYNC_OUTBOX_PRUNE_BATCH", default=1000),
}
# A worker started with --beat keeps the schedule with the profile's other files.
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
SYNC_SWEEP_INTERVAL_SECONDS = env.float("SYNC_SWEEP_INTERVAL_SECONDS", default=5.0)
SYNC_SAGA_RESUME_INTERVAL_SECONDS = env.float("SYNC_SAGA_RESUME_INTERVAL_SECONDS", default=30.0)
SYNC_OUTBOX_PRUNE_INTERVAL_SECONDS = env.float("SYNC_OUTBOX_PRUNE_INTERVAL_SECONDS", default=3600.0)
CELERY_BEAT_SCHEDULE = {
    "sync-sweep-outbox": {
        "task": "apps.sync.tasks.sweep_outbox",
        "schedule": SYNC_SWEEP_INTERVAL_SECONDS,
        # A sweep still queued when the next is due is dropped, so a backlog never piles up sweeps.
        "options": {"expires": SYNC_SWEEP_INTERVAL_SECONDS},
    },
    # Saga runs whose runner died (its lease ran out) are carried on, forward or back.
    "sync-resume-sagas": {
        "task": "apps.sync.tasks.resume_sagas",
        "schedule": SYNC_SAGA_RESUME_INTERVAL_SECONDS,
        "options": {"expires": SYNC_SAGA_RESUME_INTERVAL_SECONDS},
    },
    # Outbox retention: delivered events older than SYNC_OUTBOX_RETENTION_SECONDS go, batch by batch.
    "sync-prune-outbox": {
        "task": "apps.sync.tasks.prune_outbox",
        "schedule": SYNC_OUTBOX_PRUNE_INTERVAL_SECONDS,
        "options": {"expires": SYNC_OUTBOX_PRUNE_INTERVAL_SECONDS},
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # The Azure SDKs log every request and its headers at INFO.
        "azure": {"level": "WARNING"},
    },
}
