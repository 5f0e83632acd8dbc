"""Helpers for the orders tests: a shopper with a cart of stocked products."""
from django.contrib.auth import get_user_model
from django.core.files.storage import storages

from apps.catalog.stock import Stock, set_quantity
from apps.orders.cart import UserCart
from apps.orders.models import Order
from apps.stores import stores
from tests.factories import ProductFactory

KEY = "checkout-key-0001"


def shopper(name="ada"):
    return get_user_model().objects.create_user(name, password="pw-unused-123")


def stocked(quantity=5, **fields):
    product = ProductFactory(**fields)
    set_quantity(product, quantity)
    return product


def cart_with(user, *products_and_quantities):
    cart = UserCart(user.pk)
    for product, quantity in products_and_quantities:
        cart.add(product.pk, quantity)
    return cart


def stock_of(product):
    return Stock.objects.get(product=product).quantity


def stock_document(product):
    return stores["documents"].get("stock", str(product.pk), str(product.pk))


def holds(product):
    return {k: v for k, v in stock_document(product).items() if k.startswith("held_by_")}


def receipt_stored(order):
    return storages["receipts"].exists(f"receipts/{order.number}.html")


def state_of(order):
    """Everything a checkout leaves behind for an order, for one comparison."""
    order = Order.objects.get(pk=order.pk)
    return {"status": order.status, "payment": order.payment_state, "receipt": receipt_stored(order),
            "receipt_name": order.receipt_name}
