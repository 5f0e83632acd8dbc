"""The document store contract: JSON documents in containers partitioned by a key path.

Public methods validate their input once here and call the ``_hooks`` a
backend implements, so every backend refuses bad input the same way and
never writes half of it. Documents come back as dicts with the store's
``_etag``; keys starting with ``_`` belong to the store.
"""
import base64
import binascii
import hashlib
import json
import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field

from ..base import StoreBackend
from ..exceptions import InvalidQuery
from ..query import FIELD_SEGMENT, OPERATORS, Condition, as_filter, parse_lookup
from ..metrics import timed

CONTAINER_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")


@dataclass(frozen=True)
class Container:
    """A container: its name and the path of its partition key, e.g. ``/category``."""

    name: str
    partition_key: str

    def __post_init__(self):
        if not CONTAINER_NAME.match(self.name):
            raise ValueError(f"{self.name!r} is not a container name (a-z, 0-9, _ and -).")
        segments = self.partition_key.split("/")
        if segments[0] != "" or not all(FIELD_SEGMENT.match(s) for s in segments[1:]) or len(segments) < 2:
            raise ValueError(f"{self.partition_key!r} is not a partition key path such as '/category'.")

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


def declare_container(name, partition_key):
    """Declare a container; domain apps call this in AppConfig.ready()."""
    container = Container(name, partition_key)
    existing = _containers.get(name)
    if existing and existing != container:
        raise ValueError(f"Container {name!r} is already declared with {existing.partition_key}.")
    _containers[name] = container
    return container


def declared_containers():
    return dict(_containers)


def check_partition_value(value):
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError(f"A partition key is a string or a number, not {value!r}.")


@dataclass
class Page:
    """One page of query results and the token that fetches the next (None at the end)."""

    items: list = field(default_factory=list)
    continuation: str | None = None

    def __iter__(self):
        return iter(self.items)

    def __len__(self):
        return len(self.items)


def clean_document(document):
    """Check a document is a JSON object with a string id; drop the store's own keys."""
    if not isinstance(document, dict):
        raise ValueError(f"A document is a dict, not {type(document).__name__}.")
    doc_id = document.get("id")
    if not isinstance(doc_id, str) or not doc_id:
        raise ValueError("A document needs a non-empty string 'id'.")
    # Cosmos DB refuses these ids, so every backend does.
    if len(doc_id) > 255 or any(c in doc_id for c in "/\\?#\t\r\n") or doc_id.endswith(" "):
        raise ValueError(
            "A document id has at most 255 characters, none of / \\ ? # tab or line breaks, "
            "and does not end with a space."
        )
    cleaned = {k: v for k, v in document.items() if not k.startswith("_")}
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
    return Condition(path, condition.op, checked.value)


def fingerprint(*parts):
    """A short digest of a query, so a continuation token only resumes the query it came from."""
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def encode_continuation(query_fingerprint, position):
    """An opaque, URL-safe token holding a backend's position in one query."""
    raw = json.dumps({"q": query_fingerprint, "p": position}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode_continuation(token, query_fingerprint):
    """The position stored in ``token``; InvalidQuery if it is malformed or from another query."""
    try:
        state = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (binascii.Error, ValueError, UnicodeError):
        raise InvalidQuery("The continuation token is malformed.") from None
    if not isinstance(state, dict) or "p" not in state:
        raise InvalidQuery("The continuation token is malformed.")
    if state.get("q") != query_fingerprint:
        raise InvalidQuery("The continuation token belongs to another query.")
    return state["p"]


# The timer of the call running on this thread, so a backend's hooks can add
# what only they know (Cosmos DB's request charge) without changing signatures.
_current = threading.local()


def current_operation():
    """The ``timed`` object of the store call running on this thread, or None."""
    return getattr(_current, "operation", None)


class DocumentStore(StoreBackend):
    """Base class of document stores. Backends implement the ``_`` hooks."""

    kind = "documents"
    supports_atomic_batch = False
    supports_change_feed_continuation = False
    max_page_size = 1000

    @contextmanager
    def _timed(self, operation, container):
        """Time one call, with its timer reachable by the hooks through current_operation()."""
        with timed(self, operation, container.name) as op:
            outer, _current.operation = current_operation(), op
            try:
                yield op
            finally:
                _current.operation = outer

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

    # -- items ------------------------------------------------------------
    def get(self, container, id, partition_key):
        """Return the document; NotFound if it does not exist."""
        container = self.container(container)
        check_partition_value(partition_key)
        with self._timed("get", container):
            return self._get(container, str(id), partition_key)

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
        check_partition_value(partition_key)
        with self._timed("delete", container):
            self._delete(container, str(id), partition_key, if_match)

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
        if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= self.max_page_size:
            raise InvalidQuery(f"limit is a whole number from 1 to {self.max_page_size}.")
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

    # -- hooks for backends ------------------------------------------------
    def _ensure_container(self, container):
        raise NotImplementedError("subclasses of DocumentStore must provide an _ensure_container() method")

    def _delete_container(self, container):
        raise NotImplementedError("subclasses of DocumentStore must provide a _delete_container() method")

    def _get(self, container, id, partition_key):
        raise NotImplementedError("subclasses of DocumentStore must provide a _get() method")

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

    def _bulk_upsert(self, container, pairs):
        return [self._upsert(container, doc, partition, None) for doc, partition in pairs]
