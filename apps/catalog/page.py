"""The product page, read across stores: the SQL core, then its parts, fetched concurrently.

A part is a named reading from one store, with the template fragment that
shows it. The core (the product's row) is read first, in the request's
thread: it decides 404 and names the version. Then every part is fetched at
once in reader threads (apps.stores.federation), each within
PRODUCT_PAGE_STORE_TIMEOUT_SECONDS and through its store's circuit breaker;
a part that could not be read is named in the page's notice and the page
still answers. Adding a part is one line in PARTS:

    Part("stock", "documents", fetch_stock, "catalog/parts/stock.html", "Stock"),

``fetch(product)`` runs in a reader thread and reaches only its store (never
the ORM); ``finish(value)``, if given, runs in the request's thread and may
read SQL (ids to products). Both return JSON, so a whole reading is cached
(apps.catalog.caching) under the product's version, when every part was read
and each says it is current (``current(value, product)``). Parts whose home
changes without the product's version (stock, reviews) say ``cached=False``
and are read on every view, beside the cached ones.
"""
from dataclasses import dataclass
from functools import partial
from typing import Any, Callable, Optional

from django.conf import settings

from apps.stores import stores
from apps.stores.exceptions import NotFound
from apps.stores.federation import read_concurrently
from apps.sync.projectors import VERSION_FIELD

from . import caching
from .models import Product
from .reviews import Review
from .stock import Stock

SIMILAR_COUNT = 6
REVIEWS_SHOWN = 20
ALSO_BOUGHT_COUNT = 6
#: How the graph names a product and a purchase (a user "bought" a product), for the orders' projection.
PRODUCT_VERTEX = "product:{}"
BOUGHT_LABEL = "bought"


@dataclass(frozen=True)
class Part:
    name: str
    store: str
    fetch: Callable[[Product], Any]
    template: str
    #: What the shopper is told is missing when the store could not be read.
    label: str
    finish: Optional[Callable[[Any], Any]] = None
    current: Optional[Callable[[Any, Product], bool]] = None
    #: False for a part whose home changes without the product's version: read on every view.
    cached: bool = True


@dataclass(frozen=True)
class Reading:
    part: Part
    value: Any = None
    missing: bool = False

    @property
    def name(self):
        return self.part.name


# -- the parts ------------------------------------------------------------------------------
def read_document(product):
    """The product document (attributes, specifications), or None before it is projected."""
    try:
        return stores["documents"].get(Product.document_container, str(product.pk),
                                       partition_key=product.category.slug)
    except NotFound:
        return None


def document_is_current(document, product):
    return document is not None and document.get(VERSION_FIELD) == product.version


def find_similar(product):
    """Ids of active products of the same category at a comparable price, from the search index."""
    price = float(product.price)
    search = Product.search.filter(category=product.category.slug, price__gte=price / 2, price__lte=price * 2)
    ids = search.paged_by(SIMILAR_COUNT + 1).page_ids()
    return [i for i in ids if i != str(product.pk)][:SIMILAR_COUNT]


def find_also_bought(product):
    """Ids of the products bought by the people who bought this one (none until purchases reach the graph)."""
    try:
        ranked = stores["graph"].bought_together(PRODUCT_VERTEX.format(product.pk), label=BOUGHT_LABEL,
                                                 limit=ALSO_BOUGHT_COUNT)
    except NotFound:
        return []
    prefix = PRODUCT_VERTEX.format("")
    return [item.vertex.id[len(prefix):] for item in ranked if item.vertex.id.startswith(prefix)]


def read_stock(product):
    """The product's stock (Stock), or None where none is counted."""
    return Stock.objects.get_or_none(product=product)


def read_reviews(product):
    """The product's rating, review count and newest reviews."""
    rating, count = Review.objects.summary(product)
    return {"rating": rating, "count": count, "newest": list(Review.objects.filter(product=product)[:REVIEWS_SHOWN])}


def product_cards(ids):
    """What a list of products shows, for the ids that are active products now (from SQL)."""
    products = Product.objects.active().select_related("category").in_order_of(ids)
    return [{"id": p.pk, "name": p.name, "url": p.get_absolute_url(), "price": str(p.price),
             "category": p.category.name} for p in products]


PARTS = [
    Part("details", "documents", read_document, "catalog/parts/details.html", "Specifications",
         current=document_is_current),
    Part("stock", "documents", read_stock, "catalog/parts/stock.html", "Availability", cached=False),
    Part("reviews", "documents", read_reviews, "catalog/parts/reviews.html", "Reviews", cached=False),
    Part("similar", "search", find_similar, "catalog/parts/similar.html", "Similar products", finish=product_cards),
    Part("also_bought", "graph", find_also_bought, "catalog/parts/also_bought.html", "Customers also bought",
         finish=product_cards),
]


# -- the page ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class ProductPage:
    product: Product
    readings: tuple
    from_cache: bool = False

    @property
    def parts(self):
        """{name: value} of the parts that were read, for templates: ``page.parts.details``."""
        return {reading.name: reading.value for reading in self.readings if not reading.missing}

    @property
    def missing(self):
        """The labels of the parts that could not be read now."""
        return [reading.part.label for reading in self.readings if reading.missing]


def read_product_page(product, parts=None):
    """The page's parts for ``product`` (its row already read): the cached ones from the cache when
    it holds them all at the product's version, the others (and the rest on a miss) from the stores."""
    parts = PARTS if parts is None else parts
    key = caching.page_key(product.pk)
    cached = caching.read(key, version=product.version)
    cacheable = [part for part in parts if part.cached]
    from_cache = isinstance(cached, dict) and all(part.name in cached for part in cacheable)
    to_read = [part for part in parts if not (from_cache and part.cached)]
    outcomes = read_concurrently({part.name: (part.store, partial(part.fetch, product)) for part in to_read},
                                 timeout=settings.PRODUCT_PAGE_STORE_TIMEOUT_SECONDS) if to_read else {}
    readings = []
    for part in parts:
        if part.name not in outcomes:
            readings.append(Reading(part, cached[part.name]))
        elif outcomes[part.name].missing:
            readings.append(Reading(part, missing=True))
        else:
            value = outcomes[part.name].value
            readings.append(Reading(part, part.finish(value) if part.finish else value))
    kept = [r for r in readings if r.part.cached]
    if not from_cache and all(not r.missing and (r.part.current is None or r.part.current(r.value, product))
                              for r in kept):
        caching.write(key, {r.name: r.value for r in kept}, version=product.version)
    return ProductPage(product, tuple(readings), from_cache=from_cache)
