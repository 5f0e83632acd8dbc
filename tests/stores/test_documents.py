"""The document store contract, run against every backend.

``sqlite`` always runs; ``cosmos`` runs in the services profile against
cosmosdb-server (scripts/cosmosdb-server.js), in a database of its own that
is deleted at the end of the session. Where cosmosdb-server lacks a feature
the test is marked xfail on that backend with the reason; a gap of the
stand-in only (``stand_in_lacks``) is expected only when the server says it
is the stand-in, so the same tests run unchanged against Azure Cosmos DB.
"""
import base64
import datetime
import json
import multiprocessing
import socket
import threading
import uuid

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from apps.stores.documents import Container, declare_container
from apps.stores.documents.base import PatchOperation
from apps.stores.documents.cosmos import CosmosDocumentStore
from apps.stores.documents.sqlite import SQLiteDocumentStore
from apps.stores.exceptions import Conflict, InvalidQuery, NotFound, PreconditionFailed, Unavailable
from apps.stores.query import Condition, Q
from apps.stores.signals import store_operation

# cosmosdb-server serves a self-signed certificate, so the cosmos runs skip TLS checks.
pytestmark = pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")

THINGS = declare_container("test-things", "/pk")
OWNED = declare_container("test-owned", "/owner/id")
INDEXED = declare_container("test-indexed", "/pk", indexes=("price", "stock__count"))

CATALOG = [
    {"id": "a", "pk": "books", "title": "Alpha", "price": 10, "tags": ["sale", "new"],
     "stock": {"count": 3}, "active": True},
    {"id": "b", "pk": "books", "title": "Beta", "price": 20.5, "tags": ["new"], "active": False,
     "note": None},
    {"id": "c", "pk": "games", "title": "Gamma", "price": "10", "tags": "sale-ish", "stock": {"count": 0}},
    {"id": "d", "pk": "games", "title": "alphabet", "price": 5, "active": True},
    {"id": "e", "pk": "music", "title": "Delta", "price": 30, "stock": {"count": 12}},
]

HOSTILE = [
    "it's \"quoted\" `twice`",
    "'; DROP TABLE documents; --",
    '"] OR true --',
    "$.pk') OR 1=1 --",
    "100% _match_ [all]",
    "ünïcödé ✓ 🎉 中文 עברית",
    "line\nbreak\ttab",
]


# -- fixtures ---------------------------------------------------------------
@pytest.fixture(scope="session")
def cosmos_store(local_services):
    """A CosmosDocumentStore on a database of this session's own, deleted at the end."""
    database = f"test-{uuid.uuid4().hex[:12]}"
    options = {**settings.POLYGLOT_STORES["documents"]["OPTIONS"], "database": database}
    store = CosmosDocumentStore(alias="contract-cosmos", **options)
    yield store
    store.client.delete_database(database)
    store.close()


@pytest.fixture(params=["sqlite", pytest.param("cosmos", marks=pytest.mark.services)])
def store(request, tmp_path):
    """An empty document store of each backend."""
    if request.param == "sqlite":
        store = SQLiteDocumentStore(alias="contract-sqlite", path=str(tmp_path / "documents.sqlite3"))
        yield store
        store.close()
        return
    store = request.getfixturevalue("cosmos_store")
    for container in (THINGS, OWNED):
        store.delete_container(container)
        store.ensure_container(container)
    yield store


def talks_to_stand_in(cosmos_store):
    """Whether the store's endpoint is our cosmosdb-server launcher (it says so in a header)."""
    headers = {}
    cosmos_store.client.get_database_account(response_hook=lambda answered, *_: headers.update(answered))
    return headers.get("x-polyglot-stand-in") == "cosmosdb-server"


@pytest.fixture(scope="session")
def cosmos_is_stand_in(cosmos_store):
    return talks_to_stand_in(cosmos_store)


@pytest.fixture
def stand_in_lacks(request):
    """Mark the running test as an expected failure where the Cosmos backend talks to cosmosdb-server."""
    backend = request.node.callspec.params["store"]

    def mark(reason):
        if backend == "cosmos" and request.getfixturevalue("cosmos_is_stand_in"):
            request.applymarker(pytest.mark.xfail(reason=reason, strict=True))

    return mark


@pytest.fixture
def xfail_on(request):
    """Mark the running test as an expected failure on one backend, saying why."""
    backend = request.node.callspec.params["store"]

    def mark(name, reason):
        if backend == name:
            request.applymarker(pytest.mark.xfail(reason=reason, strict=True))

    return mark


@pytest.fixture
def catalog(store):
    store.bulk_upsert("test-things", CATALOG)
    return store


def ids(page):
    return [doc["id"] for doc in page]


def without_store_keys(doc):
    return {k: v for k, v in doc.items() if not k.startswith("_")}


def increment_counter(store, times):
    """Add 1 to the counter document ``times`` times, each under an ETag precondition."""
    for _ in range(times):
        while True:
            current = store.get("test-things", "counter", "c")
            try:
                store.replace("test-things", {**current, "n": current["n"] + 1}, if_match=current["_etag"])
                break
            except PreconditionFailed:
                continue  # another writer won; read again


# -- items ------------------------------------------------------------------
def test_created_document_comes_back_with_etag_and_timestamp(store):
    created = store.create("test-things", {"id": "1", "pk": "p", "name": "lamp"})

    assert without_store_keys(created) == {"id": "1", "pk": "p", "name": "lamp"}
    assert created["_etag"] and isinstance(created["_ts"], int)
    assert store.get("test-things", "1", "p") == created


def test_keys_starting_with_underscore_belong_to_the_store(store):
    created = store.create("test-things", {"id": "1", "pk": "p", "_etag": "forged", "_rid": "x"})

    assert created["_etag"] != "forged"
    assert "_rid" not in store.get("test-things", "1", "p")


def test_create_of_existing_id_in_the_partition_raises_conflict(store):
    store.create("test-things", {"id": "1", "pk": "p", "v": 1})

    with pytest.raises(Conflict):
        store.create("test-things", {"id": "1", "pk": "p", "v": 2})
    assert store.get("test-things", "1", "p")["v"] == 1


def test_same_id_in_another_partition_is_another_document(store):
    store.create("test-things", {"id": "1", "pk": "p", "v": 1})
    store.create("test-things", {"id": "1", "pk": "q", "v": 2})

    assert store.get("test-things", "1", "p")["v"] == 1
    assert store.get("test-things", "1", "q")["v"] == 2


