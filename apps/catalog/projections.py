"""Projections of the product core (SQL) into the document store, the search index and the cache."""
from apps.stores.exceptions import Unavailable
from apps.sync.homes import SQLHome
from apps.sync.projectors import VERSION_FIELD, CacheProjector, DocumentProjector, SearchIndexProjector

from . import caching
from .document_projections import indexed_extras
from .models import Product
from .pictures import document_entry
from .search_extras import search_extras


class ProductDocumentProjector(DocumentProjector):
    """The product document: the core fields, merged beside the attributes whose home is the document."""

    name = "catalog.product.document"
    aggregatetype = Product.outbox_aggregate_type
    home = SQLHome(Product)
    container = Product.document_container

    def fields(self, state):
        fields = super().fields(state)
        if "images" in fields:
            # The event names the blobs; the document holds stable URLs (see catalog/pictures.py).
            fields["images"] = [document_entry(entry) for entry in fields["images"]]
        return fields


class ProductSearchProjector(SearchIndexProjector):
    """The products index: the core fields, merged with the rating and stock whose homes are documents."""

    name = "catalog.product.search"
    aggregatetype = Product.outbox_aggregate_type
    home = SQLHome(Product)
    index = Product.search_index_name

    def document(self, aggregateid, payload, extras=None):
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
            "pk": aggregateid,
            **(extras if extras is not None else self.extras_of([aggregateid])[aggregateid]),
        }

    def contents(self, states):
        """The entries of a batch, their rating and stock read for the whole batch at once."""
        extras = self.extras_of([state.aggregateid for state in states])
        return [{**self.document(state.aggregateid, state.payload, extras[state.aggregateid]),
                 VERSION_FIELD: state.version} for state in states]

    def extras_of(self, product_ids):
        try:
            return search_extras(product_ids)
        except Unavailable:
            return {product_id: indexed_extras(self.index, product_id) for product_id in product_ids}

class ProductCacheProjector(CacheProjector):
    """The product's cached page parts and API detail, dropped on each of its events."""

    name = "catalog.product.cache"
    aggregatetype = Product.outbox_aggregate_type
    home = SQLHome(Product)

    def keys(self, state):
        return caching.keys_of(state.aggregateid)
