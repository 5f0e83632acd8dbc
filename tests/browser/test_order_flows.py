"""A shopper on a phone buys a lamp: "Add to cart" on its page, the cart, signing in on the
way to the checkout, placing the order (pay on delivery), the order's page, then the receipt
through its signed link. And the same pages at an operator's 1280 px."""
import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from apps.orders.models import Order
from tests.browser.steps import header, sign_in_through_the_form
from tests.browser.test_site_pages import holds_at_phone_width
from tests.orders.shop import stock_of, stocked

PASSWORD = "a-long-Passphrase-42"


@pytest.fixture
def lamp(clean_stores):
    return stocked(5, name="An adjustable brass reading lamp with a long name", price="49.00")


@pytest.fixture
def ada(transactional_db):
    return get_user_model().objects.create_user("ada", "ada@example.com", PASSWORD)


def header_holds(tab):
    """On a phone, the header (with the cart link and its count) stays within the screen."""
    if tab.label.startswith("phone"):
        assert holds_at_phone_width(tab)


def buy(tab, lamp, quantity):
    """From the product page to the order's page, signing in on the way; returns the order."""
    page = tab.page
    tab.open(lamp.get_absolute_url())
    page.get_by_label("Quantity").fill(str(quantity))
    tab.follow(page.get_by_role("button", name="Add to cart"))

    assert tab.path == "/orders/cart/"
    expect(page.locator(".messages")).to_contain_text(f"{lamp.name} is in your cart.")
    expect(header(tab).locator(".cart-link .count")).to_have_text(str(quantity))
    expect(page.locator(".cart-total")).to_contain_text(f"${49 * quantity}.00")
    header_holds(tab)  # with the cart's count in it

    tab.follow(page.get_by_role("link", name="Check out"))
    assert tab.path == "/accounts/login/?next=/orders/checkout/"
    sign_in_through_the_form(tab, "ada", PASSWORD)

    assert tab.path == "/orders/checkout/"
    expect(page.locator(".order-lines")).to_contain_text(lamp.name)
    expect(page.get_by_label("Pay on delivery")).to_be_checked()
    header_holds(tab)  # signed in, with the count
    tab.follow(page.get_by_role("button", name=f"Place order · ${49 * quantity}.00"))
    return Order.objects.get(user__username="ada")


def test_a_shopper_on_a_phone_adds_to_cart_checks_out_and_opens_the_receipt(phone, lamp, ada):
    page = phone.page

    order = buy(phone, lamp, 2)

    assert phone.path == f"/orders/{order.pk}/"
    expect(page.locator(".messages")).to_have_text(f"Thank you: order {order.number} is confirmed.")
    expect(page.locator(".order-status")).to_contain_text("Confirmed")
    expect(page.locator(".order-lines tfoot")).to_contain_text("$98.00")
    expect(header(phone).locator(".cart-link .count")).to_have_count(0)
    assert stock_of(lamp) == 3

    phone.follow(header(phone).get_by_role("link", name="Orders"))
    expect(page.locator(".order-list")).to_contain_text(order.number)
    phone.follow(page.get_by_role("link", name=order.number))
    phone.follow(page.get_by_role("link", name="Receipt"))

    assert phone.path.startswith("/files/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Polyglot Shop — receipt {order.number}")
    expect(page.locator("table")).to_contain_text(lamp.name)
    assert page.locator("td.num").last.evaluate("cell => getComputedStyle(cell).textAlign") == "right", \
        "the receipt's own style applies"


def test_the_cart_and_order_pages_at_an_operators_width(operator, lamp, ada):
    page = operator.page
    order = buy(operator, lamp, 1)

    operator.open("/orders/")
    operator.open(f"/orders/{order.pk}/")
    operator.open("/orders/cart/")

    expect(page.locator("main")).to_contain_text("Your cart is empty.")
    assert operator.page_width() <= 1280
