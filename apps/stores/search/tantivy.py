"""Search on local disk with tantivy: one index folder per IndexDefinition under ``path``.

tantivy lets one IndexWriter hold an index at a time, across processes. Each
write batch takes the writer, commits and lets it go; while another process
holds it, the batch waits and retries for up to ``lock_timeout`` seconds, so
a web process and a worker writing at once wait for each other instead of
failing. Readers reload before every search to see other processes' commits.
"""
import os
import random
import threading
import time
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import tantivy
from django.core.exceptions import ImproperlyConfigured

from ..exceptions import InvalidQuery, NotSupported, StoreError, Unavailable
from .base import SearchBackend, SearchHit, SearchResults
from .tantivy_highlight import highlights
from .tantivy_query import (
    analyzed,
    facet_counts,
    filter_query,
    may_hold_typos,
    prefix_position,
    prefix_query,
    restricted,
    sort_sources,
    text_query,
)
from .tantivy_schema import ID, WORDS, WORDS_TOKENIZER, Layout, as_text, values_of


class TantivySearchBackend(SearchBackend):
    """SearchBackend over tantivy index folders; OPTIONS: path, writer_heap_mb, lock_timeout."""

    supports_fuzzy = True
    required_options = ("path",)
    default_options = {"writer_heap_mb": 64, "lock_timeout": 10}
    max_facet_values = 100
    # Deep pages cost memory in tantivy's top-docs collector; Azure AI Search caps $skip alike.
    max_result_window = 100_000
    # Sorting by several fields happens in Python, over every hit.
    max_hits_sorted_in_python = 10_000
    # How many matching documents suggest() reads to gather distinct values.
    suggest_candidates = 200

    def __init__(self, alias="default", **options):
        super().__init__(alias, **options)
        heap, timeout = self.options["writer_heap_mb"], self.options["lock_timeout"]
        if not isinstance(heap, int) or isinstance(heap, bool) or heap < 16:
            raise ImproperlyConfigured(f"{alias}: writer_heap_mb is a whole number of megabytes, 16 or more.")
        if not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or timeout < 0:
            raise ImproperlyConfigured(f"{alias}: lock_timeout is a number of seconds, 0 or more.")
        self.path = Path(self.options["path"])
        self._lock = threading.Lock()
        self._forget()

    def _forget(self):
        self._pid = os.getpid()
        self._opened = {}  # index name -> (Layout, tantivy.Index)
        self._write_locks = {}

    def close(self):
        """Drop the open indexes; they are reopened on next use."""
        with self._lock:
            self._forget()

    # -- opening, reading, writing ----------------------------------------
    def _open(self, definition):
        if self._pid != os.getpid():
            # A forked worker must not use the parent's tantivy objects (and their threads).
            with self._lock:
                if self._pid != os.getpid():
                    self._forget()
        opened = self._opened.get(definition.name)
        if opened is None or opened[0].definition != definition:
            with self._lock:
                opened = self._opened.get(definition.name)
                if opened is None or opened[0].definition != definition:
                    opened = self._opened[definition.name] = self._open_index(definition)
        return opened

    def _open_index(self, definition):
        layout = Layout(definition)
        folder = self.path / definition.name
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise Unavailable(f"Cannot create the search index folder {folder}: {e}") from e
        for attempt in range(3):
            try:
                index = tantivy.Index(layout.schema, str(folder), reuse=True)
                break
            except ValueError as e:
                if "schema does not match" in str(e):
                    raise Unavailable(
                        f"The search index in {folder} was built from another definition of "
                        f"{definition.name!r}; delete the folder and rebuild the index."
                    ) from e
                if attempt == 2:
                    raise Unavailable(f"Cannot open the search index in {folder}: {e}") from e
                time.sleep(0.05)  # another process was creating it at the same moment
        index.register_tokenizer(WORDS_TOKENIZER, WORDS)
        # Every search reloads explicitly, so tantivy's meta.json watcher thread is not needed.
        index.config_reader(reload_policy="manual")
        return layout, index

    def _searcher(self, definition):
        layout, index = self._open(definition)
        try:
            index.reload()
        except ValueError as e:
            raise Unavailable(f"Cannot read the search index {definition.name}: {e}") from e
        return layout, index.searcher()

    def _write_lock(self, name):
        with self._lock:
            return self._write_locks.setdefault(name, threading.Lock())

    @contextmanager
    def _writer(self, definition):
        """A tantivy IndexWriter for one batch: committed on success, rolled back otherwise, then released."""
        _, index = self._open(definition)
        with self._write_lock(definition.name):
            writer = self._acquire_writer(index, definition.name)
            try:
                yield writer
                writer.commit()
            except BaseException as e:
                try:
                    writer.rollback()
                except ValueError:
                    pass  # the original error says more
                if isinstance(e, ValueError) and not isinstance(e, StoreError):
                    raise Unavailable(f"Writing to the search index {definition.name} failed: {e}") from e
                raise
            finally:
                # Consumes the writer: waits for its merges and frees the index lock for others.
                writer.wait_merging_threads()

    def _acquire_writer(self, index, name):
        timeout = self.options["lock_timeout"]
        deadline = time.monotonic() + timeout
        while True:
            try:
                return index.writer(heap_size=self.options["writer_heap_mb"] * 1_000_000)
            except ValueError as e:
                if "LockBusy" not in str(e):
                    raise Unavailable(f"Cannot write to the search index {name}: {e}") from e
                if time.monotonic() >= deadline:
                    message = f"The search index {name} stayed locked by another writer for {timeout} s."
                    raise Unavailable(message) from e
            # Jitter, so processes waiting for the same lock do not retry in step.
            time.sleep(random.uniform(0.01, 0.05))

    # -- hooks ------------------------------------------------------------
    def _ensure_index(self, definition):
        self._open(definition)

    def _index_documents(self, definition, documents):
        layout, _ = self._open(definition)
        # Converted before taking the lock: a bad document fails without blocking other writers.
        pairs = [(document[ID], layout.document(document)) for document in documents]
        with self._writer(definition) as writer:
            for id, document in pairs:
                writer.delete_documents_by_term(ID, id)
                writer.add_document(document)

    def _delete_documents(self, definition, ids):
        with self._writer(definition) as writer:
            for id in ids:
                writer.delete_documents_by_term(ID, id)

    def _clear(self, definition):
        with self._writer(definition) as writer:
            writer.delete_all_documents()

    def _count(self, definition):
        return self._searcher(definition)[1].num_docs

    def _search(self, definition, text, where, facets, order, page, page_size, highlight):
        offset = (page - 1) * page_size
        if offset + page_size > self.max_result_window:
            raise InvalidQuery(f"Only the first {self.max_result_window} hits can be read; narrow it.")
        layout, searcher = self._searcher(definition)
        filter_q = filter_query(layout, where) if where is not None else None
        run = partial(self._page, layout, searcher, filter_q, facets, order, offset, page_size, highlight)
        results = run(text_query(layout, text))
        if not results.total and text.strip() and may_hold_typos(text):
            # Matching within a typo costs a few times more: only when the exact words find nothing.
            results = run(text_query(layout, text, fuzzy=True))
        return results

    def _page(self, layout, searcher, filter_q, facets, order, offset, page_size, highlight, text_q):
        """One page of hits for a text query (None for all documents) narrowed by the filter."""
        query = restricted(text_q, filter_q)
        if len(order) > 1:
            total, scored = self._sorted_page(layout, searcher, query, order, offset, page_size)
        else:
            sort = {}
            if order:
                name, descending = order[0]
                direction = tantivy.Order.Desc if descending else tantivy.Order.Asc
                sort = {"order_by_field": name, "order": direction}
            result = searcher.search(query, page_size, count=True, offset=offset, **sort)
            total = result.count
            # Sorted by a field, tantivy hands back the field's value instead of a score.
            scored = [(0.0 if order else score, Layout.source(searcher.doc(a))) for score, a in result.hits]
        marked = None
        if highlight and text_q is not None:
            marked = highlights(layout, searcher, text_q, [source for _, source in scored])
        hits = [
            SearchHit(id=source[ID], score=score, document=source, highlights=marked[i] if marked else {})
            for i, (score, source) in enumerate(scored)
        ]
        return SearchResults(hits=hits, total=total, facets=self._facets(layout, searcher, query, facets))

    def _sorted_page(self, layout, searcher, query, order, offset, limit):
        total = searcher.search(query, 1, count=True).count
        if total > self.max_hits_sorted_in_python:
            raise NotSupported(
                f"Sorting by several fields is done in memory, for at most {self.max_hits_sorted_in_python} "
                f"hits, and this search has {total}; narrow it or sort by one field."
            )
        addresses = [a for _, a in searcher.search(query, max(total, 1), count=False).hits]
        sources = sort_sources(layout, [Layout.source(searcher.doc(a)) for a in addresses], order)
        return total, [(0.0, source) for source in sources[offset : offset + limit]]

    def _facets(self, layout, searcher, query, names):
        if not names:
            return {}
        # A large segment_size makes the counts exact: with the default, each segment sends only
        # its top terms and a value common overall but rare per segment is undercounted.
        terms = {"size": self.max_facet_values, "segment_size": 100_000}
        request = {name: {"terms": {"field": name, **terms}} for name in names}
        result = searcher.aggregate(query, request)
        return {name: facet_counts(layout.definition.field(name), result[name]["buckets"]) for name in names}

    def _suggest(self, definition, prefix, limit):
        layout, searcher = self._searcher(definition)
        words = analyzed(prefix)
        query = prefix_query(layout, words)
        if query is None:
            return []
        positions = {}
        for _, address in searcher.search(query, self.suggest_candidates, count=False).hits:
            source = Layout.source(searcher.doc(address))
            for name in definition.autocomplete:
                for value in map(as_text, values_of(source.get(name))):
                    position = prefix_position(words, WORDS.analyze(value))
                    if position is not None and value not in positions:
                        positions[value] = position
        # Values that start with the prefix first, then shorter ones, then alphabetically.
        ranked = sorted(positions, key=lambda value: (positions[value] > 0, len(value), value.lower(), value))
        return ranked[:limit]
