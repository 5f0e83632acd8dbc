"""The orders' pages as a shopper, another shopper and staff use them: "Add to cart" on a
product page, the cart (anonymous too), the checkout with its idempotency key, "My orders",
an order's page and its receipt link. Bad input is a message or a 4xx, never a 500; another
shopper's order or receipt is a 404.

The same tests run against PostgreSQL, Redis, cosmosdb-server and Azurite in
test_order_pages_services.py.
"""
import re
import urllib.request

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from apps.catalog.models import Product
from apps.orders.cart import UserCart
from apps.orders.models import Order
from apps.stores import stores
from apps.stores.exceptions import Unavailable
from tests.catalog.document_records import deliver_pending
from tests.orders.shop import cart_with, stock_of, stocked

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-long-Passphrase-42"
CART, CHECKOUT, MINE = "/orders/cart/", "/orders/checkout/", "/orders/"


@pytest.fixture
def ada(clean_stores):
    return get_user_model().objects.create_user("ada", "ada@example.com", PASSWORD)


@pytest.fixture
def bob(clean_stores):
    return get_user_model().objects.create_user("bob", "bob@example.com", PASSWORD)


@pytest.fixture
def staff(clean_stores):
    return get_user_model().objects.create_user("olga", "olga@example.com", PASSWORD, is_staff=True)


@pytest.fixture
def lamp(clean_stores):
    return stocked(5, name="Brass lamp", price="20.00")


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def add(client, product, quantity=1):
    return client.post(reverse("orders:add"), {"product": product.pk if hasattr(product, "pk") else product,
                                               "quantity": quantity})


def text(response):
    return response.content.decode()


def checkout_key(page):
    return re.search(r'name="idempotency_key" value="([0-9a-f]+)"', text(page)).group(1)


def place_order(client, payment="on_delivery"):
    key = checkout_key(client.get(CHECKOUT))
    return client.post(CHECKOUT, {"payment_method": payment, "idempotency_key": key})


def order_of(user):
    return Order.objects.get(user=user)


# -- the product page and the cart ---------------------------------------------------------------------
def test_the_product_page_offers_add_to_cart_and_the_header_counts_the_items(client, lamp):
    page = client.get(lamp.get_absolute_url())
    assert f'action="{reverse("orders:add")}"' in text(page) and 'name="quantity"' in text(page)
    assert '<a class="cart-link" href="/orders/cart/">Cart</a>' in text(page)

    added = add(client, lamp, 2)

    assert (added.status_code, added["Location"]) == (302, CART)
    cart_page = client.get(CART)
    assert "Brass lamp is in your cart." in text(cart_page)
    assert 'aria-label="Cart, 2 items">Cart <span class="count">2</span>' in text(cart_page)
    assert "$20.00 each" in text(cart_page) and "$40.00" in text(cart_page)


def test_an_out_of_stock_product_says_so_instead_of_a_form(client, clean_stores):
    gone = stocked(0, name="Sold-out lamp")

    page = text(client.get(gone.get_absolute_url()))

    assert "Out of stock: it cannot be added to your cart for now." in page
    assert 'class="add-to-cart"' not in page


@pytest.mark.parametrize("quantity", ["0", "-1", str(10**9), "abc", ""])
def test_a_bad_quantity_goes_back_to_the_product_saying_why(client, lamp, quantity):
    answer = add(client, lamp, quantity)

    assert (answer.status_code, answer["Location"]) == (302, lamp.get_absolute_url())
    assert "Choose a quantity from 1 to 99." in text(client.get(answer["Location"]))
    assert "Your cart is empty." in text(client.get(CART))


@pytest.mark.parametrize("product", ["999999", "abc", str(10**30), "", "-3"])
def test_an_unknown_product_is_a_404_and_nothing_is_added(client, lamp, product):
    assert add(client, product).status_code == 404
    assert "Your cart is empty." in text(client.get(CART))


@pytest.mark.parametrize("status", [Product.Status.DRAFT, Product.Status.ARCHIVED])
def test_a_product_not_on_sale_cannot_be_added(client, clean_stores, status):
    draft = stocked(5, status=status)

    assert add(client, draft).status_code == 404
    assert "Your cart is empty." in text(client.get(CART))


def test_a_line_is_updated_and_removed_from_the_cart(ada, lamp):
    client = signed_in(ada)
    add(client, lamp, 1)

    updated = client.post(reverse("orders:update"), {"product": lamp.pk, "quantity": "3"})
    assert updated.status_code == 302 and [line.quantity for line in UserCart(ada.pk).lines()] == [3]
    assert "$60.00" in text(client.get(CART))

    removed = client.post(reverse("orders:remove"), {"product": lamp.pk})
    assert removed.status_code == 302 and UserCart(ada.pk).is_empty()
    empty = text(client.get(CART))
    assert "Your cart is empty." in empty and f'href="{reverse("catalog:product-list")}">Browse the shop' in empty


