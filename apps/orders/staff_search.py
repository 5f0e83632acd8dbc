"""Operators find orders by number, customer or product name: through the staff order
search index (projections.OrderSearchProjector), or from SQL when that index cannot answer.

    ids = order_ids_from_index("brass lamp")      # Unavailable / InvalidQuery when it cannot
    orders = Order.objects.filter(sql_match("ada"))
"""
import re

from django.db.models import Q

from apps.stores import stores

from .models import Order

PAGE_SIZE = 100
# An operator reads a page or two; past this many hits they narrow the search.
MAX_HITS = 500
# Words past these add nothing an operator meant, and each is a subquery in SQL.
MAX_SQL_WORDS = 8
NUMBER = re.compile(r"^\s*(?:PS-?)?0*(\d{1,12})\s*$", re.IGNORECASE)


def order_ids_from_index(text):
    """The ids of the orders the search index finds for ``text``, best first (at most MAX_HITS)."""
    ids, page = [], 1
    while len(ids) < MAX_HITS:
        results = stores["search"].search(Order.search_index_name, text, page=page, page_size=PAGE_SIZE)
        ids.extend(int(hit.id) for hit in results.hits)
        if len(results.hits) < PAGE_SIZE or len(ids) >= results.total:
            break
        page += 1
    return ids[:MAX_HITS]


def sql_match(text):
    """The same search from the orders' home: a number (PS-000012, or 12), a customer's
    username or a product name in one of the lines (each of the first MAX_SQL_WORDS words must match)."""
    condition = Q()
    for word in text.split()[:MAX_SQL_WORDS]:
        condition &= Q(pk__in=Order.objects.filter(
            Q(user__username__icontains=word) | Q(lines__product_name__icontains=word)).values("pk"))
    number = NUMBER.match(text)
    return condition | Q(pk=int(number.group(1))) if number else condition
