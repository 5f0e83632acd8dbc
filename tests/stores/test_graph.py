"""The graph contract, run against every graph backend (one fixture parametrized over them)."""
import sqlite3
import threading

import pytest
from django.core.exceptions import ImproperlyConfigured

from apps.stores.exceptions import InvalidQuery, NotFound
from apps.stores.graph import Vertex
from apps.stores.graph.sqlite import SQLiteGraphStore


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


def test_upserting_again_replaces_label_and_properties_and_keeps_edges(graph):
    graph.upsert_vertex("a", "user", {"name": "Ann", "old": 1})
    graph.upsert_vertex("b", "user")
    graph.upsert_edge("a", "follows", "b")

    graph.upsert_vertex("a", "member", {"name": "Anne"})

    assert graph.get_vertex("a") == Vertex("a", "member", {"name": "Anne"})
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


# -- sqlite ------------------------------------------------------------------
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
