"""The shop's frame as a person sees it: the header holds on a 390 px phone on every
kind of page, signed out, signed in and as staff; the branded 404 page; an operator's
header at 1280 px."""
import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from tests.factories import ProductFactory

User = get_user_model()
PHONE_WIDTH = 390
PAGES = ["/", "/?q=lamp", "/accounts/login/", "/accounts/sign-up/", "/accounts/password_reset/",
         "/accounts/profile/", "/products/{slug}/"]


@pytest.fixture
def lamp(clean_stores):
    return ProductFactory(name="An adjustable reading lamp with a very long name indeed", price="49.00")


def holds_at_phone_width(tab):
    """No sideways scroll, and the header's links each on one line inside the screen."""
    assert tab.page_width() <= PHONE_WIDTH, f"{tab.path} is {tab.page_width()} px wide"
    assert tab.sticking_out() == [], f"{tab.path}: these stick out of their boxes"
    for item in tab.page.locator("header.site-header").locator("a, button").all():
        box = item.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE_WIDTH, f"{item.inner_text()!r} leaves the screen"
        assert box["height"] < 30, f"{item.inner_text()!r} wraps onto two lines"
    return True


@pytest.mark.parametrize("who", ["visitor", "shopper", "staff"])
def test_the_header_holds_at_390_px_on_every_page(phone, lamp, who):
    if who != "visitor":
        user = User.objects.create_user("alexandra.longname", "alexandra@example.com", "a-long-Passphrase-42",
                                        is_staff=who == "staff")
        phone.sign_in_as(user)

    for path in PAGES:
        if who == "visitor" and path == "/accounts/profile/":
            continue
        phone.open(path.format(slug=lamp.slug))
        assert holds_at_phone_width(phone)
    if who == "staff":
        expect(phone.page.locator("header.site-header").get_by_role("link", name="Admin")).to_be_visible()


def test_a_missing_page_is_the_shops_own_404_with_a_way_back(phone):
    page = phone.page
    phone.open("/no-such-page/", status=404)

    expect(page).to_have_title("Page not found · Polyglot Shop")
    expect(page.get_by_role("heading", level=1)).to_have_text("We can’t find that page")
    assert holds_at_phone_width(phone)
    page.locator("main").get_by_label("Search products", exact=True).fill("lamp")
    phone.follow(page.locator("main").get_by_role("button", name="Search"))
    assert phone.path == "/?q=lamp"


def test_a_missing_product_is_the_same_404(phone, clean_stores):
    phone.open("/products/no-such-product/", status=404)

    expect(phone.page.get_by_role("heading", level=1)).to_have_text("We can’t find that page")


def test_an_operator_signs_in_on_the_site_and_reaches_the_admin(operator, transactional_db):
    User.objects.create_user("olga", "olga@example.com", "a-long-Passphrase-42", is_staff=True, is_superuser=True)
    page = operator.page
    operator.open("/accounts/login/")
    page.get_by_label("Username").fill("olga")
    page.get_by_label("Password").fill("a-long-Passphrase-42")
    operator.follow(page.get_by_role("button", name="Sign in"))

    operator.follow(page.locator("header.site-header").get_by_role("link", name="Admin"))

    assert operator.path == "/admin/"
    expect(page.locator("#site-name")).to_have_text("Polyglot Shop operations")
    assert operator.page_width() <= 1280


def test_the_admin_pages_an_operator_uses_are_laid_out_at_1280_px(operator, lamp):
    operator.sign_in_as(get_user_model().objects.create_superuser("olga", "olga@example.com", "a-long-Passphrase-42"))

    for path in ["/admin/", "/admin/catalog/product/", f"/admin/catalog/product/{lamp.pk}/change/",
                 "/admin/catalog/product/add/", "/admin/users/user/"]:
        operator.open(path)

    assert operator.problems == []
