"""Reviews and stock: their homes in the document store, and their share of the products index.

A product's entry in the search index is one document: the core fields from
SQL, merged with the rating and review count from its reviews and the "in
stock" flag from its stock. Whichever changes, the whole entry is written
again from the current state of all three (search_extras.py, used by the
product search projector too, for a whole batch of products at once), so a review never overwrites the core fields
and a product edit never loses the rating. Reconciling ``catalog.product.search``
therefore compares rating and stock as well; the two projectors below that
re-index a product keep nothing of their own to compare.
"""
from apps.stores import stores
from apps.stores.documents import declare_container
from apps.stores.exceptions import NotFound
from apps.sync.homes import DocumentHome
from apps.sync.models import OutboxEvent
from apps.sync.projectors import VERSION_FIELD, DocumentHomeProjector, Projector, State, registry

from . import reviews, stock
from .models import Product
from .search_extras import EXTRA_FIELDS

PRODUCT_SEARCH_PROJECTION = "catalog.product.search"


def indexed_extras(index, product_id):
    """The extras the product's search entry holds now: kept when the document store cannot be read,
    so a product edit still reaches the index without losing its rating (projections fail independently)."""
    hits = stores["search"].search(index, where={"pk": str(product_id)}, page_size=1).hits
    held = hits[0].document if hits else {}
    return {name: held[name] for name in EXTRA_FIELDS if held.get(name) is not None}


def reindex_product(product_id):
    """Write the product's whole search entry again from its current homes (nothing if it is gone)."""
    reindex_products([product_id])


def reindex_products(product_ids):
    """Write these products' whole search entries again from their current homes, in one write
    to the index (one commit for a batch of reviews or stock counts); the gone ones are skipped."""
    products = (Product._base_manager.select_related("category").prefetch_related("images")
                .filter(pk__in=[int(i) for i in product_ids]))
    states = [State(Product.outbox_aggregate_type, str(product.pk), "saved", product.version,
                    product.outbox_payload()) for product in products]
    if states:
        registry.get(PRODUCT_SEARCH_PROJECTION).apply_batch(states)


class ReviewDocumentHome(DocumentHomeProjector):
    """Applies review events to the reviews container, their home."""

    name = reviews.HOME
    aggregatetype = reviews.AGGREGATE
    container = reviews.CONTAINER
    home = DocumentHome(reviews.CONTAINER)


class StockDocumentHome(DocumentHomeProjector):
    """Applies stock events to the stock container, their home."""

    name = stock.HOME
    aggregatetype = stock.AGGREGATE
    container = stock.CONTAINER
    home = DocumentHome(stock.CONTAINER)


class HomeNotReached(Exception):
    """The record's home has not applied the event yet (its writer is applying it now): the
    delivery fails and is retried, so the index is never written from a state older than the event."""


class ProductReindexer(Projector):
    """Re-indexes the product an event of a review or a stock belongs to.

    The home (a container keyed by product) must hold the event's change
    before the product is re-indexed from it: record_change commits the event
    before it writes the home, and a worker may take the event in between.
    """

    #: The products index is reconciled as a whole by catalog.product.search.
    reconcilable = False
    unreconciled_because = "re-indexes products; catalog.product.search reconciles their rating and stock"

    def product_of(self, event):
        raise NotImplementedError("subclasses of ProductReindexer must provide a product_of() method")

    def apply(self, event):
        self.apply_batch([event])

    def apply_batch(self, events):
        for event in events:
            self.check_home_reached(event)
        reindex_products(list(dict.fromkeys(self.product_of(event) for event in events)))

    def check_home_reached(self, event):
        if isinstance(event, State):
            return  # rebuild, replay and reconcile: states read from the home or the outbox
        try:
            held = stores["documents"].get(self.home.container, event.aggregateid, self.product_of(event))
        except NotFound:
            held = None
        version = held.get(VERSION_FIELD, 0) if held else None
        reached = (held is None or version > event.version) if event.type == "deleted" else (
            held is not None and version >= event.version)
        superseded = OutboxEvent.objects.filter(aggregatetype=event.aggregatetype, aggregateid=event.aggregateid,
                                                version__gt=event.version).exists()
        if not (reached or superseded):
            raise HomeNotReached(f"{self.home.describe()} has not applied version {event.version} of "
                                 f"{event.aggregateid} yet; retried.")


class ReviewRatingProjector(ProductReindexer):
    """The product's average rating and review count in the products index."""

    name = "catalog.review.search"
    aggregatetype = reviews.AGGREGATE
    home = DocumentHome(reviews.CONTAINER)

    def product_of(self, event):
        return reviews.product_of(event.aggregateid)


class StockFacetProjector(ProductReindexer):
    """The product's "in stock" flag in the products index."""

    name = "catalog.stock.search"
    aggregatetype = stock.AGGREGATE
    home = DocumentHome(stock.CONTAINER)

    def product_of(self, event):
        return event.aggregateid


def register():
    """Declare the containers and register the projectors (from CatalogConfig.ready())."""
    declare_container(reviews.CONTAINER, partition_key="/product", indexes=("created_at", "rating"))
    declare_container(stock.CONTAINER, partition_key="/product")
    for projector in (ReviewDocumentHome(), StockDocumentHome(), ReviewRatingProjector(), StockFacetProjector()):
        registry.register(projector)
