"""GremlinGraphStore at the wire: gremlinpython talks to a local endpoint that speaks Gremlin Server.

No Gremlin server can be installed here, so these tests stand one in: an
aiohttp WebSocket endpoint on 127.0.0.1 (a random port, its own thread and
event loop) that records every frame the real driver sends and answers with
realistic frames: Cosmos DB's plain-JSON vertices and paths, TinkerPop's
typed GraphSON v2, partial (206) chunks, Cosmos DB's errors (status 500
carrying ``x-ms-status-code`` and ``x-ms-retry-after-ms``), the SASL
challenge (407) and refused credentials (401), and dropped connections.
Every operation's script and bindings are asserted; the answers go through
gremlinpython's own deserializer. What this cannot show is how Cosmos DB
itself evaluates the scripts.
"""
import asyncio
import base64
import gc
import json
import socket
import threading
import time
import uuid
from collections import deque

import pytest
from aiohttp import WSMsgType, web
from django.core.exceptions import ImproperlyConfigured

from apps.stores.exceptions import Conflict, InvalidQuery, NotFound, StoreError, Unavailable
from apps.stores.graph import Edge, Ranked, Vertex
from apps.stores.graph import gremlin
from apps.stores.graph.gremlin import GremlinGraphStore, edge_id
from apps.stores.signals import store_operation

MIME = "application/vnd.gremlin-v2.0+json"
USERNAME = "/dbs/shop/colls/social"
KEY = "c2VjcmV0LWtleQ=="
HOSTILE = "x').drop();g.V('"
QUOTED_LABEL_VALUE = "it's \"quoted\" \\ and ') g.V().drop() //"


# -- answers, as Cosmos DB and TinkerPop write them -------------------------------------
def cosmos_vertex(id, label, props=None, pk=None, **native):
    """A vertex as Cosmos DB answers it: plain JSON, each property a list of {id, value}."""
    properties = {"pk": [{"id": f"{id}|pk", "value": id if pk is None else pk}]}
    if props is not None:
        properties["props"] = [{"id": str(uuid.uuid4()), "value": json.dumps(props)}]
    for key, value in native.items():
        properties[key] = [{"id": str(uuid.uuid4()), "value": value}]
    return {"id": id, "label": label, "type": "vertex", "properties": properties}


def graphson_vertex(id, label, props=None, pk=None):
    """A vertex as a TinkerPop server answers it in GraphSON v2: typed values."""
    def prop(key, value):
        value = {"id": int64(len(key)), "value": value, "label": key}
        return {"@type": "g:VertexProperty", "@value": value}

    properties = {"pk": [prop("pk", id if pk is None else pk)]}
    if props is not None:
        properties["props"] = [prop("props", json.dumps(props))]
    return {"@type": "g:Vertex", "@value": {"id": id, "label": label, "properties": properties}}


def cosmos_edge(source, label, target, props=None):
    return {
        "id": edge_id(source, label, target), "label": label, "type": "edge",
        "inVLabel": "user", "outVLabel": "user", "inV": target, "outV": source,
        "properties": {"props": json.dumps(props or {})},
    }


def int64(n):
    return {"@type": "g:Int64", "@value": n}


def ok(*data, charge=2.5):
    return {"kind": "ok", "data": list(data), "attributes": cosmos_attributes(200, charge)}


def in_chunks(*chunks, charge=4.0):
    """One answer sent as 206 (partial content) frames, then a final 200."""
    parts = [list(chunk) for chunk in chunks]
    return {"kind": "chunks", "chunks": parts, "attributes": cosmos_attributes(200, charge)}


def cosmos_error(status, message="", retry_after=None, charge=1.0):
    """A failure as Cosmos DB answers it: status 500, its own code in the attributes."""
    attributes = cosmos_attributes(status, charge)
    if retry_after is not None:
        attributes["x-ms-retry-after-ms"] = retry_after
        attributes["x-ms-substatus-code"] = 3200
    text = (
        f"\r\n\nActivityId : {uuid.uuid4()}\nExceptionType : GraphRuntimeException\n"
        f"ExceptionMessage : {message}"
    )
    return {"kind": "error", "code": 500, "message": text, "attributes": attributes}


def gremlin_error(code, message):
    return {"kind": "error", "code": code, "message": message, "attributes": {}}


DROP = {"kind": "drop"}


def cosmos_attributes(status, charge):
    return {
        "x-ms-status-code": status,
        "x-ms-request-charge": charge,
        "x-ms-total-request-charge": charge,
        "x-ms-server-time-ms": 1.25,
        "x-ms-activity-id": str(uuid.uuid4()),
    }


