"""The cart: a signed-in shopper's lives in the document store (container ``carts``, one
partition per user); an anonymous visitor's lives in the session and merges into the
user's cart at sign-in.

    cart = cart_for(request)
    cart.add(product, 2)
    cart.set_quantity(product, 3)
    cart.remove(product)
    for line in cart.lines(): ...       # CartLine, joined with the product's current row

The cart keeps the price each product had when it was put in the cart, so the
checkout can tell the shopper that a price changed instead of charging another
one unseen. Quantities and prices are checked again at checkout.
"""
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.catalog.models import Product
from apps.stores import stores
from apps.stores.exceptions import Conflict, NotFound, PreconditionFailed

from .models import MAX_LINE_QUANTITY, MAX_LINES

CONTAINER = "carts"
SESSION_KEY = "orders.cart"
MAX_WRITE_ATTEMPTS = 5


def check_quantity(quantity):
    """A line's quantity: a whole number from 1 to MAX_LINE_QUANTITY, else ValidationError."""
    if isinstance(quantity, str) and quantity.strip().isdigit():
        quantity = int(quantity)
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= MAX_LINE_QUANTITY:
        raise ValidationError({"quantity": [f"Choose a quantity from 1 to {MAX_LINE_QUANTITY}."]}, code="quantity")
    return quantity


def buyable_product(product_id):
    """The active product with this id, else ValidationError (unknown, draft or archived)."""
    try:
        return Product.objects.active().get(pk=int(product_id))
    except (Product.DoesNotExist, TypeError, ValueError):
        raise ValidationError({"product": ["This product is not for sale."]}, code="unavailable") from None


@dataclass
class CartLine:
    """One line as the shopper sees it: the stored line joined with the product's current row."""

    product_id: str
    quantity: int
    cart_price: Decimal
    product: Product = None

    @property
    def available(self):
        return self.product is not None and self.product.status == Product.Status.ACTIVE

    @property
    def price(self):
        """The price the checkout would charge: the product's current one."""
        return self.product.price if self.product is not None else self.cart_price

    @property
    def price_changed(self):
        return self.product is not None and self.product.price != self.cart_price

    @property
    def subtotal(self):
        return self.price * self.quantity


class BaseCart:
    """The operations both carts share; subclasses read and write ``{"lines": [...]}``."""

    def _read(self):
        raise NotImplementedError

    def _write(self, change):
        """Apply ``change(lines) -> lines`` to the stored lines and store the result."""
        raise NotImplementedError

    def raw_lines(self):
        return list(self._read().get("lines", []))

    def lines(self):
        """The lines joined with their products' current rows (None for a product that is gone)."""
        raw = self.raw_lines()
        products = Product.objects.select_related("category").in_bulk(
            [int(line["product"]) for line in raw if str(line["product"]).isdigit()])
        return [CartLine(product_id=line["product"], quantity=line["quantity"], cart_price=Decimal(line["price"]),
                         product=products.get(int(line["product"]))) for line in raw]

    def count(self):
        return sum(line["quantity"] for line in self.raw_lines())

    def is_empty(self):
        return not self.raw_lines()

    def add(self, product_id, quantity=1):
        """Put ``quantity`` more of an active product in the cart (at its current price)."""
        quantity = check_quantity(quantity)
        product = buyable_product(product_id)

        def change(lines):
            for line in lines:
                if line["product"] == str(product.pk):
                    line["quantity"] = check_quantity(min(line["quantity"] + quantity, MAX_LINE_QUANTITY))
                    line["price"] = str(product.price)
                    return lines
            if len(lines) >= MAX_LINES:
                raise ValidationError(f"A cart holds at most {MAX_LINES} different products.", code="too_many")
            return [*lines, {"product": str(product.pk), "quantity": quantity, "price": str(product.price)}]

        self._write(change)
        return product

    def set_quantity(self, product_id, quantity):
        """Change a line's quantity; ValidationError if the product is not in the cart."""
        quantity = check_quantity(quantity)
        product_id = str(product_id)

        def change(lines):
            for line in lines:
                if line["product"] == product_id:
                    line["quantity"] = quantity
                    return lines
            raise ValidationError({"product": ["This product is not in your cart."]}, code="not_in_cart")

        self._write(change)

    def remove(self, product_id):
        product_id = str(product_id)
        self._write(lambda lines: [line for line in lines if line["product"] != product_id])

    def accept_prices(self):
        """Take the products' current prices into the cart (after the shopper saw them change)."""
        current = {str(pk): str(price) for pk, price in Product.objects.filter(
            pk__in=[int(line["product"]) for line in self.raw_lines()]).values_list("pk", "price")}

        def change(lines):
            for line in lines:
                line["price"] = current.get(line["product"], line["price"])
            return lines

        self._write(change)

    def clear(self):
        self._write(lambda lines: [])

    def merge(self, raw_lines):
        """Add lines from another cart (an anonymous visitor's), capping each quantity."""

        def change(lines):
            by_product = {line["product"]: line for line in lines}
            for incoming in raw_lines:
                mine = by_product.get(incoming["product"])
                if mine is not None:
                    mine["quantity"] = min(mine["quantity"] + incoming["quantity"], MAX_LINE_QUANTITY)
                elif len(by_product) < MAX_LINES:
                    by_product[incoming["product"]] = dict(incoming)
            return list(by_product.values())

        self._write(change)


class UserCart(BaseCart):
    """A signed-in shopper's cart: one document, written under its ETag."""

    def __init__(self, user_id):
        self.user_id = str(user_id)

    def _document(self):
        try:
            return stores["documents"].get(CONTAINER, self.user_id, self.user_id)
        except NotFound:
            return None

    def _read(self):
        return self._document() or {}

    def _write(self, change):
        store = stores["documents"]
        for _attempt in range(MAX_WRITE_ATTEMPTS):
            current = self._document()
            lines = change([dict(line) for line in (current or {}).get("lines", [])])
            document = {"id": self.user_id, "user": self.user_id, "lines": lines,
                        "updated_at": timezone.now().isoformat()}
            try:
                if current is None:
                    store.create(CONTAINER, document)
                else:
                    store.replace(CONTAINER, document, if_match=current["_etag"])
                return
            except (PreconditionFailed, Conflict, NotFound):
                continue  # another tab changed the cart between our read and write: read again
        raise PreconditionFailed("Your cart kept changing while we saved it; try again.")


class SessionCart(BaseCart):
    """An anonymous visitor's cart, in the session (Redis in services and azure)."""

    def __init__(self, session):
        self.session = session

    def _read(self):
        return {"lines": self.session.get(SESSION_KEY, [])}

    def _write(self, change):
        self.session[SESSION_KEY] = change([dict(line) for line in self.session.get(SESSION_KEY, [])])


def cart_for(request):
    if request.user.is_authenticated:
        return UserCart(request.user.pk)
    return SessionCart(request.session)


def merge_session_cart(sender, request, user, **kwargs):
    """At sign-in, the visitor's cart joins the user's (user_logged_in receiver)."""
    session = getattr(request, "session", None)
    if session is None or not session.get(SESSION_KEY):
        return
    UserCart(user.pk).merge(session.pop(SESSION_KEY))
