"""The forms of the cart and checkout pages: every value a shopper posts is bounded here,
before the cart or the checkout sees it."""
import uuid

from django import forms

from . import payments
from .checkout import KEY_PATTERN
from .models import MAX_LINE_QUANTITY

# The largest primary key the databases hold in an integer column: anything past it is no product.
MAX_PRODUCT_ID = 2**31 - 1


class ProductForm(forms.Form):
    """A product named by a cart button (remove it, say)."""

    product = forms.IntegerField(min_value=1, max_value=MAX_PRODUCT_ID, widget=forms.HiddenInput,
                                 error_messages={"invalid": "This product is not for sale."})


class LineForm(ProductForm):
    """A product and how many of it: "Add to cart" on a product page, "Update" on a cart line."""

    quantity = forms.IntegerField(
        min_value=1, max_value=MAX_LINE_QUANTITY, initial=1,
        error_messages={key: f"Choose a quantity from 1 to {MAX_LINE_QUANTITY}."
                        for key in ("invalid", "min_value", "max_value", "required")})


class CheckoutForm(forms.Form):
    """How the shopper pays, and the key that makes a double submit place one order."""

    payment_method = forms.ChoiceField(label="Payment", widget=forms.RadioSelect)
    idempotency_key = forms.RegexField(regex=KEY_PATTERN, widget=forms.HiddenInput, error_messages={
        "invalid": "This checkout page is out of date: check your order and place it again.",
        "required": "This checkout page is out of date: check your order and place it again."})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["payment_method"].choices = payments.choices()
        if not self.is_bound:
            # A new key each time the page is shown; the same page posted twice carries the same key.
            self.initial.setdefault("idempotency_key", uuid.uuid4().hex)
            self.initial.setdefault("payment_method", self.fields["payment_method"].choices[0][0])