# -- the stand-in server -----------------------------------------------------------------
class GremlinServerStandIn:
    """Records what gremlinpython sends and answers from a queue (or an answer function)."""

    def __init__(self, username=USERNAME, key=KEY):
        self.credentials = f"\0{username}\0{key}".encode()
        self.frames = []  # every frame received: {"mime_length", "mime", "message"}
        self.answers = deque()
        self.answer_for = None  # optional function(message) -> answer, used when the queue is empty
        self.connections = 0
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="gremlin-stand-in", daemon=True)

    @property
    def url(self):
        return f"ws://127.0.0.1:{self.port}/gremlin"

    @property
    def evals(self):
        """The eval requests received, in order (authentication frames left out)."""
        return [frame["message"] for frame in self.frames if frame["message"]["op"] == "eval"]

    @property
    def sent(self):
        """(script, bindings) of every eval request, in order."""
        return [(m["args"]["gremlin"], m["args"].get("bindings", {})) for m in self.evals]

    @property
    def authentications(self):
        return [frame["message"] for frame in self.frames if frame["message"]["op"] == "authentication"]

    def answer(self, *answers):
        self.answers.extend(answers)

    def start(self):
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(5)
        return self

    def stop(self):
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    async def _start(self):
        app = web.Application()
        app.router.add_get("/gremlin", self._websocket)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]

    async def _websocket(self, request):
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        with self._lock:
            self.connections += 1
        authenticated, waiting = False, None
        async for frame in ws:
            if frame.type != WSMsgType.BINARY:
                continue
            message = self._record(frame.data)
            request_id = message["requestId"]["@value"]
            if message["op"] == "authentication":
                if base64.b64decode(message["args"]["sasl"]) != self.credentials:
                    await self._send(ws, request_id, 401, "Unauthorized: Invalid credentials provided", {})
                    continue
                authenticated = True
                message = waiting
            elif not authenticated:
                # Cosmos DB, like Gremlin Server with an authenticator, challenges a new connection.
                waiting = message
                await self._send(ws, request_id, 407, "", {})
                continue
            if not await self._reply(ws, request_id, self._next_answer(message)):
                return ws
        return ws

    def _record(self, data):
        mime_length = data[0]
        message = json.loads(data[1 + mime_length:])
        mime = data[1:1 + mime_length].decode()
        self.frames.append({"mime_length": mime_length, "mime": mime, "message": message})
        return message

    def _next_answer(self, message):
        with self._lock:
            if self.answers:
                return self.answers.popleft()
        return self.answer_for(message) if self.answer_for else ok()

    async def _reply(self, ws, request_id, answer):
        if answer["kind"] == "drop":
            await ws.close()
            return False
        if answer["kind"] == "error":
            await self._send(ws, request_id, answer["code"], answer["message"], answer["attributes"])
        elif answer["kind"] == "chunks":
            *partial, last = answer["chunks"]
            for chunk in partial:
                await self._send(ws, request_id, 206, "", {}, chunk)
            await self._send(ws, request_id, 200, "", answer["attributes"], last)
        else:
            await self._send(ws, request_id, 200, "", answer["attributes"], answer["data"])
        return True

    @staticmethod
    async def _send(ws, request_id, code, message, attributes, data=None):
        await ws.send_str(json.dumps({
            "requestId": request_id,  # plain, as servers answer; the request carried it typed
            "status": {"code": code, "message": message, "attributes": attributes},
            "result": {"data": data, "meta": {}},
        }))


@pytest.fixture
def server():
    stand_in = GremlinServerStandIn().start()
    yield stand_in
    stand_in.stop()


def make_store(server, **options):
    settings = {
        "endpoint": server.url, "username": USERNAME, "key": KEY, "retry_backoff": 0.001, "read_timeout": 5,
    }
    return GremlinGraphStore(alias="wire", **{**settings, **options})


@pytest.fixture
def store(server):
    graph = make_store(server)
    yield graph
    graph.close()


# -- the frames ----------------------------------------------------------------------------
def test_requests_are_graphson_v2_eval_frames_with_the_script_and_bindings(server, store):
    server.answer(ok(cosmos_vertex("user:1", "user", {})))

    store.get_vertex("user:1")

    assert all(frame["mime_length"] == len(MIME) and frame["mime"] == MIME for frame in server.frames)
    [message] = server.evals
    assert message["op"] == "eval" and message["processor"] == ""
    assert message["requestId"]["@type"] == "g:UUID"
    uuid.UUID(message["requestId"]["@value"])
    assert message["args"] == {"gremlin": "g.V(vid)", "bindings": {"vid": "user:1"}, "aliases": {"g": "g"}}


def test_a_new_connection_authenticates_with_the_username_and_key(server, store):
    server.answer(ok(cosmos_vertex("user:1", "user", {})))

    store.get_vertex("user:1")

    [challenged, authentication, *_] = [frame["message"] for frame in server.frames]
    assert authentication["op"] == "authentication" and authentication["processor"] == "traversal"
    assert authentication["requestId"] == challenged["requestId"]
    assert base64.b64decode(authentication["args"]["sasl"]) == f"\0{USERNAME}\0{KEY}".encode()


def test_refused_credentials_are_unavailable_and_not_retried(server):
    store = make_store(server, key="d3Jvbmc=")

    with pytest.raises(Unavailable, match="401.*username"):
        store.get_vertex("user:1")

    assert len(server.evals) == 1
    store.close()


