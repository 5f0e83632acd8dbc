"""Projectors keep a store in step with a home. Domain apps register them in ready():

    from apps.sync.projectors import registry
    registry.register(ProductSearchProjector())

A projector is idempotent: it receives the event's aggregate id, type,
payload and version, and an older or repeated version changes nothing.
Every projector can also be rebuilt from its home: ``home_states()`` yields
the current state of each record, in the shape of the events it handles.
"""
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass

from apps.stores import stores


@dataclass(frozen=True)
class State:
    """A record's state as an event carries it: what projectors apply.

    ``repair`` asks the projector to write the state even where the projection
    claims this version already: reconcile found its content differs.
    """

    aggregatetype: str
    aggregateid: str
    type: str
    version: int
    payload: dict
    repair: bool = False


@dataclass(frozen=True)
class Projected:
    """One copy of a record as a projection holds it, for reconcile."""

    aggregateid: str
    version: int
    content: dict


def digest(content, fields):
    """A digest of ``content`` over ``fields``, the same for equal values whatever their order."""
    chosen = {name: content.get(name) for name in sorted(fields)}
    return hashlib.sha256(json.dumps(chosen, sort_keys=True, default=str).encode()).hexdigest()


class Projector:
    """Base class: set ``name``, ``aggregatetype`` and, for SQL homes, ``model``; implement apply()."""

    name = None
    aggregatetype = None
    #: The home model (an apps.sync.models.OutboxedModel) when the home is SQL.
    model = None

    def apply(self, event):
        """Bring the projection up to ``event`` (an OutboxEvent or a State)."""
        raise NotImplementedError("subclasses of Projector must provide an apply() method")

    def apply_batch(self, events):
        """Apply several events of different aggregates; backends with bulk writes override this."""
        for event in events:
            self.apply(event)

    def home_states(self, chunk_size=500):
        """The current state of every record at its home, for rebuilds and reconciling."""
        if self.model is None:
            raise NotImplementedError(f"{self!r} has no SQL home model; override home_states().")
        for instance in self.model._base_manager.order_by("pk").iterator(chunk_size=chunk_size):
            yield State(
                aggregatetype=self.aggregatetype,
                aggregateid=str(instance.pk),
                type="saved",
                version=instance.version,
                payload=instance.outbox_payload(),
            )

    def content(self, state):
        """The fields this projection holds for a state, as it stores them: reconcile
        compares these with what the projection has."""
        return state.payload

    def projected_records(self):
        """Every copy of a record the projection holds (Projected), for reconcile.

        A record held twice (say, in two partitions) yields two copies.
        """
        raise NotImplementedError(f"{self!r} cannot list what it holds; override projected_records().")

    def __repr__(self):
        return f"<{type(self).__name__} {self.name}>"


class SearchIndexProjector(Projector):
    """Projects records into one search index. Subclasses set ``index`` and implement document()."""

    index = None
    alias = "search"

    def document(self, aggregateid, payload):
        """The search document for a record's state (a dict with the index's fields)."""
        raise NotImplementedError("subclasses of SearchIndexProjector must provide a document() method")

    def content(self, state):
        return self.document(state.aggregateid, state.payload)

    def projected_records(self, page_size=100):
        """Every document in the index with its ``version`` field, page by page."""
        search, page = stores[self.alias], 1
        while True:
            results = search.search(self.index, "", page=page, page_size=page_size)
            for hit in results.hits:
                yield Projected(hit.id, int(hit.document.get("version") or 0), {"id": hit.id, **hit.document})
            if page * page_size >= results.total:
                return
            page += 1

    def apply(self, event):
        self.apply_batch([event])

    def apply_batch(self, events):
        """One write for the saved records and one for the deleted ones."""
        search = stores[self.alias]
        deleted = [e.aggregateid for e in events if e.type == "deleted"]
        saved = [self.document(e.aggregateid, e.payload) for e in events if e.type != "deleted"]
        if saved:
            search.index_documents(self.index, saved)
        if deleted:
            search.delete_documents(self.index, deleted)


class ProjectorRegistry:
    def __init__(self):
        self._by_name = {}
        self._by_type = defaultdict(list)

    def register(self, projector):
        if not projector.name or not projector.aggregatetype:
            raise ValueError(f"{projector!r} needs a name and an aggregatetype.")
        existing = self._by_name.get(projector.name)
        if existing is not None:
            if type(existing) is type(projector):
                return existing
            raise ValueError(f"A projector named {projector.name!r} is already registered.")
        self._by_name[projector.name] = projector
        self._by_type[projector.aggregatetype].append(projector)
        return projector

    def unregister(self, name):
        projector = self._by_name.pop(name)
        self._by_type[projector.aggregatetype].remove(projector)
        return projector

    def for_type(self, aggregatetype):
        return list(self._by_type.get(aggregatetype, ()))

    def get(self, name):
        return self._by_name[name]

    def names(self):
        return sorted(self._by_name)

    def all(self):
        return [self._by_name[name] for name in self.names()]


registry = ProjectorRegistry()
