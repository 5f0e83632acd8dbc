"""The orders API's shapes: the cart, its inputs, the orders (summaries and one in full)."""
from django.urls import reverse
from rest_framework import serializers

from .models import MAX_LINE_QUANTITY

MONEY = {"max_digits": 12, "decimal_places": 2, "read_only": True}
# Product ids are SQL keys; a larger number is no product and must not reach the database.
PRODUCT_ID = {"min_value": 1, "max_value": 10**18}


class CartLineSerializer(serializers.Serializer):
    """A cart line (apps.orders.cart.CartLine) as the shopper sees it."""

    product = serializers.CharField(source="product_id", help_text="The product's id.")
    name = serializers.SerializerMethodField()
    quantity = serializers.IntegerField()
    cart_price = serializers.DecimalField(**MONEY, help_text="The price when the product was put in the cart.")
    price = serializers.DecimalField(**MONEY, help_text="The price the checkout would charge: the current one.")
    price_changed = serializers.BooleanField()
    available = serializers.BooleanField(help_text="Still for sale.")
    subtotal = serializers.DecimalField(**MONEY)

    def get_name(self, line) -> str | None:
        return line.product.name if line.product is not None else None


class CartSerializer(serializers.Serializer):
    lines = CartLineSerializer(many=True)
    total = serializers.DecimalField(**MONEY)
    price_changed = serializers.BooleanField(help_text="A price changed since its product was put in the cart: "
                                                       "accept the new prices before the checkout.")


def cart_answer(lines):
    return CartSerializer({"lines": lines, "total": sum((line.subtotal for line in lines), 0),
                           "price_changed": any(line.price_changed for line in lines)}).data


class AddLineSerializer(serializers.Serializer):
    product = serializers.IntegerField(**PRODUCT_ID, help_text="The id of a product on sale.")
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_LINE_QUANTITY, required=False, default=1,
                                        help_text="How many more to put in the cart.")


class QuantitySerializer(serializers.Serializer):
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_LINE_QUANTITY)


class CheckoutSerializer(serializers.Serializer):
    payment_method = serializers.CharField(max_length=30, required=False, allow_blank=True,
                                           help_text="A payment method's code; the site's first method if left out.")


class OrdersQuerySerializer(serializers.Serializer):
    cursor = serializers.CharField(required=False, max_length=18, help_text="`next` of the page before gave it.")


class OrderSummarySerializer(serializers.Serializer):
    """One order in "my orders" (apps.orders.reading.OrderSummary)."""

    id = serializers.IntegerField()
    number = serializers.CharField()
    status = serializers.CharField()
    total = serializers.DecimalField(**MONEY)
    created_at = serializers.DateTimeField()
    items = serializers.IntegerField(help_text="Units ordered.")
    products = serializers.ListField(child=serializers.CharField(), help_text="The first few products' names.")
    url = serializers.SerializerMethodField()

    def get_url(self, summary) -> str:
        return self.context["request"].build_absolute_uri(reverse("orders-api:order", args=[summary.id]))


class OrdersPageSerializer(serializers.Serializer):
    results = OrderSummarySerializer(many=True)
    next = serializers.URLField(allow_null=True, help_text="The next page, or null at the end.")


class OrderLineSerializer(serializers.Serializer):
    product = serializers.IntegerField(source="product_id", allow_null=True,
                                       help_text="null once the product was deleted.")
    name = serializers.CharField(source="product_name")
    sku = serializers.CharField()
    unit_price = serializers.DecimalField(**MONEY)
    quantity = serializers.IntegerField()
    subtotal = serializers.DecimalField(**MONEY)


class OrderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    status = serializers.CharField()
    failure_reason = serializers.CharField()
    total = serializers.DecimalField(**MONEY)
    payment_method = serializers.CharField()
    payment_state = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    lines = OrderLineSerializer(many=True)
    receipt = serializers.SerializerMethodField(help_text="Where to ask for a link to the receipt; null until "
                                                          "the order has one.")

    def get_receipt(self, order) -> str | None:
        if not order.receipt_name:
            return None
        return self.context["request"].build_absolute_uri(reverse("orders-api:receipt", args=[order.pk]))


class ReceiptLinkSerializer(serializers.Serializer):
    url = serializers.URLField(help_text="An expiring signed link to the receipt (HTML).")
    expires_in = serializers.IntegerField(help_text="Seconds the link holds.")