def test_the_client_connects_on_first_use_not_when_the_store_is_made(server):
    store = make_store(server)

    assert server.connections == 0 and "client" not in store.__dict__
    store.degree("user:1")
    assert server.connections >= 1
    store.close()


def test_the_azure_settings_options_are_enough(server):
    store = GremlinGraphStore(alias="graph", endpoint=server.url, username=USERNAME, key=KEY)

    assert store.options["partition_key_property"] == "pk"
    assert store.supports_relabel is False


@pytest.mark.parametrize("options, complaint", [
    ({"endpoint": "https://account.gremlin.cosmos.azure.com"}, "ws://"),
    ({"region": "westeurope"}, "region"),
    ({"partition_key_property": "/pk"}, "partition_key_property"),
    ({"pool_size": 0}, "pool_size"),
    ({"read_timeout": "30"}, "read_timeout"),
    ({"write_timeout": 0}, "write_timeout"),
    ({"key": ""}, "key"),
])
def test_bad_options_are_refused_by_name(options, complaint):
    defaults = {"endpoint": "wss://a.gremlin.cosmos.azure.com:443/", "username": USERNAME, "key": KEY}

    with pytest.raises(ImproperlyConfigured, match=complaint):
        GremlinGraphStore(alias="graph", **{**defaults, **options})


# -- vertices -----------------------------------------------------------------------------
def test_upsert_vertex_sends_the_cosmos_upsert_with_every_value_bound(server, store):
    server.answer(ok(cosmos_vertex("user:1", "user", {"name": "Ann"})))

    returned = store.upsert_vertex("user:1", "user", {"name": "Ann", "age": 30, "bio": None})

    assert server.sent == [(
        "g.V(vid).fold().coalesce(unfold(), addV(vlabel).property('id', vid).property(pkKey, pkValue))"
        ".hasLabel(vlabel).property(single, 'props', props)",
        {"vid": "user:1", "vlabel": "user", "pkKey": "pk", "pkValue": "user:1",
         "props": json.dumps({"name": "Ann", "age": 30, "bio": None})},
    )]
    assert returned == Vertex("user:1", "user", {"name": "Ann", "age": 30, "bio": None})


def test_upsert_vertex_binds_the_partition_key_and_its_property_name(server):
    store = make_store(server, partition_key_property="category")
    server.answer(ok(cosmos_vertex("product:7", "product", {}, pk="books")))

    store.upsert_vertex("product:7", "product", partition_key="books")

    [(script, bindings)] = server.sent
    assert script == gremlin.UPSERT_VERTEX
    assert bindings["pkKey"] == "category" and bindings["pkValue"] == "books"
    store.close()


def test_upserting_a_vertex_with_another_label_is_a_conflict(server, store):
    server.answer(ok())  # hasLabel() let nothing through: the vertex has another label

    with pytest.raises(Conflict, match="another label"):
        store.upsert_vertex("user:1", "member")


def test_get_vertex_decodes_cosmos_json_with_our_properties_and_native_ones(server, store):
    dune = {"title": "Dune", "price": 9.5}
    server.answer(ok(cosmos_vertex("product:7", "product", dune, pk="books", colour="red")))

    vertex = store.get_vertex("product:7")

    assert vertex == Vertex("product:7", "product", {"colour": "red", "title": "Dune", "price": 9.5}, "books")


def test_get_vertex_decodes_typed_graphson_from_a_tinkerpop_server(server, store):
    server.answer(ok(graphson_vertex("user:1", "user", {"name": "Ann", "admin": False})))

    assert store.get_vertex("user:1") == Vertex("user:1", "user", {"name": "Ann", "admin": False})


def test_a_missing_vertex_is_not_found(server, store):
    server.answer(ok())

    with pytest.raises(NotFound, match="user:404"):
        store.get_vertex("user:404")
    assert server.sent == [("g.V(vid)", {"vid": "user:404"})]


def test_remove_vertex_drops_it_by_id(server, store):
    store.remove_vertex("user:1")

    assert server.sent == [("g.V(vid).drop()", {"vid": "user:1"})]


def test_clear_drops_in_batches_until_no_vertex_is_left(server):
    store = make_store(server, clear_batch=100)
    server.answer(ok(), ok(1), ok(), ok(int64(0)))

    store.clear()

    assert server.sent == [
        ("g.V().limit(batch).drop()", {"batch": 100}), ("g.V().limit(1).count()", {}),
        ("g.V().limit(batch).drop()", {"batch": 100}), ("g.V().limit(1).count()", {}),
    ]
    store.close()


# -- edges --------------------------------------------------------------------------------
def test_upsert_edge_binds_the_ends_label_properties_and_a_derived_edge_id(server, store):
    server.answer(ok(cosmos_edge("user:1", "follows", "user:2", {"since": 2024})))

    store.upsert_edge("user:1", "follows", "user:2", {"since": 2024})

    assert server.sent == [(
        "g.V(src).as('source').V(dst).as('target').select('source')"
        ".coalesce(outE(elabel).where(inV().hasId(dst)), addE(elabel).to('target').property('id', eid))"
        ".property('props', props)",
        {"src": "user:1", "dst": "user:2", "elabel": "follows",
         "eid": edge_id("user:1", "follows", "user:2"), "props": '{"since": 2024}'},
    )]


