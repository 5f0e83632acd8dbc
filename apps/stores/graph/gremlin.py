"""Azure Cosmos DB for Apache Gremlin (or another Gremlin Server), through gremlinpython's driver.

Cosmos DB takes Gremlin scripts, not bytecode, and speaks GraphSON v2. Every
script below is a constant written here; every value (ids, labels,
properties, the partition key, page bounds) travels in the request's
bindings, so no value is ever read as Gremlin. The scripts keep to steps
Cosmos DB documents and to its dialect (``incr``/``decr`` in ``order()``,
``property(single, ...)`` to overwrite a vertex property).

How the graph is kept:
- A vertex has the ``id``, its label, the partition key property (OPTIONS
  ``partition_key_property``; the vertex id when no partition key is given)
  and its properties as one JSON string in ``props``: one constant script
  writes any set of properties, null values survive, and a property can
  never clash with ``id``, ``label`` or the partition key.
- Gremlin fixes a vertex's label and partition key when it is created:
  upserting an existing vertex with another label is a Conflict.
- An edge's id is derived from (source, label, target), so two concurrent
  upserts of one edge cannot create two: the loser gets 409 and is retried.

Throttling (429, after ``x-ms-retry-after-ms``), write races (409, 412) and
dropped connections are retried with exponential backoff; a dropped
connection also replaces the client, since gremlinpython keeps a broken
connection in its pool. What still fails becomes the store's own exception.
"""
import hashlib
import json
import re
import threading
from concurrent.futures import TimeoutError as FutureTimeout
from functools import cached_property

import aiohttp
from gremlin_python.driver import client as gremlin_client
from gremlin_python.driver import serializer
from gremlin_python.driver.protocol import GremlinServerError
from gremlin_python.structure.graph import Vertex as GremlinVertex

from ..exceptions import Conflict, InvalidQuery, NotFound, StoreError, Unavailable
from ..metrics import current_operation
from ..options import flag, seconds, text, whole
from ..retry import retry_call
from .base import DIRECTIONS, Edge, GraphStore, Ranked, Vertex

PROPERTIES_KEY = "props"

# -- scripts: constants only; the names in them are binding names -------------
UPSERT_VERTEX = (
    "g.V(vid).fold()"
    ".coalesce(unfold(), addV(vlabel).property('id', vid).property(pkKey, pkValue))"
    ".hasLabel(vlabel)"
    ".property(single, 'props', props)"
)
GET_VERTEX = "g.V(vid)"
# Not g.V(vids): Cosmos DB reads a two-element list there as [partition key, id].
GET_VERTICES = "g.V().hasId(within(vids))"
REMOVE_VERTEX = "g.V(vid).drop()"
# Both ends must exist for the traversal to reach coalesce(); an empty answer means one is missing.
UPSERT_EDGE = (
    "g.V(src).as('source').V(dst).as('target').select('source')"
    ".coalesce(outE(elabel).where(inV().hasId(dst)), addE(elabel).to('target').property('id', eid))"
    ".property('props', props)"
)
EDGE_ENDS = "g.V(src, dst)"
REMOVE_EDGE = "g.V(src).outE(elabel).where(inV().hasId(dst)).drop()"
# A label's vertices in id order, the first ones or those after a given id.
VERTICES = "g.V().hasLabel(vlabel).order().by(id, incr).limit(top)"
VERTICES_AFTER = "g.V().hasLabel(vlabel).has(id, gt(after)).order().by(id, incr).limit(top)"
# A label's edges in edge id order, the first ones or those after a given id, each as a map of
# its id, its ends and its properties.
EDGE_MAP = (
    ".order().by(id, incr).limit(top)"
    ".project('id', 'source', 'target', 'properties').by(id).by(outV().id()).by(inV().id()).by(valueMap())"
)
EDGES = "g.E().hasLabel(elabel)" + EDGE_MAP
EDGES_AFTER = "g.E().hasLabel(elabel).has(id, gt(after))" + EDGE_MAP
DROP_VERTICES = "g.V().limit(batch).drop()"
ANY_VERTEX = "g.V().limit(1).count()"
# Candidates two hops away within the fan-out bound (GraphStore's docstring):
# the first firstHop vertices the start links to, by id, each with its first
# secondHop links, by id; minus the start and everything it already links to,
# as {id: paths} entries, best first, ties by id.
RECOMMENDATIONS = (
    "g.V(vid).as('start').out(elabel).fold().as('linked')"
    ".unfold().order().by(id, incr).limit(firstHop)"
    ".local(out(elabel).order().by(id, incr).limit(secondHop))"
    ".where(neq('start')).where(without('linked'))"
    ".groupCount().by(id).unfold().order().by(values, decr).by(keys, incr).limit(top)"
)
BOUGHT_TOGETHER = (
    "g.V(vid).as('start').in(elabel).out(elabel).where(neq('start'))"
    ".groupCount().by(id).unfold().order().by(values, decr).by(keys, incr).limit(top)"
)

