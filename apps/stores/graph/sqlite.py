"""The graph in one SQLite file: a vertex table and an edge table indexed both ways.

WAL mode lets readers run beside a writer, and the busy timeout makes a
second writer (the web process and a worker at once) wait instead of
failing. Each thread has its own connection. Every value travels as a
query parameter; only constant SQL fragments are ever put together.
"""
import json
import sqlite3
import threading
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path

from ..exceptions import InvalidQuery, NotFound, Unavailable
from ..options import path, seconds
from .base import Edge, GraphStore, Ranked, Vertex

SCHEMA = """
CREATE TABLE IF NOT EXISTS vertices (
    id TEXT PRIMARY KEY,
    label TEXT NOT NULL,
    properties TEXT NOT NULL,
    partition_key TEXT
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS edges (
    source TEXT NOT NULL REFERENCES vertices (id) ON DELETE CASCADE,
    label TEXT NOT NULL,
    target TEXT NOT NULL REFERENCES vertices (id) ON DELETE CASCADE,
    properties TEXT NOT NULL,
    PRIMARY KEY (source, label, target)
) WITHOUT ROWID;
-- Lists a label's vertices in id order, resuming after a given id.
CREATE INDEX IF NOT EXISTS vertices_by_label ON vertices (label, id);
-- The primary key already serves lookups by (source, label); this one serves (target, label).
CREATE INDEX IF NOT EXISTS edges_by_target ON edges (target, label, source);
-- Lists a label's edges in (source, target) order, resuming after a given edge.
CREATE INDEX IF NOT EXISTS edges_by_label ON edges (label, source, target);
"""

SELECT_VERTEX = "SELECT id, label, properties, partition_key FROM vertices"
UPSERT_VERTEX = (
    "INSERT INTO vertices (id, label, properties, partition_key) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (id) DO UPDATE SET label = excluded.label, "
    "properties = excluded.properties, "
    # An upsert without a partition key keeps the stored one, as Gremlin does.
    "partition_key = coalesce(excluded.partition_key, vertices.partition_key)"
)
UPSERT_EDGE = (
    "INSERT INTO edges (source, label, target, properties) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (source, label, target) DO UPDATE SET properties = excluded.properties"
)
# Vertex ids linked to ? in each direction, with and without a label condition.
# Both indexes end with the linked id, so with a label the ids come out in order.
LINKED = {
    "out": "SELECT target AS id FROM edges WHERE source = ?",
    "in": "SELECT source AS id FROM edges WHERE target = ?",
}
WITH_LABEL = " AND label = ?"

# A label's vertices in id order: the first ones, or those after a given id.
VERTICES = f"{SELECT_VERTEX} WHERE label = ? ORDER BY id LIMIT ?"
VERTICES_AFTER = f"{SELECT_VERTEX} WHERE label = ? AND id > ? ORDER BY id LIMIT ?"

# A label's edges in (source, target) order: the first ones, or those after a given edge.
EDGES = "SELECT source, target, properties FROM edges WHERE label = ? ORDER BY source, target LIMIT ?"
EDGES_AFTER = (
    "SELECT source, target, properties FROM edges WHERE label = ? AND (source, target) > (?, ?) "
    "ORDER BY source, target LIMIT ?"
)

# Two hops along one label, counting paths per candidate, within the fan-out
# bound: the first :first_hop vertices :id links to, each with its first
# :second_hop links (``last`` is the last of those, NULL when it has fewer;
# any BLOB sorts after any text, so x'' leaves the range open). The start and
# the vertices it already links to are left out last, from the best
# :limit + 1 + (how many it links to) candidates, which hold the best :limit
# of the others: one lookup each, not one per candidate reached.
RECOMMENDATIONS = """
WITH first_hop(id, last) AS (
    SELECT linked.target, (
        SELECT further.target FROM edges AS further
        WHERE further.source = linked.target AND further.label = :label
        ORDER BY further.target LIMIT 1 OFFSET :second_hop - 1
    )
    FROM edges AS linked WHERE linked.source = :id AND linked.label = :label
    ORDER BY linked.target LIMIT :first_hop
), best(id, paths) AS (
    SELECT hop.target, COUNT(*) FROM first_hop JOIN edges AS hop
        ON hop.source = first_hop.id AND hop.label = :label AND hop.target <= coalesce(first_hop.last, x'')
    GROUP BY hop.target
    ORDER BY 2 DESC, 1
    LIMIT :limit + 1 + (SELECT COUNT(*) FROM edges WHERE source = :id AND label = :label)
)
SELECT id, paths FROM best
WHERE id != :id AND id NOT IN (SELECT target FROM edges WHERE source = :id AND label = :label)
ORDER BY paths DESC, id
LIMIT :limit
"""
# The other vertices linked from those linking to :id (edges are unique, so
# each row of the join is one co-linking vertex).
BOUGHT_TOGETHER = """
SELECT also.target, COUNT(*) AS buyers
FROM edges AS bought JOIN edges AS also ON also.source = bought.source AND also.label = :label
WHERE bought.target = :id AND bought.label = :label AND also.target != :id
GROUP BY also.target
ORDER BY buyers DESC, also.target
LIMIT :limit
"""
# One depth of a breadth-first walk: (from, to) of the edges leaving the ids in
# the connection's temporary frontier table (filled with parameters: an id may
# hold any character, NUL included, which JSON functions would cut short).
FRONTIER = "CREATE TEMP TABLE IF NOT EXISTS frontier (id TEXT PRIMARY KEY) WITHOUT ROWID"
LINKS = {
    "out": "SELECT e.source, e.target FROM temp.frontier AS f "
    "JOIN edges AS e ON e.source = f.id{label}{target}",
    "in": "SELECT e.target, e.source FROM temp.frontier AS f "
    "JOIN edges AS e ON e.target = f.id{label}{target}",
}
LINK_TARGET = {"out": " AND e.target = :target", "in": " AND e.source = :target"}


