"""The search contract, run against every search backend (one fixture parametrized over them).

Backend-specific behaviour (tantivy's single-writer lock, readers in other
processes, generations swapped by a rebuild) is tested at the end. Azure AI
Search has no emulator to run this suite against: its backend is tested at
the wire in test_search_azure_wire.py.
"""
import multiprocessing
import re
import threading
import time

import pytest
from django.core.exceptions import ImproperlyConfigured

from apps.stores.exceptions import Conflict, InvalidQuery, Unavailable
from apps.stores.query import Q
from apps.stores.search import IndexDefinition, declare_index
from apps.stores.search.base import MAX_QUERY_LENGTH
from apps.stores.search.index import IndexedField
from apps.stores.search.tantivy import TantivySearchBackend
from apps.stores.signals import store_operation

INDEX = declare_index(
    IndexDefinition(
        "contract-goods",
        fields=(
            IndexedField(
                "name", "text", searchable=True, boost=3, filterable=True, sortable=True, autocomplete=True
            ),
            IndexedField("description", "text", searchable=True),
            IndexedField("category", "keyword", filterable=True, facet=True),
            IndexedField("tags", "keyword", filterable=True, facet=True, collection=True),
            IndexedField("price", "float", filterable=True, sortable=True, facet=True),
            IndexedField("stock", "int", filterable=True, sortable=True),
            IndexedField("in_stock", "bool", filterable=True, facet=True),
            IndexedField("added", "datetime", filterable=True, sortable=True),
        ),
    )
)

GOODS = [
    {"id": "p1", "name": "Red apple", "description": "A crisp fruit from the orchard", "category": "fruit",
     "tags": ["fresh", "sale"], "price": 1.5, "stock": 30, "in_stock": True,
     "added": "2024-01-05T10:00:00+00:00"},
    {"id": "p2", "name": "Green pear", "description": "Juicy, tastes of apple and honey", "category": "fruit",
     "tags": ["fresh"], "price": 2.0, "stock": 0, "in_stock": False, "added": "2024-02-01T09:00:00+00:00"},
    {"id": "p3", "name": "Apple pie", "description": "Baked every morning", "category": "bakery",
     "tags": ["sale"], "price": 7.25, "stock": 4, "in_stock": True, "added": "2024-03-10T12:00:00+00:00"},
    {"id": "p4", "name": "Crème brûlée", "description": "Caramel custard", "category": "bakery",
     "price": 5.0, "stock": 12, "in_stock": True},
    {"id": "p5", "name": "Walnut bread", "description": "Sourdough with walnuts", "category": "Bakery",
     "tags": [], "price": 3.5, "stock": 7, "in_stock": True},
]


def tantivy_backend(tmp_path, **options):
    return TantivySearchBackend(alias="test", path=str(tmp_path / "search"), **options)


BACKENDS = {"tantivy": tantivy_backend}


@pytest.fixture(params=sorted(BACKENDS))
def search(request, tmp_path):
    backend = BACKENDS[request.param](tmp_path)
    backend.ensure_index(INDEX)
    yield backend
    backend.close()


@pytest.fixture
def goods(search):
    search.index_documents(INDEX, GOODS)
    return search


def ids(results):
    return sorted(results.ids)


# -- indexing ----------------------------------------------------------------
def test_indexed_documents_come_back_whole(goods):
    results = goods.search("contract-goods", page_size=10)

    assert results.total == 5
    assert {hit.id: hit.document for hit in results.hits} == {doc["id"]: doc for doc in GOODS}


# -- scans ---------------------------------------------------------------------
def test_scan_lists_every_document_once_with_its_id(goods):
    scanned = list(goods.scan(INDEX, page_size=2))

    assert sorted(id for id, _ in scanned) == ["p1", "p2", "p3", "p4", "p5"]
    assert {id: document for id, document in scanned} == {doc["id"]: doc for doc in GOODS}


def test_scan_ids_lists_every_id_once(goods):
    assert sorted(goods.scan_ids(INDEX, page_size=1)) == ["p1", "p2", "p3", "p4", "p5"]


def test_scan_of_an_empty_index_yields_nothing(search):
    assert list(search.scan(INDEX)) == []


def test_scan_reads_nothing_until_iterated(search):
    scan = search.scan_ids(INDEX)
    search.index_documents(INDEX, [{"id": "late"}])

    assert list(scan) == ["late"]


def test_scan_reads_one_page_per_request(search):
    search.index_documents(INDEX, [{"id": f"d{n:03}", "stock": n} for n in range(25)])
    reads = []

    def receiver(sender, operation, **kwargs):
        reads.append(operation)

    store_operation.connect(receiver)
    try:
        scanned = list(search.scan_ids(INDEX, page_size=10))
    finally:
        store_operation.disconnect(receiver)

    assert sorted(scanned) == [f"d{n:03}" for n in range(25)]
    assert reads == ["scan"] * 3


def test_a_document_that_stays_is_scanned_once_while_others_come_and_go(goods):
    scan = goods.scan_ids(INDEX, page_size=2)
    first = [next(scan), next(scan)]
    goods.delete_documents(INDEX, [first[0]])
    goods.index_documents(INDEX, [{"id": "a-new"}, {"id": "z-new"}, {**GOODS[4], "name": "Rye bread"}])
    scanned = first + list(scan)

    stayed = {"p1", "p2", "p3", "p4", "p5"} - {first[0]}
    assert all(scanned.count(id) == 1 for id in stayed)
    assert len(scanned) == len(set(scanned))