def test_edge_ids_are_the_same_for_every_writer_and_differ_per_edge():
    first = edge_id("user:1", "follows", "user:2")

    assert first == edge_id("user:1", "follows", "user:2")
    assert len({first, edge_id("user:2", "follows", "user:1"), edge_id("user:1", "likes", "user:2")}) == 3
    assert len(first) <= 255 and first.isascii()


def test_an_edge_to_a_missing_vertex_is_not_found_naming_it(server, store):
    server.answer(ok(), ok(cosmos_vertex("user:1", "user", {})))

    with pytest.raises(NotFound, match="'ghost'"):
        store.upsert_edge("user:1", "follows", "ghost")

    assert [script for script, _ in server.sent] == [gremlin.UPSERT_EDGE, "g.V(src, dst)"]
    assert server.sent[1][1] == {"src": "user:1", "dst": "ghost"}


def test_remove_edge_drops_the_one_edge_from_its_source(server, store):
    store.remove_edge("user:1", "follows", "user:2")

    assert server.sent == [(
        "g.V(src).outE(elabel).where(inV().hasId(dst)).drop()",
        {"src": "user:1", "dst": "user:2", "elabel": "follows"},
    )]


# -- reads --------------------------------------------------------------------------------
@pytest.mark.parametrize("direction", ["out", "in", "both"])
@pytest.mark.parametrize("label", ["follows", None])
def test_neighbours_send_the_variant_for_direction_and_label(server, store, direction, label):
    server.answer(ok(cosmos_vertex("user:2", "user", {"n": 2}), cosmos_vertex("user:3", "user", {})))

    page = store.neighbours("user:1", direction=direction, label=label, limit=2, offset=4)

    step = f"{direction}(elabel)" if label else f"{direction}()"
    assert server.sent == [(
        f"g.V(vid).{step}.dedup().order().by(id, incr).range(lo, hi)",
        {"vid": "user:1", "lo": 4, "hi": 6, **({"elabel": label} if label else {})},
    )]
    assert page == [Vertex("user:2", "user", {"n": 2}), Vertex("user:3", "user")]


def test_an_answer_in_partial_chunks_is_read_whole(server, store):
    vertices = [cosmos_vertex(f"user:{n}", "user", {}) for n in range(5)]
    server.answer(in_chunks(vertices[:2], vertices[2:4], vertices[4:]))

    page = store.neighbours("hub", direction="in", limit=5)

    assert [v.id for v in page] == [f"user:{n}" for n in range(5)]


@pytest.mark.parametrize("count", [7, int64(7)])
def test_degree_counts_edges_by_direction_and_label(server, store, count):
    server.answer(ok(count))

    assert store.degree("user:1", direction="both", label="follows") == 7
    assert server.sent == [("g.V(vid).bothE(elabel).count()", {"vid": "user:1", "elabel": "follows"})]


def test_common_neighbours_walk_out_then_back_to_the_other_vertex(server, store):
    server.answer(ok(cosmos_vertex("user:9", "user", {})))

    common = store.common_neighbours("user:1", "user:2", label="follows", limit=10)

    assert server.sent == [(
        "g.V(vid).out(elabel).as('common').in(elabel).hasId(other).select('common')"
        ".not(hasId(vid, other)).dedup().order().by(id, incr).range(lo, hi)",
        {"vid": "user:1", "other": "user:2", "elabel": "follows", "lo": 0, "hi": 10},
    )]
    assert [v.id for v in common] == ["user:9"]


def test_common_followers_walk_in_then_out(server, store):
    store.common_neighbours("user:1", "user:2", direction="in")

    assert server.sent[0][0] == (
        "g.V(vid).in().as('common').out().hasId(other).select('common')"
        ".not(hasId(vid, other)).dedup().order().by(id, incr).range(lo, hi)"
    )


def test_recommendations_rank_on_the_server_then_read_the_vertices(server, store):
    server.answer(
        ok({"user:x": int64(3)}, {"user:y": 2}, {"user:z": int64(2)}),
        ok(cosmos_vertex("user:z", "user", {}), cosmos_vertex("user:x", "user", {"name": "Xia"}),
           cosmos_vertex("user:y", "user", {})),
    )

    ranked = store.recommendations("user:me", label="follows", limit=3)

    assert server.sent == [
        ("g.V(vid).as('start').out(elabel).fold().as('linked')"
         ".unfold().order().by(id, incr).limit(firstHop)"
         ".local(out(elabel).order().by(id, incr).limit(secondHop))"
         ".where(neq('start')).where(without('linked'))"
         ".groupCount().by(id).unfold().order().by(values, decr).by(keys, incr).limit(top)",
         {"vid": "user:me", "elabel": "follows", "top": 3, "firstHop": 64, "secondHop": 1000}),
        ("g.V().hasId(within(vids))", {"vids": ["user:x", "user:y", "user:z"]}),
    ]
    assert ranked == [
        Ranked(Vertex("user:x", "user", {"name": "Xia"}), 3),
        Ranked(Vertex("user:y", "user"), 2),
        Ranked(Vertex("user:z", "user"), 2),
    ]


