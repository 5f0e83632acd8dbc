"""Projections of the product core (SQL) into the document store and the search index."""
from apps.stores import stores
from apps.stores.exceptions import Conflict, NotFound, PreconditionFailed
from apps.sync.projectors import Projected, Projector, SearchIndexProjector

from .models import Product

CONTAINER = Product.document_container
MAX_ETAG_RETRIES = 5


# While a category move is being finished: the partitions that may still hold
# an old copy. Written with the new copy before the old ones are deleted, so a
# retry (or any later event) finishes a move that failed half-way.
MOVED_FROM = "moved_from"


class ProductDocumentProjector(Projector):
    """Keeps the product document in step with the SQL core.

    The document may also carry attributes whose home is the document store,
    so the core fields are merged into it rather than replacing it, under an
    ETag precondition. ``source_version`` makes old or repeated events no-ops.
    """

    name = "catalog.product.document"
    aggregatetype = Product.outbox_aggregate_type
    model = Product

    def projected_records(self):
        for document in stores["documents"].scan(CONTAINER):
            yield Projected(document["id"], int(document.get("source_version", 0)), document)

    def apply(self, event):
        store = stores["documents"]
        for _attempt in range(MAX_ETAG_RETRIES):
            try:
                return self._apply_once(store, event)
            except (PreconditionFailed, NotFound, Conflict):
                continue  # someone wrote between our read and write: read again
        raise PreconditionFailed(f"Product document {event.aggregateid} kept changing; will retry.")

    def _apply_once(self, store, event):
        deleted = event.type == "deleted"
        repair = getattr(event, "repair", False)
        if not deleted and not repair and event.version == 1:
            # A new product: one write. If a document exists after all, fall through.
            try:
                store.create(CONTAINER, self._document({}, event))
                return
            except Conflict:
                pass
        if not deleted and not repair:
            # The usual case, an edit in place: two point operations in the product's partition.
            current = _get_or_none(store, event.aggregateid, event.payload["category"])
            if current is not None:
                self._finish_move(store, current)
                if current.get("source_version", 0) < event.version:
                    store.replace(CONTAINER, self._document(current, event), if_match=current["_etag"])
                elif current.get(MOVED_FROM):
                    store.replace(CONTAINER, _without_move(current), if_match=current["_etag"])
                return
        # New, deleted, moved to another category, or repaired: find it in every partition.
        existing = store.query(CONTAINER, {"id": event.aggregateid}, limit=10).items
        current = max(existing, key=lambda d: d.get("source_version", 0), default=None)
        if current is not None and current.get("source_version", 0) >= event.version and not repair:
            return
        if deleted:
            for document in existing:
                _delete_if_present(store, document)
            return
        home = event.payload["category"]
        in_place = next((d for d in existing if d["category"] == home), None)
        others = [d for d in existing if d is not in_place]
        document = self._document(current or {}, event)
        if others:
            document[MOVED_FROM] = sorted({d["category"] for d in others})
        if in_place is not None:
            written = store.replace(CONTAINER, document, if_match=in_place["_etag"])
        else:
            written = store.create(CONTAINER, document)
        if others:
            self._finish_move(store, written)
            store.replace(CONTAINER, _without_move(written), if_match=written["_etag"])

    def _document(self, current, event):
        merged = {**current, **event.payload, "source_version": event.version}
        return _without_move(merged)

    def _finish_move(self, store, document):
        for partition in document.get(MOVED_FROM) or ():
            if partition != document["category"]:
                try:
                    store.delete(CONTAINER, document["id"], partition)
                except NotFound:
                    pass


def _without_move(document):
    return {key: value for key, value in document.items() if key != MOVED_FROM}


def _get_or_none(store, id, partition):
    try:
        return store.get(CONTAINER, id, partition)
    except NotFound:
        return None


def _delete_if_present(store, document):
    try:
        store.delete(CONTAINER, document["id"], document["category"], if_match=document["_etag"])
    except NotFound:
        pass


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