@pytest.mark.parametrize("page_size", [0, 1001, True, 10.0, None])
def test_scan_takes_a_page_size_from_1_to_1000(search, page_size):
    with pytest.raises(InvalidQuery, match="page_size is a whole number from 1 to 1000"):
        search.scan(INDEX, page_size=page_size)


def test_indexing_the_same_id_replaces_the_document(goods):
    goods.index_documents(INDEX, [{**GOODS[0], "name": "Golden quince"}])

    assert goods.count(INDEX) == 5
    assert goods.search(INDEX, "quince").ids == ["p1"]
    assert goods.search(INDEX, "red").ids == []


def test_the_last_of_two_documents_with_one_id_in_a_batch_wins(search):
    search.index_documents(INDEX, [{"id": "x", "name": "First"}, {"id": "x", "name": "Second"}])

    assert search.count(INDEX) == 1
    assert search.search(INDEX).hits[0].document["name"] == "Second"


def test_fields_the_index_does_not_declare_are_dropped(search):
    search.index_documents(INDEX, [{"id": "x", "name": "Box", "secret": "hunter2"}])

    assert search.search(INDEX).hits[0].document == {"id": "x", "name": "Box"}


def test_a_document_without_a_string_id_is_refused(search):
    with pytest.raises(ValueError):
        search.index_documents(INDEX, [{"id": 7, "name": "Box"}])


def test_a_value_of_the_wrong_type_is_refused_and_nothing_is_written(search):
    with pytest.raises(InvalidQuery, match="stock"):
        search.index_documents(INDEX, [{"id": "a", "name": "Fine"}, {"id": "b", "stock": "plenty"}])

    assert search.count(INDEX) == 0


def test_a_list_for_a_field_not_declared_a_collection_is_refused(search):
    with pytest.raises(InvalidQuery, match="category: a list"):
        search.index_documents(INDEX, [{"id": "x", "category": ["fruit", "bakery"]}])


def test_deleted_documents_are_no_longer_found(goods):
    goods.delete_documents(INDEX, ["p1", "p3", "not-there"])

    assert goods.count(INDEX) == 3
    assert goods.search(INDEX, "apple").ids == ["p2"]


def test_clear_removes_every_document_and_the_index_stays_usable(goods):
    goods.clear(INDEX)

    assert goods.count(INDEX) == 0
    assert goods.search(INDEX).total == 0
    goods.index_documents(INDEX, GOODS[:1])
    assert goods.count(INDEX) == 1


def test_an_undeclared_index_name_is_invalid(search):
    with pytest.raises(InvalidQuery, match="Unknown search index"):
        search.search("no-such-index", "apple")


# -- text --------------------------------------------------------------------
def test_a_match_in_a_boosted_field_ranks_first(search):
    search.index_documents(INDEX, [
        {"id": "in-description", "name": "Plain box", "description": "walnut"},
        {"id": "in-name", "name": "Walnut", "description": "plain box"},
    ])

    assert search.search(INDEX, "walnut").ids == ["in-name", "in-description"]


def test_every_word_of_the_text_must_match(goods):
    assert goods.search(INDEX, "red apple").ids == ["p1"]
    assert ids(goods.search(INDEX, "apple")) == ["p1", "p2", "p3"]


def test_text_matches_regardless_of_case_and_accents(goods):
    assert goods.search(INDEX, "CREME brulee").ids == ["p4"]


def test_a_one_letter_typo_finds_the_word_where_the_backend_matches_fuzzily(goods):
    # A backend without fuzzy matching finds exact words only, as it declares.
    assert goods.search(INDEX, "wallnut").ids == (["p5"] if goods.supports_fuzzy else [])


def test_typos_are_tried_only_when_the_exact_words_find_nothing(search):
    search.index_documents(INDEX, [{"id": "plural", "name": "Walnuts"}, {"id": "singular", "name": "Walnut"}])

    assert search.search(INDEX, "walnut").ids == ["singular"]
    assert ids(search.search(INDEX, "walnutz")) == (["plural", "singular"] if search.supports_fuzzy else [])


def test_blank_text_lists_every_document(goods):
    assert goods.search(INDEX, "   ").total == 5
    assert goods.search(INDEX, None).total == 5


def test_highlights_mark_the_matched_words_as_escaped_html(search):
    search.index_documents(INDEX, [{"id": "x", "name": "<b>Apple</b> & co", "description": "no match here"}])

    hit = search.search(INDEX, "apple", highlight=True).hits[0]

    # A backend without highlights answers the hit without them, as it declares.
    expected = {"name": ["&lt;b&gt;<em>Apple</em>&lt;/b&gt; &amp; co"]} if search.supports_highlights else {}
    assert hit.highlights == expected


def test_no_highlights_unless_asked(goods):
    assert all(hit.highlights == {} for hit in goods.search(INDEX, "apple").hits)


