"""The demo's orders: some demo shoppers buy a few products through the real checkout,
so "my orders", the receipts, the staff order search and "also bought" have something
to show. Idempotent: each order has a fixed key, so a second run finds them."""
import random

from apps.catalog.models import Product
from apps.catalog.stock import Stock
from apps.sync.dispatch import batched_delivery

from .cart import UserCart
from .checkout import CheckoutRefused, checkout
from .models import Order

SEED = 1515
BUYERS = 30
CATEGORIES_PER_BUYER = 2


def seed_orders(sender=None, shoppers=(), **kwargs):
    """demo_seeded receiver: place the demo's orders; returns the line seed_demo prints."""
    rng = random.Random(SEED)
    by_category = {}
    for product in Product.objects.active().order_by("pk").only("pk", "category_id"):
        by_category.setdefault(product.category_id, []).append(product.pk)
    if not by_category:
        return None
    placed = 0
    with batched_delivery():
        for number, shopper in enumerate(list(shoppers)[:BUYERS]):
            # People who like one corner of the shop buy there again: "also bought" has a pattern.
            categories = rng.sample(sorted(by_category), min(CATEGORIES_PER_BUYER, len(by_category)))
            for order_number, category in enumerate(categories):
                key = f"demo-order-{number:03d}-{order_number}"
                if Order.objects.filter(user=shopper, idempotency_key=key).exists():
                    continue
                picks = rng.sample(by_category[category], min(rng.randint(1, 3), len(by_category[category])))
                if _place(shopper, picks, key):
                    placed += 1
    return f"Demo orders: {placed} placed, {Order.objects.count()} in all."


def _place(shopper, product_ids, key):
    cart = UserCart(shopper.pk)
    cart.clear()
    for product_id in product_ids:
        stock = Stock.objects.get_or_none(product=product_id)
        if stock is not None and stock.quantity >= 1:
            cart.add(product_id, 1)
    if cart.is_empty():
        return False
    try:
        order = checkout(shopper, cart, payment_method_code="on_delivery", key=key)
    except CheckoutRefused:
        cart.clear()
        return False
    cart.clear()
    return order.status == Order.Status.CONFIRMED
