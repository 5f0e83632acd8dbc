"""The projector contract and registry. Domain apps register projectors in ready():

    from apps.sync.projectors import registry
    registry.register(ProductSearchProjector())

A projector keeps one store in step with a home. It is idempotent: it
receives the event's aggregate id, type, payload and version, and an older
or repeated version changes nothing. Every projector names its ``home``
(apps.sync.homes), which supplies the current states used by rebuild,
replay, reconcile and the operators' data map.
"""
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass

from apps.stores import stores

# The field that carries a record's source version in every projection
# (documents, search entries, graph properties), as ProjectionCursor.version does.
VERSION_FIELD = "version"


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
    """Base class: set ``name``, ``aggregatetype`` and ``home``; implement apply()."""

    name = None
    aggregatetype = None
    #: Where the records live (an apps.sync.homes.Home): SQL, a container or an edge label.
    home = None
    #: Whether reconcile can compare this projection with its home record by record.
    reconcilable = True
    #: Whether an event older than one already applied must be skipped. The relay keeps
    #: a cursor per record for these; a projection whose apply() gives the same result in
    #: any order (a cache that drops entries) says False and is spared the cursors.
    ordered = True

    def apply(self, event):
        """Bring the projection up to ``event`` (an OutboxEvent or a State)."""
        raise NotImplementedError("subclasses of Projector must provide an apply() method")

    def check(self, state):
        """Raise ValidationError if this projection could never hold ``state`` (too large, say).

        Called by emit() before the change commits, so a record that could not
        be projected is refused at its home instead of failing for ever later.
        """

    def apply_batch(self, events):
        """Apply several events of different aggregates; backends with bulk writes override this."""
        for event in events:
            self.apply(event)

    def home_states(self, chunk_size=500):
        """The current state of every record at its home, for rebuilds and reconciling."""
        return self.home.states(self.aggregatetype, chunk_size=chunk_size)

    def content(self, state):
        """The fields this projection holds for a state, as it stores them: reconcile
        compares these with what the projection has."""
        return state.payload

    def projected_records(self):
        """Every copy of a record the projection holds (Projected), for reconcile.

        A record held twice (say, in two partitions) yields two copies.
        """
        raise NotImplementedError(f"{self!r} cannot list what it holds; override projected_records().")

    #: The store alias (apps.stores) this projection writes to, for the operators' data map.
    alias = None

    def describe(self):
        """Where the projection keeps its copies, in a few words for operators."""
        return self.alias or "?"

    def backend(self):
        """The class of the store this projection writes to, as configured now."""
        return type(stores[self.alias]).__name__ if self.alias else "?"

    def count(self):
        """How many records the projection holds, or None where counting means reading them all."""
        return None

    def __repr__(self):
        return f"<{type(self).__name__} {self.name}>"


class ProjectorRegistry:
    def __init__(self):
        self._by_name = {}
        self._by_type = defaultdict(list)

    def register(self, projector):
        if not projector.name or not projector.aggregatetype:
            raise ValueError(f"{projector!r} needs a name and an aggregatetype.")
        if projector.home is None:
            raise ValueError(f"{projector!r} needs a home (apps.sync.homes): where its records live.")
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
