"""The Azure AI Search backend at the wire.

No emulator of Azure AI Search exists, so these tests check the exact HTTP
requests the backend makes (method, path, api-version, api-key, body) and
feed it realistic answers that the real SDK decodes, through
tests/stores/azure_search_wire.py. The contract suite in
test_search.py cannot run against this backend here.
"""
import math
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured

from apps.stores.exceptions import Conflict, InvalidQuery, NotFound, StoreError, Unavailable
from apps.stores.query import Q
from apps.stores.search.azure import AzureSearchBackend
from apps.stores.search.azure.backend import MAX_TERMS, schema
from .azure_search_wire import (
    AzureSearchWire,
    UnexpectedRequest,
    alias,
    error,
    index_created,
    index_names,
    indexing_results,
    search_results,
    suggestions,
)

from .test_search import GOODS, INDEX, WITH_WORDS, WITHOUT_WORDS

API_VERSION = "2026-04-01"
KEY = "admin-key-for-tests"
ALIAS_ETAG = '"0x8DD0AAA00000001"'
DOCS = "/indexes('contract-goods')/docs"


@pytest.fixture
def wire():
    wire = AzureSearchWire()
    yield wire
    assert wire.answers == [], "scripted answers were left unused"


@pytest.fixture
def azure(wire):
    backend = AzureSearchBackend(alias="test", endpoint=wire.endpoint, key=KEY, retries=2, retry_backoff=0)
    backend.transport = wire.transport
    yield backend
    backend.close()


def index_json(name, definition=INDEX):
    return index_created(schema(definition, name).as_dict())


def assert_request(request, method, path, body=None):
    assert (request.method, request.path) == (method, path)
    assert request.api_version == API_VERSION
    assert request.headers["api-key"] == KEY
    if body is not None:
        assert request.body == body


def actions(request):
    return [(action["@search.action"], action["id"]) for action in request.body["value"]]


# -- options -------------------------------------------------------------------
def test_the_endpoint_and_key_are_required_and_unknown_options_refused():
    with pytest.raises(ImproperlyConfigured, match="key"):
        AzureSearchBackend(alias="t", endpoint="https://x.search.windows.net")
    with pytest.raises(ImproperlyConfigured, match="transport"):
        AzureSearchBackend(alias="t", endpoint="https://x.search.windows.net", key="k", transport=object())
    with pytest.raises(ImproperlyConfigured, match="https"):
        AzureSearchBackend(alias="t", endpoint="x.search.windows.net", key="k")


def test_the_api_version_option_is_sent(wire):
    backend = AzureSearchBackend(alias="t", endpoint=wire.endpoint, key=KEY, api_version="2025-09-01")
    backend.transport = wire.transport
    wire.respond(200, "0")

    backend.count(INDEX)

    assert wire.take()[0].api_version == "2025-09-01"


# -- the index, its schema and its alias ------------------------------------------
def test_ensure_index_creates_the_next_version_from_the_declared_fields_and_points_the_alias(azure, wire):
    wire.respond(404, error("", "Alias 'contract-goods' was not found in service 'polyglot-test'."))
    wire.respond(200, index_names("contract-goods-v1", "contract-goods-v2", "other-v9"))
    wire.respond(201, index_json("contract-goods-v3"))
    wire.respond(201, alias("contract-goods", "contract-goods-v3"))

    azure.ensure_index(INDEX)

    get_alias, list_indexes, put_index, put_alias = wire.take()
    assert_request(get_alias, "GET", "/aliases('contract-goods')")
    assert_request(list_indexes, "GET", "/indexes")
    assert_request(put_index, "PUT", "/indexes('contract-goods-v3')")
    assert_request(put_alias, "PUT", "/aliases('contract-goods')")
    assert put_alias.body == {"name": "contract-goods", "indexes": ["contract-goods-v3"]}
    fields = {field.pop("name"): field for field in put_index.body["fields"]}
    assert fields["id"]["key"] is True and fields["id"]["type"] == "Edm.String"
    assert fields["id"]["filterable"] is True and fields["id"]["sortable"] is True  # scan() pages by key
    assert fields["name"] == {
        "type": "Edm.String", "key": False, "searchable": True, "filterable": True, "facetable": False,
        "sortable": True, "retrievable": True, "analyzer": "standardasciifolding.lucene",
    }
    assert fields["description"]["searchable"] is True and fields["description"]["filterable"] is False
    assert (fields["category"]["type"], fields["category"]["searchable"], fields["category"]["facetable"]) == (
        "Edm.String", False, True)
    assert (fields["tags"]["type"], fields["tags"]["filterable"], fields["tags"]["facetable"]) == (
        "Collection(Edm.String)", True, True)
    assert {name: fields[name]["type"] for name in ("price", "stock", "in_stock", "added")} == {
        "price": "Edm.Double", "stock": "Edm.Int64", "in_stock": "Edm.Boolean", "added": "Edm.DateTimeOffset",
    }
    assert (fields["stock"]["sortable"], fields["stock"]["facetable"]) == (True, False)
    assert put_index.body["scoringProfiles"] == [{"name": "boosts", "text": {"weights": {"name": 3.0}}}]
    assert put_index.body["defaultScoringProfile"] == "boosts"
    assert put_index.body["suggesters"] == [
        {"name": "autocomplete", "searchMode": "analyzingInfixMatching", "sourceFields": ["name"]}
    ]