# Traversals along a direction come in six variants: out, in or both, with or
# without a label. They are written out once, here, from constant templates.
OPPOSITE = {"out": "in", "in": "out", "both": "both"}


def _variants(template):
    return {
        (direction, with_label): template.format(
            step=direction, back=OPPOSITE[direction], label="elabel" if with_label else ""
        )
        for direction in DIRECTIONS
        for with_label in (True, False)
    }


NEIGHBOURS = _variants("g.V(vid).{step}({label}).dedup().order().by(id, incr).range(lo, hi)")
DEGREE = _variants("g.V(vid).{step}E({label}).count()")
COMMON_NEIGHBOURS = _variants(
    "g.V(vid).{step}({label}).as('common').{back}({label}).hasId(other)"
    ".select('common').not(hasId(vid, other)).dedup().order().by(id, incr).range(lo, hi)"
)
# One depth of GraphStore._shortest_path's breadth-first walk, which keeps the
# visited set and the tie order: the edges leaving the frontier's vertices, as
# {origin: id, reached: id} maps; at the last depth, only those reaching dst.
LINKS = _variants(
    "g.V().hasId(within(frontier)).as('origin').{step}({label}).as('reached')"
    ".select('origin', 'reached').by(id)"
)
LINKS_TO_TARGET = _variants(
    "g.V().hasId(within(frontier)).as('origin').{step}({label}).hasId(dst).as('reached')"
    ".select('origin', 'reached').by(id)"
)

# -- failures -----------------------------------------------------------------
# Cosmos DB answers a failure with status 500 and its own code in x-ms-status-code.
THROTTLED = {429}
RACES = {409, 412}  # a concurrent create of the same id; a concurrent write of the same element
BUSY = {408, 449, 503}
RECONNECT = {1007, 1008}  # the server is closing this connection: retry on another one
UNAUTHORIZED = {401, 403}
TIMED_OUT = {598, 1009}  # the traversal ran out of time: retrying the same traversal won't help
TIMESPAN = re.compile(r"^(?:(\d+)\.)?(\d+):(\d+):(\d+(?:\.\d+)?)$")
# What a dropped or refused connection raises inside gremlinpython and aiohttp.
CONNECTION_ERRORS = (aiohttp.ClientError, OSError, RuntimeError, TimeoutError, FutureTimeout)


class Failure:
    """What to do about one failed request: retry it (after how long, on a new client?) or raise."""

    def __init__(self, error, retry=False, reconnect=False, wait=None):
        self.error, self.retry, self.reconnect, self.wait = error, retry, reconnect, wait


class FailedRequest(Exception):
    """One request failed; carries the Failure that says whether to retry it."""

    def __init__(self, failure):
        super().__init__(str(failure.error))
        self.failure = failure


def status_of(error):
    attributes = error.status_attributes or {}
    code = attributes.get("x-ms-status-code", error.status_code)
    try:
        return int(code), attributes
    except (TypeError, ValueError):
        return error.status_code, attributes


def retry_after_seconds(value):
    """Seconds from x-ms-retry-after-ms: a .NET TimeSpan ("00:00:03.9500000") or a number of ms."""
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return value / 1000
    match = TIMESPAN.match(str(value).strip())
    if match:
        days, hours, minutes, seconds = match.groups()
        return int(days or 0) * 86400 + int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    try:
        return float(value) / 1000
    except ValueError:
        return None