def test_the_recommendation_fan_out_bound_travels_in_the_bindings(server, store):
    store.recommendation_first_hop_limit, store.recommendation_second_hop_limit = 7, 9
    server.answer(ok())

    store.recommendations("user:me", label="follows")

    [(script, bindings)] = server.sent
    assert script == gremlin.RECOMMENDATIONS
    assert (bindings["firstHop"], bindings["secondHop"]) == (7, 9)


def test_a_recommended_vertex_removed_meanwhile_is_left_out(server, store):
    server.answer(ok({"user:x": 3}, {"user:y": 2}), ok(cosmos_vertex("user:y", "user", {})))

    assert [r.vertex.id for r in store.recommendations("user:me", label="follows")] == ["user:y"]


def test_no_candidates_means_no_second_request(server, store):
    server.answer(ok())

    assert store.recommendations("user:me", label="follows") == []
    assert len(server.sent) == 1


def test_bought_together_walks_to_the_buyers_and_back_out(server, store):
    server.answer(ok({"product:2": int64(5)}, {"product:3": 1}),
                  ok(graphson_vertex("product:2", "product", {}, pk="books"),
                     graphson_vertex("product:3", "product", {}, pk="books")))

    ranked = store.bought_together("product:1", label="bought", limit=2)

    assert server.sent[0] == (
        "g.V(vid).as('start').in(elabel).out(elabel).where(neq('start'))"
        ".groupCount().by(id).unfold().order().by(values, decr).by(keys, incr).limit(top)",
        {"vid": "product:1", "elabel": "bought", "top": 2},
    )
    assert [(r.vertex.id, r.vertex.partition_key, r.score) for r in ranked] == [
        ("product:2", "books", 5), ("product:3", "books", 1),
    ]


def edge_map(source, label, target, props=None, **native):
    """One map of an EDGES answer: the edge's id, its ends and valueMap() of its properties."""
    properties = {**native, **({} if props is None else {"props": json.dumps(props)})}
    return {"id": edge_id(source, label, target), "source": source, "target": target, "properties": properties}


def test_edges_ask_one_more_than_the_page_then_resume_after_the_last_edge_id(server, store):
    a, b, c = (edge_map("user:1", "follows", f"user:{n}", {"n": n}) for n in (2, 3, 4))
    server.answer(ok(a, b, c), ok(c))

    first = store.edges("follows", limit=2)
    second = store.edges("follows", limit=2, continuation=first.continuation)

    assert server.sent == [
        ("g.E().hasLabel(elabel).order().by(id, incr).limit(top)"
         ".project('id', 'source', 'target', 'properties').by(id).by(outV().id()).by(inV().id()).by(valueMap())",
         {"elabel": "follows", "top": 3}),
        ("g.E().hasLabel(elabel).has(id, gt(after)).order().by(id, incr).limit(top)"
         ".project('id', 'source', 'target', 'properties').by(id).by(outV().id()).by(inV().id()).by(valueMap())",
         {"elabel": "follows", "after": b["id"], "top": 3}),
    ]
    assert first.items == [Edge("user:1", "follows", "user:2", {"n": 2}), Edge("user:1", "follows", "user:3", {"n": 3})]
    assert (second.items, second.continuation) == ([Edge("user:1", "follows", "user:4", {"n": 4})], None)


def test_edges_keep_properties_other_tools_wrote_beside_ours(server, store):
    server.answer(ok(edge_map("user:1", "follows", "user:2", {"since": 2024}, weight=0.5)))

    [edge] = store.edges("follows").items

    assert edge.properties == {"since": 2024, "weight": 0.5}


def test_scan_edges_reads_until_a_page_is_the_last(server, store):
    maps = [edge_map("hub", "knows", f"v{n}") for n in range(5)]
    server.answer(ok(*maps[:3]), ok(*maps[2:5]), ok(maps[4]))

    scanned = list(store.scan_edges("knows", page_size=2))

    assert [edge.target for edge in scanned] == ["v0", "v1", "v2", "v3", "v4"]
    assert [bindings.get("after") for _, bindings in server.sent] == [None, maps[1]["id"], maps[3]["id"]]


def test_an_edge_answer_that_is_not_an_edge_map_is_a_store_error(server, store):
    server.answer(ok({"id": "e-1", "source": "a"}))

    with pytest.raises(StoreError, match="edge"):
        store.edges("knows")


