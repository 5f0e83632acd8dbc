"""Every backend checks its OPTIONS values with the one validator, in the one message format."""
import re
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from apps.stores.documents.cosmos import CosmosDocumentStore
from apps.stores.documents.sqlite import SQLiteDocumentStore
from apps.stores.graph.gremlin import GremlinGraphStore
from apps.stores.graph.sqlite import SQLiteGraphStore
from apps.stores.options import Rule, one_of, seconds, whole
from apps.stores.search.azure import AzureSearchBackend
from apps.stores.search.tantivy import TantivySearchBackend

GREMLIN = {"endpoint": "wss://a.gremlin.cosmos.azure.com:443/", "username": "/dbs/d/colls/g", "key": "k"}
COSMOS = {"endpoint": "https://127.0.0.1:8081", "key": "a2V5", "database": "d"}
AZURE_SEARCH = {"endpoint": "https://s.search.windows.net", "key": "k"}


@pytest.mark.parametrize("backend, options, name", [
    (SQLiteDocumentStore, {"path": 42}, "path"),
    (SQLiteGraphStore, {"path": "g.sqlite3", "timeout": -1}, "timeout"),
    (SQLiteGraphStore, {"path": "g.sqlite3", "timeout": True}, "timeout"),
    (TantivySearchBackend, {"path": "s", "writer_heap_mb": 8}, "writer_heap_mb"),
    (TantivySearchBackend, {"path": "s", "lock_timeout": "10"}, "lock_timeout"),
    (GremlinGraphStore, {**GREMLIN, "pool_size": 0}, "pool_size"),
    (GremlinGraphStore, {**GREMLIN, "endpoint": "https://a"}, "endpoint"),
    (GremlinGraphStore, {**GREMLIN, "verify_tls": "no"}, "verify_tls"),
    (CosmosDocumentStore, {**COSMOS, "consistency_level": "Sometimes"}, "consistency_level"),
    (CosmosDocumentStore, {**COSMOS, "throttle_retries": 0}, "throttle_retries"),
    (AzureSearchBackend, {**AZURE_SEARCH, "retries": -1}, "retries"),
    (AzureSearchBackend, {**AZURE_SEARCH, "api_version": "latest"}, "api_version"),
])
def test_a_refused_value_is_named_in_the_one_message_format(backend, options, name):
    with pytest.raises(ImproperlyConfigured) as refused:
        backend(alias="x", **options)

    pattern = rf"{backend.__name__} \(store 'x'\): OPTIONS\['{name}'\] is .+, not {re.escape(repr(options[name]))}\."
    assert re.fullmatch(pattern, str(refused.value))


def test_unknown_and_missing_keys_use_the_same_prefix():
    with pytest.raises(ImproperlyConfigured, match=r"^SQLiteGraphStore \(store 'x'\): does not accept .*'busy'"):
        SQLiteGraphStore(alias="x", path="g.sqlite3", busy=1)
    with pytest.raises(ImproperlyConfigured, match=r"^SQLiteGraphStore \(store 'x'\): needs .*'path'"):
        SQLiteGraphStore(alias="x")


def test_accepted_values_reach_the_backend(tmp_path):
    store = SQLiteGraphStore(alias="x", path=tmp_path / "g.sqlite3", timeout=0.5)

    assert store.options["timeout"] == 0.5 and store.path == Path(tmp_path / "g.sqlite3")


@pytest.mark.parametrize("rule, value, accepted", [
    (whole(least=1), 1, True),
    (whole(least=1), 0, False),
    (whole(), True, False),
    (whole(), 1.0, False),
    (whole(nullable=True), None, True),
    (whole(), None, False),
    (seconds(), 0.25, True),
    (seconds(), False, False),
    (one_of("a", "b"), "b", True),
    (one_of("a", "b"), "c", False),
    (Rule("a flag", (bool,)), True, True),
])
def test_rules_check_type_range_and_choices(rule, value, accepted):
    assert rule.accepts(value) is accepted
