"""The three profiles are chosen by POLYGLOT_PROFILE alone."""
import json

import pytest

from polyglot_site.settings.base import AZURE_REQUIRED_VARIABLES as REQUIRED_VARIABLES
from tests.site.fresh import ROOT, load_settings

SHOW_SETTINGS = (
    "import json; from django.conf import settings; "
    "print(json.dumps({'db': settings.DATABASES['default']['ENGINE'], "
    "'cache': settings.CACHES['default']['BACKEND'], "
    "'storage': settings.STORAGES['default']['BACKEND'], "
    "'stores': {k: v['BACKEND'] for k, v in settings.POLYGLOT_STORES.items()}, "
    "'eager': getattr(settings, 'CELERY_TASK_ALWAYS_EAGER', False)}))"
)


BUILD_STORES = (
    "from django.conf import settings; from apps.stores import StoreHandler; "
    "h = StoreHandler(settings.POLYGLOT_STORES); print(sorted(type(h[a]).__name__ for a in h))"
)


# Every file a profile writes on the local disk, as absolute paths.
SHOW_LOCAL_FILES = (
    "import json; from django.conf import settings; "
    "named = [settings.DATABASES['default']['NAME'], settings.CACHES['default']['LOCATION'], "
    "settings.STORAGES['default'].get('OPTIONS', {}).get('location', ''), settings.CELERY_BEAT_SCHEDULE_FILENAME]"
    " + [store['OPTIONS'].get('path', '') for store in settings.POLYGLOT_STORES.values()]; "
    "print(json.dumps({'data_dir': str(settings.DATA_DIR), 'files': [p for p in named if p.startswith('/')]}))"
)
# base.py alone: the settings package would load the profile, which creates its folder.
SHOW_DEFAULT_DATA_DIR = (
    "import importlib.util as u; spec = u.spec_from_file_location('base', 'polyglot_site/settings/base.py'); "
    "base = u.module_from_spec(spec); spec.loader.exec_module(base); print(base.DATA_DIR)"
)


def azure_environment(**overrides):
    """Every variable the azure profile requires, with plausible values."""
    values = {name: "value" for name in REQUIRED_VARIABLES}
    values.update(
        REDIS_URL="rediss://:secret@cache.example.net:6380/0",
        CELERY_BROKER_URL="amqps://user:secret@broker.example.net//",
        DJANGO_ALLOWED_HOSTS="shop.example.net",
        COSMOS_ENDPOINT="https://account.documents.azure.com:443/",
        COSMOS_KEY="a2V5LWtleS1rZXkta2V5",
        GREMLIN_ENDPOINT="wss://account.gremlin.cosmos.azure.com:443/",
        GREMLIN_USERNAME="/dbs/shop/colls/social",
        AZURE_SEARCH_ENDPOINT="https://search.search.windows.net",
    )
    values.update(overrides)
    return values


def test_embedded_is_the_default_and_needs_no_server(tmp_path):
    result = load_settings(tmp_path, SHOW_SETTINGS)

    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["db"] == "django.db.backends.sqlite3"
    assert shown["stores"]["documents"].endswith("SQLiteDocumentStore")
    assert shown["stores"]["search"].endswith("TantivySearchBackend")
    assert shown["stores"]["graph"].endswith("SQLiteGraphStore")
    assert shown["eager"] is True


def test_services_profile_uses_postgres_redis_azurite_and_cosmos(tmp_path):
    result = load_settings(tmp_path, SHOW_SETTINGS, POLYGLOT_PROFILE="services")

    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["db"] == "django.db.backends.postgresql"
    assert shown["cache"] == "django_redis.cache.RedisCache"
    assert shown["storage"] == "storages.backends.azure_storage.AzureStorage"
    assert shown["stores"]["documents"].endswith("CosmosDocumentStore")
    assert shown["eager"] is False


# Ids that do not say "services": a test with that keyword would be left to the services run,
# which runs only tests marked services, and these need no server.
@pytest.mark.parametrize("profile", ["embedded", "services"], ids=["embedded", "services-profile"])
def test_every_local_file_of_a_profile_lives_in_its_data_folder(tmp_path, profile):
    result = load_settings(tmp_path, SHOW_LOCAL_FILES, POLYGLOT_PROFILE=profile)

    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["data_dir"] == str(tmp_path)
    assert len(shown["files"]) >= 3
    assert [path for path in shown["files"] if not path.startswith(f"{tmp_path}/")] == []


