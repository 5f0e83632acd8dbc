"""Search on local disk with tantivy; settings name ``apps.stores.search.tantivy.TantivySearchBackend``."""
from .backend import TantivySearchBackend

__all__ = ["TantivySearchBackend"]
