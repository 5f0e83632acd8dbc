"""The search contract: indexes built from declared fields, text + filter + facets + sort.

Public methods check their input here and call ``_hooks`` the backends
implement. Query text is always taken literally: a backend escapes or
parses it so that quotes, operators and field syntax typed by a user never
reach its query language as syntax.

rebuild() builds a whole new index aside and swaps it in only when it is
complete, so searches never see a half-built index; until the swap they
read, and writers write, the current one.
"""
import logging
from dataclasses import dataclass, field
from itertools import islice

from ..base import StoreBackend
from ..exceptions import InvalidQuery
from ..metrics import timed
from ..paging import check_page_size, follow
from ..query import as_filter
from .index import IndexDefinition, declared_indexes
from .values import check_condition

logger = logging.getLogger(__name__)

MAX_QUERY_LENGTH = 10_000


@dataclass
class SearchHit:
    id: str
    score: float
    document: dict
    highlights: dict = field(default_factory=dict)


@dataclass
class SearchResults:
    hits: list
    total: int
    facets: dict = field(default_factory=dict)

    @property
    def ids(self):
        return [hit.id for hit in self.hits]


class SearchBackend(StoreBackend):
    """Base class of search backends.

    Rules every backend keeps (values are checked once, in ``values``):

    - A datetime keeps its microseconds, in filters, sorting and facets, for
      every UTC time from year 1 to 9999; a value outside that is InvalidQuery.
    - -0.0 is 0.0: one value to filters, facets and paging.
    - Only the first 64 words of the search text count (MAX_WORDS): past
      them "every word must match" no longer holds.
    - A facet lists its ``max_facet_values`` most frequent values, ties going
      to the smaller value.
    - Hits with equal sort values keep one order while the index does not
      change, so pages neither repeat nor skip a hit; which comes first is
      not specified.
    - An empty filter group, AND or OR, is no condition wherever it stands
      (see query.Q).
    """

    kind = "search"
    supports_facets = True
    supports_highlights = True
    supports_fuzzy = False
    #: Whether writes made to the current index while rebuild() runs reach the new one.
    rebuild_keeps_concurrent_writes = False
    max_page_size = 100
    max_scan_page_size = 1000

    def definition(self, index):
        """The declared IndexDefinition called ``index``; InvalidQuery if none is."""
        if isinstance(index, IndexDefinition):
            return index
        try:
            return declared_indexes()[index]
        except (KeyError, TypeError):
            raise InvalidQuery(
                f"Unknown search index {index!r}; declared: {', '.join(sorted(declared_indexes())) or 'none'}."
            ) from None

    def ensure_index(self, index):
        """Create the index if it does not exist yet."""
        definition = self.definition(index)
        with timed(self, "ensure_index", definition.name):
            self._ensure_index(definition)
        return definition

    def index_documents(self, index, documents):
        """Add or replace documents (dicts with a string ``id`` and declared fields)."""
        definition = self.definition(index)
        documents = [self._clean(definition, d) for d in documents]
        if documents:
            with timed(self, "index", definition.name):
                self._index_documents(definition, documents)

    def delete_documents(self, index, ids):
        """Remove documents by id; ids not in the index are ignored."""
        definition = self.definition(index)
        ids = [str(i) for i in ids]
        if ids:
            with timed(self, "delete", definition.name):
                self._delete_documents(definition, ids)

    def search(self, index, text="", *, where=None, facets=(), order_by=(), page=1, page_size=20, highlight=False):
        """One page of hits for ``text`` (taken literally), filtered by ``where``.

        ``facets`` names facetable fields to count; ``order_by`` names sortable
        fields (``-`` for descending); without it hits come by relevance.
        """
        definition = self.definition(index)
        text = self._check_text(text)
        where = as_filter(where)
        if where is not None:
            for condition in where.conditions():
                declared = definition.field(condition.field)
                if declared is None or not declared.filterable:
                    raise InvalidQuery(f"{condition.field!r} is not a filterable field of {definition.name}.")
                check_condition(declared, condition)
        for name in facets:
            declared = definition.field(name)
            if declared is None or not declared.facet:
                raise InvalidQuery(f"{name!r} is not a facet of {definition.name}.")
        order = []
        for item in (order_by,) if isinstance(order_by, str) else order_by:
            name = item.lstrip("-")
            declared = definition.field(name)
            if declared is None or not declared.sortable:
                raise InvalidQuery(f"{name!r} is not a sortable field of {definition.name}.")
            order.append((name, item.startswith("-")))
        if not isinstance(page, int) or isinstance(page, bool) or page < 1:
            raise InvalidQuery("page is a whole number from 1.")
        if not isinstance(page_size, int) or isinstance(page_size, bool) or not 1 <= page_size <= self.max_page_size:
            raise InvalidQuery(f"page_size is a whole number from 1 to {self.max_page_size}.")
        with timed(self, "search", definition.name):
            return self._search(definition, text, where, tuple(facets), order, page, page_size, highlight)

    def suggest(self, index, prefix, *, limit=10):
        """Completions of ``prefix`` from the autocomplete fields."""
        definition = self.definition(index)
        prefix = self._check_text(prefix)
        if not prefix.strip():
            return []
        with timed(self, "suggest", definition.name):
            return self._suggest(definition, prefix, limit)

    def ping(self):
        """One cheap read (the count of the first declared index), for health checks."""
        name = next(iter(declared_indexes()), None)
        if name is not None:
            definition = self.definition(name)
            with timed(self, "ping", definition.name):  # reported apart from the site's own reads
                self._count(definition)

    def count(self, index):
        """How many documents the index holds."""
        definition = self.definition(index)
        with timed(self, "count", definition.name):
            return self._count(definition)

    def scan(self, index, *, page_size=1000):
        """Every document of the index as ``(id, document)`` pairs, read ``page_size`` at a time.

        Unlike search(), a scan has no result window: it lists every document
        however many the index holds, for rebuilds and reconciliation. A
        document that stays in the index throughout the scan is listed
        exactly once; the order is the backend's. Nothing is read until the
        first ``next()``.
        """
        definition = self.definition(index)
        check_page_size("page_size", page_size, self.max_scan_page_size)

        def fetch(position):
            with timed(self, "scan", definition.name):
                return self._scan_page(definition, position, page_size)

        return follow(fetch)

    def scan_ids(self, index, *, page_size=1000):
        """Every document id of the index, as scan() lists them."""
        return (id for id, _ in self.scan(index, page_size=page_size))

    def clear(self, index):
        """Remove every document from the index."""
        definition = self.definition(index)
        with timed(self, "clear", definition.name):
            self._clear(definition)

    def rebuild(self, index, documents, *, batch_size=500):
        """Build the index afresh from ``documents`` aside, then swap it in; return how many it holds.

        Until the swap, searches read the current index and writes go on to it;
        the new index is also built from the current definition, so this is how a
        changed definition reaches a backend. Pass a lazy iterable read from the
        home while this runs. On any error the new index is thrown away and the
        current one stays as it was.
        """
        definition = self.definition(index)
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
            raise ValueError("batch_size is a whole number from 1.")
        with timed(self, "rebuild", definition.name):
            build = self._start_rebuild(definition)
            built = 0
            try:
                for batch in batches(documents, batch_size):
                    cleaned = [self._clean(definition, document) for document in batch]
                    self._rebuild_batch(build, cleaned)
                    built += len(cleaned)
                self._finish_rebuild(build)
            except BaseException:
                try:
                    self._abandon_rebuild(build)
                except Exception:  # noqa: BLE001 - the error that stopped the rebuild says more
                    logger.exception("Could not throw away the unfinished rebuild of %s.", definition.name)
                raise
        return built

    # -- helpers ----------------------------------------------------------
    def _check_text(self, text):
        if text is None:
            return ""
        if not isinstance(text, str):
            raise InvalidQuery("Search text is a string.")
        if len(text) > MAX_QUERY_LENGTH:
            raise InvalidQuery(f"Search text has at most {MAX_QUERY_LENGTH} characters.")
        return text.replace("\x00", "")

    def _clean(self, definition, document):
        if not isinstance(document, dict) or not isinstance(document.get("id"), str) or not document["id"]:
            raise ValueError("A search document is a dict with a non-empty string 'id'.")
        cleaned = {}
        for name, value in document.items():
            declared = definition.field(name)
            if name != "id" and declared is None:
                continue
            if isinstance(value, (list, tuple)) and not (declared and declared.collection):
                raise InvalidQuery(f"{name}: a list of values, but the field is not declared a collection.")
            cleaned[name] = value
        return cleaned

    # -- hooks for backends ------------------------------------------------
    def _ensure_index(self, definition):
        raise NotImplementedError("subclasses of SearchBackend must provide an _ensure_index() method")

    def _index_documents(self, definition, documents):
        raise NotImplementedError("subclasses of SearchBackend must provide an _index_documents() method")

    def _delete_documents(self, definition, ids):
        raise NotImplementedError("subclasses of SearchBackend must provide a _delete_documents() method")

    def _search(self, definition, text, where, facets, order, page, page_size, highlight):
        raise NotImplementedError("subclasses of SearchBackend must provide a _search() method")

    def _suggest(self, definition, prefix, limit):
        raise NotImplementedError("subclasses of SearchBackend must provide a _suggest() method")

    def _count(self, definition):
        raise NotImplementedError("subclasses of SearchBackend must provide a _count() method")

    def _clear(self, definition):
        raise NotImplementedError("subclasses of SearchBackend must provide a _clear() method")

    def _scan_page(self, definition, position, page_size):
        """Up to ``page_size`` ``(id, document)`` pairs from ``position`` (None: the start), and
        the position after them, None when no document follows."""
        raise NotImplementedError("subclasses of SearchBackend must provide a _scan_page() method")

    def _start_rebuild(self, definition):
        """Create the new index aside; return what the other rebuild hooks need (a "build")."""
        raise NotImplementedError("subclasses of SearchBackend must provide a _start_rebuild() method")

    def _rebuild_batch(self, build, documents):
        raise NotImplementedError("subclasses of SearchBackend must provide a _rebuild_batch() method")

    def _finish_rebuild(self, build):
        """Swap the new index in. If this raises, the swap must not have happened."""
        raise NotImplementedError("subclasses of SearchBackend must provide a _finish_rebuild() method")

    def _abandon_rebuild(self, build):
        """Throw the new index away after an error; never raise."""
        raise NotImplementedError("subclasses of SearchBackend must provide an _abandon_rebuild() method")


def batches(iterable, size):
    """Lists of up to ``size`` items, read lazily from ``iterable``."""
    iterator = iter(iterable)
    while batch := list(islice(iterator, size)):
        yield batch
