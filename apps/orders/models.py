"""Orders: their home is SQL. An order's lines are written with it and never change;
its status follows the checkout saga (apps.orders.checkout).

Each change of an order goes out through the outbox to its read models: the
order view document, the cached "my orders" list and the staff order search
(apps.orders.projections). A Purchase row per (user, product) counts the
user's confirmed orders of the product; its projection is the graph's
``user -bought-> product`` edge, which feeds "also bought".
"""
from django.conf import settings
from django.db import models
from django.utils import timezone

from apps.stores.search import index
from apps.sync.outboxed import OutboxedModel

MAX_LINES = 50
MAX_LINE_QUANTITY = 99


class Order(OutboxedModel):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        CONFIRMED = "confirmed", "Confirmed"
        FAILED = "failed", "Failed"
        CANCELLING = "cancelling", "Being cancelled"
        CANCELLED = "cancelled", "Cancelled"
        COMPENSATION_FAILED = "compensation_failed", "Compensation failed (needs an operator)"

    class Payment(models.TextChoices):
        NONE = "none", "Not paid"
        AUTHORIZED = "authorized", "Paid"
        REFUNDED = "refunded", "Refunded"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    # A checkout's idempotency key (the checkout form's hidden field, or the API's
    # Idempotency-Key header): a double click or a client's retry finds this order.
    idempotency_key = models.CharField(max_length=64)
    total = models.DecimalField(max_digits=12, decimal_places=2)
    payment_method = models.CharField(max_length=30)
    payment_state = models.CharField(max_length=12, choices=Payment.choices, default=Payment.NONE)
    payment_reference = models.CharField(max_length=100, blank=True)
    receipt_name = models.CharField(max_length=200, blank=True)
    failure_reason = models.CharField(max_length=500, blank=True)
    # Whether the confirm step counted this order into its products' purchases (the
    # graph's bought edges): what makes confirming and un-confirming safe to repeat.
    purchases_counted = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    outbox_aggregate_type = "orders.order"
    outbox_prefetch_related = ("lines", "user")
    document_container = "orders"
    search_index_name = "orders"
    search_fields = [
        index.SearchField("number", boost=3.0),
        index.SearchField("customer", boost=2.0),
        index.SearchField("products"),
        index.FilterField("status", facet=True),
        index.FilterField("payment_method", facet=True),
        index.FilterField("total", type="float", sortable=True),
        index.FilterField("created_at", sortable=True),
        index.FilterField("user", type="keyword"),
        index.FilterField("version", type="int"),
    ]

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "idempotency_key"], name="one_order_per_checkout_key"),
            models.CheckConstraint(condition=models.Q(total__gte=0), name="order_total_not_negative"),
        ]
        indexes = [models.Index(fields=["user", "-created_at"], name="order_user_recent_idx"),
                   models.Index(fields=["status", "updated_at"], name="order_status_idx")]

    def __str__(self):
        return f"Order {self.number}"

    @property
    def number(self):
        """The number shoppers and operators quote: stable, and not the bare primary key."""
        return f"PS-{self.pk:06d}" if self.pk else "PS-new"

    @property
    def customer(self):
        return self.user.get_username()

    @property
    def products(self):
        """The product names, as the staff order search finds them."""
        return " ".join(line.product_name for line in self.lines.all())

    @property
    def is_final(self):
        return self.status in (self.Status.CONFIRMED, self.Status.FAILED, self.Status.CANCELLED)

    def outbox_payload(self):
        lines = list(self.lines.all())
        return {
            "number": self.number,
            "user": str(self.user_id),
            "customer": self.customer,
            "status": self.status,
            "total": str(self.total),
            "payment_method": self.payment_method,
            "payment_state": self.payment_state,
            "has_receipt": bool(self.receipt_name),
            "failure_reason": self.failure_reason,
            "created_at": self.created_at.isoformat(),
            "lines": [line.as_dict() for line in lines],
            "products": " ".join(line.product_name for line in lines),
        }


class OrderLine(models.Model):
    """What was bought, as it was when the order was placed (name and price kept)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey("catalog.Product", null=True, on_delete=models.SET_NULL, related_name="+")
    product_name = models.CharField(max_length=200)
    sku = models.CharField("SKU", max_length=32)
    unit_price = models.DecimalField(max_digits=10, decimal_places=2)
    quantity = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gte=1, quantity__lte=MAX_LINE_QUANTITY),
                                   name="order_line_quantity_range"),
            models.UniqueConstraint(fields=["order", "product"], name="one_line_per_product"),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.product_name}"

    @property
    def subtotal(self):
        return self.unit_price * self.quantity

    def as_dict(self):
        return {"product": str(self.product_id) if self.product_id else None, "name": self.product_name,
                "sku": self.sku, "unit_price": str(self.unit_price), "quantity": self.quantity}


class Purchase(OutboxedModel):
    """How many confirmed orders of a product a user has: the home of the graph's
    ``user -bought-> product`` edge (present while ``orders`` > 0)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+")
    orders = models.PositiveIntegerField(default=0)
    last_bought_at = models.DateTimeField(null=True, blank=True)

    outbox_aggregate_type = "orders.purchase"

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "product"], name="one_purchase_per_user_product")]

    def __str__(self):
        return f"user {self.user_id} bought product {self.product_id} ({self.orders}×)"

    def outbox_payload(self):
        return {"user": str(self.user_id), "product": str(self.product_id), "orders": self.orders,
                "last_bought_at": self.last_bought_at.isoformat() if self.last_bought_at else None}
