"""The orders' read models, each kept in step with SQL through the outbox:

- the order view document (container ``orders``, partition per user), which
  "my orders" reads;
- the cached "my orders" page, dropped on each change of one of the user's orders;
- the staff order search index (number, customer, products, status);
- the graph's ``user -bought-> product`` edge, one per Purchase row with at
  least one confirmed order, which feeds "also bought" and "bought by people
  you follow".
"""
from apps.social.vertices import BOUGHT_LABEL, PRODUCT, USER, ensure_vertex, vertex_id
from apps.stores import stores
from apps.sync.homes import SQLHome
from apps.sync.projectors import (
    VERSION_FIELD, CacheProjector, DocumentProjector, Projected, Projector, SearchIndexProjector,
)

from .models import Order, Purchase

MY_ORDERS_KEY = "orders:mine:{}"


class OrderDocumentProjector(DocumentProjector):
    """The order as its owner reads it: one document in the owner's partition."""

    name = "orders.order.document"
    aggregatetype = Order.outbox_aggregate_type
    home = SQLHome(Order)
    container = Order.document_container

    def fields(self, state):
        fields = dict(state.payload)
        fields.pop("products", None)  # the search index's text; the lines say it already
        fields["seq"] = int(state.aggregateid)  # "my orders" pages newest first by it
        return fields


class MyOrdersCache(CacheProjector):
    """Drops the owner's cached "my orders" page when one of their orders changes."""

    name = "orders.order.cache"
    aggregatetype = Order.outbox_aggregate_type
    home = SQLHome(Order)

    def keys(self, state):
        user = state.payload.get("user")
        return [MY_ORDERS_KEY.format(user)] if user else []


class OrderSearchProjector(SearchIndexProjector):
    """The staff order search: by number, customer, product names, status and payment."""

    name = "orders.order.search"
    aggregatetype = Order.outbox_aggregate_type
    home = SQLHome(Order)
    index = Order.search_index_name

    def document(self, aggregateid, payload):
        return {
            "id": aggregateid, "number": payload["number"], "customer": payload["customer"],
            "products": payload["products"], "status": payload["status"],
            "payment_method": payload["payment_method"], "total": float(payload["total"]),
            "created_at": payload["created_at"], "user": payload["user"],
        }


class PurchaseEdgeProjector(Projector):
    """``user:U -bought-> product:P`` while the user has a confirmed order of the product."""

    name = "orders.purchase.graph"
    aggregatetype = Purchase.outbox_aggregate_type
    home = SQLHome(Purchase)
    alias = "graph"

    def describe(self):
        return f"graph edges {BOUGHT_LABEL}"

    def home_states(self, chunk_size=500):
        # A purchase counted back to no order (its orders were cancelled) has no edge.
        return (state for state in super().home_states(chunk_size) if state.payload["orders"] > 0)

    def content(self, state):
        return {"purchase": state.aggregateid, "orders": state.payload["orders"]}

    def projected_records(self):
        for edge in stores[self.alias].scan_edges(BOUGHT_LABEL):
            properties = edge.properties
            if "purchase" in properties:
                yield Projected(str(properties["purchase"]), int(properties.get(VERSION_FIELD, 0)), properties)

    def apply(self, event):
        graph = stores[self.alias]
        if event.type == "deleted":
            # The row went with its user or product (rare): find its edge by the id it carries.
            for edge in graph.scan_edges(BOUGHT_LABEL):
                if str(edge.properties.get("purchase")) == event.aggregateid:
                    graph.remove_edge(edge.source, BOUGHT_LABEL, edge.target)
            return
        if event.payload["orders"] <= 0:
            graph.remove_edge(vertex_id(USER, event.payload["user"]), BOUGHT_LABEL,
                              vertex_id(PRODUCT, event.payload["product"]))
            return
        # Edges need both ends; a vertex another projection owns is left as it is.
        source, target = ensure_vertex(USER, event.payload["user"]), ensure_vertex(PRODUCT, event.payload["product"])
        graph.upsert_edge(source, BOUGHT_LABEL, target, {**self.content(event), VERSION_FIELD: event.version})


def register(registry):
    for projector in (OrderDocumentProjector(), MyOrdersCache(), OrderSearchProjector(), PurchaseEdgeProjector()):
        registry.register(projector)