def test_ensure_index_leaves_a_matching_index_alone(azure, wire):
    wire.respond(200, alias("contract-goods", "contract-goods-v4"))
    wire.respond(200, index_json("contract-goods-v4"))

    azure.ensure_index(INDEX)

    get_alias, get_index = wire.take()
    assert_request(get_alias, "GET", "/aliases('contract-goods')")
    assert_request(get_index, "GET", "/indexes('contract-goods-v4')")


def test_ensure_index_reports_an_index_built_from_another_definition(azure, wire):
    older = INDEX.__class__(INDEX.name, fields=INDEX.fields[:3])
    wire.respond(200, alias("contract-goods", "contract-goods-v4"))
    wire.respond(200, index_json("contract-goods-v4", older))

    with pytest.raises(Unavailable, match="rebuild"):
        azure.ensure_index(INDEX)


# -- writes ----------------------------------------------------------------------
def test_documents_are_uploaded_with_typed_values_and_key_safe_ids(azure, wire):
    wire.respond(200, indexing_results(("p1", 201), ("k=c2hlbGYgMS_DvA==", 201)))

    azure.index_documents(INDEX, [
        {**GOODS[0], "price": Decimal("1.50"), "secret": "dropped"},
        {"id": "shelf 1/ü", "name": "Shelf", "added": "2024-03-01T12:00:00+01:00", "tags": "single"},
    ])

    (upload,) = wire.take()
    assert_request(upload, "POST", f"{DOCS}/search.index")
    first, second = upload.body["value"]
    assert first == {
        "@search.action": "upload", "id": "p1", "name": "Red apple", "description": "A crisp fruit from the orchard",
        "category": "fruit", "tags": ["fresh", "sale"], "price": 1.5, "stock": 30, "in_stock": True,
        "added": "2024-01-05T10:00:00Z",
    }
    assert second == {
        "@search.action": "upload", "id": "k=c2hlbGYgMS_DvA==", "name": "Shelf",
        "added": "2024-03-01T11:00:00Z", "tags": ["single"],
    }


def test_a_207_answer_resends_only_the_failed_documents_until_they_succeed(azure, wire):
    wire.respond(207, indexing_results(("p1", 201), ("p2", 503), ("p3", 422, "Index is being updated"), ("p4", 200)))
    wire.respond(207, indexing_results(("p2", 201), ("p3", 409, "Version conflict")))
    wire.respond(200, indexing_results(("p3", 201)))

    azure.index_documents(INDEX, GOODS[:4])

    first, second, third = wire.take()
    assert actions(first) == [("upload", "p1"), ("upload", "p2"), ("upload", "p3"), ("upload", "p4")]
    assert actions(second) == [("upload", "p2"), ("upload", "p3")]
    assert actions(third) == [("upload", "p3")]
    assert third.body["value"][0]["name"] == "Apple pie"


def test_documents_that_keep_failing_are_unavailable_after_the_retries(azure, wire):
    wire.respond(207, indexing_results(("p1", 201), ("p2", 503)))
    wire.respond(207, indexing_results(("p2", 503)), times=2)

    with pytest.raises(Unavailable, match=r"1 documents were not written .*'p2'"):
        azure.index_documents(INDEX, GOODS[:2])
    assert len(wire.take()) == 3