HOSTILE = [
    '"', '"unbalanced', "') or ('", ") OR (1=1", "*:*", "*", "?", "name:apple", "apple AND NOT pear",
    "+apple -pear", "title:(a OR b)^10", "[1 TO 5]", "{a TO z}", "apple~2", "/.*/", "\\", "\\\\\"",
    "x').drop();g.V('", "<script>alert(1)</script>", "🍎 日本語 עברית", "\x00apple", "\u202e\ufeff",
    "a" * MAX_QUERY_LENGTH, "apple " * (MAX_QUERY_LENGTH // 6), "(" * MAX_QUERY_LENGTH,
]



def plain_words(text):
    """The words of ``text`` (letters and digits), without the characters between them."""
    return " ".join(re.findall(r"[^\W_]+", text))


WITH_WORDS = [text for text in HOSTILE if plain_words(text)]
WITHOUT_WORDS = [text for text in HOSTILE if not plain_words(text)]


@pytest.mark.parametrize("text", WITH_WORDS, ids=range(len(WITH_WORDS)))
def test_hostile_text_finds_what_its_plain_words_find(goods, text):
    asked = {"where": Q(price__gte=0), "facets": ["category"], "highlight": True}

    results = goods.search(INDEX, text, **asked)
    plain = goods.search(INDEX, plain_words(text), **asked)

    assert (results.ids, results.total, results.facets) == (plain.ids, plain.total, plain.facets)
    assert goods.suggest(INDEX, text) == goods.suggest(INDEX, plain_words(text))


@pytest.mark.parametrize("text", WITHOUT_WORDS, ids=range(len(WITHOUT_WORDS)))
def test_hostile_text_without_words_finds_nothing(goods, text):
    results = goods.search(INDEX, text, where=Q(price__gte=0), facets=["category"], highlight=True)

    assert (results.ids, results.total) == ([], 0)
    assert goods.suggest(INDEX, text) == []


def test_the_hostile_texts_include_some_with_words_and_some_without():
    assert len(WITH_WORDS) >= 10 and len(WITHOUT_WORDS) >= 5


def test_query_syntax_in_the_text_is_matched_as_plain_words(goods):
    goods.index_documents(INDEX, [{"id": "label", "name": "Label reads name: walnut"}])

    assert goods.search(INDEX, "*:*").ids == []
    assert goods.search(INDEX, "name:walnut").ids == ["label"]
    assert goods.search(INDEX, "apple OR pear").ids == []
    assert goods.search(INDEX, "') or ('").ids == []


def test_unicode_words_are_found(search):
    search.index_documents(INDEX, [{"id": "jp", "name": "Tea 日本語"}, {"id": "he", "name": "Tea עברית"}])

    assert search.search(INDEX, "日本語").ids == ["jp"]
    assert search.search(INDEX, "עברית").ids == ["he"]


def test_text_longer_than_the_limit_is_invalid(search):
    with pytest.raises(InvalidQuery):
        search.search(INDEX, "a" * (MAX_QUERY_LENGTH + 1))


# -- filters -----------------------------------------------------------------
def test_eq_matches_the_exact_value_only(goods):
    assert ids(goods.search(INDEX, where={"category": "bakery"})) == ["p3", "p4"]
    assert goods.search(INDEX, where={"name": "Apple pie"}).ids == ["p3"]
    assert goods.search(INDEX, where={"name": "apple"}).ids == []


def test_eq_on_a_list_field_matches_any_of_its_values(goods):
    assert ids(goods.search(INDEX, where=Q(tags="sale"))) == ["p1", "p3"]


def test_ne_excludes_the_value_and_keeps_documents_without_the_field(goods):
    assert ids(goods.search(INDEX, where=Q(tags__ne="sale"))) == ["p2", "p4", "p5"]


def test_in_matches_any_of_the_values(goods):
    assert ids(goods.search(INDEX, where=Q(category__in=["fruit", "Bakery"]))) == ["p1", "p2", "p5"]


def test_range_filters_on_numbers(goods):
    assert goods.search(INDEX, where=Q(price__lt=2.0)).ids == ["p1"]
    assert ids(goods.search(INDEX, where=Q(price__lte=2))) == ["p1", "p2"]
    assert ids(goods.search(INDEX, where=Q(stock__gt=7))) == ["p1", "p4"]
    assert ids(goods.search(INDEX, where=Q(stock__gte=7, stock__lte=12))) == ["p4", "p5"]


def test_both_bounds_of_a_range_keep_their_own_inclusiveness(goods):
    # prices: p1 1.5, p2 2.0, p5 3.5, p4 5.0, p3 7.25
    assert ids(goods.search(INDEX, where=Q(price__gte=2.0, price__lte=5.0))) == ["p2", "p4", "p5"]
    assert ids(goods.search(INDEX, where=Q(price__gt=2.0, price__lt=5.0))) == ["p5"]
    assert ids(goods.search(INDEX, where=Q(price__gt=2.0, price__lte=5.0))) == ["p4", "p5"]
    assert ids(goods.search(INDEX, where=Q(price__gte=2.0, price__lt=5.0, category="fruit"))) == ["p2"]
    assert ids(goods.search(INDEX, where=Q(price__gte=1.5, price__gt=2.0, price__lte=5.0))) == ["p4", "p5"]


def test_a_range_whose_bounds_cross_matches_nothing(goods):
    assert goods.search(INDEX, where=Q(price__gte=5.0, price__lte=2.0)).total == 0
    assert goods.search(INDEX, where=Q(stock__gt=7, stock__lt=7)).total == 0
    assert goods.search(INDEX, where=Q(added__gte="2024-03-01", added__lt="2024-01-01")).total == 0


def test_range_filters_on_dates_take_iso_strings_in_any_zone(goods):
    assert ids(goods.search(INDEX, where=Q(added__gte="2024-02-01T09:00:00Z"))) == ["p2", "p3"]
    assert goods.search(INDEX, where=Q(added__lt="2024-02-01T10:00:00+01:00")).ids == ["p1"]


def test_bool_filter(goods):
    assert goods.search(INDEX, where=Q(in_stock=False)).ids == ["p2"]


def test_exists_and_eq_none_test_for_the_field(goods):
    assert ids(goods.search(INDEX, where=Q(added__exists=False))) == ["p4", "p5"]
    assert ids(goods.search(INDEX, where=Q(tags=None))) == ["p4", "p5"]
    assert ids(goods.search(INDEX, where=Q(added__exists=True))) == ["p1", "p2", "p3"]


def test_startswith_is_a_case_sensitive_prefix_of_the_exact_value(goods):
    goods.index_documents(INDEX, [{"id": "odd", "name": "a.b*(c) [x]\nline"}, {"id": "near", "name": "a-bc"}])

    assert goods.search(INDEX, where=Q(name__startswith="Apple")).ids == ["p3"]
    assert goods.search(INDEX, where=Q(name__startswith="apple")).ids == []
    assert goods.search(INDEX, where=Q(name__startswith="a.b*(c) [x]")).ids == ["odd"]


def test_startswith_matches_more_than_fifty_distinct_values(search):
    search.index_documents(INDEX, [{"id": str(n), "name": f"Item {n:03d}"} for n in range(120)])

    assert search.search(INDEX, where=Q(name__startswith="Item "), page_size=1).total == 120


def test_filters_combine_with_and_and_or(goods):
    assert ids(goods.search(INDEX, where=Q(category="fruit") | Q(price__gt=6))) == ["p1", "p2", "p3"]
    assert goods.search(INDEX, where=Q(category="fruit", in_stock=True)).ids == ["p1"]
    nested = (Q(category="bakery") & Q(stock__lt=10)) | (Q(tags="fresh") & Q(in_stock=False))
    assert ids(goods.search(INDEX, where=nested)) == ["p2", "p3"]


def test_a_filter_narrows_the_text_search_without_reordering_it(goods):
    everything = goods.search(INDEX, "apple").ids
    in_fruit = goods.search(INDEX, "apple", where=Q(category="fruit")).ids

    assert in_fruit == [id for id in everything if id in ("p1", "p2")]


@pytest.mark.parametrize("where, message", [
    (Q(colour="red"), "not a filterable field"),
    (Q(description="custard"), "not a filterable field"),
    (Q(stock="many"), "not a valid int value"),
    (Q(name__gt="M"), "compares numbers and dates"),
    (Q(in_stock__lt=True), "compares numbers and dates"),
    (Q(price__startswith="1"), "applies to text fields"),
    (Q(tags__contains="sal"), "do not offer 'contains'"),
])
def test_an_impossible_filter_is_invalid_with_a_clear_message(goods, where, message):
    with pytest.raises(InvalidQuery, match=message):
        goods.search(INDEX, where=where)


# -- facets, sorting, paging --------------------------------------------------
def test_facets_count_values_over_the_matched_documents(goods):
    everything = goods.search(INDEX, facets=["category", "tags", "in_stock"]).facets
    cheap = goods.search(INDEX, where=Q(price__lt=5), facets=["category"]).facets

    assert everything == {
        "category": [
            {"value": "bakery", "count": 2}, {"value": "fruit", "count": 2}, {"value": "Bakery", "count": 1},
        ],
        "tags": [{"value": "fresh", "count": 2}, {"value": "sale", "count": 2}],
        "in_stock": [{"value": True, "count": 4}, {"value": False, "count": 1}],
    }
    assert cheap == {"category": [{"value": "fruit", "count": 2}, {"value": "Bakery", "count": 1}]}


def test_a_facet_on_an_undeclared_facet_field_is_invalid(goods):
    with pytest.raises(InvalidQuery, match="not a facet"):
        goods.search(INDEX, facets=["name"])


def test_sort_by_a_field_either_way(goods):
    assert goods.search(INDEX, order_by="price").ids == ["p1", "p2", "p5", "p4", "p3"]
    assert goods.search(INDEX, order_by="-price").ids == ["p3", "p4", "p5", "p2", "p1"]
    assert goods.search(INDEX, order_by=["name"]).ids == ["p3", "p4", "p2", "p1", "p5"]


def test_documents_without_the_sort_field_come_last_either_way(goods):
    assert goods.search(INDEX, order_by="added").ids[3:] == ["p4", "p5"]
    assert goods.search(INDEX, order_by="-added").ids == ["p3", "p2", "p1", "p4", "p5"]


def test_sort_by_several_fields(search):
    search.index_documents(INDEX, [
        {"id": "a", "stock": 1, "price": 5.0}, {"id": "b", "stock": 2, "price": 5.0},
        {"id": "c", "stock": 3, "price": 1.0}, {"id": "d", "stock": 4},
    ])

    assert search.search(INDEX, order_by=["-price", "stock"]).ids == ["a", "b", "c", "d"]
    assert search.search(INDEX, order_by=["price", "-stock"], page=2, page_size=2).ids == ["a", "d"]


def test_sort_by_an_unsortable_field_is_invalid(goods):
    with pytest.raises(InvalidQuery, match="not a sortable field"):
        goods.search(INDEX, order_by="-category")


def test_pages_cover_every_hit_once_and_report_the_total(goods):
    pages = [goods.search(INDEX, order_by="price", page=page, page_size=2) for page in (1, 2, 3, 4)]

    assert [p.ids for p in pages] == [["p1", "p2"], ["p5", "p4"], ["p3"], []]
    assert {p.total for p in pages} == {5}


# -- the contract's rules at the edges of values and queries ------------------------
def test_datetimes_keep_microseconds_in_filters_and_order(search):
    search.index_documents(INDEX, [
        {"id": "t7", "added": "2024-05-01T10:00:00.7Z"},
        {"id": "t0", "added": "2024-05-01T10:00:00Z"},
        {"id": "t2", "added": "2024-05-01T10:00:00.2Z"},
        {"id": "t1", "added": "2024-05-01T10:00:00.000001Z"},
    ])

    assert ids(search.search(INDEX, where=Q(added__gt="2024-05-01T10:00:00.5Z"))) == ["t7"]
    assert ids(search.search(INDEX, where=Q(added="2024-05-01T10:00:00Z"))) == ["t0"]
    assert ids(search.search(INDEX, where=Q(added__lte="2024-05-01T10:00:00.000001Z"))) == ["t0", "t1"]
    assert search.search(INDEX, order_by="added").ids == ["t0", "t1", "t2", "t7"]
    assert search.search(INDEX, order_by="-added").ids == ["t7", "t2", "t1", "t0"]


def test_dates_of_every_year_from_1_to_9999_are_kept(search):
    search.index_documents(INDEX, [
        {"id": "y1", "added": "0001-01-01T00:00:00Z"},
        {"id": "y1600", "added": "1600-06-01T00:00:00Z"},
        {"id": "y2300", "added": "2300-06-01T00:00:00Z"},
        {"id": "y9999", "added": "9999-12-31T23:59:59.999999Z"},
    ])

    assert ids(search.search(INDEX, where=Q(added__lt="9999-01-01"))) == ["y1", "y1600", "y2300"]
    assert ids(search.search(INDEX, where=Q(added__gt="1677-09-21"))) == ["y2300", "y9999"]
    assert search.search(INDEX, order_by="-added").ids == ["y9999", "y2300", "y1600", "y1"]


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:00:00-01:00", "10000-01-01"])
def test_a_date_outside_years_1_to_9999_in_utc_is_invalid(search, value):
    with pytest.raises(InvalidQuery):
        search.search(INDEX, where=Q(added__lt=value))
    with pytest.raises(InvalidQuery):
        search.index_documents(INDEX, [{"id": "far", "added": value}])
    assert search.count(INDEX) == 0


def test_negative_zero_is_zero_to_filters_facets_and_paging(search):
    search.index_documents(INDEX, [
        {"id": "minus", "price": -1.0}, {"id": "nz", "price": -0.0}, {"id": "z1", "price": 0.0},
        {"id": "z2", "price": round(-0.001, 2)}, {"id": "plus", "price": 1.0},
    ])

    assert ids(search.search(INDEX, where=Q(price=0.0))) == ["nz", "z1", "z2"]
    assert ids(search.search(INDEX, where=Q(price=-0.0))) == ["nz", "z1", "z2"]
    assert ids(search.search(INDEX, where=Q(price__gte=0.0))) == ["nz", "plus", "z1", "z2"]
    seen = [search.search(INDEX, order_by="price", page=page, page_size=1).ids for page in range(1, 7)]
    assert [hits for hits in seen if hits][0] == ["minus"]
    assert sorted(id for hits in seen for id in hits) == ["minus", "nz", "plus", "z1", "z2"]
    facets = search.search(INDEX, facets=["price"]).facets["price"]
    assert {"value": 0.0, "count": 3} in facets and len(facets) == 3


def test_only_the_first_64_words_of_the_text_count(search):
    words = [f"word{n}" for n in range(64)]
    search.index_documents(INDEX, [{"id": "long", "description": " ".join(words)}])

    assert search.search(INDEX, " ".join(words)).ids == ["long"]
    assert search.search(INDEX, " ".join(words + ["absent"])).ids == ["long"]
    assert search.search(INDEX, " ".join(["absent"] + words)).ids == []


def test_a_facet_lists_the_100_most_frequent_values_ties_to_the_smaller(search):
    search.index_documents(INDEX, [{"id": f"d{n}", "category": f"c{n:03}"} for n in range(150)])
    search.index_documents(INDEX, [{"id": f"more{n}", "category": "c149"} for n in range(2)])

    counted = search.search(INDEX, facets=["category"]).facets["category"]

    assert len(counted) == search.max_facet_values == 100
    assert counted[0] == {"value": "c149", "count": 3}
    assert [item["value"] for item in counted[1:]] == [f"c{n:03}" for n in range(99)]


@pytest.mark.parametrize("order_by", ["price", "-price", "added"])
def test_pages_of_hits_with_equal_sort_values_cover_every_hit_once(search, order_by):
    search.index_documents(INDEX, [
        {"id": f"same{n}", "price": 4.0, "added": "2024-01-01T00:00:00Z"} for n in range(7)
    ])

    pages = [search.search(INDEX, order_by=order_by, page=page, page_size=2).ids for page in range(1, 5)]

    assert sorted(id for page in pages for id in page) == [f"same{n}" for n in range(7)]
    assert pages == [search.search(INDEX, order_by=order_by, page=p, page_size=2).ids for p in range(1, 5)]


def test_an_empty_group_is_no_condition_wherever_it_stands(goods):
    fruit = ids(goods.search(INDEX, where=Q(category="fruit")))

    assert ids(goods.search(INDEX, where=Q(Q(connector=Q.OR), category="fruit"))) == fruit
    assert ids(goods.search(INDEX, where=Q(Q(connector=Q.OR), Q(category="fruit"), connector=Q.OR))) == fruit
    assert ids(goods.search(INDEX, where=Q(connector=Q.OR))) == [good["id"] for good in GOODS]


@pytest.mark.parametrize("paging", [{"page": 0}, {"page": "2"}, {"page_size": 0}, {"page_size": 10_000}])
def test_impossible_paging_is_invalid(goods, paging):
    with pytest.raises(InvalidQuery):
        goods.search(INDEX, **paging)


def test_count(goods):
    assert goods.count(INDEX) == 5


# -- suggest -----------------------------------------------------------------
def test_suggest_completes_words_and_puts_leading_matches_first(goods):
    assert goods.suggest(INDEX, "ap") == ["Apple pie", "Red apple"]
    assert goods.suggest(INDEX, "red a") == ["Red apple"]
    assert goods.suggest(INDEX, "CRÈ") == ["Crème brûlée"]
    assert goods.suggest(INDEX, "pie ap") == []


def test_suggest_returns_distinct_values_up_to_the_limit(search):
    search.index_documents(INDEX, [{"id": str(n), "name": "Tea cup"} for n in range(5)])
    search.index_documents(INDEX, [{"id": f"t{n}", "name": f"Teapot {n}"} for n in range(5)])

    assert search.suggest(INDEX, "tea", limit=3) == ["Tea cup", "Teapot 0", "Teapot 1"]


def test_suggest_for_a_blank_prefix_is_empty(goods):
    assert goods.suggest(INDEX, "  ") == []
    assert goods.suggest(INDEX, "*") == []


# -- rebuild -----------------------------------------------------------------
def test_rebuild_replaces_every_document_with_the_given_ones(goods):
    built = goods.rebuild(INDEX, iter([{"id": "n1", "name": "Quince jam"}, {"id": "n2", "name": "Fig jam"}]))

    assert built == 2
    assert goods.count(INDEX) == 2
    assert ids(goods.search(INDEX, "jam")) == ["n1", "n2"]
    assert goods.search(INDEX, "apple").ids == []


def test_rebuild_reads_the_documents_in_batches(goods):
    built = goods.rebuild(INDEX, ({"id": str(n), "name": f"Item {n}"} for n in range(25)), batch_size=4)

    assert built == 25
    assert goods.search(INDEX, "item", page_size=1).total == 25


def test_searches_see_the_current_index_until_the_new_one_is_complete(goods):
    seen_during = []

    def documents():
        for n in range(10):
            seen_during.append(goods.count(INDEX))
            yield {"id": f"n{n}", "name": "Quince"}

    goods.rebuild(INDEX, documents(), batch_size=3)

    assert set(seen_during) == {5}
    assert goods.count(INDEX) == 10


def test_a_failed_rebuild_leaves_the_current_index_as_it_was(goods):
    def documents():
        yield {"id": "n1", "name": "Quince"}
        raise RuntimeError("the home went away")

    with pytest.raises(RuntimeError):
        goods.rebuild(INDEX, documents(), batch_size=1)

    assert goods.count(INDEX) == 5
    assert goods.search(INDEX, "quince").ids == []
    assert goods.rebuild(INDEX, GOODS[:2]) == 2  # and a later rebuild runs


def test_a_bad_document_fails_the_rebuild_and_keeps_the_current_index(goods):
    with pytest.raises(InvalidQuery, match="stock"):
        goods.rebuild(INDEX, [{"id": "a", "name": "Fine"}, {"id": "b", "stock": "plenty"}])

    assert goods.count(INDEX) == 5


def test_writes_during_a_rebuild_reach_the_new_index_where_the_backend_says_they_do(goods):
    """A backend is held to what it declares: one that keeps concurrent writes ends with
    them; one that does not (Azure AI Search) ends with the rebuild's own documents."""
    stale_home = [{**doc} for doc in GOODS]  # read before the writes below

    def documents():
        for n, doc in enumerate(stale_home):
            if n == 2:
                # The projector, meanwhile, applies newer events to the live index.
                goods.index_documents(INDEX, [{**GOODS[0], "name": "Golden quince"}, {"id": "p9", "name": "Fig"}])
                goods.delete_documents(INDEX, ["p4"])
            yield doc

    goods.rebuild(INDEX, documents(), batch_size=2)

    if goods.rebuild_keeps_concurrent_writes:
        assert ids(goods.search(INDEX, page_size=20)) == ["p1", "p2", "p3", "p5", "p9"]
        assert goods.search(INDEX, "quince").ids == ["p1"]
        assert goods.search(INDEX, "red").ids == []
    else:
        assert ids(goods.search(INDEX, page_size=20)) == ["p1", "p2", "p3", "p4", "p5"]
        assert goods.search(INDEX, "quince").ids == []


def test_rebuild_takes_only_a_positive_batch_size(goods):
    with pytest.raises(ValueError):
        goods.rebuild(INDEX, GOODS, batch_size=0)


# -- tantivy ---------------------------------------------------------------
def test_tantivy_needs_a_path_and_refuses_unknown_options(tmp_path):
    with pytest.raises(ImproperlyConfigured, match="path"):
        TantivySearchBackend(alias="t")
    with pytest.raises(ImproperlyConfigured, match="heap_mb"):
        TantivySearchBackend(alias="t", path=str(tmp_path), heap_mb=64)


def test_tantivy_scans_past_the_result_window_of_search(tmp_path, monkeypatch):
    monkeypatch.setattr(TantivySearchBackend, "max_result_window", 10)
    backend = tantivy_backend(tmp_path)
    backend.index_documents(INDEX, [{"id": f"d{n:02}"} for n in range(25)])

    with pytest.raises(InvalidQuery, match="first 10 hits"):
        backend.search(INDEX, page=3, page_size=10)
    assert sorted(backend.scan_ids(INDEX, page_size=10)) == [f"d{n:02}" for n in range(25)]
    backend.close()


def test_tantivy_readers_see_another_instances_commits_at_once(tmp_path):
    writer, reader = tantivy_backend(tmp_path), tantivy_backend(tmp_path)
    assert reader.count(INDEX) == 0

    writer.index_documents(INDEX, GOODS)

    assert reader.count(INDEX) == 5
    assert reader.search(INDEX, "walnut").ids == ["p5"]


def test_tantivy_readers_keep_up_with_commits_made_elsewhere_in_quick_succession(tmp_path):
    # Given a reader that has searched once, so it holds a searcher
    writer, reader = tantivy_backend(tmp_path), tantivy_backend(tmp_path)
    assert reader.count(INDEX) == 0

    for seen, good in enumerate(GOODS, start=1):
        # When another instance commits, with no pause (commits within one tick of the file clock)
        writer.index_documents(INDEX, [good])

        # Then the reader's very next search sees it
        assert reader.count(INDEX) == seen
        assert good["id"] in reader.search(INDEX, good["name"]).ids


def _hold_the_writer_lock(folder, seconds, held):
    import tantivy

    writer = tantivy.Index.open(folder).writer(heap_size=20_000_000)
    held.set()
    time.sleep(seconds)
    writer.wait_merging_threads()


def hold_the_writer_lock(backend, seconds):
    """Another writer holds the index lock for ``seconds``; returns its thread, once it holds it."""
    held = threading.Event()
    folder = str(backend.current_folder(INDEX))
    holder = threading.Thread(target=_hold_the_writer_lock, args=(folder, seconds, held))
    holder.start()
    assert held.wait(timeout=10)
    return holder


def test_tantivy_waits_for_a_writer_lock_held_elsewhere(tmp_path):
    backend = tantivy_backend(tmp_path, lock_timeout=5)
    backend.ensure_index(INDEX)
    holder = hold_the_writer_lock(backend, 0.5)
    started = time.monotonic()

    backend.index_documents(INDEX, GOODS)

    holder.join()
    assert time.monotonic() - started >= 0.3
    assert backend.count(INDEX) == 5


def test_tantivy_gives_up_on_a_lock_held_past_the_timeout(tmp_path):
    backend = tantivy_backend(tmp_path, lock_timeout=0.2)
    backend.ensure_index(INDEX)
    holder = hold_the_writer_lock(backend, 1.0)

    with pytest.raises(Unavailable, match="locked by another writer"):
        backend.index_documents(INDEX, GOODS)
    holder.join()


def _write_batches(path, worker, batches, ready):
    backend = TantivySearchBackend(alias=f"worker-{worker}", path=path, lock_timeout=30)
    ready.wait()
    for batch in range(batches):
        batch_of_five = [{"id": f"{worker}-{batch}-{n}", "name": f"Item {n}", "stock": n} for n in range(5)]
        backend.index_documents(INDEX, batch_of_five)


@pytest.mark.slow
def test_tantivy_two_processes_writing_at_once_both_succeed(tmp_path):
    context = multiprocessing.get_context("spawn")
    ready = context.Barrier(2)
    path = str(tmp_path / "search")
    workers = [context.Process(target=_write_batches, args=(path, n, 20, ready)) for n in (1, 2)]

    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)

    assert [worker.exitcode for worker in workers] == [0, 0]
    backend = TantivySearchBackend(alias="test", path=path)
    assert backend.count(INDEX) == 200
    assert backend.search(INDEX, where=Q(stock=4), page_size=1).total == 40


