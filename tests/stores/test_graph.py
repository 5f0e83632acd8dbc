"""The graph contract, run against every graph backend (one fixture parametrized over them)."""
import sqlite3
import threading

import pytest
from django.core.exceptions import ImproperlyConfigured

from apps.stores.exceptions import Conflict, InvalidQuery, NotFound
from apps.stores.graph import Edge, Ranked, Vertex
from apps.stores.graph import sqlite as graph_sqlite
from apps.stores.graph.sqlite import SQLiteGraphStore
from apps.stores.signals import store_operation


def sqlite_store(tmp_path):
    return SQLiteGraphStore(alias="test", path=str(tmp_path / "graph.sqlite3"))


BACKENDS = {"sqlite": sqlite_store}


@pytest.fixture(params=sorted(BACKENDS))
def graph(request, tmp_path):
    store = BACKENDS[request.param](tmp_path)
    yield store
    store.clear()
    store.close()


@pytest.fixture
def social(graph):
    """ann follows bob and cat; bob follows cat; ann likes two products; dan follows ann."""
    for id in ("user:ann", "user:bob", "user:cat", "user:dan"):
        graph.upsert_vertex(id, "user", {"name": id.split(":")[1]})
    for id in ("product:1", "product:2"):
        graph.upsert_vertex(id, "product", partition_key="books")
    for source, label, target in [
        ("user:ann", "follows", "user:bob"),
        ("user:ann", "follows", "user:cat"),
        ("user:bob", "follows", "user:cat"),
        ("user:dan", "follows", "user:ann"),
        ("user:ann", "likes", "product:1"),
        ("user:ann", "likes", "product:2"),
        ("user:bob", "likes", "user:cat"),
    ]:
        graph.upsert_edge(source, label, target)
    return graph


def ids(vertices):
    return [vertex.id for vertex in vertices]


# -- vertices ----------------------------------------------------------------
def test_an_upserted_vertex_reads_back_whole(graph):
    properties = {"name": "Ann", "age": 30, "admin": False, "bio": None}
    graph.upsert_vertex("user:1", "user", properties, partition_key="u1")

    assert graph.get_vertex("user:1") == Vertex("user:1", "user", properties, "u1")


def test_upserting_again_replaces_properties_and_keeps_edges(graph):
    graph.upsert_vertex("a", "user", {"name": "Ann", "old": 1})
    graph.upsert_vertex("b", "user")
    graph.upsert_edge("a", "follows", "b")

    graph.upsert_vertex("a", "user", {"name": "Anne"})

    assert graph.get_vertex("a") == Vertex("a", "user", {"name": "Anne"})
    assert ids(graph.neighbours("a")) == ["b"]


def test_upserting_with_another_label_relabels_or_is_a_conflict(graph):
    graph.upsert_vertex("a", "user", {"name": "Ann"})
    graph.upsert_vertex("b", "user")
    graph.upsert_edge("a", "follows", "b")

    if graph.supports_relabel:
        graph.upsert_vertex("a", "member", {"name": "Anne"})
        assert graph.get_vertex("a") == Vertex("a", "member", {"name": "Anne"})
    else:
        with pytest.raises(Conflict):
            graph.upsert_vertex("a", "member", {"name": "Anne"})
        assert graph.get_vertex("a") == Vertex("a", "user", {"name": "Ann"})
    assert ids(graph.neighbours("a")) == ["b"]


def test_a_missing_vertex_is_not_found(graph):
    with pytest.raises(NotFound):
        graph.get_vertex("user:404")


def test_removing_a_vertex_removes_every_edge_touching_it(social):
    social.remove_vertex("user:cat")

    with pytest.raises(NotFound):
        social.get_vertex("user:cat")
    assert ids(social.neighbours("user:ann", label="follows")) == ["user:bob"]
    assert social.degree("user:bob", direction="out") == 0


def test_removing_a_missing_vertex_is_not_an_error(graph):
    graph.remove_vertex("nobody")

    with pytest.raises(NotFound):
        graph.get_vertex("nobody")


@pytest.mark.parametrize("call", [
    lambda g: g.upsert_vertex("", "user"),
    lambda g: g.upsert_vertex("x" * 1025, "user"),
    lambda g: g.upsert_vertex("a", "user label"),
    lambda g: g.upsert_vertex("a", "user", {"nested": {"no": 1}}),
    lambda g: g.upsert_vertex("a", "user", {"nan": float("nan")}),
    lambda g: g.neighbours("a", direction="sideways"),
    lambda g: g.neighbours("a", limit=0),
    lambda g: g.neighbours("a", offset=-1),
    lambda g: g.degree("a", label="likes')--"),
    lambda g: g.common_neighbours("a", "", direction="out"),
    lambda g: g.common_neighbours("a", "b", direction="sideways"),
    lambda g: g.common_neighbours("a", "b", limit=1001),
    lambda g: g.recommendations("a", label=None),
    lambda g: g.recommendations("a", label="follows", limit=0),
    lambda g: g.recommendations("a", label="follows", limit=101),
    lambda g: g.bought_together("a", label="bought by"),
    lambda g: g.bought_together("a", label="bought", limit=True),
    lambda g: g.shortest_path("a", "b", max_depth=0),
    lambda g: g.shortest_path("a", "b", max_depth=7),
    lambda g: g.shortest_path("a", "b", direction="up"),
    lambda g: g.bulk_upsert_vertices([("a",)]),
    lambda g: g.bulk_upsert_vertices([("a", "user", {}, 7)]),
    lambda g: g.bulk_upsert_edges([("a", "follows")]),
    lambda g: g.bulk_upsert_edges([Edge("a", "fol lows", "b")]),
])
def test_malformed_requests_are_invalid(graph, call):
    with pytest.raises(InvalidQuery):
        call(graph)