# -- listing vertices -----------------------------------------------------------------------
def test_vertices_ask_one_more_than_the_page_then_resume_after_the_last_vertex_id(server, store):
    a, b, c = (cosmos_vertex(f"user:{n}", "user", {"n": n}, pk=f"p{n}") for n in (1, 2, 3))
    server.answer(ok(a, b, c), ok(c))

    first = store.vertices("user", limit=2)
    second = store.vertices("user", limit=2, continuation=first.continuation)

    assert server.sent == [
        ("g.V().hasLabel(vlabel).order().by(id, incr).limit(top)", {"vlabel": "user", "top": 3}),
        ("g.V().hasLabel(vlabel).has(id, gt(after)).order().by(id, incr).limit(top)",
         {"vlabel": "user", "after": "user:2", "top": 3}),
    ]
    assert first.items == [Vertex("user:1", "user", {"n": 1}, "p1"), Vertex("user:2", "user", {"n": 2}, "p2")]
    assert (second.items, second.continuation) == ([Vertex("user:3", "user", {"n": 3}, "p3")], None)


def test_vertices_decode_typed_graphson_and_native_properties(server, store):
    server.answer(ok(
        graphson_vertex("user:1", "user", {"name": "Ann"}, pk="eu"),
        cosmos_vertex("user:2", "user", {"name": "Bob"}, colour="red"),
    ))

    page = store.vertices("user")

    assert page.items == [
        Vertex("user:1", "user", {"name": "Ann"}, "eu"),
        Vertex("user:2", "user", {"colour": "red", "name": "Bob"}),
    ]
    assert page.continuation is None


def test_vertices_of_a_label_nobody_uses_are_one_request_and_an_empty_last_page(server, store):
    page = store.vertices("shop")

    assert (page.items, page.continuation) == ([], None)
    assert server.sent == [(gremlin.VERTICES, {"vlabel": "shop", "top": 101})]


def test_scan_vertices_reads_until_a_page_is_the_last(server, store):
    found = [cosmos_vertex(f"v{n}", "user") for n in range(5)]
    server.answer(ok(*found[:3]), ok(*found[2:5]), ok(found[4]))

    scanned = list(store.scan_vertices("user", page_size=2))

    assert [vertex.id for vertex in scanned] == ["v0", "v1", "v2", "v3", "v4"]
    assert [bindings.get("after") for _, bindings in server.sent] == [None, "v1", "v3"]
    assert {script for script, _ in server.sent} == {gremlin.VERTICES, gremlin.VERTICES_AFTER}


def test_a_vertex_answer_that_is_not_a_vertex_is_a_store_error(server, store):
    server.answer(ok(cosmos_edge("a", "knows", "b")))

    with pytest.raises(StoreError, match="vertex"):
        store.vertices("user")


def test_vertex_listings_are_checked_before_anything_is_sent(server, store):
    token = "eyJxIjoiMCIsInAiOiJ4In0="  # a well-formed token of another listing
    for call in (
        lambda: store.vertices("it's"),
        lambda: store.vertices("user", limit=1001),
        lambda: store.vertices("user", continuation=token),
        lambda: store.scan_vertices("user", page_size=0),
    ):
        with pytest.raises(InvalidQuery):
            call()

    assert server.frames == []


def links(*pairs):
    return ok(*({"origin": origin, "reached": reached} for origin, reached in pairs))


def test_shortest_path_asks_one_depth_at_a_time_and_visits_each_vertex_once(server, store):
    server.answer(
        links(("a", "x"), ("a", "b")),
        links(("b", "c"), ("x", "y"), ("x", "a"), ("b", "x")),
        links(("y", "d"), ("c", "d")),
    )

    found = store.shortest_path("a", "d", label="next", max_depth=3)

    walk = "g.V().hasId(within(frontier)).as('origin').out(elabel)"
    assert server.sent == [
        (walk + ".as('reached').select('origin', 'reached').by(id)",
         {"frontier": ["a"], "elabel": "next"}),
        (walk + ".as('reached').select('origin', 'reached').by(id)",
         {"frontier": ["b", "x"], "elabel": "next"}),
        (walk + ".hasId(dst).as('reached').select('origin', 'reached').by(id)",
         {"frontier": ["c", "y"], "dst": "d", "elabel": "next"}),
    ]
    assert found == ["a", "b", "c", "d"]


def test_no_path_is_none_and_a_path_to_itself_checks_the_vertex(server, store):
    server.answer(links(("a", "b")), ok(), ok(cosmos_vertex("a", "user", {})), ok())

    assert store.shortest_path("a", "z", direction="both") is None
    assert store.shortest_path("a", "a") == ["a"]
    assert store.shortest_path("gone", "gone") is None
    scripts = [script for script, _ in server.sent]
    assert scripts == [gremlin.LINKS["both", False], gremlin.LINKS["both", False], "g.V(vid)", "g.V(vid)"]


def test_a_link_that_is_not_an_origin_and_reached_map_is_a_store_error(server, store):
    server.answer(ok(["a", "b"]))

    with pytest.raises(StoreError):
        store.shortest_path("a", "b")


