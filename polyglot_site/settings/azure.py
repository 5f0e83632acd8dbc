"""The azure profile: every endpoint and secret comes from the environment.

Start-up stops with one message naming every missing variable, so a deploy
is fixed in one round instead of one variable at a time.
"""
import os

from django.core.exceptions import ImproperlyConfigured

from .base import AZURE_REQUIRED_VARIABLES, STATICFILES_STORAGE_BACKEND, env


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

DATABASES = {
    "default": {
        "ENGINE": "mssql",
        "HOST": env.str("AZURE_SQL_HOST"),
        "PORT": env.str("AZURE_SQL_PORT", default="1433"),
        "NAME": env.str("AZURE_SQL_DATABASE"),
        "USER": env.str("AZURE_SQL_USER"),
        "PASSWORD": env.str("AZURE_SQL_PASSWORD"),
        "OPTIONS": {"driver": env.str("AZURE_SQL_DRIVER", default="ODBC Driver 18 for SQL Server")},
    }
}

CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        # Sites (or test runs) sharing one cache server keep apart by prefix.
        "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default=""),
        "LOCATION": env.str("REDIS_URL"),
        "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient"},
    }
}
SESSION_ENGINE = "django.contrib.sessions.backends.cache"

STORAGES = {
    "default": {
        "BACKEND": "storages.backends.azure_storage.AzureStorage",
        "OPTIONS": {
            "connection_string": env.str("AZURE_STORAGE_CONNECTION_STRING"),
            "azure_container": env.str("AZURE_STORAGE_CONTAINER", default="media"),
        },
    },
    "staticfiles": STATICFILES_STORAGE_BACKEND,
}

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