@pytest.mark.parametrize("unset", [{}, {"POLYGLOT_DATA_DIR": ""}], ids=["absent", "empty"])
def test_each_profile_has_its_own_data_folder_by_default(unset):
    folders = {
        profile: load_settings(None, SHOW_DEFAULT_DATA_DIR, POLYGLOT_PROFILE=profile, **unset).stdout.strip()
        for profile in ("embedded", "services", "azure")
    }

    assert folders == {profile: str(ROOT / "var" / profile) for profile in folders}


SHOW_CONNECTION_LIFETIME = (
    "import json; from django.conf import settings; db = settings.DATABASES['default']; "
    "print(json.dumps([db['CONN_MAX_AGE'], db['CONN_HEALTH_CHECKS'], settings.CELERY_DB_REUSE_MAX]))"
)


@pytest.mark.parametrize("profile", ["services", "azure"], ids=["services-profile", "azure"])
def test_a_database_servers_connection_is_kept_and_checked_between_requests_and_tasks(tmp_path, profile):
    environment = azure_environment() if profile == "azure" else {}

    kept = load_settings(tmp_path, SHOW_CONNECTION_LIFETIME, POLYGLOT_PROFILE=profile, **environment)
    per_request = load_settings(tmp_path, SHOW_CONNECTION_LIFETIME, POLYGLOT_PROFILE=profile,
                                DATABASE_CONN_MAX_AGE="0", **environment)

    assert kept.returncode == 0, kept.stderr
    assert json.loads(kept.stdout) == [60, True, 1000]
    assert json.loads(per_request.stdout)[0] == 0


def test_azure_profile_names_every_missing_variable_at_once(tmp_path):
    result = load_settings(tmp_path, SHOW_SETTINGS, POLYGLOT_PROFILE="azure", COSMOS_KEY="set")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    for name in REQUIRED_VARIABLES:
        if name != "COSMOS_KEY":
            assert name in result.stderr
    assert "COSMOS_KEY," not in result.stderr


def test_azure_profile_reads_every_store_from_the_environment(tmp_path):
    result = load_settings(tmp_path, SHOW_SETTINGS, POLYGLOT_PROFILE="azure", **azure_environment())

    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["db"] == "mssql"
    assert shown["stores"] == {
        "documents": "apps.stores.documents.cosmos.CosmosDocumentStore",
        "graph": "apps.stores.graph.gremlin.GremlinGraphStore",
        "search": "apps.stores.search.azure.AzureSearchBackend",
    }


def test_azure_profile_builds_every_store_backend_without_the_network(tmp_path):
    result = load_settings(tmp_path, BUILD_STORES, POLYGLOT_PROFILE="azure", **azure_environment())

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['AzureSearchBackend', 'CosmosDocumentStore', 'GremlinGraphStore']"


def test_unknown_profile_is_refused(tmp_path):
    result = load_settings(tmp_path, SHOW_SETTINGS, POLYGLOT_PROFILE="production")

    assert result.returncode != 0
    assert "is not a profile" in result.stderr


def test_an_empty_variable_means_its_default(tmp_path):
    result = load_settings(tmp_path, SHOW_SETTINGS, POLYGLOT_PROFILE="", SQLITE_PATH="", DJANGO_SECRET_KEY="")

    assert result.returncode == 0, result.stderr
    assert '"db": "django.db.backends.sqlite3"' in result.stdout and '"eager": true' in result.stdout
    assert (tmp_path / "db.sqlite3").parent == tmp_path


def test_env_example_lists_every_variable_the_settings_read():
    import re

    read = set()
    for path in (ROOT / "polyglot_site" / "settings").glob("*.py"):
        read |= set(re.findall(r'env\.\w+\(\s*"([A-Z0-9_]+)"', path.read_text()))
    read |= set(REQUIRED_VARIABLES)
    listed = set(re.findall(r"^([A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))

    assert read - listed == set()
