"""The embedded document store: every container in one SQLite file, queried with JSON1.

One table holds all documents, keyed by (container, partition key, id); a
container exists as soon as it holds a document, so "creating" one costs
nothing but the indexes it declares: one on ``json_extract(body, '$.field')``
per field. Filters compile to SQL in which every value is a ``?`` parameter;
JSON paths are SQL string constants, so that SQLite matches them with those
indexes (it matches an expression index only to the same constant), written
from field names that are letters, digits and ``_`` only, checked again here.
Comparisons follow Cosmos DB: a value only matches a field of the same JSON
type, so the number 10 does not match the string "10".
"""
import json
import os
import sqlite3
import threading
import time
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path

from ..exceptions import Conflict, NotFound, PreconditionFailed, Unavailable
from ..metrics import timed
from ..options import path, seconds
from ..exceptions import InvalidQuery
from ..query import FIELD_SEGMENT, Q
from ..paging import Page, decode_continuation, encode_continuation, fingerprint
from .base import (
    DocumentStore,
    apply_patch_in_place,
    batch_error,
    checked_condition,
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    container TEXT NOT NULL,
    partition_key TEXT NOT NULL,  -- the key as JSON text: 5 and "5" are different partitions
    id TEXT NOT NULL,
    body TEXT NOT NULL,
    etag TEXT NOT NULL,
    ts INTEGER NOT NULL,
    PRIMARY KEY (container, partition_key, id)
);
CREATE INDEX IF NOT EXISTS documents_by_id ON documents (container, id);
"""

KEY = "container = ? AND partition_key = ? AND id = ?"
INSERT = "INSERT INTO documents (container, partition_key, id, body, etag, ts) VALUES (?, ?, ?, ?, ?, ?)"
UPSERT = INSERT + """
ON CONFLICT (container, partition_key, id)
DO UPDATE SET body = excluded.body, etag = excluded.etag, ts = excluded.ts
"""

# json_type() names per Python value; Cosmos DB compares only values of one type.
NUMBER_TYPES = "('integer', 'real')"
BOOLEAN_TYPES = "('true', 'false')"
COMPARISONS = {"eq": "=", "ne": "!=", "lt": "<", "lte": "<=", "gt": ">", "gte": ">="}
# Cosmos DB's order across types: undefined, null, booleans, numbers, strings, arrays, objects.
TYPE_RANK = (
    "CASE json_type(body, {path}) WHEN 'null' THEN 1 WHEN 'false' THEN 2 WHEN 'true' THEN 2 "
    "WHEN 'integer' THEN 3 WHEN 'real' THEN 3 WHEN 'text' THEN 4 WHEN 'array' THEN 5 "
    "WHEN 'object' THEN 6 ELSE 0 END"
)
# Seconds a writer waits for another connection's write lock before giving up.


def partition_column(value):
    """The partition key as JSON text, so 5 and "5" stay apart and 5.0 equals 5."""
    if isinstance(value, str):
        return encode_json_string(value)  # what json.dumps() calls, without its per-call set-up
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return json.dumps(value)


encode_json_string = json.encoder.encode_basestring_ascii


def new_etag():
    return os.urandom(16).hex()


def json_path(path):
    """The JSON path of a field as an SQL string constant, e.g. ``'$.stock.count'``."""
    # Callers pass checked paths; checked again because this text goes into the SQL itself.
    if not path or not all(isinstance(part, str) and FIELD_SEGMENT.match(part) for part in path):
        raise InvalidQuery(f"{path!r} is not a field path (letters, digits and _ only).")
    return "'$." + ".".join(path) + "'"


def index_name(container, path):
    # Container names are a-z, 0-9, _ and -, fields letters, digits and _: nothing to escape in quotes.
    return f'"documents_{container.name}_{"__".join(path)}"'


def value_types(value):
    if isinstance(value, bool):
        return BOOLEAN_TYPES
    if isinstance(value, (int, float)):
        return NUMBER_TYPES
    return "('text')"


def compile_comparison(path, op, value, params):
    if value is None:
        # JSON null only equals null; json_extract() turns it into SQL NULL, so test the type.
        if op in ("eq", "lte", "gte"):
            return f"json_type(body, {path}) = 'null'"
        return "0"
    params.append(value)
    types, comparison = value_types(value), COMPARISONS[op]
    return f"(json_type(body, {path}) IN {types} AND json_extract(body, {path}) {comparison} ?)"


def compile_condition(condition, params):
    condition = checked_condition(condition)
    if condition.path == ("id",) and condition.op in ("eq", "in"):
        # Every document's id is also a column with an index: a lookup by id reads no other row.
        ids = [condition.value] if condition.op == "eq" else list(condition.value)
        if all(isinstance(i, str) for i in ids):
            params.extend(ids)
            return f"id IN ({', '.join('?' * len(ids))})"
    if condition.path == ("id",) and condition.op in COMPARISONS and isinstance(condition.value, str):
        # Ids are always strings: a range of ids (a cursor over time-ordered ids) reads the id index.
        params.append(condition.value)
        return f"id {COMPARISONS[condition.op]} ?"
    path, op, value = json_path(condition.path), condition.op, condition.value
    if op in COMPARISONS:
        return compile_comparison(path, op, value, params)
    if op == "in" and all(isinstance(v, str) for v in value):
        # One IN over the field's index, not an OR of one comparison per value (hundreds of authors).
        params.extend(value)
        return f"(json_type(body, {path}) = 'text' AND json_extract(body, {path}) IN ({', '.join('?' * len(value))}))"
    if op == "in":
        return "(" + " OR ".join(compile_comparison(path, "eq", v, params) for v in value) + ")"
    if op == "contains":
        # A substring of a string, or an element of an array, as CONTAINS/ARRAY_CONTAINS in Cosmos DB.
        params.extend((value, value))
        return (
            f"((json_type(body, {path}) = 'text' AND instr(json_extract(body, {path}), ?) > 0) OR "
            f"(json_type(body, {path}) = 'array' AND EXISTS (SELECT 1 FROM json_each(body, {path}) "
            "AS element WHERE element.type = 'text' AND element.value = ?)))"
        )
    if op == "startswith":
        # substr() rather than LIKE, whose % and _ would be wildcards inside the value.
        params.extend((value, value))
        return f"(json_type(body, {path}) = 'text' AND substr(json_extract(body, {path}), 1, length(?)) = ?)"
    return f"json_type(body, {path}) IS NOT NULL" if value else f"json_type(body, {path}) IS NULL"


def compile_filter(node, params):
    """SQL for a Q tree; appends the values its ``?`` placeholders take to ``params``."""
    if not isinstance(node, Q):
        return compile_condition(node, params)
    parts = [compile_filter(child, params) for child in node.children]
    if not parts:
        return "1" if node.connector == Q.AND else "0"
    return "(" + (" AND " if node.connector == Q.AND else " OR ").join(parts) + ")"


def compile_order(order):
    terms = []
    for path, descending in order:
        direction = " DESC" if descending else ""
        if path == ("id",):
            terms.append("id" + direction)  # the id column (always a string): its index gives the order
            continue
        field = json_path(path)
        terms += [TYPE_RANK.format(path=field) + direction, f"json_extract(body, {field})" + direction]
    # id then partition: a total order, so offsets page without gaps or repeats.
    return " ORDER BY " + ", ".join(terms + ["id", "partition_key"])


def stored(document, etag, ts):
    """The document as a call returns it; ``document`` is the store's own copy, given the store's keys."""
    document["_etag"], document["_ts"] = etag, ts
    return document


class timed_sqlite(timed):
    """The contract's timer, which also reports a lock held past the timeout (or a broken file) as
    Unavailable. A class rather than a generator context manager: it wraps every call."""

    def __exit__(self, exc_type, exc, tb):
        super().__exit__(exc_type, exc, tb)
        if isinstance(exc, sqlite3.OperationalError):
            raise Unavailable(f"The document store {self.store.path} is unavailable: {exc}") from exc
        return False


class SQLiteDocumentStore(DocumentStore):
    """Documents in one SQLite file (WAL), shared safely by threads and processes.

    Each thread has its own connection. Read-modify-write (preconditions,
    patches, batches) runs in ``BEGIN IMMEDIATE`` transactions and a busy
    timeout turns a competing writer into a short wait, so two processes can
    write the same file at once. OPTIONS: path, timeout (seconds a writer waits
    for another's lock before the call fails).
    """

    required_options = ("path",)
    default_options = {"timeout": 30}
    option_rules = {"path": path(), "timeout": seconds()}
    supports_atomic_batch = True
    per_process = ("_local", "_connections")

    def __init__(self, alias="default", **options):
        super().__init__(alias, **options)
        self.path = str(self.options["path"])

    def _timed(self, operation, container):
        """Every call, timed; a lock held past the timeout (or a broken file) is Unavailable."""
        return timed_sqlite(self, operation, container.name)

    # -- connections ------------------------------------------------------
    @cached_property
    def _local(self):
        """This process's connection of each thread, as ``.db``."""
        return threading.local()

    @cached_property
    def _connections(self):
        """Every connection this process opened, for close()."""
        return []

    def _db(self):
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = self._connect()
        return db

    def _connect(self):
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: no implicit transactions, ours are explicit.
        # check_same_thread=False only so close() can close every thread's connection.
        db = sqlite3.connect(
            self.path, timeout=self.options["timeout"], isolation_level=None, check_same_thread=False
        )
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.executescript(SCHEMA)
        with self._lock:
            self._connections.append(db)
        return db

    @contextmanager
    def _transaction(self):
        """A write transaction that holds the write lock from its first statement."""
        db = self._db()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def close(self):
        """Close every thread's connection; the next call opens new ones."""
        with self._lock:
            connections = self._drop_per_process().get("_connections", [])
        for db in connections:
            db.close()

    # -- containers -------------------------------------------------------
    def _ensure_container(self, container):
        # The table holds every container (connecting creates it); a container adds only its indexes,
        # each ending in the default order of a query (id, partition), so an equality filter on the
        # field needs no sort.
        db = self._db()
        for path in container.index_paths:
            db.execute(
                f"CREATE INDEX IF NOT EXISTS {index_name(container, path)} "
                f"ON documents (container, json_extract(body, {json_path(path)}), id, partition_key)"
            )

    def _delete_container(self, container):
        db = self._db()
        db.execute("DELETE FROM documents WHERE container = ?", (container.name,))
        for path in container.index_paths:
            db.execute(f"DROP INDEX IF EXISTS {index_name(container, path)}")

    # -- items ------------------------------------------------------------
    def _get(self, container, id, partition_key):
        key = (container.name, partition_column(partition_key), id)
        row = self._db().execute(f"SELECT body, etag, ts FROM documents WHERE {KEY}", key).fetchone()
        if row is None:
            raise NotFound(f"No {container.name} document {id!r} in partition {partition_key!r}.")
        return stored(json.loads(row[0]), row[1], row[2])

    def _get_many(self, container, partition_key, ids):
        placeholders = ", ".join("?" * len(ids))
        rows = self._db().execute(
            f"SELECT id, body, etag, ts FROM documents WHERE container = ? AND partition_key = ? AND id IN ({placeholders})",
            (container.name, partition_column(partition_key), *ids),
        )
        return {id: stored(json.loads(body), etag, ts) for id, body, etag, ts in rows}

    def _create(self, container, document, partition_key):
        return self._insert(self._db(), container, document, partition_key)

    def _upsert(self, container, document, partition_key, if_match):
        if if_match is None:
            # One statement is atomic on its own: no explicit transaction to open and commit.
            etag, ts = new_etag(), int(time.time())
            self._db().execute(UPSERT, self._row(container, document, partition_key, etag, ts))
            return stored(document, etag, ts)
        with self._transaction() as db:
            return self._conditional_write(db, container, document, partition_key, if_match, must_exist=False)

    def _replace(self, container, document, partition_key, if_match):
        with self._transaction() as db:
            return self._conditional_write(db, container, document, partition_key, if_match, must_exist=True)

    def _delete(self, container, id, partition_key, if_match):
        with self._transaction() as db:
            self._delete_row(db, container, id, partition_key, if_match)

    def _patch(self, container, id, partition_key, operations, condition, if_match):
        # Read, change and write under the write lock, so no other writer comes between.
        with self._transaction() as db:
            return self._patch_row(db, container, id, partition_key, operations, condition, if_match)

    def _execute_batch(self, container, partition_key, operations):
        results = []
        with self._transaction() as db:
            for index, operation in enumerate(operations):
                try:
                    results.append(self._apply(db, container, partition_key, operation))
                except (Conflict, NotFound, PreconditionFailed) as error:
                    raise batch_error(error, index, operation.op) from error
        return results

    def _bulk_upsert(self, container, pairs):
        etag_ts = [(new_etag(), int(time.time())) for _ in pairs]
        rows = [self._row(container, doc, pk, etag, ts) for (doc, pk), (etag, ts) in zip(pairs, etag_ts)]
        with self._transaction() as db:
            db.executemany(UPSERT, rows)
        return [stored(doc, etag, ts) for (doc, _), (etag, ts) in zip(pairs, etag_ts)]

    # -- writes inside a transaction -----------------------------------------
    def _apply(self, db, container, partition_key, operation):
        """One checked batch operation, on the connection of the running transaction."""
        if operation.op == "create":
            return self._insert(db, container, operation.document, partition_key)
        if operation.op == "delete":
            return self._delete_row(db, container, operation.id, partition_key, operation.if_match)
        return self._conditional_write(
            db, container, operation.document, partition_key, operation.if_match,
            must_exist=operation.op == "replace",
        )

    def _insert(self, db, container, document, partition_key):
        etag, ts = new_etag(), int(time.time())
        try:
            db.execute(INSERT, self._row(container, document, partition_key, etag, ts))
        except sqlite3.IntegrityError:
            raise Conflict(
                f"A {container.name} document {document['id']!r} exists in partition {partition_key!r}."
            ) from None
        return stored(document, etag, ts)

    def _delete_row(self, db, container, id, partition_key, if_match):
        key = (container.name, partition_column(partition_key), id)
        self._check_precondition(container, key, self._stored_etag(db, key), if_match, must_exist=True)
        db.execute(f"DELETE FROM documents WHERE {KEY}", key)

    def _conditional_write(self, db, container, document, partition_key, if_match, must_exist):
        # As in Cosmos DB, the precondition applies to a stored document; a missing one is created.
        etag, ts = new_etag(), int(time.time())
        row = self._row(container, document, partition_key, etag, ts)
        self._check_precondition(container, row[:3], self._stored_etag(db, row[:3]), if_match, must_exist)
        db.execute(UPSERT, row)
        return stored(document, etag, ts)

    def _patch_row(self, db, container, id, partition_key, operations, condition, if_match):
        key = (container.name, partition_column(partition_key), id)
        found = db.execute(f"SELECT body, etag FROM documents WHERE {KEY}", key).fetchone()
        self._check_precondition(container, key, found and found[1], if_match, must_exist=True)
        if condition is not None:
            # The condition compiles as a query's filter does, so it matches exactly what a query would.
            params = list(key)
            sql = f"SELECT 1 FROM documents WHERE {KEY} AND " + compile_filter(condition, params)
            if db.execute(sql, params).fetchone() is None:
                raise PreconditionFailed(
                    f"The {container.name} document {id!r} does not meet the patch condition {condition!r}."
                )
        document = apply_patch_in_place(json.loads(found[0]), operations)
        etag, ts = new_etag(), int(time.time())
        db.execute(UPSERT, self._row(container, document, partition_key, etag, ts))
        return stored(document, etag, ts)

    def _stored_etag(self, db, key):
        found = db.execute(f"SELECT etag FROM documents WHERE {KEY}", key).fetchone()
        return found and found[0]

    def _check_precondition(self, container, key, etag, if_match, must_exist):
        """NotFound or PreconditionFailed for the stored ``etag`` (None when no document is stored)."""
        if etag is None and must_exist:
            raise NotFound(f"No {container.name} document {key[2]!r} in partition {key[1]}.")
        if etag is not None and if_match is not None and etag != if_match:
            raise PreconditionFailed(
                f"The {container.name} document {key[2]!r} has changed since it was read."
            )

    @staticmethod
    def _row(container, document, partition_key, etag, ts):
        body = json.dumps(document, ensure_ascii=False, allow_nan=False)
        return (container.name, partition_column(partition_key), document["id"], body, etag, ts)

    # -- queries ----------------------------------------------------------
    def _where(self, container, where, partition_key):
        params = [container.name]
        sql = " WHERE container = ?"
        if partition_key is not None:
            sql += " AND partition_key = ?"
            params.append(partition_column(partition_key))
        if where is not None:
            sql += " AND " + compile_filter(where, params)
        return sql, params

    def _query(self, container, where, partition_key, order, limit, continuation):
        sql, params = self._where(container, where, partition_key)
        sql = "SELECT body, etag, ts FROM documents" + sql + compile_order(order)
        query = fingerprint(sql, params)
        offset = 0 if continuation is None else decode_continuation(continuation, query, int)
        # One row more than asked tells whether another page exists.
        rows = self._db().execute(sql + " LIMIT ? OFFSET ?", (*params, limit + 1, offset)).fetchall()
        items = [stored(json.loads(body), etag, ts) for body, etag, ts in rows[:limit]]
        more = len(rows) > limit
        return Page(items, encode_continuation(query, offset + limit) if more else None)

    def _count(self, container, where, partition_key):
        sql, params = self._where(container, where, partition_key)
        return self._db().execute("SELECT COUNT(*) FROM documents" + sql, params).fetchone()[0]