def test_number_and_string_partition_keys_are_different_partitions(store, stand_in_lacks):
    stand_in_lacks('cosmosdb-server indexes documents by the partition key\'s text, so 5 and "5" collide')
    store.create("test-things", {"id": "1", "pk": 5, "v": "number"})
    store.create("test-things", {"id": "1", "pk": "5", "v": "string"})

    assert store.get("test-things", "1", 5)["v"] == "number"
    assert store.get("test-things", "1", "5")["v"] == "string"
    assert ids(store.query("test-things", partition_key=5)) == ["1"]
    assert store.count("test-things", partition_key="5") == 1


def test_get_many_answers_the_documents_found_in_the_partition_and_leaves_out_the_rest(store):
    store.create("test-things", {"id": "1", "pk": "p", "n": 1})
    store.create("test-things", {"id": "2", "pk": "p", "n": 2})
    store.create("test-things", {"id": "3", "pk": "q", "n": 3})  # another partition

    # Five misses: Cosmos DB's batch of reads fails on each, so this also walks its one-by-one fallback.
    found = store.get_many("test-things", "p", ["missing", "1", "3", "2", "other-missing", "1", "gone", "absent"])

    assert sorted(found) == ["1", "2"]
    assert found["2"]["n"] == 2
    assert found["1"]["_etag"] == store.get("test-things", "1", "p")["_etag"]


def test_get_many_reads_a_hundred_documents_and_refuses_more(store):
    store.execute_batch("test-things", "p", [("create", {"id": str(n), "pk": "p"}) for n in range(100)])

    assert len(store.get_many("test-things", "p", [str(n) for n in range(100)])) == 100
    assert store.get_many("test-things", "p", []) == {}
    with pytest.raises(InvalidQuery):
        store.get_many("test-things", "p", [str(n) for n in range(101)])
    with pytest.raises(InvalidQuery):
        store.get_many("test-things", "p", ["..", "1"])


def test_get_of_missing_document_raises_not_found(store):
    store.create("test-things", {"id": "1", "pk": "p"})

    with pytest.raises(NotFound):
        store.get("test-things", "2", "p")
    with pytest.raises(NotFound):
        store.get("test-things", "1", "other-partition")


def test_upsert_inserts_then_replaces_with_a_new_etag(store):
    first = store.upsert("test-things", {"id": "1", "pk": "p", "v": 1})
    second = store.upsert("test-things", {"id": "1", "pk": "p", "v": 2})

    assert second["_etag"] != first["_etag"]
    assert store.get("test-things", "1", "p")["v"] == 2
    assert store.count("test-things") == 1


def test_replace_with_the_current_etag_succeeds(store):
    created = store.create("test-things", {"id": "1", "pk": "p", "v": 1})

    replaced = store.replace("test-things", {"id": "1", "pk": "p", "v": 2}, if_match=created["_etag"])

    assert replaced["_etag"] != created["_etag"]
    assert store.get("test-things", "1", "p") == replaced


def test_replace_of_missing_document_raises_not_found(store):
    with pytest.raises(NotFound):
        store.replace("test-things", {"id": "1", "pk": "p"})
    assert store.count("test-things") == 0


@pytest.mark.parametrize("operation", ["replace", "upsert", "delete"])
def test_stale_etag_is_rejected_with_precondition_failed(store, operation):
    stale = store.create("test-things", {"id": "1", "pk": "p", "v": 1})["_etag"]
    current = store.replace("test-things", {"id": "1", "pk": "p", "v": 2})

    with pytest.raises(PreconditionFailed):
        if operation == "delete":
            store.delete("test-things", "1", "p", if_match=stale)
        else:
            getattr(store, operation)("test-things", {"id": "1", "pk": "p", "v": 3}, if_match=stale)
    assert store.get("test-things", "1", "p") == current


def test_upsert_with_an_etag_creates_a_missing_document_as_cosmos_does(store):
    created = store.upsert("test-things", {"id": "1", "pk": "p"}, if_match="an-etag-of-a-deleted-document")

    assert store.get("test-things", "1", "p") == created


def test_delete_removes_the_document(store):
    created = store.create("test-things", {"id": "1", "pk": "p"})

    store.delete("test-things", "1", "p", if_match=created["_etag"])

    with pytest.raises(NotFound):
        store.get("test-things", "1", "p")
    with pytest.raises(NotFound):
        store.delete("test-things", "1", "p")


def test_nested_partition_key_path_routes_documents(store):
    store.create("test-owned", {"id": "cart", "owner": {"id": "u1"}, "lines": 2})
    store.create("test-owned", {"id": "cart", "owner": {"id": "u2"}, "lines": 5})

    assert store.get("test-owned", "cart", "u1")["lines"] == 2
    assert ids(store.query("test-owned", partition_key="u2")) == ["cart"]
    with pytest.raises(ValueError):
        store.create("test-owned", {"id": "cart", "owner": "u3"})


def test_bulk_upsert_stores_every_document_and_returns_them_in_order(store):
    store.create("test-things", {"id": "0", "pk": "p", "v": "old"})
    documents = [{"id": str(i), "pk": "p" if i % 2 else "q", "v": i} for i in range(30)]

    stored = store.bulk_upsert("test-things", documents)

    assert [without_store_keys(d) for d in stored] == documents
    assert all(d["_etag"] for d in stored)
    assert store.count("test-things") == 31  # "0" in p is another document than "0" in q
    assert store.get("test-things", "7", "p") == stored[7]


def test_delete_container_drops_its_documents(store):
    store.bulk_upsert("test-things", [{"id": str(i), "pk": "p"} for i in range(3)])
    store.create("test-owned", {"id": "keep", "owner": {"id": "u"}})

    store.delete_container("test-things")
    store.ensure_container("test-things")

    assert store.count("test-things") == 0
    assert store.count("test-owned") == 1


# -- queries ----------------------------------------------------------------
@pytest.mark.parametrize(
    "where, expected",
    [
        ({"price": 10}, {"a"}),
        ({"price": "10"}, {"c"}),
        ({"price__ne": 10}, {"b", "d", "e"}),
        ({"price__in": [10, 30]}, {"a", "e"}),
        ({"price__in": ["10", 5]}, {"c", "d"}),
        ({"price__lt": 10}, {"d"}),
        ({"price__lte": 10}, {"a", "d"}),
        ({"price__gt": 20}, {"b", "e"}),
        ({"price__gte": 20.5}, {"b", "e"}),
        ({"title__gt": "B"}, {"b", "c", "d", "e"}),
        ({"title__contains": "lpha"}, {"a", "d"}),
        ({"tags__contains": "sale"}, {"a", "c"}),
        ({"tags__contains": "ale"}, {"c"}),
        ({"tags__contains": "new"}, {"a", "b"}),
        ({"title__startswith": "Al"}, {"a"}),
        ({"title__startswith": "al"}, {"d"}),
        ({"stock__count__gte": 3}, {"a", "e"}),
        ({"stock__count": 0}, {"c"}),
        ({"stock__exists": True}, {"a", "c", "e"}),
        ({"stock__count__exists": False}, {"b", "d"}),
        ({"active": True}, {"a", "d"}),
        ({"active": False}, {"b"}),
        ({"note": None}, {"b"}),
        ({"note__exists": True}, {"b"}),
        ({"id__in": ["a", "e", "zz"]}, {"a", "e"}),
    ],
    ids=lambda value: repr(value) if isinstance(value, dict) else "",
)
def test_each_operator_matches_by_json_type_like_cosmos(catalog, where, expected):
    assert set(ids(catalog.query("test-things", where))) == expected
    assert catalog.count("test-things", where) == len(expected)


