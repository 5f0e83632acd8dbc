"""The document store contract: JSON documents in containers partitioned by a key path.

Public methods validate their input once here and call the ``_hooks`` a
backend implements, so every backend refuses bad input the same way and
never writes half of it. Documents come back as dicts with the store's
``_etag``; keys starting with ``_`` belong to the store.
"""
import copy
import json
import re
from dataclasses import dataclass
from typing import Any

from ..base import StoreBackend
from ..exceptions import InvalidQuery, NotFound, NotSupported
from ..query import FIELD_SEGMENT, OPERATORS, Condition, as_filter, parse_lookup
from ..metrics import timed
from ..paging import check_page_size, scan_pages
from .values import check_document_id, check_value

CONTAINER_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")


@dataclass(frozen=True)
class Container:
    """A container: its name, the path of its partition key (e.g. ``/category``), and the
    fields its queries filter on, to ``indexes`` (e.g. ``("price", "attributes__colour")``).

    A backend that indexes only what it is told (SQLite) builds one index per
    field in ``ensure_container()``, so a filter on the field reads its matches
    instead of every document; Cosmos DB indexes every path already.
    """

    name: str
    partition_key: str
    indexes: tuple = ()

    def __post_init__(self):
        if not CONTAINER_NAME.match(self.name):
            raise ValueError(f"{self.name!r} is not a container name (a-z, 0-9, _ and -).")
        segments = self.partition_key.split("/")
        if segments[0] != "" or not all(FIELD_SEGMENT.match(s) for s in segments[1:]) or len(segments) < 2:
            raise ValueError(f"{self.partition_key!r} is not a partition key path such as '/category'.")
        if isinstance(self.indexes, str) or not isinstance(self.indexes, (tuple, list)):
            raise ValueError(f"indexes is a tuple of field names such as ('price',), not {self.indexes!r}.")
        for field in self.indexes:
            if not isinstance(field, str) or not all(FIELD_SEGMENT.match(part) for part in field.split("__")):
                raise ValueError(f"{field!r} is not a field to index (names joined by __, as in filters).")
        object.__setattr__(self, "indexes", tuple(dict.fromkeys(self.indexes)))

    @property
    def index_paths(self):
        """The indexed fields as paths, outermost name first."""
        return tuple(tuple(field.split("__")) for field in self.indexes)

    @property
    def partition_path(self):
        return tuple(self.partition_key.split("/")[1:])

    def partition_key_of(self, document):
        value = document
        for segment in self.partition_path:
            if not isinstance(value, dict) or segment not in value:
                raise ValueError(
                    f"A {self.name} document needs its partition key {self.partition_key}."
                )
            value = value[segment]
        check_partition_value(value)
        return value


_containers = {}


def declare_container(name, partition_key, *, indexes=()):
    """Declare a container; domain apps call this in AppConfig.ready()."""
    container = Container(name, partition_key, indexes)
    existing = _containers.get(name)
    if existing and existing != container:
        raise ValueError(
            f"Container {name!r} is already declared with {existing.partition_key}, indexes {existing.indexes}."
        )
    _containers[name] = container
    return container


def declared_containers():
    return dict(_containers)


def check_partition_value(value):
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError(f"A partition key is a string or a number, not {value!r}.")
    check_value("partition key", value)


def clean_document(document):
    """Check a document is a JSON object with a string id; drop the store's own keys."""
    if not isinstance(document, dict):
        raise ValueError(f"A document is a dict, not {type(document).__name__}.")
    doc_id = check_document_id(document.get("id"))
    cleaned = {k: v for k, v in document.items() if not k.startswith("_")}
    check_value(f"Document {doc_id!r}", cleaned)
    try:
        json.dumps(cleaned, allow_nan=False)
    except (TypeError, ValueError) as e:
        raise ValueError(f"Document {doc_id!r} is not JSON: {e}") from e
    return cleaned