def test_tantivy_rebuild_swaps_generations_and_removes_the_old_one(tmp_path):
    backend = tantivy_backend(tmp_path)
    backend.index_documents(INDEX, GOODS)
    before = backend.current_folder(INDEX)

    backend.rebuild(INDEX, GOODS[:1])

    after = backend.current_folder(INDEX)
    assert after != before and after.is_dir()
    assert not before.exists()
    assert not (tmp_path / "search" / f"{INDEX.name}.journal").exists()


def test_tantivy_readers_and_writers_elsewhere_follow_the_swap(tmp_path):
    rebuilder, other = tantivy_backend(tmp_path), tantivy_backend(tmp_path)
    other.index_documents(INDEX, GOODS)  # opens the first generation

    rebuilder.rebuild(INDEX, GOODS[:2])
    other.index_documents(INDEX, [{"id": "late", "name": "Late fig"}])

    assert rebuilder.current_folder(INDEX) == other.current_folder(INDEX)
    assert ids(rebuilder.search(INDEX)) == ["late", "p1", "p2"]
    assert ids(other.search(INDEX)) == ["late", "p1", "p2"]


def test_tantivy_writes_from_another_instance_during_a_rebuild_are_carried_over(tmp_path):
    rebuilder, projector = tantivy_backend(tmp_path), tantivy_backend(tmp_path)
    projector.index_documents(INDEX, GOODS)

    def documents():
        yield from GOODS[:3]
        projector.index_documents(INDEX, [{"id": "p1", "name": "Golden quince"}])
        projector.delete_documents(INDEX, ["p2"])
        yield from GOODS[3:]

    rebuilder.rebuild(INDEX, documents(), batch_size=2)

    assert ids(projector.search(INDEX)) == ["p1", "p3", "p4", "p5"]
    assert projector.search(INDEX, "quince").ids == ["p1"]