# -- edges -------------------------------------------------------------------
def test_an_edge_to_a_missing_vertex_is_not_found(graph):
    graph.upsert_vertex("a", "user")

    with pytest.raises(NotFound, match="'ghost'"):
        graph.upsert_edge("a", "follows", "ghost")
    with pytest.raises(NotFound, match="'ghost'"):
        graph.upsert_edge("ghost", "follows", "a")
    assert graph.degree("a", direction="both") == 0


def test_upserting_an_edge_twice_keeps_one_edge_with_the_new_properties(graph):
    graph.upsert_vertex("a", "user")
    graph.upsert_vertex("b", "user")

    graph.upsert_edge("a", "follows", "b", {"since": 2020})
    graph.upsert_edge("a", "follows", "b", {"since": 2024})

    assert graph.degree("a") == 1


def test_removing_an_edge_leaves_the_vertices(social):
    social.remove_edge("user:ann", "follows", "user:bob")
    social.remove_edge("user:ann", "follows", "user:nobody")

    assert ids(social.neighbours("user:ann", label="follows")) == ["user:cat"]
    assert social.get_vertex("user:bob").label == "user"


# -- neighbours and degree ------------------------------------------------------
def test_neighbours_by_direction(social):
    assert ids(social.neighbours("user:ann")) == ["product:1", "product:2", "user:bob", "user:cat"]
    assert ids(social.neighbours("user:ann", direction="in")) == ["user:dan"]
    assert ids(social.neighbours("user:ann", direction="both")) == [
        "product:1", "product:2", "user:bob", "user:cat", "user:dan",
    ]


def test_neighbours_by_label(social):
    assert ids(social.neighbours("user:ann", label="likes")) == ["product:1", "product:2"]
    assert ids(social.neighbours("user:cat", direction="in", label="follows")) == ["user:ann", "user:bob"]


def test_a_vertex_linked_by_two_labels_is_listed_once(social):
    assert ids(social.neighbours("user:bob")) == ["user:cat"]
    assert ids(social.neighbours("user:cat", direction="in")) == ["user:ann", "user:bob"]


def test_neighbours_come_as_vertices_with_their_properties(social):
    first_liked = social.neighbours("user:ann", label="likes", limit=1)

    assert first_liked == [Vertex("product:1", "product", {}, "books")]
    assert social.neighbours("user:dan")[0].properties == {"name": "ann"}


def test_neighbours_page_by_limit_and_offset(social):
    pages = [ids(social.neighbours("user:ann", direction="both", limit=2, offset=n)) for n in (0, 2, 4, 6)]

    assert pages == [["product:1", "product:2"], ["user:bob", "user:cat"], ["user:dan"], []]


def test_neighbours_of_a_missing_vertex_are_none(graph):
    assert graph.neighbours("nobody") == []


def test_degree_counts_edges_by_direction_and_label(social):
    assert social.degree("user:ann") == 4
    assert social.degree("user:ann", label="follows") == 2
    assert social.degree("user:cat", direction="in") == 3
    assert social.degree("user:cat", direction="in", label="follows") == 2
    assert social.degree("user:ann", direction="both") == 5
    assert social.degree("nobody", direction="both") == 0


def test_a_self_loop_counts_once_each_way(graph):
    graph.upsert_vertex("a", "user")
    graph.upsert_edge("a", "follows", "a")

    assert graph.degree("a", direction="both") == 2
    assert ids(graph.neighbours("a", direction="both")) == ["a"]


def test_clear_removes_everything(social):
    social.clear()

    assert social.neighbours("user:ann", direction="both") == []
    with pytest.raises(NotFound):
        social.get_vertex("user:ann")


# -- listing edges ---------------------------------------------------------------
def edge_triples(edges):
    return sorted((edge.source, edge.label, edge.target) for edge in edges)


def test_edges_list_every_edge_of_a_label_with_its_properties_page_by_page(social):
    social.upsert_edge("user:dan", "follows", "user:ann", {"since": 2021, "muted": False, "note": None})

    first = social.edges("follows", limit=3)
    second = social.edges("follows", limit=3, continuation=first.continuation)

    assert len(first) == 3 and first.continuation
    assert len(second) == 1 and second.continuation is None
    assert edge_triples([*first, *second]) == [
        ("user:ann", "follows", "user:bob"), ("user:ann", "follows", "user:cat"),
        ("user:bob", "follows", "user:cat"), ("user:dan", "follows", "user:ann"),
    ]
    properties = {(e.source, e.target): e.properties for e in [*first, *second]}
    assert properties[("user:dan", "user:ann")] == {"since": 2021, "muted": False, "note": None}
    assert properties[("user:ann", "user:bob")] == {}


def test_a_page_that_holds_the_last_edges_has_no_continuation(social):
    page = social.edges("likes", limit=3)

    assert edge_triples(page) == [
        ("user:ann", "likes", "product:1"), ("user:ann", "likes", "product:2"), ("user:bob", "likes", "user:cat"),
    ]
    assert page.continuation is None