@pytest.mark.parametrize("data, message", [
    ({"quantity": "0"}, "Choose a quantity from 1 to 99."),
    ({"quantity": "100"}, "Choose a quantity from 1 to 99."),
    ({"quantity": "abc"}, "Choose a quantity from 1 to 99."),
    ({"quantity": "2", "product": "424242"}, "This product is not in your cart."),
    ({"quantity": "2", "product": "abc"}, "This product is not for sale."),
])
def test_a_bad_update_shows_the_cart_with_the_error(client, lamp, data, message):
    add(client, lamp, 2)

    answer = client.post(reverse("orders:update"), {"product": lamp.pk, **data})

    assert answer.status_code == 400
    assert message in text(answer)
    assert "$40.00" in text(answer), "the cart is unchanged"


def test_a_changed_price_is_shown_and_the_shopper_accepts_it(client, lamp):
    add(client, lamp, 2)
    Product.objects.filter(pk=lamp.pk).update(price="25.00")

    page = text(client.get(CART))
    assert "Prices changed since you added this item" in page and "Brass lamp: was $20.00, now $25.00" in page
    assert "Accept the new prices" in page and CHECKOUT not in page

    client.post(reverse("orders:accept-prices"))

    page = text(client.get(CART))
    assert "Prices changed" not in page and "$50.00" in page and f'href="{CHECKOUT}"' in page


def test_a_line_no_longer_for_sale_is_marked_and_blocks_the_checkout(client, lamp):
    add(client, lamp, 1)
    Product.objects.filter(pk=lamp.pk).update(status=Product.Status.ARCHIVED)

    page = text(client.get(CART))

    assert "No longer for sale" in page and 'class="cart-line gone"' in page
    assert f'href="{CHECKOUT}"' not in page
    assert "Total <strong>$0.00</strong>" in page


def test_every_cart_form_needs_its_csrf_token(lamp):
    client = Client(enforce_csrf_checks=True)

    for name in ("orders:add", "orders:update", "orders:remove", "orders:accept-prices", "orders:checkout"):
        assert client.post(reverse(name), {"product": lamp.pk, "quantity": 1}).status_code == 403, name


def test_the_visitors_cart_joins_the_account_at_sign_in_through_the_sign_in_page(client, ada, lamp):
    add(client, lamp, 2)
    to_checkout = client.get(CHECKOUT)
    assert to_checkout["Location"] == f"{reverse('login')}?next={CHECKOUT}"

    signed = client.post(reverse("login"), {"username": "ada", "password": PASSWORD, "next": CHECKOUT})

    assert signed["Location"] == CHECKOUT
    assert [(line.product_id, line.quantity) for line in UserCart(ada.pk).lines()] == [(str(lamp.pk), 2)]
    page = text(client.get(CHECKOUT))
    assert "Brass lamp" in page and "$40.00" in page


# -- checkout --------------------------------------------------------------------------------------------
def test_the_checkout_page_shows_lines_total_payment_and_a_fresh_key(ada, lamp):
    client = signed_in(ada)
    add(client, lamp, 2)

    first, second = client.get(CHECKOUT), client.get(CHECKOUT)

    page = text(first)
    assert "Brass lamp" in page and "$40.00" in page
    assert 'type="radio" name="payment_method" value="on_delivery"' in page
    assert re.fullmatch(r"[0-9a-f]{32}", checkout_key(first))
    assert checkout_key(first) != checkout_key(second)


def test_an_empty_cart_at_checkout_goes_back_to_the_cart(ada):
    answer = signed_in(ada).get(CHECKOUT, follow=True)

    assert answer.redirect_chain == [(CART, 302)]
    assert "Your cart is empty" in text(answer)


def test_placing_the_order_confirms_it_and_shows_it(ada, lamp):
    client = signed_in(ada)
    add(client, lamp, 2)

    placed = place_order(client)

    order = order_of(ada)
    assert placed.status_code == 302 and placed["Location"] == reverse("orders:order", args=[order.pk])
    page = text(client.get(placed["Location"]))
    assert f"Thank you: order {order.number} is confirmed." in page
    assert "Confirmed" in page and "Brass lamp" in page and "$40.00" in page
    assert "Pay on delivery: you pay the courier $40.00" in page
    assert f'href="{reverse("orders:receipt", args=[order.pk])}"' in page
    assert stock_of(lamp) == 3 and UserCart(ada.pk).is_empty()
    assert 'aria-label="Cart' not in page, "the header's count is gone with the cart"


