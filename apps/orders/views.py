"""The checkout page, "My orders", an order's page and its receipt link. Signed-in pages:
another shopper's order or receipt answers 404, as one that does not exist."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseBadRequest, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from apps.catalog.services import READ_SOURCE_HEADER
from apps.stores.exceptions import Unavailable
from apps.sync import consistency

from . import reading, receipts
from .cart import cart_for
from .checkout import CheckoutRefused, checkout
from .forms import CheckoutForm
from .models import Order
from .pages import CartView, answers_unavailable, visible_order
from .wording import payment_words, status_words

OUTCOME_MESSAGES = {
    Order.Status.CONFIRMED: (messages.SUCCESS, "Thank you: order {number} is confirmed."),
    Order.Status.PENDING: (messages.INFO, "Order {number} is being placed; this page shows how it goes."),
}


def _checkout_page(request, form, cart, errors=(), status=200):
    return render(request, "orders/checkout.html", {"form": form, "cart": cart, "errors": errors}, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@answers_unavailable
def checkout_page(request):
    """The lines, the total and the payment method; placing the order runs the checkout and
    shows the order. The hidden key makes the same page posted twice place one order."""
    cart = cart_for(request)
    if request.method != "POST":
        view = CartView(cart.lines())
        if not view.lines:
            messages.info(request, "Your cart is empty: add something first.")
            return redirect("orders:cart")
        return _checkout_page(request, CheckoutForm(), view)
    form = CheckoutForm(request.POST)
    if not form.is_valid():
        errors = [message for messages_ in form.errors.values() for message in messages_]
        return _checkout_page(request, CheckoutForm(), CartView(cart.lines()), errors, 400)
    try:
        order = checkout(request.user, cart, payment_method_code=form.cleaned_data["payment_method"],
                         key=form.cleaned_data["idempotency_key"])
    except CheckoutRefused as refusal:
        # Nothing was written: show the cart as it is now with what stands in the way (409:
        # the cart no longer agrees with the shop), and a fresh form to try again.
        return _checkout_page(request, CheckoutForm(), CartView(cart.lines()), refusal.messages, 409)
    level, text = OUTCOME_MESSAGES.get(order.status, (None, None))
    if level is not None:
        messages.add_message(request, level, text.format(number=order.number))
    return redirect("orders:order", pk=order.pk)


@login_required
@require_safe
def my_orders(request):
    """The shopper's orders, newest first, a page at a time ("Older orders" follows a cursor)."""
    try:
        source = consistency.read_source(request, reading.PROJECTION, default=consistency.READ_YOUR_WRITES)
    except consistency.InvalidConsistencyLevel as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")
    except consistency.ConsistencyNotAllowed as error:
        return HttpResponseForbidden(str(error), content_type="text/plain; charset=utf-8")
    cursor = request.GET.get("cursor") or None
    try:
        try:
            found = reading.my_orders(request.user.pk, cursor, source=source)
        except Unavailable:
            found = reading.my_orders(request.user.pk, cursor, source="home")  # the list from its home
    except ValidationError:
        return HttpResponseBadRequest("Not a cursor this list gave.", content_type="text/plain; charset=utf-8")
    response = render(request, "orders/order_list.html", {"page": found, "cursor": cursor})
    response[READ_SOURCE_HEADER] = found.source
    return response


@login_required
@require_safe
def order_page(request, pk):
    order = visible_order(request, pk)
    headline, explanation = status_words(order)
    return render(request, "orders/order_detail.html", {
        "order": order, "lines": list(order.lines.all()), "status_headline": headline,
        "status_explanation": explanation, "payment": payment_words(order),
    })


@login_required
@require_safe
def receipt(request, pk):
    """To the receipt through an expiring signed link, made for this request only (never cached)."""
    link = receipts.receipt_link(visible_order(request, pk))
    if link is None:
        raise Http404("This order has no receipt.")
    response = redirect(link)
    response["Cache-Control"] = "private, no-store"
    return response