def test_edges_of_a_label_nobody_uses_are_an_empty_last_page(social):
    page = social.edges("blocks")

    assert (page.items, page.continuation) == ([], None)


def test_scan_edges_reads_every_edge_once_one_page_at_a_time(graph):
    graph.bulk_upsert_vertices([(f"v{n}", "user") for n in range(12)])
    expected = [(f"v{a}", "next", f"v{b}") for a in range(12) for b in (a - 1, a + 1) if 0 <= b < 12]
    graph.bulk_upsert_edges(expected + [("v0", "other", "v5")])
    reads = []

    def receiver(sender, operation, **kwargs):
        reads.append(operation)

    store_operation.connect(receiver)
    try:
        scanned = list(graph.scan_edges("next", page_size=5))
    finally:
        store_operation.disconnect(receiver)

    assert edge_triples(scanned) == sorted(expected)
    assert reads.count("edges") == -(-len(expected) // 5)


def test_an_edge_that_stays_is_listed_once_while_others_come_and_go_between_pages(graph):
    graph.bulk_upsert_vertices([(f"v{n}", "user") for n in range(8)])
    graph.bulk_upsert_edges([("v0", "next", f"v{n}") for n in range(1, 8)])

    first = graph.edges("next", limit=3)
    for edge in first:
        graph.remove_edge(edge.source, edge.label, edge.target)
    graph.upsert_edge("v7", "next", "v0")
    token, rest = first.continuation, []
    while token:
        page = graph.edges("next", limit=2, continuation=token)
        rest += page.items
        token = page.continuation

    stayed = set(edge_triples(graph.scan_edges("next"))) - {("v7", "next", "v0")}
    listed = edge_triples(rest)
    assert len(stayed) == 4
    assert all(listed.count(edge) == 1 for edge in stayed)
    assert len(listed) == len(set(listed))


@pytest.mark.parametrize("token", ["not a token", "bm9wZQ==", "e30=", "W10=", "", "eyJxIjoxfQ", 7])
def test_a_malformed_edges_continuation_is_invalid(social, token):
    with pytest.raises(InvalidQuery):
        social.edges("follows", continuation=token)


def test_an_edges_continuation_resumes_only_the_label_it_came_from(social):
    token = social.edges("follows", limit=1).continuation

    with pytest.raises(InvalidQuery, match="another query"):
        social.edges("likes", limit=1, continuation=token)


@pytest.mark.parametrize("call", [
    lambda g: g.edges("follows", limit=0),
    lambda g: g.edges("follows", limit=1001),
    lambda g: g.edges("follows", limit=True),
    lambda g: g.edges(None),
    lambda g: g.edges("fol lows"),
    lambda g: g.scan_edges("follows", page_size=0),
    lambda g: g.scan_edges("follows", page_size=1001),
    lambda g: g.scan_edges("it's"),
], ids=["limit 0", "limit 1001", "limit True", "no label", "bad label", "page 0", "page 1001", "quote"])
def test_listing_edges_is_bounded_like_every_page(graph, call):
    with pytest.raises(InvalidQuery):
        call(graph)


# -- listing vertices ------------------------------------------------------------
def test_vertices_list_every_vertex_of_a_label_whole_in_id_order_page_by_page(social):
    social.upsert_vertex("user:cat", "user", {"since": 2021, "muted": False, "note": None}, partition_key="c")

    first = social.vertices("user", limit=3)
    second = social.vertices("user", limit=3, continuation=first.continuation)

    assert ids(first) == ["user:ann", "user:bob", "user:cat"] and first.continuation
    assert (ids(second), second.continuation) == (["user:dan"], None)
    assert first.items[2] == Vertex("user:cat", "user", {"since": 2021, "muted": False, "note": None}, "c")
    assert first.items[0] == Vertex("user:ann", "user", {"name": "ann"}, None)


def test_vertices_come_with_their_partition_key(social):
    page = social.vertices("product")

    assert page.items == [
        Vertex("product:1", "product", {}, "books"), Vertex("product:2", "product", {}, "books"),
    ]
    assert page.continuation is None


def test_a_page_that_holds_the_last_vertices_has_no_continuation(social):
    page = social.vertices("user", limit=4)

    assert ids(page) == ["user:ann", "user:bob", "user:cat", "user:dan"]
    assert page.continuation is None


def test_vertices_of_a_label_nobody_uses_are_an_empty_last_page(social):
    page = social.vertices("shop")

    assert (page.items, page.continuation) == ([], None)
    assert list(social.scan_vertices("shop")) == []


def test_scan_vertices_reads_every_vertex_once_one_page_at_a_time(graph):
    graph.bulk_upsert_vertices([(f"v{n:02}", "user", {"n": n}) for n in range(12)] + [("p0", "product")])
    reads = []

    def receiver(sender, operation, **kwargs):
        reads.append(operation)

    store_operation.connect(receiver)
    try:
        scanned = list(graph.scan_vertices("user", page_size=5))
    finally:
        store_operation.disconnect(receiver)

    assert [(v.id, v.properties["n"]) for v in scanned] == [(f"v{n:02}", n) for n in range(12)]
    assert reads.count("vertices") == 3


def test_a_vertex_that_stays_is_listed_once_while_others_come_and_go_between_pages(graph):
    graph.bulk_upsert_vertices([(f"v{n}", "user") for n in range(1, 8)])

    first = graph.vertices("user", limit=3)
    for vertex in first:
        graph.remove_vertex(vertex.id)
    graph.bulk_upsert_vertices([("v0", "user"), ("v5", "user", {"changed": True}), ("v9", "user")])
    token, rest = first.continuation, []
    while token:
        page = graph.vertices("user", limit=2, continuation=token)
        rest += page.items
        token = page.continuation

    listed = ids(rest)
    assert ids(first) == ["v1", "v2", "v3"]
    assert all(listed.count(id) == 1 for id in ("v4", "v5", "v6", "v7"))
    assert len(listed) == len(set(listed))
    assert "v0" not in listed  # before the position the token resumes after


@pytest.mark.parametrize("token", ["not a token", "bm9wZQ==", "e30=", "W10=", "", "eyJxIjoxfQ", 7])
def test_a_malformed_vertices_continuation_is_invalid(social, token):
    with pytest.raises(InvalidQuery):
        social.vertices("user", continuation=token)


def test_a_vertices_continuation_resumes_only_the_listing_it_came_from(social):
    token = social.vertices("user", limit=1).continuation
    edges_token = social.edges("likes", limit=1).continuation

    with pytest.raises(InvalidQuery, match="another query"):
        social.vertices("product", limit=1, continuation=token)
    with pytest.raises(InvalidQuery, match="another query"):
        social.edges("user", limit=1, continuation=token)
    with pytest.raises(InvalidQuery, match="another query"):
        social.vertices("likes", limit=1, continuation=edges_token)


@pytest.mark.parametrize("call", [
    lambda g: g.vertices("user", limit=0),
    lambda g: g.vertices("user", limit=1001),
    lambda g: g.vertices("user", limit=True),
    lambda g: g.vertices("user", limit="5"),
    lambda g: g.vertices(None),
    lambda g: g.vertices("us er"),
    lambda g: g.scan_vertices("user", page_size=0),
    lambda g: g.scan_vertices("user", page_size=1001),
    lambda g: g.scan_vertices("it's"),
], ids=["limit 0", "limit 1001", "limit True", "limit text", "no label", "bad label", "page 0", "page 1001",
        "quote"])
def test_listing_vertices_is_bounded_like_every_page(graph, call):
    with pytest.raises(InvalidQuery):
        call(graph)


def test_the_largest_vertices_page_is_allowed(social):
    assert ids(social.vertices("product", limit=social.max_page_size)) == ["product:1", "product:2"]


# -- common neighbours --------------------------------------------------------------
@pytest.fixture
def mutual(graph):
    """ann and bob both follow cat and dan; ann also follows eve; fay and gus follow both ann and bob."""
    graph.bulk_upsert_vertices((id, "user") for id in ("ann", "bob", "cat", "dan", "eve", "fay", "gus"))
    graph.bulk_upsert_edges([
        ("ann", "follows", "cat"), ("ann", "follows", "dan"), ("ann", "follows", "eve"),
        ("bob", "follows", "dan"), ("bob", "follows", "cat"), ("bob", "likes", "eve"),
        ("fay", "follows", "ann"), ("fay", "follows", "bob"), ("gus", "follows", "ann"),
        ("gus", "follows", "bob"), ("eve", "follows", "ann"),
    ])
    return graph


def test_common_neighbours_are_whom_both_link_to(mutual):
    assert ids(mutual.common_neighbours("ann", "bob", label="follows")) == ["cat", "dan"]


def test_common_neighbours_without_a_label_join_every_label(mutual):
    assert ids(mutual.common_neighbours("ann", "bob")) == ["cat", "dan", "eve"]


def test_common_neighbours_inward_are_who_links_to_both(mutual):
    assert ids(mutual.common_neighbours("ann", "bob", direction="in", label="follows")) == ["fay", "gus"]


def test_common_neighbours_both_ways(mutual):
    both = mutual.common_neighbours("ann", "bob", direction="both", label="follows")

    assert ids(both) == ["cat", "dan", "fay", "gus"]


def test_common_neighbours_page_and_come_whole(mutual):
    mutual.upsert_vertex("dan", "user", {"name": "Dan"}, partition_key="p1")

    page = mutual.common_neighbours("ann", "bob", direction="both", label="follows", limit=2, offset=1)

    assert page == [Vertex("dan", "user", {"name": "Dan"}, "p1"), Vertex("fay", "user")]


def test_common_neighbours_of_strangers_are_none(mutual):
    assert mutual.common_neighbours("cat", "nobody") == []


# -- recommendations --------------------------------------------------------------
@pytest.fixture
def follows(graph):
    """me follows a, b, c; they lead on to x (three paths), y and z (two each), w (one), and to
    c (already followed) and back to me."""
    graph.bulk_upsert_vertices((id, "user") for id in ("me", "a", "b", "c", "w", "x", "y", "z"))
    graph.bulk_upsert_edges([
        ("me", "follows", "a"), ("me", "follows", "b"), ("me", "follows", "c"),
        ("a", "follows", "x"), ("b", "follows", "x"), ("c", "follows", "x"),
        ("a", "follows", "z"), ("b", "follows", "z"),
        ("b", "follows", "y"), ("c", "follows", "y"),
        ("c", "follows", "w"),
        ("a", "follows", "c"), ("b", "follows", "c"),
        ("a", "follows", "me"), ("b", "follows", "me"),
        ("a", "likes", "w"), ("b", "likes", "w"),
    ])
    return graph


def test_recommendations_rank_by_paths_then_id(follows):
    ranked = follows.recommendations("me", label="follows")

    assert [(r.vertex.id, r.score) for r in ranked] == [("x", 3), ("y", 2), ("z", 2), ("w", 1)]


def test_recommendations_leave_out_the_start_and_what_it_already_follows(follows):
    recommended = {r.vertex.id for r in follows.recommendations("me", label="follows", limit=100)}

    assert recommended.isdisjoint({"me", "a", "b", "c"})


def test_recommendations_follow_one_label_only(follows):
    ranked = follows.recommendations("me", label="likes")

    assert ranked == []


def test_recommendations_stop_at_the_limit_and_come_whole(follows):
    follows.upsert_vertex("x", "user", {"name": "Xia"}, partition_key="px")

    assert follows.recommendations("me", label="follows", limit=1) == [
        Ranked(Vertex("x", "user", {"name": "Xia"}, "px"), 3)
    ]


def test_recommendations_for_a_missing_vertex_are_none(graph):
    assert graph.recommendations("nobody", label="follows") == []


def test_recommendations_reach_past_every_better_candidate_already_followed(graph):
    # Given me follows a, b, c, d, who all follow each other, me and x; only a follows y
    followed = ["a", "b", "c", "d"]
    graph.bulk_upsert_vertices((id, "user") for id in ["me", *followed, "x", "y"])
    graph.bulk_upsert_edges([
        *(("me", "follows", id) for id in followed),
        *((id, "follows", other) for id in followed for other in [*followed, "me", "x"] if other != id),
        ("a", "follows", "y"),
    ])

    # When: me and a-d outrank y, and are left out
    ranked = graph.recommendations("me", label="follows", limit=2)

    # Then
    assert [(r.vertex.id, r.score) for r in ranked] == [("x", 4), ("y", 1)]


def test_recommendations_count_only_the_paths_within_the_fan_out_bound(follows):
    # Given a bound of two first hops (a and b, not c) and three second hops each (c, me, x)
    follows.recommendation_first_hop_limit = 2
    follows.recommendation_second_hop_limit = 3

    # When
    ranked = follows.recommendations("me", label="follows")

    # Then x is reached twice; y and z lie past a's and b's first three links, w only past c
    assert [(r.vertex.id, r.score) for r in ranked] == [("x", 2)]


@pytest.fixture
def huge_fan_out(graph):
    """me follows 20 more than the first-hop limit (f000...) and zed; f000 alone links to 5 more than
    the second-hop limit (c0000...), then to pop and half; every f within the bound follows pop,
    the first half of them half; the 20 past the bound follow late and half; ten follow zed."""
    first, second = graph.recommendation_first_hop_limit, graph.recommendation_second_hop_limit
    followed = [f"f{n:03}" for n in range(first + 20)]
    within, past = followed[:first], followed[first:]
    far = [f"c{n:04}" for n in range(second + 5)]
    graph.bulk_upsert_vertices((id, "user") for id in ["me", "pop", "half", "late", "zed", *followed, *far])
    graph.bulk_upsert_edges([
        *(("me", "follows", id) for id in [*followed, "zed"]),
        *(("f000", "follows", id) for id in far),
        *((id, "follows", "pop") for id in within),
        *((id, "follows", "half") for id in within[: first // 2] + past),
        *((id, "follows", "late") for id in past),
        *((id, "follows", "zed") for id in within[1:11]),
    ])
    return graph


def test_recommendations_for_a_huge_fan_out_rank_exactly_within_the_bound(huge_fan_out):
    first = huge_fan_out.recommendation_first_hop_limit

    ranked = huge_fan_out.recommendations("me", label="follows", limit=100)

    # f000's links to pop and half come after its first second-hop-limit ones, so they do not count;
    # late is reached only past the first hop; zed is already followed, though past the first hop.
    scores = [(r.vertex.id, r.score) for r in ranked]
    assert scores[:3] == [("pop", first - 1), ("half", first // 2 - 1), ("c0000", 1)]
    assert [id for id, _ in scores[2:]] == [f"c{n:04}" for n in range(98)]
    assert {"late", "zed", "me"}.isdisjoint(id for id, _ in scores)


# -- bought together --------------------------------------------------------------
@pytest.fixture
def purchases(graph):
    """u1 bought p1 p2 p3; u2 bought p1 p2; u3 bought p1 p3 p4; u4 bought p2 p4 (not p1)."""
    graph.bulk_upsert_vertices([(f"u{n}", "user") for n in range(1, 5)])
    graph.bulk_upsert_vertices([(f"p{n}", "product", {"n": n}, "shop") for n in range(1, 5)])
    graph.bulk_upsert_edges([
        ("u1", "bought", "p1"), ("u1", "bought", "p2"), ("u1", "bought", "p3"),
        ("u2", "bought", "p1"), ("u2", "bought", "p2"),
        ("u3", "bought", "p1"), ("u3", "bought", "p3"), ("u3", "bought", "p4"),
        ("u4", "bought", "p2"), ("u4", "bought", "p4"),
        ("u2", "viewed", "p4"),
    ])
    return graph


def test_bought_together_ranks_by_buyers_then_id_and_leaves_out_the_product(purchases):
    ranked = purchases.bought_together("p1", label="bought")

    assert [(r.vertex.id, r.score) for r in ranked] == [("p2", 2), ("p3", 2), ("p4", 1)]
    assert ranked[0].vertex == Vertex("p2", "product", {"n": 2}, "shop")


def test_bought_together_stops_at_the_limit(purchases):
    assert [r.vertex.id for r in purchases.bought_together("p4", label="bought", limit=2)] == ["p1", "p2"]


def test_bought_together_of_an_unbought_product_is_empty(purchases):
    purchases.upsert_vertex("p9", "product")

    assert purchases.bought_together("p9", label="bought") == []


# -- shortest path ---------------------------------------------------------------
@pytest.fixture
def chain(graph):
    """a -> b -> c -> d -> e -> f, a shortcut a -> x -> d, a cycle c -> a, and g on its own."""
    graph.bulk_upsert_vertices((id, "user") for id in "abcdefgx")
    graph.bulk_upsert_edges([
        ("a", "next", "b"), ("b", "next", "c"), ("c", "next", "d"), ("d", "next", "e"), ("e", "next", "f"),
        ("a", "jump", "x"), ("x", "next", "d"), ("c", "next", "a"),
    ])
    return graph


def test_shortest_path_takes_the_fewest_edges(chain):
    assert chain.shortest_path("a", "e") == ["a", "x", "d", "e"]


def test_shortest_path_by_label(chain):
    assert chain.shortest_path("a", "e", label="next") == ["a", "b", "c", "d", "e"]


def test_shortest_path_is_bounded_by_depth(chain):
    assert chain.shortest_path("a", "f", max_depth=4) == ["a", "x", "d", "e", "f"]
    assert chain.shortest_path("a", "f", max_depth=3) is None


def test_shortest_path_against_the_edges(chain):
    assert chain.shortest_path("e", "a") is None
    assert chain.shortest_path("e", "a", direction="in") == ["e", "d", "x", "a"]
    assert chain.shortest_path("f", "x", direction="both") == ["f", "e", "d", "x"]


def test_shortest_path_ties_are_broken_the_same_way_every_time(graph):
    graph.bulk_upsert_vertices((id, "user") for id in ("s", "m2", "m1", "t"))
    graph.bulk_upsert_edges([
        ("s", "next", "m2"), ("s", "next", "m1"), ("m2", "next", "t"), ("m1", "next", "t"),
    ])

    assert {tuple(graph.shortest_path("s", "t")) for _ in range(3)} == {("s", "m1", "t")}


def test_shortest_path_to_itself_and_without_a_way(chain):
    assert chain.shortest_path("a", "a") == ["a"]
    assert chain.shortest_path("nobody", "nobody") is None
    assert chain.shortest_path("a", "g") is None
    assert chain.shortest_path("a", "nobody") is None


def test_shortest_path_ties_go_to_the_path_whose_ids_sort_first_from_the_source(graph):
    # s-a-y-t sorts before s-b-x-t at its second id, whatever the labels and the later ids.
    graph.bulk_upsert_vertices((id, "user") for id in ("s", "a", "b", "x", "y", "t"))
    graph.bulk_upsert_edges([
        ("s", "zeta", "a"), ("s", "alpha", "b"), ("b", "alpha", "x"), ("a", "zeta", "y"),
        ("x", "alpha", "t"), ("y", "zeta", "t"),
    ])

    assert graph.shortest_path("s", "t") == ["s", "a", "y", "t"]
    assert graph.shortest_path("t", "s", direction="in") == ["t", "x", "b", "s"]


@pytest.fixture
def clique(graph):
    """20 vertices, each linked to every other; "far" is linked to none of them."""
    members = [f"v{n:02}" for n in range(20)]
    graph.bulk_upsert_vertices([(id, "user") for id in members] + [("far", "user")])
    graph.bulk_upsert_edges((a, "knows", b) for a in members for b in members if a != b)
    return graph, members


def count_expanded(graph, monkeypatch):
    """Record the frontier of every depth the walk expands."""
    frontiers = []
    links = graph._links

    def recording(frontier, *args):
        frontiers.append(list(frontier))
        return links(frontier, *args)

    monkeypatch.setattr(graph, "_links", recording)
    return frontiers


def test_shortest_path_in_a_dense_graph_expands_each_vertex_once(clique, monkeypatch):
    graph, members = clique
    frontiers = count_expanded(graph, monkeypatch)

    assert graph.shortest_path("v00", "far", max_depth=6, direction="both") is None
    expanded = [id for frontier in frontiers for id in frontier]
    assert sorted(expanded) == members
    assert len(frontiers) == 2  # v00, then the 19 others; nothing new is reached after that


def test_shortest_path_in_a_dense_graph_finds_the_smallest_shortest_path(clique):
    graph, members = clique
    graph.upsert_edge("v17", "knows", "far")
    graph.upsert_edge("v05", "knows", "far")

    assert graph.shortest_path("v03", "far", max_depth=6) == ["v03", "v05", "far"]
    assert graph.shortest_path("far", "v00", max_depth=6) is None
    assert graph.shortest_path("far", "v00", max_depth=6, direction="in") == ["far", "v05", "v00"]
    assert graph.shortest_path("far", "v00", max_depth=6, direction="both") == ["far", "v05", "v00"]


@pytest.mark.parametrize("method", ["recommendations", "bought_together"])
def test_ranked_walks_take_their_label_from_the_caller_not_from_a_default(graph, method):
    with pytest.raises(TypeError, match="label"):
        getattr(graph, method)("a")


@pytest.mark.parametrize("call", [
    lambda g: g.neighbours("a", offset=2**63),
    lambda g: g.neighbours("a", offset=2**31),
    lambda g: g.common_neighbours("a", "b", offset=10**30),
    lambda g: g.neighbours("a", offset=1.0),
], ids=["past int64", "past max_offset", "huge common", "float"])
def test_paging_past_the_bounds_is_invalid_not_an_overflow(graph, call):
    with pytest.raises(InvalidQuery):
        call(graph)


def test_paging_at_the_largest_offset_is_an_empty_page(social):
    assert social.neighbours("user:ann", offset=social.max_offset) == []
    assert social.common_neighbours("user:ann", "user:bob", offset=social.max_offset) == []


@pytest.fixture
def loops(graph):
    """a and b each link to themselves and to each other, and both to c."""
    graph.bulk_upsert_vertices((id, "user") for id in "abc")
    graph.bulk_upsert_edges([
        ("a", "follows", "a"), ("b", "follows", "b"), ("a", "follows", "b"), ("b", "follows", "a"),
        ("a", "follows", "c"), ("b", "follows", "c"),
    ])
    return graph


@pytest.mark.parametrize("direction", ["out", "in", "both"])
def test_common_neighbours_never_list_the_vertices_asked_about(loops, direction):
    assert ids(loops.common_neighbours("a", "b", direction=direction)) == (["c"] if direction != "in" else [])
    assert ids(loops.common_neighbours("a", "a", direction=direction)) == (
        ["b", "c"] if direction != "in" else ["b"]
    )


def test_recommendations_and_bought_together_never_list_the_vertex_asked_about(loops):
    loops.upsert_vertex("d", "user")
    loops.upsert_edge("c", "follows", "d")
    loops.bulk_upsert_edges([("a", "bought", "a"), ("b", "bought", "a"), ("b", "bought", "b")])

    assert [r.vertex.id for r in loops.recommendations("a", label="follows")] == ["d"]
    assert [r.vertex.id for r in loops.bought_together("a", label="bought")] == ["b"]


def test_an_upsert_without_a_partition_key_keeps_the_stored_one(graph):
    graph.upsert_vertex("a", "user", {"n": 1}, partition_key="p1")

    graph.upsert_vertex("a", "user", {"n": 2})
    graph.bulk_upsert_vertices([("a", "user", {"n": 3})])

    assert graph.get_vertex("a") == Vertex("a", "user", {"n": 3}, "p1")


# -- bulk ------------------------------------------------------------------------
def test_bulk_upserts_take_objects_and_tuples_and_count_them(graph):
    vertices = [Vertex("a", "user", {"n": 1}, "p"), ("b", "user"), ("c", "user", {"n": 3})]

    assert graph.bulk_upsert_vertices(vertices) == 3
    assert graph.bulk_upsert_edges([Edge("a", "follows", "b", {"since": 1}), ("a", "follows", "c")]) == 2
    assert graph.bulk_upsert_edges([("a", "follows", "b")]) == 1

    assert graph.get_vertex("a") == Vertex("a", "user", {"n": 1}, "p")
    assert graph.get_vertex("c").properties == {"n": 3}
    assert ids(graph.neighbours("a")) == ["b", "c"]
    assert graph.degree("a") == 2


def test_bulk_edges_to_a_missing_vertex_are_not_found(graph):
    graph.bulk_upsert_vertices([("a", "user"), ("b", "user")])

    with pytest.raises(NotFound, match="'ghost'"):
        graph.bulk_upsert_edges([("a", "follows", "b"), ("a", "follows", "ghost")])

    if graph.supports_atomic_bulk:
        assert graph.degree("a") == 0


def test_a_malformed_item_stops_a_bulk_upsert_before_anything_is_written(graph):
    with pytest.raises(InvalidQuery):
        graph.bulk_upsert_vertices([("a", "user"), ("b", "not a label")])

    with pytest.raises(NotFound):
        graph.get_vertex("a")


def test_bulk_upserts_of_nothing_are_fine(graph):
    assert graph.bulk_upsert_vertices([]) == 0
    assert graph.bulk_upsert_edges(iter([])) == 0


# -- values are data, never syntax ------------------------------------------------
INJECTIONS = [
    "x').drop();g.V('", "a'); DROP TABLE vertices; --", 'b" OR 1=1 --', "c\\'", "日本語", "%_*", "\x00null",
]


def test_injection_looking_ids_and_properties_are_stored_literally(graph):
    for id in INJECTIONS:
        graph.upsert_vertex(id, "user", {"note": id, id: "as a key"})
    graph.upsert_vertex("hub", "user")
    for id in INJECTIONS:
        graph.upsert_edge("hub", "knows", id, {"via": id})

    for id in INJECTIONS:
        assert graph.get_vertex(id) == Vertex(id, "user", {"note": id, id: "as a key"})
    assert ids(graph.neighbours("hub")) == sorted(INJECTIONS)
    assert graph.degree("hub") == len(INJECTIONS)
    listed = list(graph.scan_edges("knows", page_size=2))
    assert sorted((e.target, e.properties["via"]) for e in listed) == sorted((id, id) for id in INJECTIONS)
    vertices = list(graph.scan_vertices("user", page_size=2))
    assert ids(vertices) == sorted([*INJECTIONS, "hub"])
    properties = {v.id: v.properties for v in vertices if v.id != "hub"}
    assert properties == {id: {"note": id, id: "as a key"} for id in INJECTIONS}


def test_hostile_ids_resume_a_vertices_listing_at_every_page(graph):
    graph.bulk_upsert_vertices([(id, "user", {}, id) for id in INJECTIONS])

    token, listed = None, []
    while True:
        page = graph.vertices("user", limit=1, continuation=token)
        listed += page.items
        token = page.continuation
        if token is None:
            break

    assert [(v.id, v.partition_key) for v in listed] == [(id, id) for id in sorted(INJECTIONS)]


def test_injection_looking_values_work_in_every_query(graph):
    # every hostile id knows hub, the first three also know other, and hub knows other
    graph.bulk_upsert_vertices([("hub", "user"), ("other", "user")] + [(id, "user") for id in INJECTIONS])
    graph.bulk_upsert_edges([(id, "knows", "hub") for id in INJECTIONS] + [("hub", "knows", "other")])
    graph.bulk_upsert_edges([(id, "knows", "other") for id in INJECTIONS[:3]])
    first, rest = INJECTIONS[0], INJECTIONS[3:]

    assert ids(graph.common_neighbours(first, INJECTIONS[1], label="knows")) == ["hub", "other"]
    assert ids(graph.common_neighbours("hub", "other", direction="in")) == sorted(INJECTIONS[:3])
    assert [(r.vertex.id, r.score) for r in graph.bought_together("other", label="knows")] == [("hub", 3)]
    for id in rest:
        assert [(r.vertex.id, r.score) for r in graph.recommendations(id, label="knows")] == [("other", 1)]
        assert graph.shortest_path(id, "other") == [id, "hub", "other"]
        assert graph.shortest_path(first, id, direction="both") == [first, "hub", id]


# -- sqlite ------------------------------------------------------------------
def test_sqlite_indexes_edges_by_source_and_by_target(tmp_path):
    sqlite_store(tmp_path).upsert_vertex("a", "user")

    with sqlite3.connect(tmp_path / "graph.sqlite3") as connection:
        primary_key = [row[2] for row in connection.execute("PRAGMA index_xinfo('sqlite_autoindex_edges_1')")]
        by_target = [row[2] for row in connection.execute("PRAGMA index_info('edges_by_target')")]

    assert primary_key[:2] == ["source", "label"]
    assert by_target[:2] == ["target", "label"]


@pytest.mark.parametrize("sql, params", [
    (graph_sqlite.VERTICES, ("user", 10)), (graph_sqlite.VERTICES_AFTER, ("user", "v1", 10)),
], ids=["first page", "after an id"])
def test_sqlite_lists_a_labels_vertices_from_an_index_in_id_order(tmp_path, sql, params):
    sqlite_store(tmp_path).upsert_vertex("a", "user")

    with sqlite3.connect(tmp_path / "graph.sqlite3") as connection:
        columns = [row[2] for row in connection.execute("PRAGMA index_info('vertices_by_label')")]
        plan = " ".join(row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {sql}", params))

    assert columns == ["label", "id"]
    assert "vertices_by_label" in plan
    assert "TEMP B-TREE" not in plan  # the index gives the order; nothing is sorted


def test_sqlite_keeps_hostile_ids_literally_in_its_tables(tmp_path):
    store = sqlite_store(tmp_path)
    store.bulk_upsert_vertices([(id, "user", {"note": id}) for id in INJECTIONS])
    store.bulk_upsert_edges([(INJECTIONS[0], "knows", id) for id in INJECTIONS[1:]])

    with sqlite3.connect(tmp_path / "graph.sqlite3") as connection:
        stored = sorted(row[0] for row in connection.execute("SELECT id FROM vertices"))
        targets = sorted(row[0] for row in connection.execute("SELECT target FROM edges"))
        tables = [row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]

    assert stored == sorted(INJECTIONS)
    assert targets == sorted(INJECTIONS[1:])
    assert tables == ["edges", "vertices"]


def test_sqlite_bulk_edges_roll_back_whole_on_a_missing_vertex(tmp_path):
    store = sqlite_store(tmp_path)
    store.bulk_upsert_vertices([("a", "user"), ("b", "user")])

    with pytest.raises(NotFound):
        store.bulk_upsert_edges([("a", "follows", "b"), ("b", "follows", "ghost")])

    assert store.degree("a") == store.degree("b") == 0

def test_sqlite_needs_a_path_and_refuses_unknown_options(tmp_path):
    with pytest.raises(ImproperlyConfigured, match="path"):
        SQLiteGraphStore(alias="g")
    with pytest.raises(ImproperlyConfigured, match="busy"):
        SQLiteGraphStore(alias="g", path=str(tmp_path / "g.sqlite3"), busy=5)


def test_sqlite_uses_write_ahead_logging(tmp_path):
    sqlite_store(tmp_path).upsert_vertex("a", "user")

    with sqlite3.connect(tmp_path / "graph.sqlite3") as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_sqlite_two_stores_on_one_file_write_from_many_threads(tmp_path):
    web, worker = sqlite_store(tmp_path), sqlite_store(tmp_path)
    web.upsert_vertex("hub", "user")
    errors = []

    def write(store, prefix):
        try:
            for n in range(50):
                store.upsert_vertex(f"{prefix}{n}", "user")
                store.upsert_edge("hub", "follows", f"{prefix}{n}")
        except Exception as e:  # noqa: BLE001 - any error, reported by the assertion below
            errors.append(e)

    threads = [threading.Thread(target=write, args=pair) for pair in [(web, "w"), (worker, "k")]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert web.degree("hub") == worker.degree("hub") == 100
