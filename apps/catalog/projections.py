"""Projections of the product core (SQL) into the document store and the search index."""
from apps.stores import stores
from apps.stores.exceptions import Conflict, NotFound, PreconditionFailed
from apps.sync.projectors import Projector, SearchIndexProjector

from .models import Product

CONTAINER = Product.document_container
MAX_ETAG_RETRIES = 5


class ProductDocumentProjector(Projector):
    """Keeps the product document in step with the SQL core.

    The document may also carry attributes whose home is the document store,
    so the core fields are merged into it rather than replacing it, under an
    ETag precondition. ``source_version`` makes old or repeated events no-ops.
    """

    name = "catalog.product.document"
    aggregatetype = Product.outbox_aggregate_type
    model = Product

    def projected_versions(self):
        store, versions, token = stores["documents"], {}, None
        while True:
            page = store.query(CONTAINER, limit=1000, continuation=token)
            for document in page.items:
                versions[document["id"]] = int(document.get("source_version", 0))
            if page.continuation is None:
                return versions
            token = page.continuation

    def apply(self, event):
        store = stores["documents"]
        for _attempt in range(MAX_ETAG_RETRIES):
            try:
                return self._apply_once(store, event)
            except (PreconditionFailed, NotFound, Conflict):
                continue  # someone wrote between our read and write: read again
        raise PreconditionFailed(f"Product document {event.aggregateid} kept changing; will retry.")

    def _apply_once(self, store, event):
        if event.type != "deleted" and event.version == 1:
            # A new product: one write. If a document exists after all, fall through.
            try:
                store.create(CONTAINER, {**event.payload, "source_version": event.version})
                return
            except Conflict:
                pass
        if event.type != "deleted":
            # The usual case, an edit in place: two point operations in the product's partition.
            try:
                current = store.get(CONTAINER, event.aggregateid, event.payload["category"])
            except NotFound:
                current = None
            if current is not None:
                if current.get("source_version", 0) < event.version:
                    merged = {**current, **event.payload, "source_version": event.version}
                    store.replace(CONTAINER, merged, if_match=current["_etag"])
                return
        # New, deleted, or moved to another category: find it in any partition.
        existing = store.query(CONTAINER, {"id": event.aggregateid}, limit=10).items
        current = max(existing, key=lambda d: d.get("source_version", 0), default=None)
        if current is not None and current.get("source_version", 0) >= event.version:
            return
        if event.type != "deleted":
            store.create(CONTAINER, {**(current or {}), **event.payload, "source_version": event.version})
        for doc in existing:
            store.delete(CONTAINER, doc["id"], doc["category"], if_match=doc["_etag"])


class ProductSearchProjector(SearchIndexProjector):
    """Keeps the products index in step with the SQL core."""

    name = "catalog.product.search"
    aggregatetype = Product.outbox_aggregate_type
    model = Product
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
            "version": payload["version"],
        }