def test_bulk_upserts_default_to_one_request_per_item(server, store):
    server.answer(*[ok(cosmos_vertex(f"u{n}", "user", {})) for n in range(3)])
    server.answer(ok(cosmos_edge("u0", "follows", "u1")))

    assert store.bulk_upsert_vertices([("u0", "user"), ("u1", "user"), ("u2", "user")]) == 3
    assert store.bulk_upsert_edges([("u0", "follows", "u1")]) == 1

    assert [script for script, _ in server.sent] == [gremlin.UPSERT_VERTEX] * 3 + [gremlin.UPSERT_EDGE]


# -- failures, retries and the metrics hook ---------------------------------------------------
def test_throttling_is_retried_after_the_time_cosmos_asks_for(server, store):
    server.answer(cosmos_error(429, "Request rate is large", retry_after="00:00:00.0500000"), ok(int64(4)))

    started = time.perf_counter()
    assert store.degree("user:1") == 4

    assert time.perf_counter() - started >= 0.05
    assert server.sent == [("g.V(vid).outE().count()", {"vid": "user:1"})] * 2


def test_throttling_that_does_not_end_is_unavailable(server):
    store = make_store(server, max_retries=2)
    server.answer(*[cosmos_error(429, "Request rate is large", retry_after="00:00:00.0010000")] * 3)

    with pytest.raises(Unavailable, match="429"):
        store.degree("user:1")

    assert len(server.sent) == 3
    store.close()


@pytest.mark.parametrize("status", [409, 412])
def test_concurrent_write_conflicts_are_retried(server, store, status):
    server.answer(cosmos_error(status, "Conflicting request to resource has been attempted."),
                  ok(cosmos_edge("user:1", "follows", "user:2")))

    store.upsert_edge("user:1", "follows", "user:2")

    assert [script for script, _ in server.sent] == [gremlin.UPSERT_EDGE] * 2
    assert server.sent[0][1] == server.sent[1][1]


def test_a_conflict_that_persists_is_a_conflict(server):
    store = make_store(server, max_retries=1)
    server.answer(*[cosmos_error(409, "Resource with specified id or name already exists.")] * 2)

    with pytest.raises(Conflict):
        store.upsert_vertex("user:1", "user")
    store.close()


def test_a_dropped_connection_is_retried_on_a_new_one(server, store):
    server.answer(ok(cosmos_vertex("user:1", "user", {})))
    store.get_vertex("user:1")
    server.answer(DROP, ok(cosmos_vertex("user:1", "user", {"back": True})))

    assert store.get_vertex("user:1").properties == {"back": True}
    assert server.connections >= 2
    assert len(server.authentications) >= 2  # the new connection authenticates again


def test_a_server_closing_the_connection_is_retried_on_a_new_one(server, store):
    busy = "Connection is too busy. Please retry after sometime or open more connections."
    server.answer(cosmos_error(1008, busy), ok(int64(1)))

    assert store.degree("user:1") == 1
    assert len(server.sent) == 2


def test_an_unreachable_server_is_unavailable_every_time_without_hanging():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    store = GremlinGraphStore(
        alias="wire", endpoint=f"ws://127.0.0.1:{port}/gremlin", username=USERNAME, key=KEY,
        retry_backoff=0.001, max_retries=2, pool_size=1,
    )

    # With one pooled connection, a failed connect that kept its pool slot would block the next call.
    for _ in range(2):
        with pytest.raises(Unavailable, match="connection failed"):
            store.degree("user:1")
    store.close()
    # gremlinpython drops a connection whose connect failed from its pool without closing its
    # transport (the store replaces the whole client for that reason); collect that transport
    # here, on a thread running no event loop, rather than wherever the collector next runs.
    gc.collect()


@pytest.mark.parametrize("answer, error", [
    (cosmos_error(404, "Owner resource does not exist"), NotFound),
    (cosmos_error(400, "Invalid id: '/' is not allowed"), InvalidQuery),
    (cosmos_error(1009, "The operation did not complete in the allotted time"), Unavailable),
    (gremlin_error(597, "Gremlin Query Compilation Error: no method 'sideEffect'"), StoreError),
    (gremlin_error(500, "ExceptionType : GraphCompileException"), StoreError),
])
def test_final_failures_become_the_stores_exceptions_without_retrying(server, store, answer, error):
    server.answer(answer)

    with pytest.raises(error):
        store.degree("user:1")

    assert len(server.sent) == 1


def test_request_charges_of_every_attempt_reach_the_metrics_signal(server, store):
    calls = []

    def receiver(sender, **kwargs):
        calls.append(kwargs)

    server.answer(cosmos_error(429, "Request rate is large", retry_after="00:00:00.0010000", charge=1.0),
                  ok(int64(2), charge=3.25))
    store_operation.connect(receiver, weak=False)
    try:
        store.degree("user:1", label="follows")
    finally:
        store_operation.disconnect(receiver)

    [call] = calls
    assert call["operation"] == "degree" and call["target"] == "follows" and call["kind"] == "graph"
    assert call["request_charge"] == pytest.approx(4.25)
    assert call["error"] is None


