"""The services profile: real servers on 127.0.0.1, as on the test machine and in CI.

PostgreSQL, Redis and RabbitMQ run on the machine; Azurite (Blob API) and
cosmosdb-server (Cosmos DB API) are started by `make test` from package.json.
"""
import warnings
from urllib.parse import urlsplit

from urllib3.exceptions import InsecureRequestWarning

from polyglot_site.environment import azure_blob_storages, blob_origin, with_image_origin

from .base import (
    CONTENT_SECURITY_POLICY,
    DATA_DIR,
    PERSISTENT_CONNECTIONS,
    REDIS_JSON_SERIALIZER,
    STATICFILES_STORAGE_BACKEND,
    env,
)

DATA_DIR.mkdir(parents=True, exist_ok=True)

# Azurite's documented development account; it is public and only ever local.
AZURITE_CONNECTION_STRING = (
    "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"
    "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;"
    "BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;"
)
# cosmosdb-server accepts any base64 key; this one matches the Cosmos emulator's.
COSMOS_EMULATOR_KEY = "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw=="

DATABASES = {
    "default": {**env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/polyglot_site"),
                **PERSISTENT_CONNECTIONS},
}

REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        # Sites (or test runs) sharing one Redis keep apart by prefix: by default the database's name.
        "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default=f"polyglot:{DATABASES['default']['NAME']}"),
        "LOCATION": REDIS_URL,
        # JSON, never pickle: nothing read from the cache runs as code.
        "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient", "SERIALIZER": REDIS_JSON_SERIALIZER},
    }
}
SESSION_ENGINE = "django.contrib.sessions.backends.cache"

BLOB_CONNECTION_STRING = env.str("AZURE_STORAGE_CONNECTION_STRING", default=AZURITE_CONNECTION_STRING)
STORAGES = azure_blob_storages(env, BLOB_CONNECTION_STRING, STATICFILES_STORAGE_BACKEND)
# Browsers are sent (by the /images/ view) to signed links on the blob endpoint.
CONTENT_SECURITY_POLICY = with_image_origin(CONTENT_SECURITY_POLICY, blob_origin(BLOB_CONNECTION_STRING))

COSMOS_ENDPOINT = env.str("COSMOS_ENDPOINT", default="https://127.0.0.1:8081")
# cosmosdb-server serves a self-signed certificate.
STAND_IN_HOSTS = ("127.0.0.1", "localhost")
# Only the local stand-in's self-signed certificate goes unchecked, and only by default.
COSMOS_VERIFY_TLS = env.bool("COSMOS_VERIFY_TLS", default=urlsplit(COSMOS_ENDPOINT).hostname not in STAND_IN_HOSTS)
if not COSMOS_VERIFY_TLS and urlsplit(COSMOS_ENDPOINT).hostname in STAND_IN_HOSTS:
    # Unverified requests to the local stand-in are the plan; to any other host they stay a warning.
    warnings.filterwarnings(
        "ignore",
        message=r"Unverified HTTPS request is being made to host '(127\.0\.0\.1|localhost)'",
        category=InsecureRequestWarning,
    )

POLYGLOT_STORES = {
    "documents": {
        "BACKEND": "apps.stores.documents.cosmos.CosmosDocumentStore",
        "OPTIONS": {
            "endpoint": COSMOS_ENDPOINT,
            "key": env.str("COSMOS_KEY", default=COSMOS_EMULATOR_KEY),
            "database": env.str("COSMOS_DATABASE", default="polyglot_site"),
            "verify_tls": COSMOS_VERIFY_TLS,
        },
    },
    "graph": {
        "BACKEND": "apps.stores.graph.sqlite.SQLiteGraphStore",
        "OPTIONS": {"path": str(DATA_DIR / "graph.sqlite3")},
    },
    "search": {
        "BACKEND": "apps.stores.search.tantivy.TantivySearchBackend",
        "OPTIONS": {"path": str(DATA_DIR / "search")},
    },
}

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="amqp://guest:guest@127.0.0.1:5672//")