@pytest.mark.parametrize(
    "where, expected",
    [
        (Q(pk="books") | Q(price__gte=30), {"a", "b", "e"}),
        (Q(active=True) & Q(price__lt=10), {"d"}),
        (Q(Q(title__startswith="A") | Q(title__startswith="a"), price__lte=10), {"a", "d"}),
        ((Q(pk="games") & Q(price="10")) | (Q(pk="music") & Q(stock__count__gt=10)), {"c", "e"}),
        (Q(Q(price=1), Q(price=2), connector=Q.OR), set()),
        (Q(tags__contains="new", active=False) | Q(tags__contains="sale", price=10), {"a", "b"}),
        (Q(pk="games") & Q(tags__contains="sale"), {"c"}),
        (Q(Q(price__ne=10) | Q(title__startswith="G")) & Q(Q(pk="games") | Q(pk="music")), {"c", "d", "e"}),
        (Q(Q(), Q(pk="music")), {"e"}),
    ],
)
def test_and_or_trees_combine_conditions(catalog, where, expected):
    assert set(ids(catalog.query("test-things", where))) == expected


def test_single_partition_query_sees_only_its_partition(catalog):
    assert set(ids(catalog.query("test-things", partition_key="books"))) == {"a", "b"}
    assert ids(catalog.query("test-things", {"price__lt": 10}, partition_key="books")) == []
    assert set(ids(catalog.query("test-things", {"price__lte": 10}))) == {"a", "d"}
    assert catalog.count("test-things", {"active": True}, partition_key="games") == 1


def test_order_by_one_field_sorts_numbers_before_strings(catalog):
    assert ids(catalog.query("test-things", order_by="price")) == ["d", "a", "b", "e", "c"]
    assert ids(catalog.query("test-things", order_by="-price")) == ["c", "e", "b", "a", "d"]
    assert ids(catalog.query("test-things", order_by="-title")) == ["d", "c", "e", "b", "a"]


def test_order_by_puts_documents_without_the_field_first(catalog, stand_in_lacks):
    stand_in_lacks("cosmosdb-server leaves out documents without the ORDER BY field; Cosmos DB returns them first")

    ordered = ids(catalog.query("test-things", order_by="stock__count"))

    assert set(ordered[:2]) == {"b", "d"} and ordered[2:] == ["c", "a", "e"]


def test_order_by_two_fields(catalog, xfail_on):
    xfail_on("cosmos", "ORDER BY on two fields needs a composite index, which Container does not declare")

    assert ids(catalog.query("test-things", order_by=["pk", "-price"])) == ["b", "a", "c", "d", "e"]


def test_limit_caps_a_page(catalog):
    assert len(catalog.query("test-things", limit=2)) == 2
    with pytest.raises(InvalidQuery):
        catalog.query("test-things", limit=0)


