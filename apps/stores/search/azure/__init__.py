"""Azure AI Search; settings name ``apps.stores.search.azure.AzureSearchBackend``."""
from .backend import AzureSearchBackend

__all__ = ["AzureSearchBackend"]
