"""Projectors keep a store in step with a home. Domain apps register them in ready():

    from apps.sync.projectors import registry
    registry.register(ProductDocumentProjector())

A projector is idempotent: it receives the event's aggregate id, type,
payload and version, and an older or repeated version changes nothing.
"""
from collections import defaultdict


class Projector:
    """Base class: set ``name`` and ``aggregatetype``, implement apply()."""

    name = None
    aggregatetype = None

    def apply(self, event):
        """Bring the projection up to ``event`` (an OutboxEvent)."""
        raise NotImplementedError("subclasses of Projector must provide an apply() method")

    def __repr__(self):
        return f"<{type(self).__name__} {self.name}>"


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

    def for_type(self, aggregatetype):
        return list(self._by_type.get(aggregatetype, ()))

    def get(self, name):
        return self._by_name[name]

    def names(self):
        return sorted(self._by_name)


registry = ProjectorRegistry()