def test_a_document_the_service_refuses_is_invalid_and_not_retried(azure, wire):
    wire.respond(207, indexing_results(("p1", 201), ("p2", 400, "The value of field 'stock' is not an Int64.")))

    with pytest.raises(InvalidQuery, match="'p2'.*stock"):
        azure.index_documents(INDEX, GOODS[:2])
    assert len(wire.take()) == 1


def test_a_503_is_retried_by_the_sdk_then_reported_unavailable(azure, wire):
    wire.respond(503, error("ServiceUnavailable", "The service is too busy."), times=3)

    with pytest.raises(Unavailable, match="503"):
        azure.index_documents(INDEX, GOODS[:1])

    sent = wire.take()
    assert len(sent) == 3  # the first try and two retries
    assert all(actions(request) == [("upload", "p1")] for request in sent)


def test_a_503_then_a_success_is_a_success(azure, wire):
    wire.respond(503, error("ServiceUnavailable", "The service is too busy."))
    wire.respond(200, indexing_results(("p1", 201)))

    azure.index_documents(INDEX, GOODS[:1])

    assert len(wire.take()) == 2


def test_large_writes_go_in_batches_of_a_thousand(azure, wire):
    many = [{"id": f"d{n}", "name": "Box"} for n in range(2500)]
    for start, end in ((0, 1000), (1000, 2000), (2000, 2500)):
        wire.respond(200, indexing_results(*[(f"d{n}", 201) for n in range(start, end)]))

    azure.index_documents(INDEX, many)

    assert [len(request.body["value"]) for request in wire.take()] == [1000, 1000, 500]


def test_deletes_send_delete_actions_by_key(azure, wire):
    wire.respond(200, indexing_results(("p1", 200), ("k=bm8vcGU=", 200)))

    azure.delete_documents(INDEX, ["p1", "no/pe"])

    (request,) = wire.take()
    assert_request(request, "POST", f"{DOCS}/search.index")
    assert request.body == {
        "value": [{"@search.action": "delete", "id": "p1"}, {"@search.action": "delete", "id": "k=bm8vcGU="}]
    }


# -- errors ------------------------------------------------------------------------
@pytest.mark.parametrize("status, raised", [
    (404, NotFound), (400, InvalidQuery), (429, Unavailable), (403, StoreError),
])
def test_service_errors_become_the_stores_errors(azure, wire, status, raised):
    wire.respond(status, error("Code", "Something about the request."))

    with pytest.raises(raised):
        azure.search(INDEX, "apple")
    assert len(wire.take()) == 1  # a search is a POST: azure-core retries only its 500, 503 and 504


def test_a_refused_connection_is_retried_then_unavailable(azure, wire):
    wire.refuse(times=3)

    with pytest.raises(Unavailable, match="cannot be reached"):
        azure.count(INDEX)
    assert len(wire.take()) == 3


def test_an_unexpected_request_fails_the_test_where_it_happens(azure):
    with pytest.raises(UnexpectedRequest):
        azure.count(INDEX)


# -- search ------------------------------------------------------------------------
def test_search_sends_escaped_text_the_filter_facets_sort_and_page(azure, wire):
    wire.respond(200, search_results(
        [{"id": "p3", "name": "Apple pie", "description": None, "category": "bakery", "tags": ["sale"],
          "price": 7.25, "@search.score": 2.5, "@search.highlights": {"name": ["\ue000Apple\ue001 <pie> & co"]}}],
        count=11,
        facets={"category": [{"value": "fruit", "count": 2}, {"value": "bakery", "count": 9}],
                "in_stock": [{"value": False, "count": 1}, {"value": True, "count": 10}]},
    ))

    results = azure.search(
        INDEX, 'apple "pie" -(crust)', where=Q(category__in=["bakery", "fr'uit"]) & Q(price__lte=10),
        facets=["category", "in_stock"], order_by=["-price", "name"], page=3, page_size=5, highlight=True,
    )

    (request,) = wire.take()
    assert_request(request, "POST", f"{DOCS}/search.post.search")
    assert request.body == {
        "search": 'apple \\"pie\\" \\-\\(crust\\)',
        "queryType": "simple",
        "searchMode": "all",
        "searchFields": "name,description",
        "filter": "(search.in(category, 'bakery|fr''uit', '|')) and (price le 10.0)",
        "facets": ["category,count:100", "in_stock,count:100"],
        "orderby": "price desc,name asc",
        "skip": 10,
        "top": 5,
        "count": True,
        "highlight": "name,description",
        "highlightPreTag": "\ue000",
        "highlightPostTag": "\ue001",
    }
    assert results.total == 11
    (hit,) = results.hits
    assert hit.id == "p3"
    assert hit.document == {"id": "p3", "name": "Apple pie", "category": "bakery", "tags": ["sale"], "price": 7.25}
    assert hit.highlights == {"name": ["<em>Apple</em> &lt;pie&gt; &amp; co"]}
    assert results.facets == {
        "category": [{"value": "bakery", "count": 9}, {"value": "fruit", "count": 2}],
        "in_stock": [{"value": True, "count": 10}, {"value": False, "count": 1}],
    }


