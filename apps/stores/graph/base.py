"""The graph contract: labelled vertices and edges with properties.

Vertex ids are strings such as ``user:42`` or ``product:7``; edges are
unique per (source, label, target). Public methods check their input here
and call the ``_hooks`` a backend implements.
"""
import json
import re
from dataclasses import dataclass, field

from ..base import StoreBackend
from ..exceptions import InvalidQuery
from ..metrics import timed

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


def check_id(value, what="vertex id"):
    if not isinstance(value, str) or not value or len(value) > 1024:
        raise InvalidQuery(f"A {what} is a non-empty string of at most 1024 characters.")
    return value


def check_label(value):
    if not isinstance(value, str) or not LABEL.match(value):
        raise InvalidQuery(f"{value!r} is not a label (a letter, then letters, digits or _).")
    return value


def check_properties(properties):
    properties = dict(properties or {})
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


def check_paging(limit, offset, max_limit):
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= max_limit:
        raise InvalidQuery(f"limit is a whole number from 1 to {max_limit}.")
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        raise InvalidQuery("offset is a whole number from 0.")


class GraphStore(StoreBackend):
    """Base class of graph stores."""

    kind = "graph"
    max_page_size = 1000

    def upsert_vertex(self, id, label, properties=None, *, partition_key=None):
        """Create the vertex or replace its label and properties."""
        vertex = Vertex(check_id(id), check_label(label), check_properties(properties), partition_key)
        with timed(self, "upsert_vertex", label):
            self._upsert_vertex(vertex)
        return vertex

    def get_vertex(self, id):
        """The vertex; NotFound if absent."""
        with timed(self, "get_vertex"):
            return self._get_vertex(check_id(id))

    def remove_vertex(self, id):
        """Remove the vertex and every edge touching it; a missing vertex is not an error."""
        with timed(self, "remove_vertex"):
            self._remove_vertex(check_id(id))

    def upsert_edge(self, source, label, target, properties=None):
        """Create the edge or replace its properties; NotFound if a vertex is missing."""
        edge = Edge(check_id(source), check_label(label), check_id(target), check_properties(properties))
        with timed(self, "upsert_edge", label):
            self._upsert_edge(edge)
        return edge

    def remove_edge(self, source, label, target):
        """Remove the edge; a missing edge is not an error."""
        with timed(self, "remove_edge", label):
            self._remove_edge(check_id(source), check_label(label), check_id(target))

    def neighbours(self, id, *, direction="out", label=None, limit=50, offset=0):
        """Vertices linked to ``id`` (by ``label`` when given), ordered by id, one page."""
        check_id(id)
        if direction not in DIRECTIONS:
            raise InvalidQuery(f"direction is one of {', '.join(DIRECTIONS)}.")
        if label is not None:
            check_label(label)
        check_paging(limit, offset, self.max_page_size)
        with timed(self, "neighbours", label):
            return self._neighbours(id, direction, label, limit, offset)

    def degree(self, id, *, direction="out", label=None):
        """How many edges leave (out), reach (in) or touch (both) the vertex."""
        check_id(id)
        if direction not in DIRECTIONS:
            raise InvalidQuery(f"direction is one of {', '.join(DIRECTIONS)}.")
        if label is not None:
            check_label(label)
        with timed(self, "degree", label):
            return self._degree(id, direction, label)

    def clear(self):
        """Remove every vertex and edge."""
        with timed(self, "clear"):
            self._clear()

    # -- hooks for backends ------------------------------------------------
    def _upsert_vertex(self, vertex):
        raise NotImplementedError("subclasses of GraphStore must provide an _upsert_vertex() method")

    def _get_vertex(self, id):
        raise NotImplementedError("subclasses of GraphStore must provide a _get_vertex() method")

    def _remove_vertex(self, id):
        raise NotImplementedError("subclasses of GraphStore must provide a _remove_vertex() method")

    def _upsert_edge(self, edge):
        raise NotImplementedError("subclasses of GraphStore must provide an _upsert_edge() method")

    def _remove_edge(self, source, label, target):
        raise NotImplementedError("subclasses of GraphStore must provide a _remove_edge() method")

    def _neighbours(self, id, direction, label, limit, offset):
        raise NotImplementedError("subclasses of GraphStore must provide a _neighbours() method")

    def _degree(self, id, direction, label):
        raise NotImplementedError("subclasses of GraphStore must provide a _degree() method")

    def _clear(self):
        raise NotImplementedError("subclasses of GraphStore must provide a _clear() method")
