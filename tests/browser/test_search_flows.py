"""A shopper searching the catalogue in a browser: text, the category facet, price and
sort, opening a product and going back to the same results."""
import pytest
from playwright.sync_api import expect

from tests.factories import CategoryFactory, ProductFactory


@pytest.fixture
def shop(clean_stores):
    lighting, desks = CategoryFactory(name="Lighting"), CategoryFactory(name="Desks")
    for name, price in [("Brass lamp", "9.00"), ("Paper lamp", "30.00"), ("Arc lamp", "75.00"), ("Floor lamp", "120.00")]:
        ProductFactory(name=name, category=lighting, price=price)
    ProductFactory(name="Desk lamp", category=desks, price="60.00")
    ProductFactory(name="Oak desk", category=desks, price="300.00")
    return lighting, desks


def result_names(tab):
    return tab.page.locator(".products .name").all_inner_texts()


def test_search_then_narrow_by_category_price_and_sort(operator, shop):
    page = operator.page
    operator.open("/")

    page.locator("main").get_by_label("Search products", exact=True).fill("lamp")
    operator.follow(page.locator("main").get_by_role("button", name="Search"))
    expect(page.locator(".summary")).to_contain_text("5 results for “lamp”")

    operator.follow(page.locator(".filters").get_by_role("link", name="Lighting"))
    assert sorted(result_names(operator)) == ["Arc lamp", "Brass lamp", "Floor lamp", "Paper lamp"]

    page.get_by_label("Price").select_option("25-50")
    operator.follow(page.get_by_role("button", name="Apply"))
    assert result_names(operator) == ["Paper lamp"]

    page.get_by_label("Price").select_option("")
    page.get_by_label("Sort by").select_option("-price")
    operator.follow(page.get_by_role("button", name="Apply"))
    assert result_names(operator) == ["Floor lamp", "Arc lamp", "Paper lamp", "Brass lamp"]
    assert "q=lamp" in operator.path and "category=lighting" in operator.path
    expect(page.get_by_label("Sort by")).to_have_value("-price")


def test_a_product_opened_from_the_results_leads_back_to_the_same_search(phone, shop):
    page = phone.page
    search = "/?q=lamp&category=lighting&sort=price"
    phone.open(search)
    assert result_names(phone) == ["Brass lamp", "Paper lamp", "Arc lamp", "Floor lamp"]

    phone.follow(page.get_by_role("link", name="Arc lamp"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Arc lamp")
    phone.follow(page.get_by_role("link", name="Back to results"))

    assert phone.path == search
    assert result_names(phone) == ["Brass lamp", "Paper lamp", "Arc lamp", "Floor lamp"]
    expect(page.locator("main").get_by_label("Search products", exact=True)).to_have_value("lamp")


def test_a_category_page_shows_its_breadcrumbs(phone, shop):
    page = phone.page
    phone.open("/")

    phone.follow(page.locator(".filters").get_by_role("link", name="Desks"))

    assert phone.path == "/category/desks/"
    expect(page.get_by_role("navigation", name="Breadcrumbs")).to_contain_text("All products › Desks")
    assert sorted(result_names(phone)) == ["Desk lamp", "Oak desk"]


def test_the_next_page_keeps_the_search_and_its_sort(phone, clean_stores):
    lighting = CategoryFactory(name="Lighting")
    for n in range(14):
        ProductFactory(name=f"Lamp {n:02d}", category=lighting, price=f"{10 + n}.00")
    page = phone.page
    phone.open("/?q=lamp&sort=-price")
    assert result_names(phone)[0] == "Lamp 13"

    phone.follow(page.get_by_role("navigation", name="Pages").get_by_role("link", name="Next"))

    assert result_names(phone) == ["Lamp 01", "Lamp 00"]
    assert "q=lamp" in phone.path and "sort=-price" in phone.path and "page=2" in phone.path
    expect(page.get_by_role("navigation", name="Pages")).to_contain_text("Page 2 of 2")
