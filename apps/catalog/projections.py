"""Projections of the product core (SQL) into the document store, the search index and the cache."""
from apps.sync.homes import SQLHome
from apps.sync.projectors import CacheProjector, DocumentProjector, SearchIndexProjector

from . import caching
from .models import Product


class ProductDocumentProjector(DocumentProjector):
    """The product document: the core fields, merged beside the attributes whose home is the document."""

    name = "catalog.product.document"
    aggregatetype = Product.outbox_aggregate_type
    home = SQLHome(Product)
    container = Product.document_container


class ProductSearchProjector(SearchIndexProjector):
    """The products index."""

    name = "catalog.product.search"
    aggregatetype = Product.outbox_aggregate_type
    home = SQLHome(Product)
    index = Product.search_index_name

    def document(self, aggregateid, payload):
        return {
            "id": aggregateid,
            "name": payload["name"],
            "description": payload["description"],
            "sku": payload["sku"],
            "category": payload["category"],
            "status": payload["status"],
            "price": float(payload["price"]),
            # Events written before products carried it have no created_at: leave it unset.
            **({"created_at": payload["created_at"]} if payload.get("created_at") else {}),
        }


class ProductCacheProjector(CacheProjector):
    """The product's cached page parts and API detail, dropped on each of its events."""

    name = "catalog.product.cache"
    aggregatetype = Product.outbox_aggregate_type
    home = SQLHome(Product)

    def keys(self, state):
        return caching.keys_of(state.aggregateid)
