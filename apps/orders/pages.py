"""What the orders' pages share: the cart as the pages show it, the owner's (or staff's)
order or a 404, and a store that cannot be reached answered with a page, not a 500."""
from dataclasses import dataclass
from decimal import Decimal
from functools import wraps

from django.http import Http404
from django.shortcuts import render

from apps.stores.exceptions import Unavailable

from .models import Order


@dataclass
class CartView:
    """The cart's lines joined with their products, and what the shopper must know about them."""

    lines: list

    @property
    def total(self):
        return sum((line.subtotal for line in self.lines if line.available), Decimal("0.00"))

    @property
    def count(self):
        return sum(line.quantity for line in self.lines)

    @property
    def price_changes(self):
        return [line for line in self.lines if line.available and line.price_changed]

    @property
    def unavailable(self):
        return [line for line in self.lines if not line.available]

    @property
    def ready(self):
        """Nothing stands between this cart and a checkout but the stock."""
        return bool(self.lines) and not self.price_changes and not self.unavailable


def visible_order(request, pk):
    """The order with this id if the request's user owns it or is staff; 404 for anyone else,
    so another shopper cannot even learn that the order exists."""
    orders = Order.objects.select_related("user").prefetch_related("lines")
    if not request.user.is_staff:
        orders = orders.filter(user=request.user)
    try:
        return orders.get(pk=pk)
    except Order.DoesNotExist:
        raise Http404("No such order.") from None


def answers_unavailable(view):
    """A store the page needs (the carts' documents, say) that does not answer: a 503 page
    saying to try again, rather than a server error."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except Unavailable:
            return render(request, "orders/unavailable.html", status=503)

    return wrapped