def check_order_by(order_by):
    if isinstance(order_by, str):
        order_by = (order_by,)
    checked = []
    for item in order_by or ():
        if not isinstance(item, str):
            raise InvalidQuery(f"order_by takes field names, not {item!r}.")
        name = item[1:] if item.startswith("-") else item
        parts = name.split("__")
        if not all(FIELD_SEGMENT.match(p) for p in parts):
            raise InvalidQuery(f"{item!r} is not a field to order by.")
        checked.append((tuple(parts), item.startswith("-")))
    return checked


def checked_condition(condition):
    """Check a Condition again before a backend compiles it.

    Q accepts Condition objects built by hand, which skip parse_lookup; a
    backend that writes field names into its query text must not trust them.
    """
    path = condition.path
    if not isinstance(path, tuple) or not path or not all(
        isinstance(p, str) and FIELD_SEGMENT.match(p) for p in path
    ):
        raise InvalidQuery(f"{path!r} is not a field path (letters, digits and _ only).")
    if condition.op not in OPERATORS:
        raise InvalidQuery(f"Unknown operator {condition.op!r}; use one of {', '.join(OPERATORS)}.")
    checked = parse_lookup("__".join((*path, condition.op)), condition.value)
    check_value(condition.field, checked.value)
    return Condition(path, condition.op, checked.value)


# -- patch ------------------------------------------------------------------
PATCH_OPERATIONS = ("set", "increment", "add", "remove")
# Cosmos DB applies at most 10 operations per patch; every backend keeps to that.
MAX_PATCH_OPERATIONS = 10


@dataclass(frozen=True)
class PatchOperation:
    """One step of a patch; ``path`` is a tuple of field names, outermost first.

    - ``set``: give the field a value, adding it if absent (its parent must exist);
    - ``increment``: add a number to a numeric field, or add the field with that number;
    - ``add``: append a value to an existing array;
    - ``remove``: remove an existing field.
    """

    op: str
    path: tuple
    value: Any = None

    @property
    def field(self):
        return "__".join(self.path)


def check_patch_operations(container, operations):
    """Checked PatchOperations from tuples ``(op, "field__sub"[, value])``, dicts or PatchOperations.

    A dict reads ``{"op": "set", "path": "stock__count", "value": 3}``, so a
    patch can travel in an event payload. Paths are checked like filter
    fields; the id and the partition key cannot be patched.
    """
    if not isinstance(operations, (list, tuple)):
        raise InvalidQuery("A patch takes a list of operations such as ('set', 'price', 10).")
    if not 1 <= len(operations) <= MAX_PATCH_OPERATIONS:
        raise InvalidQuery(f"A patch has from 1 to {MAX_PATCH_OPERATIONS} operations, not {len(operations)}.")
    return [check_patch_operation(container, operation) for operation in operations]


def check_patch_operation(container, operation):
    if isinstance(operation, PatchOperation):
        op, path, value = operation.op, operation.path, operation.value
        if isinstance(path, tuple) and all(isinstance(part, str) for part in path):
            path = "__".join(path)
    elif isinstance(operation, dict):
        unknown = set(operation) - {"op", "path", "value"}
        if unknown:
            raise InvalidQuery(
                f"A patch operation has the keys op, path and value, not {', '.join(sorted(unknown))}."
            )
        op, path, value = operation.get("op"), operation.get("path"), operation.get("value")
    elif isinstance(operation, tuple) and len(operation) in (2, 3):
        op, path, value = (*operation, None)[:3]
    else:
        raise InvalidQuery(f"{operation!r} is not a patch operation such as ('set', 'price', 10).")
    if op not in PATCH_OPERATIONS:
        raise InvalidQuery(f"Unknown patch operation {op!r}; use one of {', '.join(PATCH_OPERATIONS)}.")
    if not isinstance(path, str) or not all(FIELD_SEGMENT.match(part) for part in path.split("__")):
        raise InvalidQuery(f"{path!r} is not a field to patch (names of letters, digits and _ joined by __).")
    parts = tuple(path.split("__"))
    if parts == ("id",) or parts == container.partition_path[: len(parts)]:
        raise InvalidQuery(f"{path!r} holds the document's id or partition key, which a patch cannot change.")
    if op == "remove":
        if value is not None:
            raise InvalidQuery(f"remove {path}: takes no value.")
    elif op == "increment":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InvalidQuery(f"increment {path}: takes a number, not {value!r}.")
    check_json(f"{op} {path}", value)
    check_value(f"{op} {path}", value)
    return PatchOperation(op, parts, value)


