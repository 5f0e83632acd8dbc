"""Projectors keep a store in step with a home: the contract, the registry, and one base
per target store (documents, search, graph, cache), so a concrete projector is mostly its
field mapping."""
from .base import VERSION_FIELD, Projected, Projector, ProjectorRegistry, State, digest, registry
from .cache import CacheProjector, versioned_key
from .documents import DocumentHomeProjector, DocumentProjector
from .graph import GraphEdgeHomeProjector, GraphProjector
from .search import SearchIndexProjector

__all__ = [
    "VERSION_FIELD", "CacheProjector", "DocumentHomeProjector", "DocumentProjector", "GraphEdgeHomeProjector",
    "GraphProjector", "Projected", "Projector",
    "ProjectorRegistry", "SearchIndexProjector", "State", "digest", "registry", "versioned_key",
]