def test_the_same_checkout_page_posted_twice_places_one_order(ada, lamp):
    client = signed_in(ada)
    add(client, lamp, 1)
    form = {"payment_method": "on_delivery", "idempotency_key": checkout_key(client.get(CHECKOUT))}

    first, second = client.post(CHECKOUT, form), client.post(CHECKOUT, form)

    assert Order.objects.count() == 1
    assert first["Location"] == second["Location"] == reverse("orders:order", args=[order_of(ada).pk])
    assert stock_of(lamp) == 4


@pytest.mark.parametrize("form, message", [
    ({"payment_method": "bitcoin", "idempotency_key": "a" * 32}, "Select a valid choice"),
    ({"payment_method": "on_delivery"}, "This checkout page is out of date"),
    ({"payment_method": "on_delivery", "idempotency_key": "no spaces allowed"}, "This checkout page is out of date"),
    ({"payment_method": "on_delivery", "idempotency_key": "k" * 65}, "This checkout page is out of date"),
])
def test_a_bad_checkout_form_is_a_400_and_places_nothing(ada, lamp, form, message):
    client = signed_in(ada)
    add(client, lamp, 1)

    answer = client.post(CHECKOUT, form)

    assert answer.status_code == 400 and message in text(answer)
    assert Order.objects.count() == 0 and stock_of(lamp) == 5


def test_a_refused_checkout_shows_why_on_the_page_and_places_nothing(ada, lamp):
    client = signed_in(ada)
    add(client, lamp, 2)
    key = checkout_key(client.get(CHECKOUT))
    Product.objects.filter(pk=lamp.pk).update(price="30.00")

    answer = client.post(CHECKOUT, {"payment_method": "on_delivery", "idempotency_key": key})

    assert answer.status_code == 409
    assert "We could not place your order" in text(answer)
    assert "The price of Brass lamp changed from $20.00 to $30.00" in text(answer)
    assert Order.objects.count() == 0 and stock_of(lamp) == 5


def test_too_little_stock_is_refused_with_the_count_left(ada, lamp):
    client = signed_in(ada)
    add(client, lamp, 7)

    answer = place_order(client)

    assert answer.status_code == 409 and "Only 5 of Brass lamp left in stock" in text(answer)
    assert Order.objects.count() == 0


def test_a_declined_payment_shows_the_order_as_not_placed_with_the_reason(ada, lamp, settings):
    settings.ORDERS_PAYMENT_METHODS = ["apps.orders.payments.TestPayment"]
    settings.ORDERS_TEST_PAYMENT_OUTCOME = "decline"
    client = signed_in(ada)
    add(client, lamp, 1)

    page = text(client.get(place_order(client, payment="test")["Location"]))

    assert order_of(ada).status == Order.Status.FAILED
    assert "Not placed" in page and "The test payment was declined." in page
    assert "Receipt" not in page and stock_of(lamp) == 5


def test_checkout_needs_a_signed_in_shopper(client, lamp):
    add(client, lamp, 1)

    answer = client.post(CHECKOUT, {"payment_method": "on_delivery", "idempotency_key": "a" * 32})

    assert answer.status_code == 302 and answer["Location"].startswith(f"{reverse('login')}?next=")
    assert Order.objects.count() == 0


# -- my orders, an order, its receipt --------------------------------------------------------------------
def ordered(user, product, quantity=1, key="key-0000000001"):
    from apps.orders.checkout import checkout

    return checkout(user, cart_with(user, (product, quantity)), key=key)


def test_my_orders_starts_empty_and_lists_newest_first_a_page_at_a_time(ada, lamp, settings):
    settings.ORDERS_PER_PAGE = 2
    client = signed_in(ada)
    empty = text(client.get(MINE))
    assert "You have not ordered anything yet." in empty

    orders = [ordered(ada, lamp, key=f"key-{n:010d}") for n in range(3)]
    deliver_pending()

    first = client.get(MINE)
    assert [o.number for o in first.context["page"].orders] == [orders[2].number, orders[1].number]
    older = re.search(r'href="\?cursor=(\d+)">Older orders', text(first)).group(1)
    second = client.get(MINE, {"cursor": older})
    assert [o.number for o in second.context["page"].orders] == [orders[0].number]
    assert "Older orders" not in text(second) and "Confirmed" in text(second)


@pytest.mark.parametrize("cursor", ["abc", "-1", "9" * 40])
def test_a_bad_cursor_is_a_400(ada, cursor):
    assert signed_in(ada).get(MINE, {"cursor": cursor}).status_code == 400


def test_a_bad_consistency_level_is_a_400(ada):
    assert signed_in(ada).get(MINE, HTTP_CONSISTENCY_LEVEL="whenever").status_code == 400


