"""Projecting records into the document store, and applying changes to a container that is a home."""
import json
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

from django.core.exceptions import ValidationError

from apps.stores import stores
from apps.stores.documents.base import MAX_BATCH_OPERATIONS
from apps.stores.exceptions import Conflict, NotFound, PreconditionFailed

from .base import VERSION_FIELD, Projected, Projector

MAX_ETAG_RETRIES = 5
# A batch reads its documents, then writes its partitions' batches (or, without
# batches, its documents), this many at a time.
CONCURRENT_WRITES = 8
# Cosmos DB's item limit (2 MB), kept by every document store so a profile never
# accepts what another refuses; what this projector adds to a record is small.
MAX_DOCUMENT_BYTES = 2 * 1024 * 1024 - 64 * 1024
# While a move to another partition is being finished: the partitions that may
# still hold an old copy. Written with the new copy before the old ones are
# deleted, so a retry (or any later event) finishes a move that failed half-way.
MOVED_FROM = "moved_from"


class DocumentProjector(Projector):
    """Keeps one document per record in a container, in step with the record's home.

    A subclass sets ``container`` and maps a state to the document's fields in
    fields(). The fields are merged into the stored document (which may also
    carry fields whose home is the document store itself) under an ETag
    precondition, and ``version`` makes old or repeated events no-ops. When a
    record's partition key changes, the new copy is written first, naming the
    old partitions, then the old copies are deleted; a retry or the next event
    finishes a move that failed half-way.
    """

    container = None
    alias = "documents"

    def fields(self, state):
        """The document's fields for a record's state (the partition key among them)."""
        return dict(state.payload)

    def content(self, state):
        return {**self.fields(state), "id": state.aggregateid, VERSION_FIELD: state.version}

    def describe(self):
        return f"documents {self.container}"

    def count(self):
        return stores[self.alias].count(self.container)

    def projected_records(self):
        for document in stores[self.alias].scan(self.container):
            yield Projected(document["id"], int(document.get(VERSION_FIELD, 0)), document)

    def check(self, state):
        if state.type == "deleted":
            return
        size = len(json.dumps(self.content(state), default=str).encode())
        if size > MAX_DOCUMENT_BYTES:
            raise ValidationError(
                f"This record would make a {size:,}-byte document; the document store keeps at most "
                f"{MAX_DOCUMENT_BYTES:,} bytes. Make it smaller.",
                code="too_large",
            )

    def apply(self, event):
        store = stores[self.alias]
        for _attempt in range(MAX_ETAG_RETRIES):
            try:
                return self._apply_once(store, event)
            except (PreconditionFailed, NotFound, Conflict):
                continue  # someone wrote between our read and write: read again
        raise PreconditionFailed(f"Document {self.container}/{event.aggregateid} kept changing; will retry.")

    def apply_batch(self, events):
        """Several records at once, in a few requests rather than one or two per record.

        New records (version 1) are written without a read. The documents of the
        others are read per partition with get_many (one request per hundred), in the
        partition each event names. The usual creations and edits are then written as
        one atomic batch per partition (or concurrently, where the store has no
        batches); anything unusual (a delete, a move, a repair, a batch refused because
        another writer got there first) goes through apply(), one at a time.
        """
        if len(events) < 2:
            return super().apply_batch(events)
        store = stores[self.alias]
        with ThreadPoolExecutor(max_workers=CONCURRENT_WRITES) as pool:
            held = self._held_documents(store, pool, events)
            plain, unusual = defaultdict(list), []
            for event in events:
                write = self._plain_write(store, event, held.get(event.aggregateid))
                if write is None:
                    unusual.append(event)
                elif write:
                    plain[_partition_key(write[0])].append((event, write[1]))
            groups = [group[start:start + MAX_BATCH_OPERATIONS] for group in plain.values()
                      for start in range(0, len(group), MAX_BATCH_OPERATIONS)]
            jobs = [pool.submit(self._write_group, store, group) for group in groups]
            jobs += [pool.submit(self.apply, event) for event in unusual]
            for job in jobs:
                job.result()  # surfaces the first error, as apply() would

    def _held_documents(self, store, pool, events):
        """{record id: [its document in the partition its new state names], or [] if none}.

        New records (version 1) are taken as absent without a read: a create that
        meets a document after all fails its batch, which then goes through apply().
        Deletes and repairs are left out: apply() looks in every partition.
        """
        wanted = defaultdict(list)  # partition key -> (partition, ids)
        held = {}
        for event in events:
            if event.type == "deleted" or getattr(event, "repair", False):
                continue
            if event.version == 1:
                held[event.aggregateid] = []
                continue
            partition = self._partition_of(store, self.content(event))
            wanted[_partition_key(partition)].append((partition, event.aggregateid))
        reads = [(pairs[0][0], [id for _, id in pairs[start:start + MAX_BATCH_OPERATIONS]])
                 for pairs in wanted.values() for start in range(0, len(pairs), MAX_BATCH_OPERATIONS)]
        answers = pool.map(lambda read: store.get_many(self.container, read[0], read[1]), reads)
        for (_partition, ids), found in zip(reads, answers):
            held.update((id, [found[id]] if id in found else []) for id in ids)
        return held

    def _plain_write(self, store, event, existing):
        """(partition, batch operation) for a plain creation or edit; () when the event is
        already in place; None when it needs apply()'s care (a delete, a repair, or a record
        not found where its new state lives: new, or moving between partitions)."""
        if existing is None or getattr(event, "repair", False) or len(existing) > 1:
            return None
        content = self.content(event)
        partition = self._partition_of(store, content)
        if not existing:
            return (partition, ("create", content)) if event.version == 1 else None
        [current] = existing
        if self._partition_of(store, current) != partition or current.get(MOVED_FROM):
            return None
        if current.get(VERSION_FIELD, 0) >= event.version:
            return ()
        return partition, ("replace", _without_move({**current, **content}), {"if_match": current["_etag"]})

    def _write_group(self, store, group):
        [partition] = {self._partition_of(store, write[1]) for _, write in group}
        if store.supports_atomic_batch:
            try:
                store.execute_batch(self.container, partition, [write for _, write in group])
                return
            except (PreconditionFailed, NotFound, Conflict):
                pass  # another writer got there between the read and the batch: one by one
        for event, _ in group:
            self.apply(event)

    def _partition_of(self, store, document):
        return store.container(self.container).partition_key_of(document)

    def _apply_once(self, store, event):
        deleted, repair = event.type == "deleted", getattr(event, "repair", False)
        if not deleted and not repair and event.version == 1:
            # A new record: one write. If a document exists after all, fall through.
            try:
                store.create(self.container, self.content(event))
                return
            except Conflict:
                pass
        if not deleted and not repair:
            # The usual case, an edit in place: two point operations in the record's partition.
            current = self._get(store, event.aggregateid, self._partition_of(store, self.content(event)))
            if current is not None:
                self._finish_move(store, current)
                if current.get(VERSION_FIELD, 0) < event.version:
                    merged = {**current, **self.content(event)}
                    store.replace(self.container, _without_move(merged), if_match=current["_etag"])
                elif current.get(MOVED_FROM):
                    store.replace(self.container, _without_move(current), if_match=current["_etag"])
                return
        # New, deleted, moved to another partition, or repaired: find it in every partition.
        existing = store.query(self.container, {"id": event.aggregateid}, limit=10).items
        current = max(existing, key=lambda d: d.get(VERSION_FIELD, 0), default=None)
        if current is not None and current.get(VERSION_FIELD, 0) >= event.version and not repair:
            return
        if deleted:
            for document in existing:
                self._delete_if_present(store, document)
            return
        document = _without_move({**(current or {}), **self.content(event)})
        home = self._partition_of(store, document)
        in_place = next((d for d in existing if self._partition_of(store, d) == home), None)
        others = [d for d in existing if d is not in_place]
        if others:
            document[MOVED_FROM] = [self._partition_of(store, d) for d in others]
        if in_place is not None:
            written = store.replace(self.container, document, if_match=in_place["_etag"])
        else:
            written = store.create(self.container, document)
        if others:
            self._finish_move(store, written)
            store.replace(self.container, _without_move(written), if_match=written["_etag"])

    def _get(self, store, id, partition):
        try:
            return store.get(self.container, id, partition)
        except NotFound:
            return None

    def _finish_move(self, store, document):
        home = self._partition_of(store, document)
        for partition in document.get(MOVED_FROM) or ():
            if partition != home:
                try:
                    store.delete(self.container, document["id"], partition)
                except NotFound:
                    pass

    def _delete_if_present(self, store, document):
        try:
            store.delete(self.container, document["id"], self._partition_of(store, document), if_match=document["_etag"])
        except NotFound:
            pass


def _without_move(document):
    return {key: value for key, value in document.items() if key != MOVED_FROM}


class DocumentHomeProjector(Projector):
    """Applies an aggregate's state to its home container (apps.sync.changes.record_change).

    The payload is the whole document (with its partition key); the stored
    document carries ``version``, and an older or repeated event is a no-op.
    """

    container = None
    alias = "documents"

    def projected_records(self):
        for state in self.home_states():
            yield Projected(state.aggregateid, state.version, state.payload)

    def apply(self, event):
        store = stores[self.alias]
        existing = store.query(self.container, {"id": event.aggregateid}, limit=10).items
        current = max(existing, key=lambda d: d.get(VERSION_FIELD, 0), default=None)
        if current is not None and current.get(VERSION_FIELD, 0) >= event.version:
            return
        if event.type == "deleted":
            for document in existing:
                store.delete(self.container, document["id"], store.container(self.container).partition_key_of(document))
            return
        document = {**event.payload, "id": event.aggregateid, VERSION_FIELD: event.version}
        store.upsert(self.container, document, if_match=current["_etag"] if current else None)


def _partition_key(value):
    """A dictionary key for a partition value: 5 and "5" are two partitions (see same_partition)."""
    return (type(value) is str, value)