def judge(error):
    """The Failure for an exception raised while running one script."""
    if isinstance(error, GremlinServerError):
        code, attributes = status_of(error)
        message = (error.status_message or "").strip().splitlines()
        said = f"Gremlin server answered {code}: {message[0] if message else 'no message'}"
        if code in THROTTLED:
            wait = retry_after_seconds(attributes.get("x-ms-retry-after-ms"))
            return Failure(Unavailable(said), retry=True, wait=wait)
        if code in RACES:
            return Failure(Conflict(said), retry=True)
        if code in BUSY:
            return Failure(Unavailable(said), retry=True)
        # gremlinpython reports a connection closed before the answer as a plain 500.
        dropped = code == 500 and "x-ms-status-code" not in attributes and "disconnected" in said
        if code in RECONNECT or dropped:
            return Failure(Unavailable(said), retry=True, reconnect=True)
        if code in UNAUTHORIZED:
            return Failure(Unavailable(f"{said} (check the username /dbs/<db>/colls/<graph> and the key)"))
        if code in TIMED_OUT:
            return Failure(Unavailable(said))
        if code == 404:
            return Failure(NotFound(said))
        if code in (400, 413):
            return Failure(InvalidQuery(said))
        return Failure(StoreError(said))
    if isinstance(error, CONNECTION_ERRORS):
        failed = Unavailable(f"Gremlin server connection failed: {error!r}")
        return Failure(failed, retry=True, reconnect=True)
    return Failure(StoreError(f"Gremlin request failed: {error!r}"))


def record_charge(attributes):
    """Add a response's request charge (RU) to the running store call."""
    operation = current_operation()
    attributes = attributes or {}
    charge = attributes.get("x-ms-total-request-charge", attributes.get("x-ms-request-charge"))
    if operation is not None and charge is not None:
        operation.request_charge = (operation.request_charge or 0) + float(charge)


# -- answers --------------------------------------------------------------------
def edge_id(source, label, target):
    """The id of the edge (source, label, target): the same for every writer, at most 255 characters."""
    return "e-" + hashlib.sha256(json.dumps([source, label, target]).encode()).hexdigest()


def vertex_from(item, partition_key_property):
    """A Vertex from a GraphSON v2 vertex (a TinkerPop server) or Cosmos DB's plain JSON vertex."""
    if isinstance(item, GremlinVertex):
        id, label = item.id, item.label
        values = {prop.label: prop.value for prop in item.properties or ()}
    elif isinstance(item, dict) and item.get("type", "vertex") == "vertex" and "id" in item:
        id, label = item["id"], item.get("label", "vertex")
        properties = item.get("properties") or {}
        values = {key: found[0].get("value") for key, found in properties.items() if found}
    else:
        raise StoreError(f"The Gremlin server answered {item!r} where a vertex was expected.")
    id = str(id)
    partition_value = values.pop(partition_key_property, None)
    partition_key = None if partition_value in (None, id) else str(partition_value)
    return Vertex(id=id, label=label, properties=decoded_properties(values), partition_key=partition_key)


def edge_from(item, label):
    """(edge id, Edge) from one map of an EDGES answer."""
    if not isinstance(item, dict) or not {"id", "source", "target"} <= set(item):
        raise StoreError(f"The Gremlin server answered {item!r} where an edge was expected.")
    values = item.get("properties") or {}
    if not isinstance(values, dict):
        raise StoreError(f"The Gremlin server answered {values!r} where edge properties were expected.")
    properties = decoded_properties(dict(values))
    return str(item["id"]), Edge(str(item["source"]), label, str(item["target"]), properties)


def decoded_properties(values):
    """Our properties from the JSON in ``props``, beside those other tools wrote as native ones."""
    encoded = values.pop(PROPERTIES_KEY, None)
    properties = {key: value for key, value in values.items() if key not in ("id", "label")}
    if isinstance(encoded, str):
        try:
            properties.update(json.loads(encoded))
        except ValueError:
            properties[PROPERTIES_KEY] = encoded
    return properties


def link_from(item):
    """(origin, reached) from one map of a LINKS answer."""
    if not isinstance(item, dict) or "origin" not in item or "reached" not in item:
        raise StoreError(f"The Gremlin server answered {item!r} where a link was expected.")
    return str(item["origin"]), str(item["reached"])


def with_label(bindings, label):
    """The bindings, with the label when the script variant has one."""
    return bindings if label is None else {**bindings, "elabel": label}


def scores_from(entries):
    """{id: score} from the one-entry maps groupCount().unfold() answers."""
    scores = {}
    for entry in entries:
        if not isinstance(entry, dict):
            raise StoreError(f"The Gremlin server answered {entry!r} where a count was expected.")
        scores.update({str(id): int(score) for id, score in entry.items()})
    return scores


