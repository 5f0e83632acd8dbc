"""The graph contract: labelled vertices and edges with properties.

Vertex ids are strings such as ``user:42`` or ``product:7``; edges are
unique per (source, label, target). Public methods check their input here
and call the ``_hooks`` a backend implements, so every backend refuses bad
input the same way; the bulk methods have working defaults built from the
single-item hooks, which a backend may replace with a faster path.
"""
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache

from ..base import StoreBackend
from ..exceptions import InvalidQuery, NotFound
from ..metrics import timed
from ..paging import Page, check_page_size, decode_continuation, encode_continuation, fingerprint, scan_pages

LABEL = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
DIRECTIONS = ("out", "in", "both")


@dataclass
class Vertex:
    id: str
    label: str
    properties: dict = field(default_factory=dict)
    partition_key: str | None = None


@dataclass
class Edge:
    source: str
    label: str
    target: str
    properties: dict = field(default_factory=dict)


@dataclass
class Ranked:
    """A vertex and its score: how many two-hop paths lead to it."""

    vertex: Vertex
    score: int


def check_id(value, what="vertex id"):
    if not isinstance(value, str) or not value or len(value) > 1024:
        raise InvalidQuery(f"A {what} is a non-empty string of at most 1024 characters.")
    return value


@lru_cache(maxsize=256)
def _is_label(value):
    # Few distinct labels exist, so bulk loads match each one once.
    return bool(LABEL.match(value))


def check_label(value):
    if not isinstance(value, str) or not _is_label(value):
        raise InvalidQuery(f"{value!r} is not a label (a letter, then letters, digits or _).")
    return value


def check_optional_label(value):
    return None if value is None else check_label(value)


def check_direction(value, allowed=DIRECTIONS):
    if value not in allowed:
        raise InvalidQuery(f"direction is one of {', '.join(allowed)}.")
    return value


def check_properties(properties):
    if not properties:
        return {}
    properties = dict(properties)
    for key, value in properties.items():
        if not isinstance(key, str) or not key:
            raise InvalidQuery("Property names are non-empty strings.")
        if isinstance(value, (dict, list)) or not isinstance(value, (str, int, float, bool, type(None))):
            raise InvalidQuery(f"Property {key!r} must be a string, number, boolean or null.")
    try:
        json.dumps(properties, allow_nan=False)
    except ValueError as e:
        raise InvalidQuery(f"Properties are not JSON: {e}") from e
    return properties


def check_whole_number(name, value, low, high):
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise InvalidQuery(f"{name} is a whole number from {low} to {high}.")
    return value


def check_paging(limit, offset, max_limit, max_offset):
    check_whole_number("limit", limit, 1, max_limit)
    check_whole_number("offset", offset, 0, max_offset)


def checked_vertex(item):
    """A Vertex from a Vertex or an ``(id, label[, properties[, partition_key]])`` tuple."""
    if isinstance(item, Vertex):
        item = (item.id, item.label, item.properties, item.partition_key)
    elif not isinstance(item, (tuple, list)) or not 2 <= len(item) <= 4:
        raise InvalidQuery("A vertex is a Vertex or an (id, label[, properties[, partition_key]]) tuple.")
    id, label, properties, partition_key = (*item, None, None)[:4]
    if partition_key is not None and not isinstance(partition_key, str):
        raise InvalidQuery("A partition key is a string or None.")
    return Vertex(check_id(id), check_label(label), check_properties(properties), partition_key)


def checked_edge(item):
    """An Edge from an Edge or a ``(source, label, target[, properties])`` tuple."""
    if isinstance(item, Edge):
        item = (item.source, item.label, item.target, item.properties)
    elif not isinstance(item, (tuple, list)) or not 3 <= len(item) <= 4:
        raise InvalidQuery("An edge is an Edge or a (source, label, target[, properties]) tuple.")
    source, label, target, properties = (*item, None)[:4]
    return Edge(check_id(source, "source id"), check_label(label), check_id(target, "target id"),
                check_properties(properties))