def test_tantivy_refuses_a_second_rebuild_while_one_runs(tmp_path):
    first, second = tantivy_backend(tmp_path), tantivy_backend(tmp_path)
    first.index_documents(INDEX, GOODS)

    def documents():
        with pytest.raises(Conflict, match="already running"):
            second.rebuild(INDEX, GOODS[:1])
        yield from GOODS

    assert first.rebuild(INDEX, documents()) == 5
    assert second.rebuild(INDEX, GOODS[:1]) == 1


def test_tantivy_a_clear_during_a_rebuild_wins(tmp_path):
    backend = tantivy_backend(tmp_path)
    backend.index_documents(INDEX, GOODS)

    def documents():
        yield from GOODS[:2]
        backend.clear(INDEX)
        yield from GOODS[2:]

    with pytest.raises(Conflict, match="cleared while being rebuilt"):
        backend.rebuild(INDEX, documents(), batch_size=1)
    assert backend.count(INDEX) == 0


def test_tantivy_rebuild_applies_a_changed_definition(tmp_path):
    backend = tantivy_backend(tmp_path)
    old = IndexDefinition("changing", fields=(IndexedField("name", "text", searchable=True),))
    new = IndexDefinition("changing", fields=(
        IndexedField("name", "text", searchable=True), IndexedField("colour", "keyword", filterable=True),
    ))
    backend.index_documents(old, [{"id": "a", "name": "Apple"}])
    with pytest.raises(Unavailable, match="rebuild it"):
        backend.search(new, "apple")

    backend.rebuild(new, [{"id": "a", "name": "Apple", "colour": "red"}])

    assert backend.search(new, "apple", where=Q(colour="red")).ids == ["a"]