@pytest.mark.parametrize("order_by", [(), "n", "-n"])
@pytest.mark.parametrize("partition_key", [None, "p"])
def test_continuation_pages_through_every_match_once(store, order_by, partition_key):
    store.bulk_upsert("test-things", [{"id": f"{i:02}", "pk": "pq"[i % 2], "n": i % 7} for i in range(23)])
    expected = [f"{i:02}" for i in range(23) if partition_key in (None, "pq"[i % 2])]

    seen, pages, continuation = [], 0, None
    while True:
        page = store.query(
            "test-things", partition_key=partition_key, order_by=order_by, limit=5, continuation=continuation
        )
        assert 0 < len(page) <= 5
        seen += ids(page)
        pages += 1
        continuation = page.continuation
        if continuation is None:
            break

    assert sorted(seen) == expected
    assert pages == -(-len(expected) // 5)
    if order_by:
        values = [int(i) % 7 for i in seen]
        assert values == sorted(values, reverse=order_by.startswith("-"))


@pytest.mark.parametrize("token", ["not a token", "bm9wZQ==", "e30=", "W10=", "", "eyJxIjoxfQ"])
def test_malformed_continuation_raises_invalid_query(catalog, token):
    with pytest.raises(InvalidQuery):
        catalog.query("test-things", limit=1, continuation=token)


def test_continuation_of_another_query_raises_invalid_query(catalog):
    token = catalog.query("test-things", {"active": True}, limit=1).continuation

    with pytest.raises(InvalidQuery):
        catalog.query("test-things", {"active": False}, limit=1, continuation=token)


# -- declared indexes ----------------------------------------------------------
@pytest.fixture
def indexed_catalog(store):
    """The catalog in a container that declares indexes on price and stock.count."""
    store.delete_container(INDEXED)
    store.ensure_container(INDEXED)
    store.bulk_upsert(INDEXED, CATALOG)
    return store


def test_a_declared_index_changes_no_answer(indexed_catalog):
    # given documents whose indexed fields hold numbers, a string that looks like one, or nothing

    # when querying on the indexed fields, then only values of the filter's JSON type match
    assert sorted(ids(indexed_catalog.query(INDEXED, {"price": 10}))) == ["a"]
    assert ids(indexed_catalog.query(INDEXED, {"price__lt": 25}, order_by="price")) == ["d", "a", "b"]
    assert sorted(ids(indexed_catalog.query(INDEXED, {"stock__count__gte": 3}))) == ["a", "e"]
    assert ids(indexed_catalog.query(INDEXED, {"stock__count": 7})) == []


def test_sqlite_filters_on_a_declared_index_through_the_index(tmp_path):
    # given a SQLite store whose container declares an index on stock.count
    store = SQLiteDocumentStore(alias="indexed", path=str(tmp_path / "documents.sqlite3"))
    store.ensure_container(INDEXED)
    documents = [{"id": str(n), "pk": f"p{n % 3}", "stock": {"count": n % 5}} for n in range(30)]
    store.bulk_upsert(INDEXED, documents)
    statements = []
    store._db().set_trace_callback(statements.append)

    # when querying across partitions on that field
    page = store.query(INDEXED, {"stock__count": 3})

    # then SQLite searches the index rather than reading every document of the container
    store._db().set_trace_callback(None)
    select = next(sql for sql in statements if sql.startswith("SELECT body"))
    plan = " ".join(row[-1] for row in store._db().execute("EXPLAIN QUERY PLAN " + select))
    assert "USING INDEX documents_test-indexed_stock__count" in plan
    assert sorted(ids(page), key=int) == [str(n) for n in range(30) if n % 5 == 3]
    store.close()


def test_sqlite_finds_documents_by_id_across_partitions_through_the_id_index(tmp_path):
    # given documents of one container in several partitions
    store = SQLiteDocumentStore(alias="by-id", path=str(tmp_path / "documents.sqlite3"))
    store.ensure_container(INDEXED)
    store.bulk_upsert(INDEXED, [{"id": str(n), "pk": f"p{n % 3}"} for n in range(30)])
    statements = []
    store._db().set_trace_callback(statements.append)

    # when looking up ids without naming their partitions
    page = store.query(INDEXED, {"id__in": ["4", "7", "none"]})

    # then SQLite reads the id index, not every document of the container
    store._db().set_trace_callback(None)
    select = next(sql for sql in statements if sql.startswith("SELECT body"))
    plan = " ".join(row[-1] for row in store._db().execute("EXPLAIN QUERY PLAN " + select))
    assert "USING INDEX documents_by_id" in plan or "USING COVERING INDEX documents_by_id" in plan
    assert sorted(ids(page)) == ["4", "7"]
    store.close()


@pytest.mark.parametrize("indexes", ["price", ("price'); DROP TABLE documents; --",), ("stock.count",), (3,)])
def test_a_container_refuses_indexes_that_are_not_fields(indexes):
    with pytest.raises(ValueError):
        Container("test-bad-index", "/pk", indexes=indexes)


# -- scan -------------------------------------------------------------------
@pytest.mark.parametrize("where, partition_key, expected", [
    (None, None, [f"{i:02}" for i in range(23)]),
    (None, "q", [f"{i:02}" for i in range(23) if i % 2]),
    (Q(n__gte=5), None, [f"{i:02}" for i in range(23) if i % 7 >= 5]),
])
def test_scan_lists_every_matching_document_once_reading_page_by_page(store, where, partition_key, expected):
    store.bulk_upsert("test-things", [{"id": f"{i:02}", "pk": "pq"[i % 2], "n": i % 7} for i in range(23)])
    queries = []

    def receiver(sender, operation, **kwargs):
        queries.append(operation)

    store_operation.connect(receiver)
    try:
        scanned = list(store.scan("test-things", where, partition_key=partition_key, page_size=4))
    finally:
        store_operation.disconnect(receiver)

    assert sorted(ids(scanned)) == expected
    assert all(document["_etag"] for document in scanned)
    assert queries.count("query") >= -(-len(expected) // 4)


def test_scan_of_an_empty_container_yields_nothing(store):
    assert list(store.scan("test-things")) == []


def test_scan_reads_nothing_until_iterated(store):
    scan = store.scan("test-things", page_size=1)
    store.create("test-things", {"id": "late", "pk": "p"})

    assert ids(scan) == ["late"]


@pytest.mark.parametrize("page_size", [0, -1, 1001, True, 2.5, None])
def test_scan_takes_a_page_size_from_1_to_the_largest_page(store, page_size):
    with pytest.raises(InvalidQuery, match="page_size is a whole number from 1 to 1000"):
        store.scan("test-things", page_size=page_size)


def test_count_applies_the_filter(catalog):
    assert catalog.count("test-things") == 5
    assert catalog.count("test-things", Q(price__gte=10) | Q(title__startswith="a")) == 4
    assert catalog.count("test-things", {"price": 999}) == 0


# -- patch ------------------------------------------------------------------
PRODUCT = {
    "id": "lamp", "pk": "p", "title": "Alpha", "price": 10, "ratio": 0.5, "active": True, "note": None,
    "tags": ["new"], "stock": {"count": 3},
}


@pytest.fixture
def product(store):
    return store.create("test-things", PRODUCT)


def patch_counter(store, times):
    """Add 1 to the counter document ``times`` times with an increment patch, no precondition."""
    for _ in range(times):
        store.patch("test-things", "counter", "c", [("increment", "n", 1)])


def test_patch_sets_increments_adds_and_removes_in_one_step(store, product):
    patched = store.patch("test-things", "lamp", "p", [
        ("set", "price", 12.5),
        ("increment", "stock__count", -1),
        ("add", "tags", "sale"),
        ("remove", "note"),
        ("set", "stock__shelf", {"row": "B"}),
    ])

    expected = {**PRODUCT, "price": 12.5, "tags": ["new", "sale"]}
    expected["stock"] = {"count": 2, "shelf": {"row": "B"}}
    del expected["note"]
    assert without_store_keys(patched) == expected
    assert patched["_etag"] != product["_etag"]
    assert store.get("test-things", "lamp", "p") == patched


def test_patch_operations_apply_in_order_and_increment_adds_a_missing_field(store, product):
    patched = store.patch("test-things", "lamp", "p", [
        ("set", "views", 1),
        ("increment", "views", 2),
        ("increment", "likes", 5),
        ("increment", "ratio", 0.25),
    ])

    assert (patched["views"], patched["likes"], patched["ratio"]) == (3, 5, 0.75)


def test_patch_takes_operations_as_dicts_or_patch_operations(store, product):
    patched = store.patch("test-things", "lamp", "p", [
        {"op": "set", "path": "stock__count", "value": 0},
        PatchOperation("add", ("tags",), "clearance"),
    ])

    assert patched["stock"] == {"count": 0} and patched["tags"] == ["new", "clearance"]


@pytest.mark.parametrize(
    "condition, holds",
    [
        ({"price": 10}, True),
        ({"price": "10"}, False),
        ({"price__ne": 10}, False),
        ({"price__in": [1, 10]}, True),
        ({"price__lt": 1e16}, True),
        ({"ratio__gt": 1e-7}, True),
        ({"ratio__lte": -2.5}, False),
        ({"title": "Alpha"}, True),
        ({"title": "alpha"}, False),
        ({"title__startswith": "Al"}, True),
        ({"tags__contains": "new"}, True),
        ({"active": True}, True),
        ({"note": None}, True),
        ({"stock__count__gte": 3}, True),
        ({"stock__count__gte": 4}, False),
        ({"missing__exists": False}, True),
        (Q(price=0) | Q(title__startswith="Al", active=True), True),
        (Q(price=10) & Q(Q(title="Beta") | Q(stock__count__lt=1)), False),
    ],
    ids=repr,
)
def test_patch_condition_matches_as_a_query_filter_does(store, product, condition, holds):
    if holds:
        assert store.patch("test-things", "lamp", "p", [("increment", "n", 1)], condition=condition)["n"] == 1
    else:
        with pytest.raises(PreconditionFailed):
            store.patch("test-things", "lamp", "p", [("increment", "n", 1)], condition=condition)
        assert store.get("test-things", "lamp", "p") == product


@pytest.mark.parametrize("value", HOSTILE + ["x" * 9_999 + "'"])
def test_patch_condition_compares_hostile_values_literally(store, value):
    store.create("test-things", {"id": "1", "pk": "p", "text": value})

    unseen = [("set", "seen", False)]

    assert store.patch("test-things", "1", "p", [("set", "seen", True)], condition={"text": value})["seen"]
    with pytest.raises(PreconditionFailed):
        store.patch("test-things", "1", "p", unseen, condition={"text": value[:-1]})
    with pytest.raises(PreconditionFailed):
        store.patch("test-things", "1", "p", unseen, condition={"text__startswith": value + "?"})
    assert store.get("test-things", "1", "p")["seen"] is True


def test_patch_stores_hostile_values_as_given(store, product):
    patched = store.patch("test-things", "lamp", "p", [("set", "text", HOSTILE), ("add", "tags", HOSTILE[1])])

    assert store.get("test-things", "lamp", "p")["text"] == HOSTILE == patched["text"]
    assert ids(store.query("test-things", {"tags__contains": HOSTILE[1]})) == ["lamp"]


def test_patch_condition_is_tested_on_the_document_of_the_given_partition(store):
    store.create("test-things", {"id": "1", "pk": "p", "state": "sold"})
    store.create("test-things", {"id": "1", "pk": "q", "state": "free"})

    with pytest.raises(PreconditionFailed):
        store.patch("test-things", "1", "p", [("set", "state", "reserved")], condition={"state": "free"})
    assert store.get("test-things", "1", "p")["state"] == "sold"


def test_patch_with_a_stale_etag_raises_precondition_failed(store, product):
    current = store.patch("test-things", "lamp", "p", [("set", "price", 11)], if_match=product["_etag"])

    with pytest.raises(PreconditionFailed):
        store.patch("test-things", "lamp", "p", [("set", "price", 12)], if_match=product["_etag"])
    assert store.get("test-things", "lamp", "p") == current


def test_patch_of_a_missing_document_raises_not_found(store, product):
    with pytest.raises(NotFound):
        store.patch("test-things", "lamp", "other-partition", [("set", "price", 1)])
    with pytest.raises(NotFound):
        store.patch("test-things", "nothing", "p", [("set", "price", 1)], condition={"price": 10})


@pytest.mark.parametrize(
    "operation, condition",
    [
        (("increment", "title", 1), None),
        (("add", "title", "x"), None),
        (("add", "stock", "x"), None),
        (("add", "missing", "x"), None),
        (("add", "stock", "x"), {"price": 10}),
        (("remove", "missing"), None),
        (("set", "missing__child", 1), None),
        (("set", "title__child", 1), None),
    ],
    ids=[
        "increment a string", "add to a string", "add to an object", "add to a missing field",
        "add to an object with a condition", "remove a missing field", "set under a missing field",
        "set under a string",
    ],
)
def test_patch_that_does_not_fit_the_document_raises_invalid_query_and_writes_nothing(
    store, product, stand_in_lacks, operation, condition
):
    if operation == ("set", "missing__child", 1):
        stand_in_lacks("cosmosdb-server sets a field under a missing parent on the parent's parent instead")
    with pytest.raises(InvalidQuery):
        store.patch("test-things", "lamp", "p", [("set", "price", 99), operation], condition=condition)
    assert store.get("test-things", "lamp", "p") == product


@pytest.mark.parametrize(
    "operations",
    [
        [("rename", "title", "x")],
        [("set", "na-me", 1)],
        [("set", 'x"] OR true --', 1)],
        [("set", "price__", 1)],
        [("set", "", 1)],
        [PatchOperation("set", ("price", "x/y"), 1)],
        [("increment", "price", "1")],
        [("increment", "price", True)],
        [("set", "price", float("nan"))],
        [("set", "when", datetime.datetime(2024, 1, 1))],
        [("remove", "price", 1)],
        [("set",)],
        [{"op": "set", "path": "price", "value": 1, "from": "x"}],
        [("set", "id", "other")],
        [("set", "pk", "other")],
        [],
        [("increment", "n", 1)] * 11,
        ("set", "price", 1),
        {"op": "set", "path": "price", "value": 1},
    ],
    ids=[
        "unknown operation", "dash", "hostile path", "empty segment", "empty path", "slash in segment",
        "increment by a string", "increment by a bool", "nan", "datetime", "remove with a value",
        "no path", "unknown key", "id", "partition key", "no operation", "eleven operations",
        "not a list", "a dict",
    ],
)
def test_malformed_patch_raises_invalid_query_and_writes_nothing(store, product, operations):
    with pytest.raises(InvalidQuery):
        store.patch("test-things", "lamp", "p", operations)
    assert store.get("test-things", "lamp", "p") == product


def test_patch_cannot_change_a_nested_partition_key(store):
    store.create("test-owned", {"id": "cart", "owner": {"id": "u1", "name": "Ann"}, "lines": 2})

    for path in ("owner", "owner__id"):
        with pytest.raises(InvalidQuery):
            store.patch("test-owned", "cart", "u1", [("set", path, "u2")])
    patched = store.patch("test-owned", "cart", "u1", [("set", "owner__name", "Bo")])
    assert patched["owner"] == {"id": "u1", "name": "Bo"}


@pytest.mark.parametrize(
    "condition",
    [
        Q(Condition(("price",), "regex", ".*")),
        Q(Condition(('x"] OR true --',), "eq", 1)),
        {"title__contains": 5},
    ],
    ids=["unknown operator", "hostile field", "contains number"],
)
def test_malformed_patch_condition_raises_invalid_query(store, product, condition):
    with pytest.raises(InvalidQuery):
        store.patch("test-things", "lamp", "p", [("set", "price", 1)], condition=condition)
    assert store.get("test-things", "lamp", "p") == product


def test_conditional_decrement_reserves_the_last_item_once(store):
    store.create("test-things", {"id": "stock", "pk": "p", "count": 1})
    reserve = [("increment", "count", -1)]

    store.patch("test-things", "stock", "p", reserve, condition={"count__gte": 1})
    with pytest.raises(PreconditionFailed):
        store.patch("test-things", "stock", "p", reserve, condition={"count__gte": 1})
    assert store.get("test-things", "stock", "p")["count"] == 0


def in_threads(target, *args, count=4):
    """Run ``target(*args)`` on ``count`` threads at once and wait for them all."""
    threads = [threading.Thread(target=target, args=args) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_concurrent_patches_lose_no_increment(store):
    store.create("test-things", {"id": "counter", "pk": "c", "n": 0})

    in_threads(patch_counter, store, 10)

    assert store.get("test-things", "counter", "c")["n"] == 40


# -- transactional batches ----------------------------------------------------
def test_batch_applies_its_operations_in_order_and_returns_their_results(store):
    old = store.create("test-things", {"id": "old", "pk": "p", "v": 1})
    store.create("test-things", {"id": "gone", "pk": "p"})
    store.create("test-things", {"id": "elsewhere", "pk": "q"})

    results = store.execute_batch("test-things", "p", [
        ("create", {"id": "new", "pk": "p", "v": 1}),
        ("upsert", {"id": "new", "pk": "p", "v": 2}),
        ("replace", {"id": "old", "pk": "p", "v": 2}, {"if_match": old["_etag"]}),
        ("delete", "gone"),
    ])

    assert [without_store_keys(r) if r else r for r in results] == [
        {"id": "new", "pk": "p", "v": 1},
        {"id": "new", "pk": "p", "v": 2},
        {"id": "old", "pk": "p", "v": 2},
        None,
    ]
    assert store.get("test-things", "new", "p") == results[1]
    assert store.get("test-things", "old", "p") == results[2]
    assert sorted(ids(store.query("test-things"))) == ["elsewhere", "new", "old"]


@pytest.mark.parametrize(
    "failing, error",
    [
        (("create", {"id": "taken", "pk": "p"}), Conflict),
        (("replace", {"id": "missing", "pk": "p"}), NotFound),
        (("delete", "taken", {"if_match": "stale"}), PreconditionFailed),
    ],
    ids=["conflict", "not found", "stale etag"],
)
def test_a_failing_batch_operation_applies_none_of_the_batch(store, stand_in_lacks, failing, error):
    stand_in_lacks("cosmosdb-server runs a batch's operations one by one and keeps those before the failure")
    taken = store.create("test-things", {"id": "taken", "pk": "p", "v": 1})

    with pytest.raises(error) as raised:
        store.execute_batch("test-things", "p", [
            ("create", {"id": "first", "pk": "p"}),
            ("upsert", {"id": "taken", "pk": "p", "v": 2}),
            failing,
        ])

    assert raised.value.operation_index == 2
    assert ids(store.query("test-things")) == ["taken"]
    assert store.get("test-things", "taken", "p") == taken


@pytest.mark.parametrize(
    "operations, error",
    [
        ([("create", {"id": "a", "pk": "q"})], ValueError),
        ([("create", {"id": "a", "pk": "p"}), ("upsert", {"id": "b", "pk": 5})], ValueError),
        ([("merge", {"id": "a", "pk": "p"})], InvalidQuery),
        ([("create", {"id": "a", "pk": "p"}, {"if_match": "x"})], InvalidQuery),
        ([("delete", "a", {"when": "now"})], InvalidQuery),
        ([("delete", 5)], InvalidQuery),
        ([["create", {"id": "a", "pk": "p"}]], InvalidQuery),
        ([], InvalidQuery),
        ([("create", {"id": str(i), "pk": "p"}) for i in range(101)], InvalidQuery),
        ([("create", {"id": "a", "pk": "p", "x": {1, 2}})], ValueError),
    ],
    ids=[
        "other partition", "number partition", "unknown operation", "create with etag", "unknown option",
        "number id", "list", "empty", "101 operations", "not json",
    ],
)
def test_malformed_batch_raises_and_writes_nothing(store, operations, error):
    with pytest.raises(error):
        store.execute_batch("test-things", "p", operations)
    assert store.count("test-things") == 0


# -- hostile input ------------------------------------------------------------
@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_values_are_stored_and_matched_literally(store, value):
    store.create("test-things", {"id": "control", "pk": "control", "text": "control", "list": ["control"]})
    doc_id = value if not any(c in value for c in "/\\?#\t\r\n") else "hostile"
    created = store.create("test-things", {"id": doc_id, "pk": value, "text": value, "list": [value]})

    assert store.get("test-things", doc_id, value) == created
    assert ids(store.query("test-things", {"text": value}, partition_key=value)) == [doc_id]
    assert ids(store.query("test-things", {"text__startswith": value})) == [doc_id]
    assert ids(store.query("test-things", {"text__contains": value[1:-1]})) == [doc_id]
    assert ids(store.query("test-things", {"list__contains": value})) == [doc_id]
    assert ids(store.query("test-things", {"text__in": [value, "nothing"]})) == [doc_id]
    assert store.count("test-things") == 2
    store.replace("test-things", {**created, "v": 2}, if_match=created["_etag"])
    store.delete("test-things", doc_id, value)
    assert ids(store.query("test-things")) == ["control"]


def test_backslashes_in_values_are_kept(store):
    value = r"C:\path\to\"file\" \u0041 \\"
    store.create("test-things", {"id": "1", "pk": value, "text": value})

    assert store.get("test-things", "1", value)["text"] == value
    assert ids(store.query("test-things", {"text": value})) == ["1"]


def test_a_10000_character_string_is_stored_and_matched_whole(store):
    long_text = "x" * 9_999 + "y"
    store.create("test-things", {"id": "1", "pk": "p", "text": long_text})

    assert store.get("test-things", "1", "p")["text"] == long_text
    assert ids(store.query("test-things", {"text": long_text})) == ["1"]
    assert ids(store.query("test-things", {"text": "x" * 10_000})) == []
    assert ids(store.query("test-things", {"text__startswith": "x" * 9_999})) == ["1"]


def test_unknown_container_raises_invalid_query(store):
    with pytest.raises(InvalidQuery):
        store.get("no-such-container", "1", "p")
    with pytest.raises(InvalidQuery):
        store.query("no-such-container")


@pytest.mark.parametrize(
    "where",
    [
        Q(Condition(("price",), "regex", ".*")),
        Q(Condition(('x"] OR true --',), "eq", 1)),
        Q(Condition(("price",), "in", "not a list")),
        Q(Condition((), "eq", 1)),
        {"price__": 1},
        {"na-me": 1},
        {"title__contains": 5},
    ],
    ids=[
        "unknown operator", "hostile field", "in without a list", "no field", "empty segment", "dash",
        "contains number",
    ],
)
def test_malformed_filter_raises_invalid_query(store, where):
    with pytest.raises(InvalidQuery):
        store.query("test-things", where)


@pytest.mark.parametrize(
    "document",
    [
        {"id": "1", "pk": "p", "when": datetime.datetime(2024, 1, 1)},
        {"id": "1", "pk": "p", "price": float("nan")},
        {"id": "1", "pk": "p", "tags": {"a", "b"}},
        {"id": "1"},
        {"id": 1, "pk": "p"},
        {"id": "a/b", "pk": "p"},
        {"id": "a\tb", "pk": "p"},
        {"id": "a ", "pk": "p"},
    ],
    ids=[
        "datetime", "nan", "set", "no partition key", "number id", "slash in id", "tab in id",
        "trailing space",
    ],
)
def test_a_document_that_is_not_json_raises_value_error_and_writes_nothing(store, document):
    with pytest.raises(ValueError):
        store.create("test-things", document)
    with pytest.raises(ValueError):
        store.bulk_upsert("test-things", [{"id": "ok", "pk": "p"}, document])
    assert store.count("test-things") == 0


# -- concurrency and metrics -----------------------------------------------------
def test_concurrent_conditional_updates_lose_no_write(store):
    store.create("test-things", {"id": "counter", "pk": "c", "n": 0})

    in_threads(increment_counter, store, 10)

    assert store.get("test-things", "counter", "c")["n"] == 40


def test_every_call_reports_to_the_metrics_signal(store):
    calls = []

    def receiver(sender, **kwargs):
        calls.append(kwargs)

    store_operation.connect(receiver)
    try:
        store.create("test-things", {"id": "1", "pk": "p"})
        with pytest.raises(NotFound):
            store.get("test-things", "2", "p")
    finally:
        store_operation.disconnect(receiver)

    create, get = calls
    assert (create["operation"], create["target"], create["error"]) == ("create", "test-things", None)
    assert (get["operation"], get["error"]) == ("get", "NotFound")
    if isinstance(store, SQLiteDocumentStore):
        assert create["request_charge"] is None
    else:
        assert create["request_charge"] > 0


def test_patch_and_batch_report_to_the_metrics_signal(store, product):
    calls = []

    def receiver(sender, **kwargs):
        calls.append(kwargs)

    store_operation.connect(receiver)
    try:
        store.patch("test-things", "lamp", "p", [("increment", "stock__count", -1)])
        with pytest.raises(PreconditionFailed):
            store.patch("test-things", "lamp", "p", [("set", "price", 1)], condition={"price": 0})
        store.execute_batch("test-things", "p", [("create", {"id": "2", "pk": "p"})])
    finally:
        store_operation.disconnect(receiver)

    patched, refused, batch = calls
    assert [(c["operation"], c["target"], c["error"]) for c in calls] == [
        ("patch", "test-things", None), ("patch", "test-things", "PreconditionFailed"),
        ("execute_batch", "test-things", None),
    ]
    assert all(c["seconds"] > 0 for c in calls)
    if isinstance(store, SQLiteDocumentStore):
        assert patched["request_charge"] is None
    else:
        assert patched["request_charge"] > 0 and refused["request_charge"] > 0 and batch["request_charge"] > 0


def test_unreachable_cosmos_raises_unavailable():
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    key = base64.b64encode(b"not a secret" * 4).decode()
    store = CosmosDocumentStore(endpoint=f"https://127.0.0.1:{port}", key=key, database="x", verify_tls=False)

    with pytest.raises(Unavailable):
        store.get("test-things", "1", "p")


@pytest.mark.parametrize(
    "backend, options",
    [("sqlite", {"path": "x.sqlite3", "pathh": "typo"}), ("cosmos", {"endpoint": "https://h", "key": "k"})],
)
def test_backends_refuse_unknown_or_missing_options(backend, options):
    backend_class = CosmosDocumentStore if backend == "cosmos" else SQLiteDocumentStore

    with pytest.raises(ImproperlyConfigured):
        backend_class(**options)


def test_two_processes_writing_one_sqlite_file_lose_no_write(tmp_path):
    # The forked children inherit a store whose connection was opened here.
    store = SQLiteDocumentStore(path=str(tmp_path / "shared.sqlite3"))
    store.create("test-things", {"id": "counter", "pk": "c", "n": 0})

    fork = multiprocessing.get_context("fork")
    processes = [fork.Process(target=increment_counter, args=(store, 25)) for _ in range(2)]
    for process in processes:
        process.start()
    increment_counter(store, 25)
    for process in processes:
        process.join(timeout=60)

    assert [process.exitcode for process in processes] == [0, 0]
    assert store.get("test-things", "counter", "c")["n"] == 75


def test_two_sqlite_stores_on_one_file_share_documents(tmp_path):
    first = SQLiteDocumentStore(path=str(tmp_path / "shared.sqlite3"))
    second = SQLiteDocumentStore(path=str(tmp_path / "shared.sqlite3"))

    created = first.create(Container("test-things", "/pk"), {"id": "1", "pk": "p"})

    assert second.get("test-things", "1", "p") == created
    first.close()
    assert first.get("test-things", "1", "p") == created  # usable again after close


# -- the contract's rules at the edges of JSON and of the REST path ---------------
@pytest.mark.parametrize("bad_id", [".", "..", "a/b", "a\\b", "a?b", "a#b", "a\x00b", "\ud800"])
def test_ids_the_rest_path_cannot_carry_are_refused_on_every_call(store, product, bad_id):
    calls = [
        lambda: store.get("test-things", bad_id, "p"),
        lambda: store.delete("test-things", bad_id, "p"),
        lambda: store.patch("test-things", bad_id, "p", [("set", "price", 1)]),
        lambda: store.create("test-things", {"id": bad_id, "pk": "p"}),
        lambda: store.upsert("test-things", {"id": bad_id, "pk": "p"}),
        lambda: store.execute_batch("test-things", "p", [("delete", bad_id)]),
    ]
    for call in calls:
        with pytest.raises(InvalidQuery):
            call()
    assert ids(store.query("test-things")) == ["lamp"]


def test_deleting_the_id_dot_dot_leaves_the_container_and_its_documents(store, product):
    with pytest.raises(InvalidQuery):
        store.delete("test-things", "..", "p")

    assert store.get("test-things", "lamp", "p") == product
    assert store.count("test-things") == 1


def test_patch_leaves_the_callers_operations_unchanged_so_a_retry_gives_the_same_result(store, product):
    operations = [("set", "n", {"c": 1}), ("increment", "n__c", 1)]

    first = store.patch("test-things", "lamp", "p", operations)
    second = store.patch("test-things", "lamp", "p", operations)

    assert operations == [("set", "n", {"c": 1}), ("increment", "n__c", 1)]
    assert first["n"] == second["n"] == {"c": 2}


@pytest.mark.parametrize(
    "operation",
    [("increment", "title", 1), ("add", "stock", "x"), ("remove", "missing"), ("set", "title__child", 1)],
    ids=["increment a string", "add to an object", "remove a missing field", "set under a string"],
)
@pytest.mark.parametrize("precondition", ["condition", "if_match"])
def test_a_failed_precondition_is_reported_before_an_operation_that_does_not_fit(
    store, product, operation, precondition
):
    stale = store.patch("test-things", "lamp", "p", [("set", "price", 11)])
    options = {"condition": {"price": 10}} if precondition == "condition" else {"if_match": product["_etag"]}

    with pytest.raises(PreconditionFailed):
        store.patch("test-things", "lamp", "p", [operation], **options)
    assert store.get("test-things", "lamp", "p") == stale


@pytest.mark.parametrize(
    "operations, expected",
    [
        ([("set", "tags", []), ("add", "tags", 1)], [1]),
        ([("set", "tags", ["a"]), ("add", "tags", "b"), ("add", "tags", "c")], ["a", "b", "c"]),
        ([("set", "price", []), ("add", "price", 1)], [1]),
    ],
    ids=["set empty then add", "set then two adds", "a number made an array"],
)
def test_add_sees_the_array_an_earlier_operation_of_the_patch_left(store, product, operations, expected):
    patched = store.patch("test-things", "lamp", "p", operations)

    field = operations[0][1]
    assert patched[field] == expected
    assert store.get("test-things", "lamp", "p")[field] == expected


def test_add_to_an_array_set_inside_a_new_parent_by_the_same_patch(store, product):
    patched = store.patch("test-things", "lamp", "p", [("set", "stock", {"log": []}), ("add", "stock__log", 1)])

    assert patched["stock"] == {"log": [1]}


@pytest.mark.parametrize(
    "operations",
    [
        [("remove", "tags"), ("add", "tags", 1)],
        [("set", "tags", {}), ("add", "tags", 1)],
        [("set", "stock", {}), ("add", "stock__log", 1)],
    ],
    ids=["remove then add", "set an object then add", "set a parent without the array then add"],
)
def test_add_after_an_operation_that_leaves_no_array_raises_invalid_query_and_writes_nothing(
    store, product, operations
):
    with pytest.raises(InvalidQuery):
        store.patch("test-things", "lamp", "p", operations)

    stored = store.get("test-things", "lamp", "p")
    assert stored == product
    assert "-" not in stored


@pytest.mark.parametrize("text", ["a\x00b", "\ud800", "x\udfffy"], ids=["nul", "lone high surrogate", "lone low"])
def test_strings_with_nul_or_a_lone_surrogate_are_refused_at_the_boundary(store, product, text):
    calls = [
        lambda: store.create("test-things", {"id": "n", "pk": "p", "s": text}),
        lambda: store.create("test-things", {"id": "n", "pk": "p", text: 1}),
        lambda: store.create("test-things", {"id": "n", "pk": "p", "deep": [{"s": text}]}),
        lambda: store.upsert("test-things", {"id": "n", "pk": text}),
        lambda: store.bulk_upsert("test-things", [{"id": "n", "pk": "p", "s": text}]),
        lambda: store.query("test-things", {"s": text}),
        lambda: store.query("test-things", {"s__startswith": text}),
        lambda: store.query("test-things", {"s__contains": text}),
        lambda: store.query("test-things", {"s__in": ["a", text]}),
        lambda: store.count("test-things", {"s": text}),
        lambda: store.get("test-things", "lamp", text),
        lambda: store.patch("test-things", "lamp", "p", [("set", "s", text)]),
        lambda: store.patch("test-things", "lamp", "p", [("set", "s", 1)], condition={"title": text}),
    ]
    for call in calls:
        with pytest.raises(InvalidQuery):
            call()
    assert ids(store.query("test-things")) == ["lamp"]
    assert store.get("test-things", "lamp", "p") == product


@pytest.mark.parametrize("number", [2**53 + 1, -(2**53) - 1, 10**30])
def test_integers_outside_plus_minus_2_to_the_53_are_refused(store, product, number):
    calls = [
        lambda: store.create("test-things", {"id": "n", "pk": "p", "n": number}),
        lambda: store.create("test-things", {"id": "n", "pk": "p", "n": {"deep": [number]}}),
        lambda: store.upsert("test-things", {"id": "n", "pk": number}),
        lambda: store.query("test-things", {"n__gt": number}),
        lambda: store.patch("test-things", "lamp", "p", [("set", "n", number)]),
        lambda: store.patch("test-things", "lamp", "p", [("increment", "price", number)]),
    ]
    for call in calls:
        with pytest.raises(InvalidQuery):
            call()
    assert store.get("test-things", "lamp", "p") == product


def test_integers_up_to_2_to_the_53_come_back_exactly(store):
    store.create("test-things", {"id": "n", "pk": "p", "big": 2**53, "small": -(2**53), "mid": 2**53 - 1})

    stored = store.get("test-things", "n", "p")
    assert (stored["big"], stored["small"], stored["mid"]) == (2**53, -(2**53), 2**53 - 1)
    assert ids(store.query("test-things", {"mid": 2**53 - 1})) == ["n"]
    assert ids(store.query("test-things", {"mid": 2**53 - 2})) == []


def forged(token, position):
    """The token with its position replaced, keeping the query it belongs to."""
    state = json.loads(base64.urlsafe_b64decode(token.encode()))
    raw = json.dumps({"q": state["q"], "p": position}).encode()
    return base64.urlsafe_b64encode(raw).decode()


@pytest.mark.parametrize(
    "position", [10**30, 2**63, -1, None, "", True, 1.5, [], {}],
    ids=["huge", "past int64", "negative", "null", "empty", "bool", "float", "list", "object"],
)
def test_a_forged_continuation_position_raises_invalid_query(catalog, position):
    token = catalog.query("test-things", limit=1).continuation

    with pytest.raises(InvalidQuery):
        catalog.query("test-things", limit=1, continuation=forged(token, position))


def test_an_empty_group_is_no_condition_wherever_it_stands(catalog):
    active = ids(catalog.query("test-things", {"active": True}))

    assert ids(catalog.query("test-things", Q(Q(connector=Q.OR), active=True))) == active
    assert ids(catalog.query("test-things", Q(Q(), Q(active=True), connector=Q.OR))) == active
    assert catalog.count("test-things", Q(connector=Q.OR)) == len(CATALOG)
