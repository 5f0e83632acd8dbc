"""In the embedded profile a lock held by another process fails a write within seconds, with
a clear error, instead of holding the request (the profile's LOCK_TIMEOUT_SECONDS)."""
import sqlite3
import time
from contextlib import contextmanager

import pytest
import tantivy
from django.conf import settings
from django.db import OperationalError, connections

from apps.stores import stores
from apps.stores.exceptions import Unavailable
from apps.sync.models import Delivery
from tests.factories import ProductFactory

# What the README promises: a few seconds, not the 20-30 s of SQLite's usual busy timeouts.
FEW_SECONDS = 5.0

pytestmark = pytest.mark.skipif(settings.POLYGLOT_PROFILE != "embedded", reason="the embedded profile's settings")


@contextmanager
def sqlite_write_lock(path):
    """Another connection holds the file's write lock until the block ends."""
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


@contextmanager
def timed():
    started = time.monotonic()
    elapsed = []
    yield elapsed
    elapsed.append(time.monotonic() - started)


def test_the_lock_timeout_is_a_few_seconds():
    assert 0 < settings.LOCK_TIMEOUT_SECONDS < FEW_SECONDS


def test_a_locked_django_database_fails_a_write_within_seconds(tmp_path, django_db_blocker):
    # The test database lives in memory; the same engine and OPTIONS on a file show the real wait.
    default = connections["default"]
    database = type(default)({**default.settings_dict, "NAME": str(tmp_path / "db.sqlite3")}, alias="locked")
    with django_db_blocker.unblock():
        with database.cursor() as cursor:
            cursor.execute("CREATE TABLE item (id INTEGER PRIMARY KEY)")

        with sqlite_write_lock(tmp_path / "db.sqlite3"), timed() as elapsed:
            with pytest.raises(OperationalError, match="database is locked"):
                with database.cursor() as cursor:
                    cursor.execute("INSERT INTO item (id) VALUES (1)")
        database.close()

    assert elapsed[0] < FEW_SECONDS


def test_a_locked_graph_fails_a_write_within_seconds():
    graph = stores["graph"]
    graph.upsert_vertex("user:1", "user")

    with sqlite_write_lock(graph.path), timed() as elapsed:
        with pytest.raises(Unavailable, match="locked"):
            graph.upsert_vertex("user:2", "user")

    assert elapsed[0] < FEW_SECONDS


def test_a_locked_document_store_fails_a_write_within_seconds():
    from apps.stores.documents import declare_container

    declare_container("lock-test", "/pk")
    documents = stores["documents"]
    documents.upsert("lock-test", {"id": "a", "pk": "p"})

    with sqlite_write_lock(documents.path), timed() as elapsed:
        with pytest.raises(Unavailable, match="locked"):
            documents.upsert("lock-test", {"id": "b", "pk": "p"})

    assert elapsed[0] < FEW_SECONDS


@pytest.mark.django_db(transaction=True)
def test_a_product_saved_while_the_search_index_is_locked_answers_within_seconds(clean_stores):
    held = tantivy.Index.open(str(clean_stores["search"].current_folder("products"))).writer(heap_size=15_000_000)
    try:
        with timed() as elapsed:
            product = ProductFactory(name="Brass lamp")  # delivered in-process, right after the commit
    finally:
        held.wait_merging_threads()  # releases the lock

    assert elapsed[0] < FEW_SECONDS
    search = Delivery.objects.get(event__aggregateid=str(product.pk), projection="catalog.product.search")
    assert search.status == "failed" and "locked by another writer" in search.last_error
    assert Delivery.objects.get(event__aggregateid=str(product.pk), projection="catalog.product.document").status == "done"