def test_many_threads_share_the_pool(server, store):
    server.answer_for = lambda message: ok(cosmos_vertex(message["args"]["bindings"]["vid"], "user", {}))
    errors, seen = [], []

    def read(n):
        try:
            for m in range(5):
                seen.append(store.get_vertex(f"user:{n}-{m}").id)
        except Exception as e:  # noqa: BLE001 - reported by the assertion below
            errors.append(e)

    threads = [threading.Thread(target=read, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert errors == []
    assert sorted(seen) == sorted(f"user:{n}-{m}" for n in range(8) for m in range(5))


# -- values are data, never syntax ------------------------------------------------------------
SCRIPTS = {
    gremlin.UPSERT_VERTEX, gremlin.GET_VERTEX, gremlin.GET_VERTICES, gremlin.REMOVE_VERTEX,
    gremlin.UPSERT_EDGE, gremlin.EDGE_ENDS, gremlin.REMOVE_EDGE, gremlin.DROP_VERTICES, gremlin.ANY_VERTEX,
    gremlin.RECOMMENDATIONS, gremlin.BOUGHT_TOGETHER, gremlin.EDGES, gremlin.EDGES_AFTER,
    gremlin.VERTICES, gremlin.VERTICES_AFTER, *gremlin.NEIGHBOURS.values(), *gremlin.DEGREE.values(),
    *gremlin.COMMON_NEIGHBOURS.values(), *gremlin.LINKS.values(), *gremlin.LINKS_TO_TARGET.values(),
}


def test_a_hostile_id_travels_only_in_the_bindings(server, store):
    server.answer(ok(cosmos_vertex(HOSTILE, "user", {"note": QUOTED_LABEL_VALUE})))

    properties = {"note": QUOTED_LABEL_VALUE, QUOTED_LABEL_VALUE: "as a key"}

    vertex = store.upsert_vertex(HOSTILE, "user", properties)

    [(script, bindings)] = server.sent
    assert script == gremlin.UPSERT_VERTEX
    assert bindings["vid"] == HOSTILE and bindings["pkValue"] == HOSTILE
    assert json.loads(bindings["props"]) == properties
    assert vertex.id == HOSTILE


def test_hostile_values_never_reach_the_script_of_any_operation(server, store):
    def answer(message):
        if message["args"]["gremlin"] == gremlin.UPSERT_VERTEX:
            return ok(cosmos_vertex(HOSTILE, "user", {}))
        return ok()

    server.answer_for = answer
    other = "o'); g.E().drop(); ('"

    store.upsert_vertex(HOSTILE, "user", {"bio": QUOTED_LABEL_VALUE}, partition_key=QUOTED_LABEL_VALUE)
    with pytest.raises(NotFound):
        store.get_vertex(HOSTILE)
    with pytest.raises(NotFound):
        store.upsert_edge(HOSTILE, "follows", other, {"why": QUOTED_LABEL_VALUE})
    store.remove_edge(HOSTILE, "follows", other)
    for direction in ("out", "in", "both"):
        store.neighbours(HOSTILE, direction=direction, label="follows")
        store.neighbours(HOSTILE, direction=direction)
        store.degree(HOSTILE, direction=direction)
        store.common_neighbours(HOSTILE, other, direction=direction, label="follows")
        store.shortest_path(HOSTILE, other, direction=direction)
    store.recommendations(HOSTILE, label="follows")
    store.bought_together(HOSTILE, label="bought")
    server.answer(ok(*[edge_map(HOSTILE, "follows", other)] * 2))
    store.edges("follows", continuation=store.edges("follows", limit=1).continuation)
    server.answer(ok(cosmos_vertex(HOSTILE, "user"), cosmos_vertex(other, "user")), ok())
    store.vertices("user", continuation=store.vertices("user", limit=1).continuation)
    store.remove_vertex(HOSTILE)

    assert len(server.sent) > 20
    for script, _ in server.sent:
        assert script in SCRIPTS
        assert HOSTILE not in script and other not in script and QUOTED_LABEL_VALUE not in script
    bound = [value for _, bindings in server.sent for value in bindings.values()]
    assert HOSTILE in bound and other in bound and QUOTED_LABEL_VALUE in bound
    assert (gremlin.VERTICES_AFTER, {"vlabel": "user", "after": HOSTILE, "top": 101}) in server.sent


def test_labels_are_checked_before_anything_is_sent(server, store):
    with pytest.raises(InvalidQuery):
        store.upsert_edge("a", "follows') .drop() //", "b")
    with pytest.raises(InvalidQuery):
        store.neighbours("a", label="it's")

    assert server.frames == []


def test_every_script_is_a_constant_with_no_quotes_but_its_own_step_names():
    for script in SCRIPTS:
        quoted = [part for n, part in enumerate(script.split("'")) if n % 2]
        assert set(quoted) <= {
            "id", "props", "properties", "source", "target", "start", "linked", "common", "origin", "reached",
        }, script