def check_json(what, value):
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as e:
        raise InvalidQuery(f"{what}: {value!r} is not JSON ({e}).") from None


def apply_patch(document, operations):
    """The document after the operations: the portable meaning of a patch, as Cosmos DB applies it.

    InvalidQuery when an operation does not fit the document as the earlier
    operations left it (a missing parent, a field that is not a number or not
    an array, removing a field that is absent); the caller then writes
    nothing. Values are copied in, so the caller's operations never change.
    """
    return apply_patch_in_place(json.loads(json.dumps(document)), operations)


def apply_patch_in_place(document, operations):
    """apply_patch() on a document the caller owns and gives up, such as one just parsed from JSON:
    it is changed in place (and may be half changed when InvalidQuery is raised), not copied first."""
    for operation in operations:
        parent = document
        for name in operation.path[:-1]:
            parent = parent.get(name) if isinstance(parent, dict) else None
        name, here = operation.path[-1], f"{operation.op} {operation.field}"
        if not isinstance(parent, dict):
            raise InvalidQuery(f"{here}: the document has no object to hold {name!r}.")
        current = parent.get(name)
        if operation.op == "set":
            parent[name] = copy.deepcopy(operation.value)
        elif operation.op == "increment":
            if name in parent and (isinstance(current, bool) or not isinstance(current, (int, float))):
                raise InvalidQuery(f"{here}: the stored value {current!r} is not a number.")
            parent[name] = (current or 0) + operation.value
        elif operation.op == "add":
            if not isinstance(current, list):
                raise InvalidQuery(f"{here}: the stored value {current!r} is not an array.")
            current.append(copy.deepcopy(operation.value))
        elif name not in parent:
            raise InvalidQuery(f"{here}: the document has no such field.")
        else:
            del parent[name]
    return document


# -- batches -------------------------------------------------------------------
BATCH_OPERATIONS = ("create", "upsert", "replace", "delete")
# Cosmos DB runs at most 100 operations in one transactional batch.
MAX_BATCH_OPERATIONS = 100


@dataclass(frozen=True)
class BatchOperation:
    """One checked operation of a batch: a cleaned ``document`` or, for delete, an ``id``."""

    op: str
    document: dict | None = None
    id: str | None = None
    if_match: str | None = None


def check_batch_operation(container, partition_key, index, operation):
    if not isinstance(operation, tuple) or len(operation) not in (2, 3):
        raise InvalidQuery(f"Batch operation {index}: {operation!r} is not like ('create', document).")
    op, target, options = (*operation, {})[:3]
    if op not in BATCH_OPERATIONS:
        raise InvalidQuery(f"Batch operation {index}: unknown {op!r}; use {', '.join(BATCH_OPERATIONS)}.")
    if not isinstance(options, dict) or set(options) - {"if_match"} or (op == "create" and options):
        raise InvalidQuery(f"Batch operation {index}: the options of {op} are {{'if_match': etag}} or none.")
    if_match = options.get("if_match")
    if if_match is not None and not isinstance(if_match, str):
        raise InvalidQuery(f"Batch operation {index}: if_match is an ETag string.")
    if op == "delete":
        return BatchOperation(op, id=check_document_id(target), if_match=if_match)
    document = clean_document(target)
    if not same_partition(container.partition_key_of(document), partition_key):
        raise ValueError(f"Batch operation {index}: the document is not in partition {partition_key!r}.")
    return BatchOperation(op, document=document, id=document["id"], if_match=if_match)


