"""The POLYGLOT_STORES registry: loading by dotted path, options, overrides."""
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from apps.stores import StoreHandler, stores
from apps.stores.base import StoreBackend
from apps.stores.exceptions import InvalidStoreBackendError


class RecordingStore(StoreBackend):
    kind = "test"
    default_options = {"colour": "blue"}
    required_options = ("path",)


BACKEND = "tests.stores.test_registry.RecordingStore"


def test_backend_is_loaded_by_dotted_path_with_its_options():
    handler = StoreHandler({"things": {"BACKEND": BACKEND, "OPTIONS": {"path": "/tmp/x"}}})

    store = handler["things"]

    assert isinstance(store, RecordingStore)
    assert store.alias == "things"
    assert store.options == {"path": "/tmp/x", "colour": "blue"}


def test_one_instance_per_alias():
    handler = StoreHandler({"things": {"BACKEND": BACKEND, "OPTIONS": {"path": "/tmp/x"}}})

    assert handler["things"] is handler["things"]


def test_bad_backend_path_names_the_path():
    handler = StoreHandler({"things": {"BACKEND": "apps.stores.nowhere.MissingStore"}})

    with pytest.raises(InvalidStoreBackendError, match=r"apps\.stores\.nowhere\.MissingStore") as caught:
        handler["things"]

    assert isinstance(caught.value, ImproperlyConfigured)
    assert isinstance(caught.value.__cause__, ImportError)


def test_unknown_option_is_refused_by_name():
    handler = StoreHandler({"things": {"BACKEND": BACKEND, "OPTIONS": {"path": "/x", "colour": "red", "sise": 3}}})

    with pytest.raises(ImproperlyConfigured, match="'sise'"):
        handler["things"]


def test_missing_required_option_is_named():
    handler = StoreHandler({"things": {"BACKEND": BACKEND, "OPTIONS": {}}})

    with pytest.raises(ImproperlyConfigured, match="'path'"):
        handler["things"]


def test_unknown_alias_lists_the_configured_ones():
    handler = StoreHandler({"things": {"BACKEND": BACKEND, "OPTIONS": {"path": "/x"}}})

    with pytest.raises(InvalidStoreBackendError, match="'graph'.*things"):
        handler["graph"]


def test_unknown_top_level_key_is_refused():
    handler = StoreHandler({"things": {"BACKEND": BACKEND, "OPTION": {"path": "/x"}}})

    with pytest.raises(InvalidStoreBackendError, match="OPTION"):
        handler["things"]


def test_override_settings_swaps_the_backend_and_restores_it():
    before = stores["search"]
    override = {"search": {"BACKEND": BACKEND, "OPTIONS": {"path": "/tmp/override"}}}

    with override_settings(POLYGLOT_STORES=override):
        inside = stores["search"]
        assert isinstance(inside, RecordingStore)
        assert inside.options["path"] == "/tmp/override"

    after = stores["search"]
    assert not isinstance(after, RecordingStore)
    assert type(after) is type(before)


def test_the_default_accessors_are_the_configured_stores(settings, tmp_path):
    from apps.stores import documents, graph, search, stores

    assert documents.get.__self__ is stores["documents"]
    assert graph.kind == "graph" and search.kind == "search" and documents.alias == "documents"
    settings.POLYGLOT_STORES = {
        **settings.POLYGLOT_STORES,
        "graph": {"BACKEND": "apps.stores.graph.sqlite.SQLiteGraphStore", "OPTIONS": {"path": tmp_path / "g.db"}},
    }
    graph.upsert_vertex("a", "user")
    assert stores["graph"].path == tmp_path / "g.db" and graph.get_vertex("a").label == "user"


def test_the_accessors_keep_the_packages_names_and_dotted_paths(monkeypatch):
    import apps.stores
    from apps.stores import documents, search
    from apps.stores.documents.sqlite import SQLiteDocumentStore
    from apps.stores.search.tantivy import TantivySearchBackend

    assert documents.DocumentStore.__name__ == "DocumentStore"
    assert apps.stores.documents.sqlite.SQLiteDocumentStore is SQLiteDocumentStore
    assert search.tantivy.TantivySearchBackend is TantivySearchBackend
    monkeypatch.setattr("apps.stores.search.tantivy.backend.FACET_TERMS", 7)
    assert apps.stores.search.tantivy.backend.FACET_TERMS == 7
