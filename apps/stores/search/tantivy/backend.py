"""Search on local disk with tantivy: one index per IndexDefinition under ``path``.

tantivy lets one IndexWriter hold an index at a time, across processes. Each
write batch takes the writer, commits and lets it go; while another process
holds it, the batch waits and retries for up to ``lock_timeout`` seconds, so
a web process and a worker writing at once wait for each other instead of
failing. Before every search a reader checks whether a commit (its own or
another process's) replaced the index's meta.json, and reloads if so
(tantivy.reader).

An index is a series of generations behind a pointer file, so rebuild()
builds a new one aside and swaps it in atomically; how writers in other
processes follow the swap without losing a write is told in
tantivy.generations.
"""
import json
import logging
import shutil
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property, partial
from pathlib import Path

import tantivy
from ...exceptions import Conflict, InvalidQuery, NotSupported, StoreError, Unavailable
from ...options import path, seconds, whole
from ...retry import retry_call
from ..base import SearchBackend, SearchHit, SearchResults
from .generations import EVERYTHING, Generations
from .highlight import highlights
from .reader import FreshSearcher
from .query import (
    analyzed,
    facet_counts,
    facet_request,
    filter_query,
    may_hold_typos,
    prefix_position,
    prefix_query,
    restricted,
    sort_sources,
    text_query,
)
from .schema import ID, SOURCE, WORDS, WORDS_TOKENIZER, Layout
from ..values import as_text, values_of

logger = logging.getLogger(__name__)

# How often a reader or writer starts over when a rebuild swapped the index under it.
SWAP_RETRIES = 5
# The distinct values of a facet counted before the most frequent are kept.
FACET_TERMS = 100_000


class WriterLocked(Exception):
    """Another writer, maybe in another process, holds the index's lock."""


@dataclass(frozen=True)
class Opened:
    """One generation of an index, open."""

    generation: str
    layout: Layout
    index: tantivy.Index
    reader: FreshSearcher

    def holds(self, generation, definition):
        return self.generation == generation and self.layout.definition == definition


@dataclass
class TantivyBuild:
    """A rebuild under way: the new generation and its writer, and the journal it holds."""

    definition: object
    generations: Generations
    journal: object
    generation: str
    layout: Layout
    writer: object


def release(writer):
    """Let go of a writer that committed nothing; its folder may be gone already."""
    try:
        writer.rollback()
    except ValueError:
        pass
    try:
        writer.wait_merging_threads()
    except ValueError:
        pass


