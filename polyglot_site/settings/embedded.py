"""The embedded profile: everything in files under DATA_DIR, no server at all."""
from .base import DATA_DIR, POLYGLOT_SYNC, STATICFILES_STORAGE_BACKEND, env

DATA_DIR.mkdir(parents=True, exist_ok=True)

# How long a write waits for a lock that another process holds (a shell, a long
# command) before it fails with a clear error, rather than holding the request.
LOCK_TIMEOUT_SECONDS = env.float("EMBEDDED_LOCK_TIMEOUT_SECONDS", default=3.0)

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": env.str("SQLITE_PATH", default=str(DATA_DIR / "db.sqlite3")),
        "OPTIONS": {
            # The web process and in-process tasks write at once: WAL plus
            # IMMEDIATE transactions turn "database is locked" into a short wait.
            "transaction_mode": "IMMEDIATE",
            "timeout": LOCK_TIMEOUT_SECONDS,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }
}

CACHES = {
    "default": {
        # Django's file cache storing JSON instead of pickles.
        "BACKEND": "polyglot_site.cache.JSONFileBasedCache",
        # Sites (or test runs) sharing one cache server keep apart by prefix.
        "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default=""),
        "LOCATION": str(DATA_DIR / "cache"),
    }
}
SESSION_ENGINE = "django.contrib.sessions.backends.cache"

STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        # Files are served by the site's own /images/ view (polyglot_site/media.py).
        "OPTIONS": {"location": str(DATA_DIR / "media"), "base_url": "/images/"},
    },
    # Product pictures and their thumbnails.
    "images": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(DATA_DIR / "images"), "base_url": "/images/"},
    },
    # Order receipts: private; reached only by an expiring signed link (polyglot_site/signed_files.py).
    "receipts": {
        "BACKEND": "polyglot_site.signed_files.SignedLinkFileSystemStorage",
        "OPTIONS": {"location": str(DATA_DIR / "receipts"), "alias": "receipts", "allow_overwrite": True},
    },
    "staticfiles": STATICFILES_STORAGE_BACKEND,
}
# The laptop's shop offers the test payment method beside pay on delivery.
ORDERS_PAYMENT_METHODS = env.list("ORDERS_PAYMENT_METHODS", default=[
    "apps.orders.payments.PayOnDelivery", "apps.orders.payments.TestPayment"])

POLYGLOT_STORES = {
    "documents": {
        "BACKEND": "apps.stores.documents.sqlite.SQLiteDocumentStore",
        "OPTIONS": {"path": str(DATA_DIR / "documents.sqlite3"), "timeout": LOCK_TIMEOUT_SECONDS},
    },
    "graph": {
        "BACKEND": "apps.stores.graph.sqlite.SQLiteGraphStore",
        "OPTIONS": {"path": str(DATA_DIR / "graph.sqlite3"), "timeout": LOCK_TIMEOUT_SECONDS},
    },
    "search": {
        "BACKEND": "apps.stores.search.tantivy.TantivySearchBackend",
        "OPTIONS": {"path": str(DATA_DIR / "search"), "lock_timeout": LOCK_TIMEOUT_SECONDS},
    },
}

# Tasks run in-process, right after the transaction that queued them commits; a failed
# delivery is retried from a timer thread when its backoff is over. Eager tasks still
# borrow a producer: a broker URL without a host makes kombu warn on each.
CELERY_BROKER_URL = "memory://localhost/"
CELERY_TASK_ALWAYS_EAGER = True
POLYGLOT_SYNC = {**POLYGLOT_SYNC, "IN_PROCESS_RETRIES": True}