def test_relevance_order_keeps_the_scores_and_encoded_ids_come_back_whole(azure, wire):
    wire.respond(200, search_results([{"id": "k=c2hlbGYgMS_DvA==", "name": "Shelf", "@search.score": 4.25}], count=1))

    results = azure.search(INDEX, "shelf")

    assert [(hit.id, hit.score, hit.document) for hit in results.hits] == [
        ("shelf 1/ü", 4.25, {"id": "shelf 1/ü", "name": "Shelf"})
    ]
    assert "orderby" not in wire.take()[0].body


def test_blank_text_lists_everything_without_searching_fields(azure, wire):
    wire.respond(200, search_results([], count=0))

    azure.search(INDEX, "   ")

    body = wire.take()[0].body
    assert body["search"] == "*"
    assert "searchFields" not in body and "highlight" not in body and "filter" not in body


def test_text_of_punctuation_only_matches_nothing_without_a_request(azure, wire):
    results = azure.search(INDEX, "*:* ((( ''' \\", facets=["category"])

    assert (results.total, results.hits, results.facets) == (0, [], {"category": []})
    assert wire.take() == []


def escaped_everywhere(query):
    """Every character but letters, digits and spaces follows a backslash."""
    position = 0
    while position < len(query):
        char = query[position]
        if char == "\\":
            position += 2
            continue
        if not (char.isalnum() or char == " "):
            return False
        position += 1
    return True


@pytest.mark.parametrize("text", WITH_WORDS, ids=range(len(WITH_WORDS)))
def test_hostile_text_reaches_the_service_only_as_escaped_words(azure, wire, text):
    wire.respond(200, search_results([], count=0))

    azure.search(INDEX, text, where=Q(price__gte=0), facets=["category"], highlight=True)

    [sent] = wire.take()
    query = sent.body["search"]
    assert escaped_everywhere(query)
    assert 1 <= len(query.split(" ")) <= MAX_TERMS
    assert sent.body["queryType"] == "simple"


@pytest.mark.parametrize("text", WITHOUT_WORDS, ids=range(len(WITHOUT_WORDS)))
def test_hostile_text_without_words_matches_nothing_without_a_request(azure, wire, text):
    results = azure.search(INDEX, text, where=Q(price__gte=0), facets=["category"], highlight=True)

    assert (results.total, results.hits, results.facets) == (0, [], {"category": []})
    assert wire.take() == []


@pytest.mark.parametrize("value, expected", [
    ("' or 1 eq 1", "category eq ''' or 1 eq 1'"),
    ("fruit') or (true", "category eq 'fruit'') or (true'"),
    ("日本語 🍎", "category eq '日本語 🍎'"),
    ("", "category eq ''"),
])
def test_filter_values_are_quoted_with_quotes_doubled(azure, wire, value, expected):
    wire.respond(200, search_results([], count=0))

    azure.search(INDEX, where=Q(category=value))

    assert wire.take()[0].body["filter"] == expected


def test_a_string_for_a_number_never_reaches_the_filter(azure, wire):
    with pytest.raises(InvalidQuery, match="not a valid float"):
        azure.search(INDEX, where=Q(price="1 or true"))
    assert wire.take() == []


def test_negative_zero_and_microseconds_reach_the_service_as_the_contract_keeps_them(azure, wire):
    wire.respond(200, indexing_results(("z", 201)))
    wire.respond(200, search_results([], count=0))

    azure.index_documents(INDEX, [{"id": "z", "price": -0.0, "added": "2024-05-01T10:00:00.7+00:00"}])
    azure.search(INDEX, where=Q(price=-0.0) & Q(added__gt="2024-05-01T10:00:00.5Z"))

    upload, search = wire.take()
    [document] = upload.body["value"]
    assert math.copysign(1, document["price"]) == 1.0
    assert document["added"] == "2024-05-01T10:00:00.700000Z"
    assert search.body["filter"] == "(price eq 0.0) and (added gt 2024-05-01T10:00:00.500000Z)"


