"""The multi-store layer: one contract per store kind, one module per backend.

    from apps.stores import documents, graph, search
    documents.get("products", "42", partition_key="books")
    graph.neighbours("user:1", label="follows")

``documents``, ``graph`` and ``search`` are the stores configured under those
aliases (like ``django.core.cache.cache``); ``stores[alias]`` reaches any
alias. Backends are configured in settings.POLYGLOT_STORES like CACHES; see
handler.py.
"""
# The packages are imported before their names are given to the accessors below.
from . import documents as _documents_package
from . import graph as _graph_package
from . import search as _search_package
from .handler import StoreHandler, StoreProxy

stores = StoreHandler()

documents = StoreProxy(stores, "documents", _documents_package)
graph = StoreProxy(stores, "graph", _graph_package)
search = StoreProxy(stores, "search", _search_package)

__all__ = ["StoreHandler", "documents", "graph", "search", "stores"]
