"""The fields of a product's search entry whose homes are documents: the rating and
review count (from its reviews) and "in stock" (from its stock), read from those homes.

The product search projector merges them into each entry; a read answered by the home
instead of the index (a strong read) narrows and sorts by them from here too. This module
knows nothing of the Product model, so the search module can use it without a cycle.
"""
from collections import defaultdict

from apps.stores import stores

from . import reviews, stock

EXTRA_FIELDS = ("rating", "review_count", "in_stock")
#: The rating filter's steps, "4 stars and up" and so on (a rating is an average, to one decimal).
RATING_STEPS = (4, 3, 2, 1)
# Product ids per query of the reviews and stock containers (each id is a query parameter).
EXTRAS_CHUNK = 100


def search_extras(product_ids):
    """{product id: the fields of its search entry whose homes are documents}, read for
    all the products at once: one query per container for each EXTRAS_CHUNK of them
    (within the product's partition when there is only one)."""
    ids = [str(i) for i in dict.fromkeys(product_ids)]
    ratings, quantities = defaultdict(list), {}
    documents = stores["documents"]
    for start in range(0, len(ids), EXTRAS_CHUNK):
        chunk = ids[start:start + EXTRAS_CHUNK]
        where = {"product__in": chunk} if len(chunk) > 1 else None
        partition = chunk[0] if len(chunk) == 1 else None
        for review in documents.scan(reviews.CONTAINER, where, partition_key=partition):
            ratings[review["product"]].append(review["rating"])
        for held in documents.scan(stock.CONTAINER, where, partition_key=partition):
            quantities[held["product"]] = held["quantity"]
    return {
        product_id: {
            **({"rating": reviews.average(ratings[product_id])} if ratings[product_id] else {}),
            "review_count": len(ratings[product_id]),
            "in_stock": quantities.get(product_id, 0) > 0,
        }
        for product_id in ids
    }


COMPARISONS = {
    "exact": lambda held, wanted: held == wanted,
    "gte": lambda held, wanted: held >= wanted,
    "gt": lambda held, wanted: held > wanted,
    "lte": lambda held, wanted: held <= wanted,
    "lt": lambda held, wanted: held < wanted,
}


def is_extra_lookup(lookup):
    """Does this filter (``rating__gte``, ``in_stock``) name a field whose home is documents?"""
    return lookup.partition("__")[0] in EXTRA_FIELDS


def matches(extras, lookups):
    """Do a product's extras pass these filters, as the index would answer them? A product
    without a rating passes no rating filter, as it has no value in the index."""
    for lookup, wanted in lookups.items():
        name, _, op = lookup.partition("__")
        held = extras.get(name)
        compare = COMPARISONS.get(op or "exact")
        if compare is None:
            raise ValueError(f"{lookup}: filters on {name} take exact, gte, gt, lte or lt.")
        if held is None or not compare(held, wanted):
            return False
    return True
