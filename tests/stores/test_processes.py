"""A forked child builds its own clients and connections (apps/stores/processes.py), with real forks.

Each test forks with os.fork(); the child runs one check and leaves with
os._exit(): status 0 when the check held, 1 when it did not, 2 when it
raised. The parent asserts the status, then that its own clients still work.
"""
import os
import signal
import threading
import traceback
from functools import cached_property

import pytest

from apps.stores import StoreHandler
from apps.stores.base import StoreBackend
from apps.stores.documents import Container
from apps.stores.exceptions import InvalidStoreBackendError
from apps.stores.documents.sqlite import SQLiteDocumentStore
from apps.stores.graph.gremlin import GremlinGraphStore
from apps.stores.graph.sqlite import SQLiteGraphStore
from apps.stores.search import IndexDefinition
from apps.stores.search.azure import AzureSearchBackend
from apps.stores.search.index import IndexedField
from apps.stores.search.tantivy import TantivySearchBackend

CHILD_SECONDS = 10
THINGS = Container("fork-things", "/pk")
NOTES = IndexDefinition("fork-notes", fields=(IndexedField("title", "text", searchable=True),))


def exit_status_of_forked(check):
    """Run ``check()`` in a forked child; its exit status (0 held, 1 did not, 2 raised,
    -SIGALRM when it hung on a lock inherited held)."""
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        status = 2
        try:
            signal.alarm(CHILD_SECONDS)
            status = 0 if check() else 1
        except BaseException:  # noqa: BLE001 - reported, then the status says it raised
            traceback.print_exc()
        finally:
            os._exit(status)
    _, wait_status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(wait_status)


# -- the SQLite document store ------------------------------------------------------------
def test_a_forked_child_opens_its_own_sqlite_connection_and_leaves_the_parents_open(tmp_path):
    store = SQLiteDocumentStore(path=str(tmp_path / "documents.sqlite3"))
    store.create(THINGS, {"id": "from-parent", "pk": "p"})
    parent_connection = store._db()

    def child():
        child_connection = store._db()
        store.create(THINGS, {"id": "from-child", "pk": "p"})
        seen = store.get(THINGS, "from-parent", "p")["id"]
        return child_connection is not parent_connection and seen == "from-parent"

    assert exit_status_of_forked(child) == 0
    assert store._db() is parent_connection
    assert store.get(THINGS, "from-child", "p")["id"] == "from-child"
    store.close()


def test_a_store_lock_held_at_the_fork_is_free_in_the_child(tmp_path):
    store = SQLiteDocumentStore(path=str(tmp_path / "documents.sqlite3"))
    store.create(THINGS, {"id": "1", "pk": "p"})

    with store._lock:  # held by the parent while it forks, as another thread of it might
        status = exit_status_of_forked(lambda: store._lock.acquire(timeout=5))

    assert status == 0
    store.close()


def test_the_handler_lock_held_at_the_fork_is_free_in_the_child(tmp_path):
    stores = StoreHandler({"documents": {
        "BACKEND": "apps.stores.documents.sqlite.SQLiteDocumentStore",
        "OPTIONS": {"path": str(tmp_path / "documents.sqlite3")},
    }})
    parent_store = stores["documents"]

    def child():
        store = stores["documents"]  # takes the handler's lock only for a new alias, so ask for one
        try:
            stores["missing"]
        except InvalidStoreBackendError:
            pass  # the alias is not configured: reaching this line past the lock is the point
        return store is parent_store and store.get(THINGS, "1", "p")["id"] == "1"

    parent_store.create(THINGS, {"id": "1", "pk": "p"})
    with stores._lock:
        status = exit_status_of_forked(child)

    assert status == 0
    stores.close_all()


# -- every backend that runs here ------------------------------------------------------
def sqlite_documents(tmp_path):
    return SQLiteDocumentStore(path=str(tmp_path / "documents.sqlite3")), lambda s: s.upsert(
        THINGS, {"id": "1", "pk": "p"})


def sqlite_graph(tmp_path):
    return SQLiteGraphStore(path=str(tmp_path / "graph.sqlite3")), lambda s: s.upsert_vertex("a", "user")


def tantivy(tmp_path):
    def use(store):
        store.index_documents(NOTES, [{"id": "1", "title": "forked"}])
        assert store.search(NOTES, "forked").ids == ["1"]
    return TantivySearchBackend(path=str(tmp_path / "search")), use


def gremlin(tmp_path):
    # The client is built without connecting, so no server is needed to build one.
    store = GremlinGraphStore(endpoint="ws://127.0.0.1:9/gremlin", username="/dbs/d/colls/g", key="a2V5")
    return store, lambda s: s.client


def azure_search(tmp_path):
    store = AzureSearchBackend(endpoint="https://search.invalid", key="a2V5")
    return store, lambda s: (s.index_client, s._client("fork-notes"))


@pytest.mark.parametrize("make", [sqlite_documents, sqlite_graph, tantivy, gremlin, azure_search],
                         ids=["sqlite documents", "sqlite graph", "tantivy", "gremlin", "azure search"])
def test_a_forked_child_forgets_every_client_it_inherited_and_builds_its_own(tmp_path, make):
    store, use = make(tmp_path)
    use(store)
    names = type(store).per_process
    inherited = {name: store.__dict__.get(name) for name in names}

    def child():
        forgot = all(name not in store.__dict__ for name in names)
        use(store)
        built = {name: store.__dict__.get(name) for name in names}
        return forgot and all(built[name] is not None and built[name] is not inherited[name] for name in names)

    assert names and all(value is not None for value in inherited.values())
    assert exit_status_of_forked(child) == 0
    assert all(store.__dict__.get(name) is value for name, value in inherited.items())
    store.close()


# -- the declaration --------------------------------------------------------------------
def test_per_process_names_only_cached_properties():
    with pytest.raises(TypeError, match="'connection'.*not a cached_property"):
        type("Declared", (StoreBackend,), {"per_process": ("connection",), "connection": None})


def test_close_drops_what_per_process_names_and_the_next_use_builds_it_again():
    class Counting(StoreBackend):
        per_process = ("client",)
        built = 0

        @cached_property
        def client(self):
            Counting.built += 1
            return threading.Event()

        def close(self):
            self._drop_per_process()

    store = Counting()
    first = store.client
    store.close()

    assert store.client is not first and Counting.built == 2