def same_partition(a, b):
    # 5 and 5.0 are one partition, 5 and "5" two.
    return isinstance(a, str) == isinstance(b, str) and a == b


def batch_error(error, index, operation):
    """The error of a failed batch, naming the operation that failed (kept in ``operation_index``)."""
    failed = type(error)(f"Batch operation {index} ({operation}) failed, so none was applied: {error}")
    failed.operation_index = index
    return failed




class DocumentStore(StoreBackend):
    """Base class of document stores. Backends implement the ``_`` hooks.

    Rules every backend keeps (see ``values`` for the checks):

    - Ids are checked wherever one is given (documents, get, delete, patch,
      batch deletes): ``.``, ``..`` and ids holding ``/ \\ ? #``, a tab or a
      line break are refused with InvalidQuery before a backend is called.
    - Strings holding NUL or a lone surrogate, and integers outside ±2**53,
      are refused with InvalidQuery in documents, partition keys, filter and
      condition values and patch values. (An increment may still carry a
      stored number past 2**53; Cosmos DB then keeps a double.)
    - A continuation token resumes only the query it came from; a malformed
      or forged one is InvalidQuery, never a restart from the first page.
    """

    kind = "documents"
    # execute_batch() applies all of its operations or none.
    supports_atomic_batch = False
    supports_change_feed_continuation = False
    max_page_size = 1000

    def _timed(self, operation, container):
        """Time one call; backends reach the timer through metrics.current_operation()."""
        return timed(self, operation, container.name)

    # -- containers -------------------------------------------------------
    def container(self, name):
        """The declared Container called ``name``; InvalidQuery if none is."""
        if isinstance(name, Container):
            return name
        try:
            return _containers[name]
        except (KeyError, TypeError):
            raise InvalidQuery(
                f"Unknown container {name!r}; declared: {', '.join(sorted(_containers)) or 'none'}."
            ) from None

    def ensure_container(self, name):
        """Create the container in the backend if it does not exist yet."""
        container = self.container(name)
        with self._timed("ensure_container", container):
            self._ensure_container(container)
        return container

    def ensure_all(self):
        """Create every declared container."""
        return [self.ensure_container(name) for name in sorted(_containers)]

    def delete_container(self, name):
        """Remove the container and every document in it."""
        container = self.container(name)
        with self._timed("delete_container", container):
            self._delete_container(container)

    def ping(self):
        """One cheap read (a point read of a document that is not there), for health checks."""
        name = next(iter(declared_containers()), None)
        if name is None:
            return
        container = self.container(name)
        with self._timed("ping", container):  # reported apart from the site's own reads
            try:
                self._get(container, "health-probe", "health-probe")
            except NotFound:
                pass

    # -- items ------------------------------------------------------------
    def get(self, container, id, partition_key):
        """Return the document; NotFound if it does not exist."""
        container = self.container(container)
        id = check_document_id(str(id))
        check_partition_value(partition_key)
        with self._timed("get", container):
            return self._get(container, id, partition_key)

    def get_many(self, container, partition_key, ids):
        """The documents of one partition with these ids, as {id: document}; ids with no
        document are left out. At most 100 ids (MAX_BATCH_OPERATIONS). Backends answer in
        one round trip where they can (Cosmos DB: one transactional batch of reads), so a
        caller reading a hundred documents pays one request's overhead, not a hundred."""
        container = self.container(container)
        check_partition_value(partition_key)
        if not isinstance(ids, (list, tuple, set, frozenset)) or len(ids) > MAX_BATCH_OPERATIONS:
            raise InvalidQuery(f"get_many takes a list of at most {MAX_BATCH_OPERATIONS} ids.")
        ids = list(dict.fromkeys(check_document_id(str(id)) for id in ids))
        if not ids:
            return {}
        with self._timed("get_many", container):
            return self._get_many(container, partition_key, ids)

    def create(self, container, document):
        """Insert a new document; Conflict if its id exists in the partition."""
        container = self.container(container)
        document = clean_document(document)
        partition = container.partition_key_of(document)
        with self._timed("create", container):
            return self._create(container, document, partition)

    def upsert(self, container, document, *, if_match=None):
        """Insert or replace; with ``if_match`` only if the stored ETag still matches."""
        container = self.container(container)
        document = clean_document(document)
        partition = container.partition_key_of(document)
        with self._timed("upsert", container):
            return self._upsert(container, document, partition, if_match)

    def replace(self, container, document, *, if_match=None):
        """Replace an existing document; NotFound if absent, PreconditionFailed if stale."""
        container = self.container(container)
        document = clean_document(document)
        partition = container.partition_key_of(document)
        with self._timed("replace", container):
            return self._replace(container, document, partition, if_match)

    def delete(self, container, id, partition_key, *, if_match=None):
        """Delete a document; NotFound if absent, PreconditionFailed if stale."""
        container = self.container(container)
        id = check_document_id(str(id))
        check_partition_value(partition_key)
        with self._timed("delete", container):
            self._delete(container, id, partition_key, if_match)

    def patch(self, container, id, partition_key, operations, *, condition=None, if_match=None):
        """Change part of a stored document in one atomic step; returns the new document.

        ``operations`` are up to 10 of ``("set", "field__sub", value)``,
        ``("increment", "field", number)``, ``("add", "array_field", value)``
        and ``("remove", "field")`` (see PatchOperation), applied in order.
        ``condition`` is a filter (Q or dict of lookups) the stored document
        must match, and ``if_match`` an ETag it must still have; otherwise
        PreconditionFailed. NotFound if the document is absent; InvalidQuery
        if an operation does not fit it, and then nothing is written.

        Errors come in this order: a malformed patch (InvalidQuery, before
        anything is read), NotFound, then the precondition (PreconditionFailed,
        even when an operation would not fit either), then the operations.
        Each operation sees the document as the earlier ones left it (see
        apply_patch): ``set tags []`` then ``add tags 1`` gives ``[1]``, and
        ``remove tags`` then ``add tags 1`` is InvalidQuery. The caller's
        operations and their values are never changed.
        """
        container = self.container(container)
        id = check_document_id(str(id))
        check_partition_value(partition_key)
        operations = check_patch_operations(container, operations)
        condition = as_filter(condition)
        for part in condition.conditions() if condition is not None else ():
            checked_condition(part)  # refuse a bad condition before anything is read
        if if_match is not None and not isinstance(if_match, str):
            raise InvalidQuery("if_match is the ETag string of a stored document.")
        with self._timed("patch", container):
            return self._patch(container, id, partition_key, operations, condition, if_match)

    def execute_batch(self, container, partition_key, operations):
        """Run up to 100 writes on one partition as one transaction: all apply, or none.

        Each operation is a tuple: ``("create", document)``, ``("upsert",
        document)``, ``("replace", document)`` or ``("delete", id)``, the last
        three optionally followed by ``{"if_match": etag}``. Returns one result
        per operation: the stored document, or None for a delete. A failing
        operation raises its error (Conflict, NotFound, PreconditionFailed)
        with ``operation_index`` set, and nothing of the batch is written.
        """
        if not self.supports_atomic_batch:
            raise NotSupported(f"{type(self).__name__} cannot run atomic batches.")
        container = self.container(container)
        check_partition_value(partition_key)
        if not isinstance(operations, (list, tuple)) or not 1 <= len(operations) <= MAX_BATCH_OPERATIONS:
            raise InvalidQuery(f"A batch is a list of 1 to {MAX_BATCH_OPERATIONS} operations.")
        checked = [
            check_batch_operation(container, partition_key, index, operation)
            for index, operation in enumerate(operations)
        ]
        with self._timed("execute_batch", container):
            return self._execute_batch(container, partition_key, checked)

    def bulk_upsert(self, container, documents):
        """Upsert many documents; returns the stored documents in order."""
        container = self.container(container)
        cleaned = [clean_document(d) for d in documents]
        pairs = [(d, container.partition_key_of(d)) for d in cleaned]
        with self._timed("bulk_upsert", container):
            return self._bulk_upsert(container, pairs)

    # -- queries ----------------------------------------------------------
    def query(self, container, where=None, *, partition_key=None, order_by=(), limit=100, continuation=None):
        """One page of documents matching ``where`` (a Q or dict of lookups).

        Without ``partition_key`` the query crosses partitions. ``continuation``
        is the opaque token of the previous page.
        """
        container = self.container(container)
        where = as_filter(where)
        if partition_key is not None:
            check_partition_value(partition_key)
        order = check_order_by(order_by)
        check_page_size("limit", limit, self.max_page_size)
        if continuation is not None and not isinstance(continuation, str):
            raise InvalidQuery("continuation is the string token of a previous page.")
        with self._timed("query", container):
            return self._query(container, where, partition_key, order, limit, continuation)

    def count(self, container, where=None, *, partition_key=None):
        """How many documents match ``where``."""
        container = self.container(container)
        where = as_filter(where)
        if partition_key is not None:
            check_partition_value(partition_key)
        with self._timed("count", container):
            return self._count(container, where, partition_key)

    def scan(self, container, where=None, *, partition_key=None, order_by=(), page_size=1000):
        """Every document matching ``where`` (in ``order_by``'s order, if given), read page by
        page (``page_size`` from 1 to ``max_page_size``); a document stored throughout the
        scan is listed once.

        Nothing is read until the first ``next()``.
        """
        check_page_size("page_size", page_size, self.max_page_size)
        return scan_pages(
            lambda token: self.query(container, where, partition_key=partition_key, order_by=order_by,
                                     limit=page_size, continuation=token)
        )

    # -- hooks for backends ------------------------------------------------
    def _ensure_container(self, container):
        raise NotImplementedError("subclasses of DocumentStore must provide an _ensure_container() method")

    def _delete_container(self, container):
        raise NotImplementedError("subclasses of DocumentStore must provide a _delete_container() method")

    def _get(self, container, id, partition_key):
        raise NotImplementedError("subclasses of DocumentStore must provide a _get() method")

    def _get_many(self, container, partition_key, ids):
        found = {}
        for id in ids:
            try:
                found[id] = self._get(container, id, partition_key)
            except NotFound:
                pass
        return found

    def _create(self, container, document, partition_key):
        raise NotImplementedError("subclasses of DocumentStore must provide a _create() method")

    def _upsert(self, container, document, partition_key, if_match):
        raise NotImplementedError("subclasses of DocumentStore must provide an _upsert() method")

    def _replace(self, container, document, partition_key, if_match):
        raise NotImplementedError("subclasses of DocumentStore must provide a _replace() method")

    def _delete(self, container, id, partition_key, if_match):
        raise NotImplementedError("subclasses of DocumentStore must provide a _delete() method")

    def _query(self, container, where, partition_key, order, limit, continuation):
        raise NotImplementedError("subclasses of DocumentStore must provide a _query() method")

    def _count(self, container, where, partition_key):
        raise NotImplementedError("subclasses of DocumentStore must provide a _count() method")

    def _patch(self, container, id, partition_key, operations, condition, if_match):
        raise NotImplementedError("subclasses of DocumentStore must provide a _patch() method")

    def _execute_batch(self, container, partition_key, operations):
        raise NotImplementedError("subclasses of DocumentStore must provide an _execute_batch() method")

    def _bulk_upsert(self, container, pairs):
        return [self._upsert(container, doc, partition, None) for doc, partition in pairs]