class TantivySearchBackend(SearchBackend):
    """SearchBackend over tantivy index folders; OPTIONS: path, writer_heap_mb, lock_timeout."""

    supports_fuzzy = True
    rebuild_keeps_concurrent_writes = True
    required_options = ("path",)
    default_options = {"writer_heap_mb": 64, "lock_timeout": 10}
    option_rules = {"path": path(), "writer_heap_mb": whole(least=16, unit=" of megabytes"), "lock_timeout": seconds()}
    max_facet_values = 100
    # Deep pages cost memory in tantivy's top-docs collector; Azure AI Search caps $skip alike.
    max_result_window = 100_000
    # Sorting by several fields happens in Python, over every hit.
    max_hits_sorted_in_python = 10_000
    # How many matching documents suggest() reads to gather distinct values.
    suggest_candidates = 200

    # A forked worker must not use the parent's tantivy objects (and their threads).
    per_process = ("_opened", "_generations", "_write_locks")

    def __init__(self, alias="default", **options):
        super().__init__(alias, **options)
        self.path = Path(self.options["path"])

    @cached_property
    def _opened(self):
        """index name -> Opened, this process's open index."""
        return {}

    @cached_property
    def _generations(self):
        """index name -> Generations."""
        return {}

    @cached_property
    def _write_locks(self):
        """index name -> the lock this process's writers of that index take in turn."""
        return {}

    def close(self):
        """Drop the open indexes; they are reopened on next use."""
        with self._lock:
            self._drop_per_process()

    def current_folder(self, index):
        """The folder of the index's current generation (for operators and tests)."""
        definition = self.definition(index)
        generations = self._generations_of(definition.name)
        return generations.folder(generations.current_or_create())

    # -- opening, reading, writing ----------------------------------------
    def _generations_of(self, name):
        generations = self._generations.get(name)
        if generations is None:
            with self._lock:
                generations = self._generations.setdefault(name, Generations(self.path, name))
        return generations

    def _open(self, definition, fresh=False):
        """The current generation of the index, open; ``fresh`` reads the pointer file again."""
        generations = self._generations_of(definition.name)
        for _attempt in range(SWAP_RETRIES):
            generation = (fresh and generations.current(fresh=True)) or generations.current_or_create()
            opened = self._opened.get(definition.name)
            if opened is not None and opened.holds(generation, definition):
                return opened
            folder = generations.folder(generation)
            with self._lock:
                opened = self._opened.get(definition.name)
                if opened is not None and opened.holds(generation, definition):
                    return opened
                # Never recreate a folder: a missing one was removed by a swap, so read the pointer again.
                if folder.is_dir():
                    try:
                        layout, index = self._open_index(definition, folder)
                    except FileNotFoundError:
                        pass
                    else:
                        reader = FreshSearcher(index, str(folder))
                        opened = self._opened[definition.name] = Opened(generation, layout, index, reader)
                        return opened
            fresh = True
        raise Unavailable(f"The search index {definition.name} kept moving while being opened; try again.")

    def _open_index(self, definition, folder):
        layout = Layout(definition)

        def open_folder():
            try:
                return tantivy.Index(layout.schema, str(folder), reuse=True)
            except ValueError as e:
                if "schema does not match" in str(e):
                    raise Unavailable(
                        f"The search index in {folder} was built from another definition of "
                        f"{definition.name!r}; rebuild it (manage.py search_index rebuild)."
                    ) from e
                if not folder.is_dir():
                    raise FileNotFoundError(folder) from e
                raise

        # A ValueError left is another process creating the index at the same moment.
        try:
            index = retry_call(open_folder, retry_if=lambda e: type(e) is ValueError, retries=2, base=0.05)
        except ValueError as e:
            raise Unavailable(f"Cannot open the search index in {folder}: {e}") from e
        index.register_tokenizer(WORDS_TOKENIZER, WORDS)
        # Searches reload when meta.json changed (FreshSearcher), so tantivy's watcher thread is not needed.
        index.config_reader(reload_policy="manual")
        return layout, index

    def _searcher(self, definition):
        generations = self._generations_of(definition.name)
        for attempt in range(SWAP_RETRIES):
            opened = self._open(definition, fresh=attempt > 0)
            try:
                return opened.layout, opened.reader.searcher()
            except (ValueError, FileNotFoundError) as e:
                if generations.current(fresh=True) != opened.generation:
                    continue  # a rebuild swapped the index and removed this generation
                raise Unavailable(f"Cannot read the search index {definition.name}: {e}") from e
        raise Unavailable(f"The search index {definition.name} kept moving while being read; try again.")

    def _write_lock(self, name):
        with self._lock:
            return self._write_locks.setdefault(name, threading.Lock())

    @contextmanager
    def _writer(self, definition, ids):
        """A tantivy IndexWriter for one batch writing ``ids``: committed on success, rolled back
        otherwise, then released. The ids are journaled for a rebuild running meanwhile."""
        generations = self._generations_of(definition.name)
        with self._write_lock(definition.name):
            writer = self._current_writer(definition, generations)
            try:
                generations.note_writes(ids)
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
                opened = self._opened.get(definition.name)
                if opened is not None:
                    opened.reader.forget()  # this process reads its own writes, whatever the clock says

    def _current_writer(self, definition, generations):
        """The writer of the current generation, checked after its lock is taken: a rebuild may have
        swapped the index while this waited, and nothing may be written to the old one after that."""
        for _attempt in range(SWAP_RETRIES):
            generations.pass_gate()
            opened = self._open(definition, fresh=True)
            try:
                writer = self._acquire_writer(opened.index, definition.name)
            except Unavailable:
                if generations.current(fresh=True) != opened.generation:
                    continue
                raise
            if generations.current(fresh=True) == opened.generation:
                return writer
            release(writer)
        raise Unavailable(f"The search index {definition.name} kept moving while being written; try again.")

    def _acquire_writer(self, index, name):
        timeout = self.options["lock_timeout"]

        def take():
            try:
                # One indexing thread: a batch of the relay is small, and each thread writes a
                # segment of its own, which makes every commit write (and fsync) more files.
                return index.writer(heap_size=self.options["writer_heap_mb"] * 1_000_000, num_threads=1)
            except ValueError as e:
                if "LockBusy" in str(e):
                    raise WriterLocked(str(e)) from e
                raise Unavailable(f"Cannot write to the search index {name}: {e}") from e

        # Short waits: the lock is held for one batch; the jitter keeps waiting processes out of step.
        try:
            return retry_call(take, retry_if=lambda e: isinstance(e, WriterLocked), base=0.01, cap=0.05,
                              timeout=timeout)
        except WriterLocked as e:
            message = f"The search index {name} stayed locked by another writer for {timeout} s."
            raise Unavailable(message) from e.__cause__

    # -- hooks ------------------------------------------------------------
    def _ensure_index(self, definition):
        self._open(definition)

    def _index_documents(self, definition, documents):
        layout = Layout(definition)
        # Converted before taking the lock: a bad document fails without blocking other writers.
        pairs = [(document[ID], layout.document(document)) for document in documents]
        with self._writer(definition, [id for id, _ in pairs]) as writer:
            for id, document in pairs:
                writer.delete_documents_by_term(ID, id)
                writer.add_document(document)

    def _delete_documents(self, definition, ids):
        with self._writer(definition, ids) as writer:
            for id in ids:
                writer.delete_documents_by_term(ID, id)

    def _clear(self, definition):
        with self._writer(definition, [EVERYTHING]) as writer:
            writer.delete_all_documents()

    # -- rebuild ------------------------------------------------------------
    def _start_rebuild(self, definition):
        generations = self._generations_of(definition.name)
        journal = generations.hold_journal()
        generation = None
        try:
            current = generations.current(fresh=True)
            # What crashed rebuilds left behind; no other rebuild runs while we hold the journal.
            generations.remove_others(keep={current})
            generation = generations.new_generation()
            layout, index = self._open_index(definition, generations.folder(generation))
            writer = index.writer(heap_size=self.options["writer_heap_mb"] * 1_000_000)
        except BaseException:
            journal.close()
            if generation is not None:
                shutil.rmtree(generations.folder(generation), ignore_errors=True)
            raise
        return TantivyBuild(definition, generations, journal, generation, layout, writer)

    def _rebuild_batch(self, build, documents):
        pairs = [(document[ID], build.layout.document(document)) for document in documents]
        try:
            for id, document in pairs:
                build.writer.delete_documents_by_term(ID, id)
                build.writer.add_document(document)
        except ValueError as e:
            raise Unavailable(f"Writing the new search index {build.definition.name} failed: {e}") from e

    def _finish_rebuild(self, build):
        name, generations = build.definition.name, build.generations
        with self._write_lock(name), generations.gate_closed():
            current = generations.current(fresh=True)
            current_writer = current_index = None
            if current is not None:
                # Holding the current generation's writer lock: no write is half done, none starts.
                try:
                    current_index = tantivy.Index.open(str(generations.folder(current)))
                except ValueError as e:
                    raise Unavailable(f"Cannot open the current search index {current}: {e}") from e
                current_writer = self._acquire_writer(current_index, name)
            try:
                if current_index is not None:
                    self._carry_over(build, current_index, build.journal.written())
                try:
                    build.writer.commit()
                finally:
                    writer, build.writer = build.writer, None
                    writer.wait_merging_threads()
                generations.switch_to(build.generation)
                build.journal.close()
            finally:
                if current_writer is not None:
                    release(current_writer)
        generations.remove_others(keep={build.generation})
        logger.info("Search index %s rebuilt as %s (was %s).", name, build.generation, current or "empty")

    def _carry_over(self, build, current_index, written):
        """Copy into the new generation what writers changed in the current one during the rebuild."""
        if not written:
            return
        if EVERYTHING in written:
            raise Conflict(
                f"The search index {build.definition.name} was cleared while being rebuilt; "
                "the rebuild was dropped and the cleared index kept."
            )
        current_index.reload()
        searcher = current_index.searcher()
        for id in written:
            hits = searcher.search(tantivy.Query.term_query(current_index.schema, ID, id), 1).hits
            if not hits:
                build.writer.delete_documents_by_term(ID, id)
                continue
            source = json.loads(searcher.doc(hits[0][1]).get_first(SOURCE))
            try:
                document = build.layout.document(self._clean(build.definition, source))
            except (InvalidQuery, ValueError) as e:
                # Written under another definition: the home's state, already in the build, stays.
                logger.warning("Search index %s: %r not carried over: %s", build.definition.name, id, e)
                continue
            build.writer.delete_documents_by_term(ID, id)
            build.writer.add_document(document)

    def _abandon_rebuild(self, build):
        if build.writer is not None:
            release(build.writer)
            build.writer = None
        build.journal.close()
        if build.generations.current(fresh=True) != build.generation:
            shutil.rmtree(build.generations.folder(build.generation), ignore_errors=True)

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
        if highlight and text_q is not None:
            marked = highlights(layout, searcher, text_q, [source for _, source in scored])
            hits = [SearchHit(source[ID], score, source, marks) for (score, source), marks in zip(scored, marked)]
        else:
            hits = [SearchHit(source[ID], score, source, {}) for score, source in scored]
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
        # Every bucket comes back, so ties at the cut go to the smaller value, not to tantivy's pick.
        result = searcher.aggregate(query, facet_request(names, FACET_TERMS))
        top = self.max_facet_values
        return {name: facet_counts(layout.definition.field(name), result[name]["buckets"])[:top] for name in names}

    def _scan_page(self, definition, position, page_size):
        # The whole scan reads one searcher, a snapshot of the index: pages by offset neither skip nor
        # repeat a document while writers go on. Hits of the all-documents query tie, so they come in
        # the index's own order; each page costs a pass over the index, so large indexes want large pages.
        searcher, offset = position or (self._searcher(definition)[1], 0)
        hits = searcher.search(tantivy.Query.all_query(), page_size + 1, count=False, offset=offset).hits
        sources = [Layout.source(searcher.doc(address)) for _, address in hits[:page_size]]
        following = (searcher, offset + page_size) if len(hits) > page_size else None
        return [(source[ID], source) for source in sources], following

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