class GraphStore(StoreBackend):
    """Base class of graph stores.

    Rules every backend keeps:

    - Paging takes ``limit`` from 1 to ``max_page_size`` and ``offset`` from 0
      to ``max_offset`` (vertices() and edges(): a continuation token instead
      of an offset, so listing every vertex or edge of a label costs the same
      per page, first or last); anything else is InvalidQuery.
    - vertices() lists a label's vertices in id order and resumes after the
      last id of the previous page (Gremlin: ``has(id, gt(after))``, never a
      skip), so a vertex that stays is listed once while others come and go;
      its token resumes only the label it came from.
    - A vertex is never its own common neighbour, recommendation or bought
      together item, self-loops included.
    - A vertex's partition key is set by the upsert that gives one; an upsert
      without ``partition_key`` keeps the stored one (Gremlin fixes it at
      creation, so no backend clears it).
    - recommendations() bound their fan-out, so one call costs at most
      ``recommendation_first_hop_limit * recommendation_second_hop_limit``
      paths, whoever asks: the walk leaves from at most
      ``recommendation_first_hop_limit`` (64) of the start's out-neighbours,
      the first in id order, and takes at most
      ``recommendation_second_hop_limit`` (1000) of each one's
      out-neighbours, the first in id order, before the start and what it
      already links to are left out. Within that bound the ranking is
      exact, and the exclusion covers every vertex the start links to, in
      the bound or not. Cutting the first hop samples whom the start follows
      without regard to the candidates' ids, so the best candidates still
      rise (in the full graph bench, 80-93% of the exact top 10 of heavy users);
      the second-hop limit only guards against vertices linking to
      thousands, and is set high because a cut there by id would favour
      the candidates whose ids sort first.
    - ``shortest_path`` walks breadth first and visits each vertex once, so
      its cost grows with the edges within ``max_depth``, not with the paths;
      among equally short paths it returns the one whose ids, read from the
      source, sort first.

    Capabilities:
    ``supports_relabel``: upserting an existing vertex with another label
    changes its label (otherwise Conflict: Gremlin fixes labels at creation).
    ``supports_atomic_bulk``: a bulk upsert writes all of its items or none.
    """

    kind = "graph"
    max_page_size = 1000
    max_offset = 2**31 - 1
    max_ranked = 100
    max_path_depth = 6
    recommendation_first_hop_limit = 64
    recommendation_second_hop_limit = 1000
    supports_relabel = True
    supports_atomic_bulk = False

    def _timed(self, operation, target=None):
        """Time one call; backends reach the timer through metrics.current_operation()."""
        return timed(self, operation, target)

    # -- vertices and edges -------------------------------------------------
    def upsert_vertex(self, id, label, properties=None, *, partition_key=None):
        """Create the vertex or replace its label and properties."""
        vertex = checked_vertex(Vertex(id, label, properties, partition_key))
        with self._timed("upsert_vertex", label):
            self._upsert_vertex(vertex)
        return vertex

    def bulk_upsert_vertices(self, vertices):
        """Upsert many vertices (Vertex objects or ``(id, label[, properties[, partition_key]])``
        tuples); returns how many. All are checked before any is written."""
        checked = [checked_vertex(item) for item in vertices]
        with self._timed("bulk_upsert_vertices"):
            self._bulk_upsert_vertices(checked)
        return len(checked)

    def ping(self):
        """One cheap read (a vertex that is not there), for health checks."""
        with self._timed("ping"):  # reported apart from the site's own reads
            try:
                self._get_vertex("health-probe")
            except NotFound:
                pass

    def get_vertex(self, id):
        """The vertex; NotFound if absent."""
        with self._timed("get_vertex"):
            return self._get_vertex(check_id(id))

    def remove_vertex(self, id):
        """Remove the vertex and every edge touching it; a missing vertex is not an error."""
        with self._timed("remove_vertex"):
            self._remove_vertex(check_id(id))

    def upsert_edge(self, source, label, target, properties=None):
        """Create the edge or replace its properties; NotFound if a vertex is missing."""
        edge = checked_edge(Edge(source, label, target, properties))
        with self._timed("upsert_edge", label):
            self._upsert_edge(edge)
        return edge

    def bulk_upsert_edges(self, edges):
        """Upsert many edges (Edge objects or ``(source, label, target[, properties])`` tuples);
        returns how many. All are checked before any is written; NotFound if a vertex is missing."""
        checked = [checked_edge(item) for item in edges]
        with self._timed("bulk_upsert_edges"):
            self._bulk_upsert_edges(checked)
        return len(checked)

    def remove_edge(self, source, label, target):
        """Remove the edge; a missing edge is not an error."""
        with self._timed("remove_edge", label):
            self._remove_edge(check_id(source), check_label(label), check_id(target))

    # -- reads ----------------------------------------------------------------
    def neighbours(self, id, *, direction="out", label=None, limit=50, offset=0):
        """Vertices linked to ``id`` (by ``label`` when given), ordered by id, one page."""
        check_id(id)
        check_direction(direction)
        check_optional_label(label)
        check_paging(limit, offset, self.max_page_size, self.max_offset)
        with self._timed("neighbours", label):
            return self._neighbours(id, direction, label, limit, offset)

    def degree(self, id, *, direction="out", label=None):
        """How many edges leave (out), reach (in) or touch (both) the vertex."""
        check_id(id)
        check_direction(direction)
        check_optional_label(label)
        with self._timed("degree", label):
            return self._degree(id, direction, label)

    def common_neighbours(self, a, b, *, direction="out", label=None, limit=50, offset=0):
        """Vertices linked to both ``a`` and ``b``, ordered by id, one page; never ``a`` or ``b``.

        With direction "out", the vertices both link to (whom both follow);
        with "in", the vertices linking to both (who follows both); with
        "both", either way round.
        """
        check_id(a)
        check_id(b)
        check_direction(direction)
        check_optional_label(label)
        check_paging(limit, offset, self.max_page_size, self.max_offset)
        with self._timed("common_neighbours", label):
            return self._common_neighbours(a, b, direction, label, limit, offset)

    def recommendations(self, id, *, label, limit=10):
        """Vertices two ``label`` edges away from ``id``, as Ranked, best first.

        The score is the number of paths ``id -> x -> candidate``; ties go
        to the smaller id. ``id`` itself and the vertices it already links
        to by ``label`` (all of them) are never recommended. Only the paths
        within the fan-out bound count: ``x`` is one of the first
        ``recommendation_first_hop_limit`` vertices ``id`` links to, and
        ``candidate`` one of the first ``recommendation_second_hop_limit``
        vertices ``x`` links to, both in id order.
        """
        check_id(id)
        check_label(label)
        check_whole_number("limit", limit, 1, self.max_ranked)
        with self._timed("recommendations", label):
            return self._recommendations(id, label, limit)

    def bought_together(self, id, *, label, limit=10):
        """What the vertices linking to ``id`` by ``label`` also link to, as Ranked, best first.

        With a purchase label, people who bought X also bought Y: the score is the number of
        vertices with both edges, ties go to the smaller id, and ``id``
        itself is never listed.
        """
        check_id(id)
        check_label(label)
        check_whole_number("limit", limit, 1, self.max_ranked)
        with self._timed("bought_together", label):
            return self._bought_together(id, label, limit)

    def shortest_path(self, source, target, *, direction="out", label=None, max_depth=4):
        """The ids along a shortest path from ``source`` to ``target``, both included.

        At most ``max_depth`` edges are followed; None when no such path
        exists. A vertex's path to itself is ``[source]`` when it exists.
        Among equally short paths, the one whose ids compare smallest, read
        from the source (``s, m1, t`` before ``s, m2, t``).
        """
        check_id(source)
        check_id(target)
        check_direction(direction)
        check_optional_label(label)
        check_whole_number("max_depth", max_depth, 1, self.max_path_depth)
        with self._timed("shortest_path", label):
            return self._shortest_path(source, target, direction, label, max_depth)

    def vertices(self, label, *, limit=100, continuation=None):
        """One Page of the vertices with ``label`` (Vertex objects with their properties
        and partition key), ordered by id.

        ``continuation`` is the token of the previous page, for the same
        label only; the last page has none. ``limit`` is from 1 to
        ``max_page_size``. A page resumes after the last id of the one
        before, so a vertex that exists throughout the listing is listed
        exactly once, however many pages it takes.
        """
        return self._listing("vertices", self._vertices, label, limit, continuation)

    def scan_vertices(self, label, *, page_size=1000):
        """Every vertex with ``label``, read page by page with vertices(); nothing is read until iterated."""
        return self._scan(self.vertices, label, page_size)

    def edges(self, label, *, limit=100, continuation=None):
        """One Page of the edges with ``label`` (Edge objects with their properties).

        ``continuation`` is the token of the previous page, for the same
        label only; the last page has none. ``limit`` is from 1 to
        ``max_page_size``. Edges come in the backend's own order, which
        stays the same from page to page, so an edge that exists throughout
        the listing is listed exactly once, however many pages it takes.
        """
        return self._listing("edges", self._edges, label, limit, continuation)

    def scan_edges(self, label, *, page_size=1000):
        """Every edge with ``label``, read page by page with edges(); nothing is read until iterated."""
        return self._scan(self.edges, label, page_size)

    def _listing(self, operation, read, label, limit, continuation):
        """One Page of ``read(label, after, count)``, resumed from ``continuation``.

        The token holds the position of the page's last item and a
        fingerprint of (operation, label), so it resumes only that listing.
        """
        check_label(label)
        check_page_size("limit", limit, self.max_page_size)
        listing = fingerprint(operation, label)
        after = None if continuation is None else decode_continuation(continuation, listing, str)
        with self._timed(operation, label):
            # One more than the page, to know whether another page follows.
            found = read(label, after, limit + 1)
        page = found[:limit]
        last = page[-1][0] if len(found) > limit else None
        return Page([item for _, item in page], None if last is None else encode_continuation(listing, last))

    def _scan(self, list_page, label, page_size):
        """Every item of ``list_page(label, limit=page_size, continuation=...)``, first page to last."""
        check_label(label)
        check_page_size("page_size", page_size, self.max_page_size)
        return scan_pages(lambda token: list_page(label, limit=page_size, continuation=token))

    def clear(self):
        """Remove every vertex and edge."""
        with self._timed("clear"):
            self._clear()

    # -- hooks for backends ------------------------------------------------
    def _upsert_vertex(self, vertex):
        raise NotImplementedError("subclasses of GraphStore must provide an _upsert_vertex() method")

    def _bulk_upsert_vertices(self, vertices):
        for vertex in vertices:
            self._upsert_vertex(vertex)

    def _get_vertex(self, id):
        raise NotImplementedError("subclasses of GraphStore must provide a _get_vertex() method")

    def _remove_vertex(self, id):
        raise NotImplementedError("subclasses of GraphStore must provide a _remove_vertex() method")

    def _upsert_edge(self, edge):
        raise NotImplementedError("subclasses of GraphStore must provide an _upsert_edge() method")

    def _bulk_upsert_edges(self, edges):
        for edge in edges:
            self._upsert_edge(edge)

    def _remove_edge(self, source, label, target):
        raise NotImplementedError("subclasses of GraphStore must provide a _remove_edge() method")

    def _neighbours(self, id, direction, label, limit, offset):
        raise NotImplementedError("subclasses of GraphStore must provide a _neighbours() method")

    def _degree(self, id, direction, label):
        raise NotImplementedError("subclasses of GraphStore must provide a _degree() method")

    def _common_neighbours(self, a, b, direction, label, limit, offset):
        raise NotImplementedError("subclasses of GraphStore must provide a _common_neighbours() method")

    def _recommendations(self, id, label, limit):
        """Ranked candidates within the fan-out bound (``recommendation_*_hop_limit``)."""
        raise NotImplementedError("subclasses of GraphStore must provide a _recommendations() method")

    def _bought_together(self, id, label, limit):
        raise NotImplementedError("subclasses of GraphStore must provide a _bought_together() method")

    def _vertices(self, label, after, count):
        """Up to ``count`` vertices with ``label`` as ``(id, Vertex)`` pairs in id order,
        starting after the id ``after`` (a non-empty string, or None)."""
        raise NotImplementedError("subclasses of GraphStore must provide a _vertices() method")

    def _edges(self, label, after, count):
        """Up to ``count`` edges with ``label`` as ``(position, Edge)`` pairs in the backend's order,
        starting after the edge at ``after`` (a non-empty string this hook gave, or None)."""
        raise NotImplementedError("subclasses of GraphStore must provide an _edges() method")

    def _shortest_path(self, source, target, direction, label, max_depth):
        """Breadth first from ``source``, one ``_links`` call per depth, each vertex visited once.

        Each depth's frontier is kept in the order of its vertices' paths, and a
        vertex reached from several of them takes the first as its parent, so
        the path found is the smallest of the shortest ones, id by id. The
        last depth asks only for links to ``target``.
        """
        if source == target:
            try:
                return [self._get_vertex(source).id]
            except NotFound:
                return None
        parents, frontier = {source: None}, [source]
        for depth in range(1, max_depth + 1):
            rank = {id: position for position, id in enumerate(frontier)}
            reached = {}
            only = target if depth == max_depth else None
            for origin, id in self._links(frontier, direction, label, only):
                if id not in parents and (id not in reached or rank[origin] < rank[reached[id]]):
                    reached[id] = origin
            parents.update(reached)
            if target in reached:
                path = [target]
                while parents[path[-1]] is not None:
                    path.append(parents[path[-1]])
                return path[::-1]
            frontier = sorted(reached, key=lambda id: (rank[reached[id]], id))
            if not frontier:
                return None
        return None

    def _links(self, frontier, direction, label, target):
        """``(from, to)`` for every edge from a vertex of ``frontier`` along ``direction``
        (and ``label``), only those reaching ``target`` when it is given."""
        raise NotImplementedError("subclasses of GraphStore must provide a _links() method")

    def _clear(self):
        raise NotImplementedError("subclasses of GraphStore must provide a _clear() method")
