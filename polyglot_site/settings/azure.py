"""The azure profile: every endpoint and secret comes from the environment.

Start-up stops with one message naming every missing variable, so a deploy
is fixed in one round instead of one variable at a time.
"""
import os

from django.core.exceptions import ImproperlyConfigured

from polyglot_site.environment import azure_blob_storages, blob_origin, with_image_origin

from .base import (
    AZURE_REQUIRED_VARIABLES,
    CONTENT_SECURITY_POLICY,
    PERSISTENT_CONNECTIONS,
    REDIS_JSON_SERIALIZER,
    STATICFILES_STORAGE_BACKEND,
    env,
)


missing = [name for name in AZURE_REQUIRED_VARIABLES if not os.environ.get(name)]
if missing:
    raise ImproperlyConfigured(
        "The azure profile needs these environment variables, which are not set: "
        + ", ".join(missing)
        + ". See .env.example for what each one means."
    )

DEBUG = False
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# HTTPS only; `manage.py check --deploy` is clean with these defaults.
SECURE_SSL_REDIRECT = env.bool("DJANGO_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=False)
# Preloading is a commitment made by submitting the domain to browsers' lists, so it
# stays the operator's choice (DJANGO_HSTS_PRELOAD) and its reminder is silenced.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
# Health probes come from inside the service's network.
SECURE_REDIRECT_EXEMPT = [r"^health/"]

DATABASES = {
    "default": {
        "ENGINE": "mssql",
        "HOST": env.str("AZURE_SQL_HOST"),
        "PORT": env.str("AZURE_SQL_PORT", default="1433"),
        "NAME": env.str("AZURE_SQL_DATABASE"),
        "USER": env.str("AZURE_SQL_USER"),
        "PASSWORD": env.str("AZURE_SQL_PASSWORD"),
        "OPTIONS": {"driver": env.str("AZURE_SQL_DRIVER", default="ODBC Driver 18 for SQL Server")},
        **PERSISTENT_CONNECTIONS,
    }
}

CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        # Sites (or test runs) sharing one cache server keep apart by prefix.
        "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default=f"polyglot:{env.str('AZURE_SQL_DATABASE')}"),
        "LOCATION": env.str("REDIS_URL"),
        # JSON, never pickle: nothing read from the cache runs as code.
        "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient", "SERIALIZER": REDIS_JSON_SERIALIZER},
    }
}
SESSION_ENGINE = "django.contrib.sessions.backends.cache"

BLOB_CONNECTION_STRING = env.str("AZURE_STORAGE_CONNECTION_STRING")
STORAGES = azure_blob_storages(env, BLOB_CONNECTION_STRING, STATICFILES_STORAGE_BACKEND)
# Browsers are sent (by the /images/ view) to signed links on the blob endpoint.
CONTENT_SECURITY_POLICY = with_image_origin(CONTENT_SECURITY_POLICY, blob_origin(BLOB_CONNECTION_STRING))

POLYGLOT_STORES = {
    "documents": {
        "BACKEND": "apps.stores.documents.cosmos.CosmosDocumentStore",
        "OPTIONS": {
            "endpoint": env.str("COSMOS_ENDPOINT"),
            "key": env.str("COSMOS_KEY"),
            "database": env.str("COSMOS_DATABASE"),
        },
    },
    "graph": {
        "BACKEND": "apps.stores.graph.gremlin.GremlinGraphStore",
        "OPTIONS": {
            "endpoint": env.str("GREMLIN_ENDPOINT"),
            "username": env.str("GREMLIN_USERNAME"),
            "key": env.str("GREMLIN_KEY"),
        },
    },
    "search": {
        "BACKEND": "apps.stores.search.azure.AzureSearchBackend",
        "OPTIONS": {
            "endpoint": env.str("AZURE_SEARCH_ENDPOINT"),
            "key": env.str("AZURE_SEARCH_KEY"),
        },
    },
}

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL")