def test_a_date_outside_years_1_to_9999_in_utc_never_reaches_the_service(azure, wire):
    with pytest.raises(InvalidQuery):
        azure.search(INDEX, where=Q(added__lt="0001-01-01T00:00:00+01:00"))
    with pytest.raises(InvalidQuery):
        azure.index_documents(INDEX, [{"id": "far", "added": "9999-12-31T23:00:00-01:00"}])
    assert wire.take() == []


def test_deep_pages_are_refused_as_azure_would(azure, wire):
    with pytest.raises(InvalidQuery, match="first 100100 hits"):
        azure.search(INDEX, page=5000, page_size=100)
    assert wire.take() == []


# -- scan ------------------------------------------------------------------------------
def test_scan_orders_by_key_and_resumes_after_the_last_key_past_any_skip_window(azure, wire):
    wire.respond(200, search_results([{"id": "a1", "name": "Apple"}, {"id": "k=c2hlbGYgMS_DvA==", "name": None}]))
    wire.respond(200, search_results([{"id": "p9", "name": "Pear"}]))

    scanned = list(azure.scan(INDEX, page_size=2))

    first, second = wire.take()
    assert_request(first, "POST", f"{DOCS}/search.post.search")
    assert first.body == {"search": "*", "orderby": "id asc", "top": 2}
    assert second.body == {"search": "*", "orderby": "id asc", "top": 2, "filter": "id gt 'k=c2hlbGYgMS_DvA=='"}
    assert scanned == [
        ("a1", {"id": "a1", "name": "Apple"}), ("shelf 1/ü", {"id": "shelf 1/ü"}), ("p9", {"id": "p9", "name": "Pear"}),
    ]


def test_a_full_last_page_costs_one_more_request_that_finds_nothing(azure, wire):
    wire.respond(200, search_results([{"id": "a1"}]))
    wire.respond(200, search_results([]))

    assert list(azure.scan_ids(INDEX, page_size=1)) == ["a1"]
    assert [request.body.get("filter") for request in wire.take()] == [None, "id gt 'a1'"]


def test_a_scan_that_fails_midway_raises_the_stores_error(azure, wire):
    wire.respond(200, search_results([{"id": "a1"}]))
    wire.respond(400, error("InvalidRequestParameter", "Invalid expression: 'id' is not sortable."))

    scan = azure.scan_ids(INDEX, page_size=1)

    assert next(scan) == "a1"
    with pytest.raises(InvalidQuery, match="not sortable"):
        next(scan)


# -- suggest and count -----------------------------------------------------------------
def test_suggest_asks_the_suggester_and_ranks_distinct_values_like_tantivy(azure, wire):
    wire.respond(200, suggestions(
        ("Red apple", {"id": "p1"}), ("Apple pie", {"id": "p2"}),
        ("Apple pie", {"id": "p3"}), ("Apple strudel deluxe", {"id": "p4"}),
    ))

    assert azure.suggest(INDEX, "ap*", limit=2) == ["Apple pie", "Apple strudel deluxe"]

    (request,) = wire.take()
    assert_request(request, "POST", f"{DOCS}/search.post.suggest")
    assert request.body == {"search": "ap", "suggesterName": "autocomplete", "top": 100}


def test_suggest_folds_accents_when_ranking(azure, wire):
    wire.respond(200, suggestions(("Tarte crème", {"id": "p5"}), ("Crème brûlée", {"id": "p6"})))

    assert azure.suggest(INDEX, "CRE") == ["Crème brûlée", "Tarte crème"]
    wire.take()


def test_suggest_of_punctuation_sends_nothing(azure, wire):
    assert azure.suggest(INDEX, "*(") == []
    assert wire.take() == []


def test_count_reads_the_documents_count(azure, wire):
    wire.respond(200, "1234")

    assert azure.count(INDEX) == 1234
    assert_request(wire.take()[0], "GET", f"{DOCS}/$count")


# -- rebuild: a new version, then the alias moves ----------------------------------------
def script_rebuild_start(wire, current="contract-goods-v4"):
    wire.respond(200, alias("contract-goods", current, etag=ALIAS_ETAG))
    wire.respond(200, index_names("contract-goods-v3", current))
    wire.respond(201, index_json("contract-goods-v5"))