def test_tantivy_adopts_an_index_folder_from_before_generations(tmp_path):
    import tantivy

    from apps.stores.search.tantivy.schema import WORDS, WORDS_TOKENIZER, Layout

    legacy = tmp_path / "search" / INDEX.name
    legacy.mkdir(parents=True)
    index = tantivy.Index(Layout(INDEX).schema, str(legacy))
    index.register_tokenizer(WORDS_TOKENIZER, WORDS)
    writer = index.writer(heap_size=20_000_000)
    writer.add_document(Layout(INDEX).document({"id": "old", "name": "Old apple"}))
    writer.commit()
    writer.wait_merging_threads()

    backend = tantivy_backend(tmp_path)

    assert backend.search(INDEX, "apple").ids == ["old"]
    backend.rebuild(INDEX, GOODS)
    assert not legacy.exists()
    assert backend.count(INDEX) == 5


def _write_after_the_swap(path, swapped, done):
    backend = TantivySearchBackend(alias="projector", path=path, lock_timeout=30)
    backend.index_documents(INDEX, [{"id": "before", "name": "Before"}])
    swapped.wait(60)
    backend.index_documents(INDEX, [{"id": "after", "name": "After"}])
    done.set()


@pytest.mark.slow
def test_tantivy_a_writer_process_writes_into_the_new_index_after_the_swap(tmp_path):
    context = multiprocessing.get_context("spawn")
    path = str(tmp_path / "search")
    swapped, done = context.Event(), context.Event()
    backend = TantivySearchBackend(alias="test", path=path)
    backend.ensure_index(INDEX)
    worker = context.Process(target=_write_after_the_swap, args=(path, swapped, done))
    worker.start()
    deadline = time.monotonic() + 60
    while backend.count(INDEX) == 0 and time.monotonic() < deadline:
        time.sleep(0.05)

    backend.rebuild(INDEX, GOODS[:1])
    swapped.set()
    worker.join(timeout=60)

    assert worker.exitcode == 0
    assert ids(backend.search(INDEX)) == ["after", "p1"]


def test_tantivy_no_write_is_lost_while_a_rebuild_runs_and_swaps(tmp_path):
    rebuilder, projector = tantivy_backend(tmp_path), tantivy_backend(tmp_path)
    projector.ensure_index(INDEX)
    finished, written = threading.Event(), []

    def project():
        # One document per batch, for as long as the rebuild runs and a few batches after the swap.
        after_swap = 0
        while after_swap < 3:
            id = f"w{len(written)}"
            projector.index_documents(INDEX, [{"id": id, "name": "Written live"}])
            written.append(id)
            after_swap += finished.is_set()

    writer = threading.Thread(target=project)

    def home():
        writer.start()  # once the rebuild began: what was written before is the home's to hold
        for n in range(3000):
            yield {"id": f"h{n}", "name": "From home"}

    rebuilder.rebuild(INDEX, home(), batch_size=100)
    finished.set()
    writer.join(timeout=60)

    live = rebuilder.search(INDEX, where=Q(name="Written live"), page_size=100)
    assert len(written) > 3
    assert sorted(live.ids) == sorted(written)
    assert rebuilder.search(INDEX, where=Q(name="From home"), page_size=1).total == 3000