class GremlinGraphStore(GraphStore):
    """GraphStore on Azure Cosmos DB for Gremlin; OPTIONS:

    endpoint: ``wss://<account>.gremlin.cosmos.azure.com:443/`` (``ws://`` for a local server),
    username: ``/dbs/<database>/colls/<graph>``, key: the account key,
    partition_key_property: the graph's partition key path without the slash (default "pk"),
    pool_size: connections kept open, read_timeout and write_timeout: seconds per request,
    max_retries, retry_backoff (first wait, doubled each retry) and max_retry_wait: seconds,
    verify_tls: False only for a local server with a self-signed certificate,
    clear_batch: vertices dropped per request by clear().
    """

    required_options = ("endpoint", "username", "key")
    default_options = {
        "partition_key_property": "pk",
        "pool_size": 4,
        "read_timeout": 30,
        "write_timeout": 10,
        "max_retries": 5,
        "retry_backoff": 0.1,
        "max_retry_wait": 10,
        "verify_tls": True,
        "clear_batch": 500,
    }
    option_rules = {
        "endpoint": text(r"wss?://[^/\s]+.*", "a ws:// or wss:// address"),
        "partition_key_property": text(r"[A-Za-z_][A-Za-z0-9_]*", "a property name such as 'pk'"),
        "pool_size": whole(least=1),
        "max_retries": whole(),
        "clear_batch": whole(least=1),
        "read_timeout": seconds(least=0.001),
        "write_timeout": seconds(least=0.001),
        "retry_backoff": seconds(),
        "max_retry_wait": seconds(),
        "verify_tls": flag(),
    }
    supports_relabel = False
    supports_atomic_bulk = False
    per_process = ("client",)

    # -- the client --------------------------------------------------------
    @cached_property
    def client(self):
        """gremlinpython's Client, built on first use; it connects when the first request goes out."""
        options = self.options
        transport = {"read_timeout": options["read_timeout"], "write_timeout": options["write_timeout"]}
        if not options["verify_tls"]:
            transport["ssl"] = False
        return gremlin_client.Client(
            options["endpoint"],
            "g",
            username=options["username"],
            password=options["key"],
            message_serializer=serializer.GraphSONSerializersV2d0(),
            pool_size=options["pool_size"],
            **transport,
        )

    def _replace_client(self, broken):
        """Drop a client whose connection failed; the next request builds a new one."""
        with self._lock:
            if self.__dict__.get("client") is not broken:
                return  # another thread replaced it already, and closes it
            del self.__dict__["client"]
        # Closing waits for requests still running on the old client, so it happens aside.
        threading.Thread(target=broken.close, name="gremlin-client-close", daemon=True).start()

    def close(self):
        with self._lock:
            client = self._drop_per_process().get("client")
        if client is not None:
            client.close()

    def _run(self, script, bindings):
        """The results of one script, retried while the failure is worth retrying."""
        try:
            return retry_call(
                lambda: self._submit(script, bindings),
                retry_if=lambda error: isinstance(error, FailedRequest) and error.failure.retry,
                wait_hint=lambda error: error.failure.wait,
                retries=self.options["max_retries"],
                base=self.options["retry_backoff"],
                cap=self.options["max_retry_wait"],
            )
        except FailedRequest as e:
            raise e.failure.error from e.__cause__

    def _submit(self, script, bindings):
        """One request; FailedRequest, judged, when it fails."""
        client = self.client
        try:
            result_set = client.submit(script, bindings)
            results = result_set.all().result()
        except Exception as e:  # noqa: BLE001 - judged and translated just below
            if isinstance(e, GremlinServerError):
                record_charge(e.status_attributes)  # a refused request is billed too
            failure = judge(e)
            if client.is_closed():  # replaced by another thread while this request was going out
                closed = Unavailable(f"Gremlin client closed during the request: {e!r}")
                failure = Failure(closed, retry=True)
            if failure.reconnect:
                self._replace_client(client)
            raise FailedRequest(failure) from e
        record_charge(result_set.status_attributes)
        return results

    def _vertex(self, item):
        return vertex_from(item, self.options["partition_key_property"])

    # -- hooks ---------------------------------------------------------------
    def _upsert_vertex(self, vertex):
        upserted = self._run(UPSERT_VERTEX, {
            "vid": vertex.id,
            "vlabel": vertex.label,
            "pkKey": self.options["partition_key_property"],
            "pkValue": vertex.id if vertex.partition_key is None else vertex.partition_key,
            "props": json.dumps(vertex.properties),
        })
        if not upserted:
            raise Conflict(
                f"Vertex {vertex.id!r} exists with another label; Gremlin fixes a label when the vertex "
                f"is created, so remove the vertex before giving it the label {vertex.label!r}."
            )

    def _get_vertex(self, id):
        found = self._run(GET_VERTEX, {"vid": id})
        if not found:
            raise NotFound(f"No vertex {id!r}.")
        return self._vertex(found[0])

    def _get_vertices(self, ids):
        found = self._run(GET_VERTICES, {"vids": list(ids)})
        return {vertex.id: vertex for vertex in map(self._vertex, found)}

    def _remove_vertex(self, id):
        self._run(REMOVE_VERTEX, {"vid": id})

    def _upsert_edge(self, edge):
        bindings = {
            "src": edge.source,
            "dst": edge.target,
            "elabel": edge.label,
            "eid": edge_id(edge.source, edge.label, edge.target),
            "props": json.dumps(edge.properties),
        }
        if self._run(UPSERT_EDGE, bindings):
            return
        ends = self._run(EDGE_ENDS, {"src": edge.source, "dst": edge.target})
        found = {self._vertex(item).id for item in ends}
        for id in (edge.source, edge.target):
            if id not in found:
                raise NotFound(f"No vertex {id!r}; create both ends before the {edge.label} edge.")
        # Both ends exist now: one was created while the edge was being written.
        if not self._run(UPSERT_EDGE, bindings):
            raise NotFound(f"A vertex of the {edge.label} edge was removed while it was being written.")

    def _remove_edge(self, source, label, target):
        self._run(REMOVE_EDGE, {"src": source, "dst": target, "elabel": label})

    def _neighbours(self, id, direction, label, limit, offset):
        bindings = with_label({"vid": id, "lo": offset, "hi": offset + limit}, label)
        return [self._vertex(item) for item in self._run(NEIGHBOURS[direction, label is not None], bindings)]

    def _degree(self, id, direction, label):
        counted = self._run(DEGREE[direction, label is not None], with_label({"vid": id}, label))
        return int(counted[0]) if counted else 0

    def _common_neighbours(self, a, b, direction, label, limit, offset):
        bindings = with_label({"vid": a, "other": b, "lo": offset, "hi": offset + limit}, label)
        found = self._run(COMMON_NEIGHBOURS[direction, label is not None], bindings)
        return [self._vertex(item) for item in found]

    def _recommendations(self, id, label, limit):
        return self._ranked(RECOMMENDATIONS, {
            "vid": id, "elabel": label, "top": limit,
            "firstHop": self.recommendation_first_hop_limit,
            "secondHop": self.recommendation_second_hop_limit,
        })

    def _bought_together(self, id, label, limit):
        return self._ranked(BOUGHT_TOGETHER, {"vid": id, "elabel": label, "top": limit})

    def _ranked(self, script, bindings):
        scores = scores_from(self._run(script, bindings))
        if not scores:
            return []
        vertices = self._get_vertices(scores)
        # Sorted here too: the server's order is not relied upon for ties.
        best = sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))
        return [Ranked(vertices[id], score) for id, score in best if id in vertices]

    def _vertices(self, label, after, count):
        if after is None:
            found = self._run(VERTICES, {"vlabel": label, "top": count})
        else:
            found = self._run(VERTICES_AFTER, {"vlabel": label, "after": after, "top": count})
        return [(vertex.id, vertex) for vertex in map(self._vertex, found)]

    def _edges(self, label, after, count):
        if after is None:
            found = self._run(EDGES, {"elabel": label, "top": count})
        else:
            found = self._run(EDGES_AFTER, {"elabel": label, "after": after, "top": count})
        return [edge_from(item, label) for item in found]

    def _links(self, frontier, direction, label, target):
        if target is None:
            script, bindings = LINKS[direction, label is not None], {"frontier": list(frontier)}
        else:
            script = LINKS_TO_TARGET[direction, label is not None]
            bindings = {"frontier": list(frontier), "dst": target}
        return [link_from(item) for item in self._run(script, with_label(bindings, label))]

    def _clear(self):
        # In batches: dropping a whole large graph in one traversal runs past the server's time limit.
        while True:
            self._run(DROP_VERTICES, {"batch": self.options["clear_batch"]})
            left = self._run(ANY_VERTEX, {})
            if not left or not int(left[0]):
                return
