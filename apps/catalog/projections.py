"""Projections of the product core (SQL) into the document store and the search index."""
from apps.sync.homes import SQLHome
from apps.sync.projectors import DocumentProjector, SearchIndexProjector

from .models import Product
from .pictures import document_entry


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