def test_rebuild_fills_a_new_version_then_moves_the_alias_and_drops_the_old_index(azure, wire):
    script_rebuild_start(wire)
    wire.respond(200, indexing_results(*[(doc["id"], 201) for doc in GOODS[:3]]))
    wire.respond(200, indexing_results(*[(doc["id"], 201) for doc in GOODS[3:]]))
    wire.respond(200, alias("contract-goods", "contract-goods-v5", etag='"0x8DD0AAA00000009"'))
    wire.respond(204)

    assert azure.rebuild(INDEX, iter(GOODS), batch_size=3) == 5

    get_alias, list_indexes, create, fill_1, fill_2, move, drop = wire.take()
    assert_request(get_alias, "GET", "/aliases('contract-goods')")
    assert_request(list_indexes, "GET", "/indexes")
    assert_request(create, "POST", "/indexes")
    assert create.body["name"] == "contract-goods-v5"
    assert_request(fill_1, "POST", "/indexes('contract-goods-v5')/docs/search.index")
    assert actions(fill_1) == [("upload", "p1"), ("upload", "p2"), ("upload", "p3")]
    assert actions(fill_2) == [("upload", "p4"), ("upload", "p5")]
    assert_request(move, "PUT", "/aliases('contract-goods')")
    assert move.body == {"name": "contract-goods", "indexes": ["contract-goods-v5"], "@odata.etag": ALIAS_ETAG}
    assert move.headers["If-Match"] == ALIAS_ETAG
    assert_request(drop, "DELETE", "/indexes('contract-goods-v4')")


def test_a_failed_rebuild_deletes_its_new_index_and_leaves_the_alias(azure, wire):
    script_rebuild_start(wire)
    wire.respond(204)

    def documents():
        yield GOODS[0]
        raise RuntimeError("the home went away")

    with pytest.raises(RuntimeError):
        azure.rebuild(INDEX, documents(), batch_size=10)

    *_, drop = wire.take()
    assert_request(drop, "DELETE", "/indexes('contract-goods-v5')")


def test_a_rebuild_that_loses_the_race_for_the_alias_is_dropped(azure, wire):
    script_rebuild_start(wire)
    wire.respond(200, indexing_results(("p1", 201)))
    wire.respond(412, error("", "The precondition given in one of the request headers evaluated to false."))
    wire.respond(204)

    with pytest.raises(Conflict, match="moved by someone else"):
        azure.rebuild(INDEX, GOODS[:1])

    *_, move, drop = wire.take()
    assert move.method == "PUT"
    assert_request(drop, "DELETE", "/indexes('contract-goods-v5')")


def test_the_first_rebuild_creates_the_alias(azure, wire):
    wire.respond(404, error("", "Alias not found."))
    wire.respond(200, index_names())
    wire.respond(201, index_json("contract-goods-v1"))
    wire.respond(200, indexing_results(("p1", 201)))
    wire.respond(201, alias("contract-goods", "contract-goods-v1"))

    azure.rebuild(INDEX, GOODS[:1])

    *_, create_alias = wire.take()
    assert_request(create_alias, "POST", "/aliases", {"name": "contract-goods", "indexes": ["contract-goods-v1"]})


def test_an_old_index_that_cannot_be_dropped_does_not_undo_the_swap(azure, wire):
    script_rebuild_start(wire)
    wire.respond(200, indexing_results(("p1", 201)))
    wire.respond(200, alias("contract-goods", "contract-goods-v5"))
    wire.respond(404, error("", "No index with the name 'contract-goods-v4' was found."))

    assert azure.rebuild(INDEX, GOODS[:1]) == 1
    assert [request.method for request in wire.take()][-2:] == ["PUT", "DELETE"]


def test_clear_swaps_in_an_empty_new_version(azure, wire):
    script_rebuild_start(wire)
    wire.respond(200, alias("contract-goods", "contract-goods-v5"))
    wire.respond(204)

    azure.clear(INDEX)

    methods = [(request.method, request.path) for request in wire.take()]
    assert methods == [
        ("GET", "/aliases('contract-goods')"), ("GET", "/indexes"), ("POST", "/indexes"),
        ("PUT", "/aliases('contract-goods')"), ("DELETE", "/indexes('contract-goods-v4')"),
    ]