def _links_sql(direction, with_label, to_target):
    sides = ("out", "in") if direction == "both" else (direction,)
    return " UNION ALL ".join(
        LINKS[side].format(
            label=" AND e.label = :label" if with_label else "",
            target=LINK_TARGET[side] if to_target else "",
        )
        for side in sides
    )


# Every variant, written once at import: only these constant texts are ever run.
LINKS_SQL = {
    (direction, with_label, to_target): _links_sql(direction, with_label, to_target)
    for direction in ("out", "in", "both")
    for with_label in (True, False)
    for to_target in (True, False)
}


class SQLiteGraphStore(GraphStore):
    """GraphStore over one SQLite file; OPTIONS: path, timeout (seconds a writer waits for the lock)."""

    required_options = ("path",)
    default_options = {"timeout": 20}
    option_rules = {"path": path(), "timeout": seconds()}
    supports_atomic_bulk = True
    per_process = ("_local",)

    def __init__(self, alias="default", **options):
        super().__init__(alias, **options)
        self.path = Path(self.options["path"])

    def close(self):
        """Close this thread's connection; it is reopened on next use."""
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
        self._drop_per_process()

    # -- connections ------------------------------------------------------
    @cached_property
    def _local(self):
        """This process's connection of each thread, as ``.connection``."""
        return threading.local()

    def _connection(self):
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._local.connection = self._connect()
        return connection

    def _connect(self):
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: transactions are begun explicitly, as IMMEDIATE when writing.
            connection = sqlite3.connect(self.path, timeout=self.options["timeout"], isolation_level=None)
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = NORMAL")
            connection.execute("PRAGMA foreign_keys = ON")
            # Reads map the file instead of copying pages through read() calls.
            connection.execute("PRAGMA mmap_size = 268435456")
            connection.executescript(SCHEMA)
            connection.execute(FRONTIER)
        except (sqlite3.Error, OSError) as e:
            raise Unavailable(f"Cannot open the graph database {self.path}: {e}") from e
        return connection

    @contextmanager
    def _transaction(self, write=False):
        connection = self._connection()
        try:
            # IMMEDIATE takes the write lock up front, so the busy timeout applies
            # instead of a deadlock error when two writers upgrade at once.
            connection.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield connection
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")
        except sqlite3.DatabaseError as e:  # locked past the timeout, disk full, corrupt file
            raise Unavailable(f"The graph database {self.path} is unavailable: {e}") from e

    # -- writes -----------------------------------------------------------
    def _upsert_vertex(self, vertex):
        self._bulk_upsert_vertices([vertex])

    def _bulk_upsert_vertices(self, vertices):
        with self._transaction(write=True) as db:
            db.executemany(
                UPSERT_VERTEX,
                ((v.id, v.label, _json(v.properties), v.partition_key) for v in vertices),
            )

    def _get_vertex(self, id):
        with self._transaction() as db:
            row = db.execute(f"{SELECT_VERTEX} WHERE id = ?", (id,)).fetchone()
        if row is None:
            raise NotFound(f"No vertex {id!r}.")
        return _vertex(row)

    def _remove_vertex(self, id):
        with self._transaction(write=True) as db:
            db.execute("DELETE FROM vertices WHERE id = ?", (id,))  # its edges go by ON DELETE CASCADE

    def _upsert_edge(self, edge):
        self._bulk_upsert_edges([edge])

    def _bulk_upsert_edges(self, edges):
        with self._transaction(write=True) as db:
            try:
                db.executemany(
                    UPSERT_EDGE,
                    ((e.source, e.label, e.target, _json(e.properties)) for e in edges),
                )
            except sqlite3.IntegrityError:
                # A foreign key failed: the transaction rolls back and the error names the vertex.
                raise NotFound(_missing_end(db, edges)) from None

    def _remove_edge(self, source, label, target):
        with self._transaction(write=True) as db:
            db.execute(
                "DELETE FROM edges WHERE source = ? AND label = ? AND target = ?", (source, label, target)
            )

    def _clear(self):
        with self._transaction(write=True) as db:
            db.execute("DELETE FROM edges")
            db.execute("DELETE FROM vertices")

    # -- reads ------------------------------------------------------------
    def _neighbours(self, id, direction, label, limit, offset):
        linked, params = _linked(id, direction, label)
        # The page of ids is cut first (in index order when one side and a label are
        # given), then only its vertices are read.
        return self._vertices_in_order(
            f"SELECT DISTINCT id FROM ({linked}) ORDER BY id LIMIT ? OFFSET ?", (*params, limit, offset)
        )

    def _degree(self, id, direction, label):
        total = 0
        with self._transaction() as db:
            # As in Gremlin's bothE(), a self-loop counts once leaving and once arriving.
            for side in ("out", "in") if direction == "both" else (direction,):
                linked, params = _linked(id, side, label)
                total += db.execute(f"SELECT COUNT(*) FROM ({linked})", params).fetchone()[0]
        return total

    def _common_neighbours(self, a, b, direction, label, limit, offset):
        linked_a, params_a = _linked(a, direction, label)
        linked_b, params_b = _linked(b, direction, label)
        return self._vertices_in_order(
            f"SELECT id FROM ({linked_a}) INTERSECT SELECT id FROM ({linked_b}) "
            "EXCEPT SELECT ? EXCEPT SELECT ? ORDER BY id LIMIT ? OFFSET ?",
            (*params_a, *params_b, a, b, limit, offset),
        )

    def _recommendations(self, id, label, limit):
        return self._ranked(RECOMMENDATIONS, {
            "id": id, "label": label, "limit": limit,
            "first_hop": self.recommendation_first_hop_limit,
            "second_hop": self.recommendation_second_hop_limit,
        })

    def _bought_together(self, id, label, limit):
        return self._ranked(BOUGHT_TOGETHER, {"id": id, "label": label, "limit": limit})

    def _vertices(self, label, after, count):
        with self._transaction() as db:
            if after is None:
                rows = db.execute(VERTICES, (label, count)).fetchall()
            else:
                rows = db.execute(VERTICES_AFTER, (label, after, count)).fetchall()
        return [(row[0], _vertex(row)) for row in rows]

    def _edges(self, label, after, count):
        with self._transaction() as db:
            if after is None:
                rows = db.execute(EDGES, (label, count)).fetchall()
            else:
                source, target = _edge_position(after)
                rows = db.execute(EDGES_AFTER, (label, source, target, count)).fetchall()
        return [
            (json.dumps([source, target]), Edge(source, label, target, json.loads(properties)))
            for source, target, properties in rows
        ]

    def _links(self, frontier, direction, label, target):
        with self._transaction() as db:
            db.execute("DELETE FROM temp.frontier")
            db.executemany("INSERT INTO temp.frontier (id) VALUES (?)", ((id,) for id in frontier))
            sql = LINKS_SQL[direction, label is not None, target is not None]
            return db.execute(sql, {"label": label, "target": target}).fetchall()

    # -- helpers ----------------------------------------------------------
    def _vertices_in_order(self, ids_sql, params):
        with self._transaction() as db:
            rows = db.execute(
                f"WITH page(id) AS ({ids_sql}) SELECT v.id, v.label, v.properties, v.partition_key "
                "FROM page JOIN vertices AS v USING (id) ORDER BY v.id",
                params,
            ).fetchall()
        return [_vertex(row) for row in rows]

    def _ranked(self, sql, params):
        with self._transaction() as db:
            scores = db.execute(sql, params).fetchall()
            if not scores:
                return []
            holders = ", ".join("?" * len(scores))
            rows = db.execute(f"{SELECT_VERTEX} WHERE id IN ({holders})", [id for id, _ in scores]).fetchall()
        vertices = {row[0]: _vertex(row) for row in rows}
        return [Ranked(vertices[id], score) for id, score in scores]


def _linked(id, direction, label):
    """The constant SQL selecting ids linked to ``id``, and its parameters."""
    parts, params = [], []
    for side in ("out", "in") if direction == "both" else (direction,):
        parts.append(LINKED[side] + (WITH_LABEL if label else ""))
        params += [id, label] if label else [id]
    return " UNION ALL ".join(parts), params


def _edge_position(position):
    """(source, target) from a position _edges() gave; InvalidQuery for anything else."""
    try:
        source, target = json.loads(position)
    except (ValueError, TypeError):
        raise InvalidQuery("The continuation token is malformed.") from None
    if not isinstance(source, str) or not isinstance(target, str):
        raise InvalidQuery("The continuation token is malformed.")
    return source, target


def _missing_end(db, edges):
    for edge in edges:
        for id in (edge.source, edge.target):
            if db.execute("SELECT 1 FROM vertices WHERE id = ?", (id,)).fetchone() is None:
                return f"No vertex {id!r}; create both ends before the {edge.label} edge."
    return "A vertex of an edge is missing."


def _json(properties):
    return json.dumps(properties) if properties else "{}"


def _vertex(row):
    id, label, properties, partition_key = row
    return Vertex(id=id, label=label, properties=json.loads(properties), partition_key=partition_key)
