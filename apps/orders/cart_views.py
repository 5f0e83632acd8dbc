"""The cart pages: "Add to cart" from a product page, the cart with its quantities, removals
and price notices. Plain forms (POST, then a redirect); anonymous visitors have a cart too,
in their session, which joins their account's cart when they sign in."""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from .cart import buyable_product, cart_for
from .forms import LineForm, ProductForm
from .pages import CartView, answers_unavailable


def _errors(form_or_error):
    if isinstance(form_or_error, ValidationError):
        return form_or_error.messages
    return [message for errors in form_or_error.errors.values() for message in errors]


def _cart_page(request, errors=(), status=200):
    for message in errors:
        messages.error(request, message)
    return render(request, "orders/cart.html", {"cart": CartView(cart_for(request).lines())}, status=status)


@require_safe
@answers_unavailable
def cart_page(request):
    return _cart_page(request)


@require_POST
@answers_unavailable
def add_to_cart(request):
    """Put a quantity of an active product in the cart, then show the cart. An unknown or
    unsold product is a 404; a bad quantity goes back to the product page, saying why."""
    form = LineForm(request.POST)
    if "product" in form.errors:
        raise Http404("This product is not for sale.")
    try:
        product = buyable_product(form.cleaned_data["product"])
    except ValidationError:
        raise Http404("This product is not for sale.") from None
    if not form.is_valid():
        for message in _errors(form):
            messages.error(request, message)
        return redirect(product.get_absolute_url())
    try:
        cart_for(request).add(product.pk, form.cleaned_data["quantity"])
    except ValidationError as error:  # a cart already holding as many products as it may
        for message in error.messages:
            messages.error(request, message)
        return redirect(product.get_absolute_url())
    messages.success(request, f"{product.name} is in your cart.")
    return redirect("orders:cart")


def _change_line(request, form, change):
    """Apply ``change(cart, cleaned_data)`` and show the cart; a bad form or a change the cart
    refuses shows the cart as it was, with the error (400)."""
    if not form.is_valid():
        return _cart_page(request, _errors(form), status=400)
    try:
        change(cart_for(request), form.cleaned_data)
    except ValidationError as error:
        return _cart_page(request, _errors(error), status=400)
    return redirect("orders:cart")


@require_POST
@answers_unavailable
def update_line(request):
    return _change_line(request, LineForm(request.POST),
                        lambda cart, line: cart.set_quantity(line["product"], line["quantity"]))


@require_POST
@answers_unavailable
def remove_line(request):
    return _change_line(request, ProductForm(request.POST), lambda cart, line: cart.remove(line["product"]))


@require_POST
@answers_unavailable
def accept_prices(request):
    """The shopper saw the new prices and takes them."""
    cart_for(request).accept_prices()
    messages.success(request, "Your cart has the current prices.")
    return redirect("orders:cart")
