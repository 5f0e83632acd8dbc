from .base import SearchBackend, SearchHit, SearchResults
from .index import (
    AutocompleteField,
    FilterField,
    IndexDefinition,
    SearchField,
    declare_index,
    declared_indexes,
    definition_for_model,
)

__all__ = [
    "AutocompleteField",
    "FilterField",
    "IndexDefinition",
    "SearchBackend",
    "SearchField",
    "SearchHit",
    "SearchResults",
    "declare_index",
    "declared_indexes",
    "definition_for_model",
]
