"""The graph in one SQLite file: a vertex table and an edge table indexed both ways.

WAL mode lets readers run beside a writer, and the busy timeout makes a
second writer (the web process and a worker at once) wait instead of
failing. Each thread has its own connection. Every value travels as a
query parameter; only constant SQL fragments are ever put together.
"""
import json
import os
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from ..exceptions import NotFound, Unavailable
from .base import GraphStore, Vertex

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
-- The primary key already serves lookups by (source, label); this one serves (target, label).
CREATE INDEX IF NOT EXISTS edges_by_target ON edges (target, label, source);
"""

SELECT_VERTEX = "SELECT id, label, properties, partition_key FROM vertices"
# Vertex ids linked to ? in each direction, with and without a label condition.
LINKED = {
    "out": "SELECT target FROM edges WHERE source = ?",
    "in": "SELECT source FROM edges WHERE target = ?",
}
WITH_LABEL = " AND label = ?"


class SQLiteGraphStore(GraphStore):
    """GraphStore over one SQLite file; OPTIONS: path, timeout (seconds a writer waits for the lock)."""

    required_options = ("path",)
    default_options = {"timeout": 20}

    def __init__(self, alias="default", **options):
        super().__init__(alias, **options)
        timeout = self.options["timeout"]
        if not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or timeout < 0:
            raise ImproperlyConfigured(f"{alias}: timeout is a number of seconds, 0 or more.")
        self.path = Path(self.options["path"])
        self._local = threading.local()

    def close(self):
        """Close this thread's connection; it is reopened on next use."""
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
        self._local = threading.local()

    # -- connections ------------------------------------------------------
    def _connection(self):
        local = self._local
        # A forked worker opens its own connection rather than share the parent's.
        if getattr(local, "pid", None) != os.getpid():
            local.connection, local.pid = self._connect(), os.getpid()
        return local.connection

    def _connect(self):
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: transactions are begun explicitly, as IMMEDIATE when writing.
            connection = sqlite3.connect(self.path, timeout=self.options["timeout"], isolation_level=None)
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = NORMAL")
            connection.execute("PRAGMA foreign_keys = ON")
            connection.executescript(SCHEMA)
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

    # -- hooks ------------------------------------------------------------
    def _upsert_vertex(self, vertex):
        with self._transaction(write=True) as db:
            db.execute(
                "INSERT INTO vertices (id, label, properties, partition_key) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET label = excluded.label, "
                "properties = excluded.properties, partition_key = excluded.partition_key",
                (vertex.id, vertex.label, json.dumps(vertex.properties), vertex.partition_key),
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
        with self._transaction(write=True) as db:
            ends = (edge.source, edge.target)
            found = {row[0] for row in db.execute("SELECT id FROM vertices WHERE id IN (?, ?)", ends)}
            missing = [id for id in ends if id not in found]
            if missing:
                raise NotFound(f"No vertex {missing[0]!r}; create both ends before the {edge.label} edge.")
            db.execute(
                "INSERT INTO edges (source, label, target, properties) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (source, label, target) DO UPDATE SET properties = excluded.properties",
                (edge.source, edge.label, edge.target, json.dumps(edge.properties)),
            )

    def _remove_edge(self, source, label, target):
        with self._transaction(write=True) as db:
            db.execute(
                "DELETE FROM edges WHERE source = ? AND label = ? AND target = ?", (source, label, target)
            )

    def _neighbours(self, id, direction, label, limit, offset):
        linked, params = _linked(id, direction, label)
        with self._transaction() as db:
            rows = db.execute(
                f"{SELECT_VERTEX} WHERE id IN ({linked}) ORDER BY id LIMIT ? OFFSET ?",
                (*params, limit, offset),
            ).fetchall()
        return [_vertex(row) for row in rows]

    def _degree(self, id, direction, label):
        total = 0
        with self._transaction() as db:
            # As in Gremlin's bothE(), a self-loop counts once leaving and once arriving.
            for side in ("out", "in") if direction == "both" else (direction,):
                linked, params = _linked(id, side, label)
                total += db.execute(f"SELECT COUNT(*) FROM ({linked})", params).fetchone()[0]
        return total

    def _clear(self):
        with self._transaction(write=True) as db:
            db.execute("DELETE FROM edges")
            db.execute("DELETE FROM vertices")


def _linked(id, direction, label):
    """The constant SQL selecting ids linked to ``id``, and its parameters."""
    parts, params = [], []
    for side in ("out", "in") if direction == "both" else (direction,):
        parts.append(LINKED[side] + (WITH_LABEL if label else ""))
        params += [id, label] if label else [id]
    return " UNION ALL ".join(parts), params


def _vertex(row):
    id, label, properties, partition_key = row
    return Vertex(id=id, label=label, properties=json.loads(properties), partition_key=partition_key)
