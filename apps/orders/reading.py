"""Reading orders for their owner: "my orders" from the order view documents (the first
page cached per user), or from SQL when the reader's own change has not reached the
documents yet (apps.sync.consistency decides which).

    found = my_orders(user.pk, cursor=None, source="projection")
    found.orders        # OrderSummary, newest first
    found.next_cursor   # pass back for the next page, None at the end
"""
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError

from apps.stores import stores
from apps.stores.query import Q

from .models import Order
from .projections import MY_ORDERS_KEY, OrderDocumentProjector

PROJECTION = OrderDocumentProjector.name
CACHE_SECONDS = 300


@dataclass
class OrderSummary:
    id: int
    number: str
    status: str
    total: str
    created_at: str
    items: int
    products: list

    @property
    def status_label(self):
        return Order.Status(self.status).label

    @property
    def total_amount(self):
        return Decimal(self.total)

    @classmethod
    def from_payload(cls, id, payload):
        lines = payload.get("lines", [])
        return cls(id=int(id), number=payload["number"], status=payload["status"], total=payload["total"],
                   created_at=payload["created_at"], items=sum(line["quantity"] for line in lines),
                   products=[line["name"] for line in lines][:3])


@dataclass
class OrdersPage:
    orders: list = field(default_factory=list)
    next_cursor: str = None
    source: str = "projection"


def check_cursor(cursor):
    """A cursor is an order id, as ``next_cursor`` gave it."""
    if cursor is None:
        return None
    if not isinstance(cursor, str) or not cursor.isdigit() or len(cursor) > 18:
        raise ValidationError({"cursor": ["Not a cursor this list gave."]}, code="bad_cursor")
    return int(cursor)


def my_orders(user_pk, cursor=None, *, source="projection", page_size=None):
    before = check_cursor(cursor)
    page_size = page_size or settings.ORDERS_PER_PAGE
    if source == "home":
        return _from_sql(user_pk, before, page_size)
    if before is None:
        cached = cache.get(MY_ORDERS_KEY.format(user_pk))
        if cached is not None:
            return OrdersPage([OrderSummary(**entry) for entry in cached["orders"]], cached["next"])
    found = _from_documents(user_pk, before, page_size)
    if before is None:
        cache.set(MY_ORDERS_KEY.format(user_pk),
                  {"orders": [asdict(o) for o in found.orders], "next": found.next_cursor}, CACHE_SECONDS)
    return found


def _from_documents(user_pk, before, page_size):
    where = Q(seq__lt=before) if before is not None else None
    documents = stores["documents"].query(Order.document_container, where, partition_key=str(user_pk),
                                          order_by=("-seq",), limit=page_size + 1).items
    orders = [OrderSummary.from_payload(d["id"], d) for d in documents[:page_size]]
    return OrdersPage(orders, str(orders[-1].id) if len(documents) > page_size else None)


def _from_sql(user_pk, before, page_size):
    rows = Order.objects.filter(user_id=user_pk).select_related("user").prefetch_related("lines").order_by("-pk")
    if before is not None:
        rows = rows.filter(pk__lt=before)
    found = list(rows[:page_size + 1])
    orders = [OrderSummary.from_payload(o.pk, o.outbox_payload()) for o in found[:page_size]]
    return OrdersPage(orders, str(orders[-1].id) if len(found) > page_size else None, source="home")
