"""The multi-store layer: one contract per store kind, one module per backend.

    from apps.stores import stores
    stores["documents"].get("products", "42", partition_key="books")

Backends are configured in settings.POLYGLOT_STORES like CACHES; see handler.py.
"""
from .handler import StoreHandler

stores = StoreHandler()

__all__ = ["stores", "StoreHandler"]