def test_my_orders_lists_only_mine(ada, bob, lamp):
    mine = ordered(ada, lamp)
    deliver_pending()

    assert mine.number not in text(signed_in(bob).get(MINE))
    assert mine.number in text(signed_in(ada).get(MINE))


@pytest.mark.parametrize("status, headline, explanation", [
    (Order.Status.PENDING, "Being placed", "We are reserving your items"),
    (Order.Status.CANCELLED, "Cancelled", "This order was cancelled"),
    (Order.Status.COMPENSATION_FAILED, "On hold", "We could not complete your order and are looking into it."),
])
def test_an_orders_status_is_in_the_shoppers_words(ada, lamp, status, headline, explanation):
    order = ordered(ada, lamp)
    Order.objects.filter(pk=order.pk).update(
        status=status, failure_reason="We could not complete your order and are looking into it.")

    page = text(signed_in(ada).get(reverse("orders:order", args=[order.pk])))

    assert f"<strong>{headline}</strong> · {explanation}" in page


def test_pages_of_orders_need_a_signed_in_shopper(client, ada, lamp):
    order = ordered(ada, lamp)

    for path in (MINE, reverse("orders:order", args=[order.pk]), reverse("orders:receipt", args=[order.pk])):
        answer = client.get(path)
        assert answer.status_code == 302 and answer["Location"].startswith(f"{reverse('login')}?next="), path


def test_an_order_that_does_not_exist_is_a_404(ada):
    client = signed_in(ada)
    assert client.get("/orders/424242/").status_code == 404
    assert client.get(f"/orders/{10**30}/").status_code == 404
    assert client.get(f"/orders/{10**30}/receipt/").status_code == 404


def fetch(client, link):
    """A receipt link: /files/… on this site (embedded) or a SAS link to Blob Storage (services)."""
    if link.startswith("/"):
        answer = client.get(link)
        return answer.status_code, b"".join(answer.streaming_content).decode()
    with urllib.request.urlopen(link, timeout=10) as answer:
        return answer.status, answer.read().decode()


@pytest.mark.parametrize("who", ["owner", "staff"])
def test_the_owner_and_staff_see_the_order_and_reach_its_receipt(ada, staff, lamp, who):
    order = ordered(ada, lamp)
    client = signed_in({"owner": ada, "staff": staff}[who])

    page = client.get(reverse("orders:order", args=[order.pk]))
    to_receipt = client.get(reverse("orders:receipt", args=[order.pk]))

    assert page.status_code == 200 and order.number in text(page) and "Brass lamp" in text(page)
    assert to_receipt.status_code == 302 and to_receipt["Cache-Control"] == "private, no-store"
    code, receipt = fetch(client, to_receipt["Location"])
    assert code == 200 and f"<title>Receipt {order.number}" in receipt and "Brass lamp" in receipt


def test_another_shoppers_order_and_receipt_are_404s(ada, bob, lamp):
    order = ordered(ada, lamp)
    client = signed_in(bob)

    assert client.get(reverse("orders:order", args=[order.pk])).status_code == 404
    assert client.get(reverse("orders:receipt", args=[order.pk])).status_code == 404


def test_an_order_without_a_receipt_has_no_receipt_link(ada, lamp, settings):
    settings.ORDERS_PAYMENT_METHODS = ["apps.orders.payments.TestPayment"]
    settings.ORDERS_TEST_PAYMENT_OUTCOME = "decline"
    order = ordered(ada, lamp)

    assert order.status == Order.Status.FAILED
    assert signed_in(ada).get(reverse("orders:receipt", args=[order.pk])).status_code == 404


# -- a store that does not answer ----------------------------------------------------------------------------
def _down(*args, **kwargs):
    raise Unavailable("the document store did not answer (injected)")


def test_a_cart_whose_store_is_down_is_a_503_page_with_the_header_still_there(ada, lamp, monkeypatch):
    client = signed_in(ada)
    add(client, lamp, 1)
    monkeypatch.setattr(stores["documents"], "get", _down)

    page, adding = client.get(CART), add(client, lamp, 1)

    assert page.status_code == adding.status_code == 503
    assert "Try again in a moment" in text(page)
    assert '<a class="cart-link" href="/orders/cart/">Cart</a>' in text(page), "the header, without a count"


def test_my_orders_reads_sql_when_the_order_documents_are_down(ada, lamp, monkeypatch):
    order = ordered(ada, lamp)
    monkeypatch.setattr(stores["documents"], "query", _down)

    answer = signed_in(ada).get(MINE)

    assert answer.status_code == 200 and order.number in text(answer)
    assert answer["X-Read-Source"] == "home"
