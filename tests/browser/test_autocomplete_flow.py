"""Autocomplete as a shopper's browser runs it: typing into the search box fills its <datalist>
from the suggest endpoint (static/js/suggest.js), and choosing a suggestion searches for it."""
import pytest
from playwright.sync_api import expect

from tests.factories import CategoryFactory, ProductFactory


@pytest.fixture
def shop(clean_stores):
    lighting = CategoryFactory(name="Lighting")
    for name in ["Brass desk lamp", "Brass bell", "Paper lamp"]:
        ProductFactory(name=name, category=lighting)


def suggestions(tab):
    return tab.page.locator("#search-suggestions option").evaluate_all("options => options.map(o => o.value)")


def choose(box, suggestion):
    """Pick a suggestion as a person does in the list the browser shows under the box: the box takes
    its value with the input event browsers fire for it (a headless browser draws no such list)."""
    box.evaluate("""(box, value) => { box.value = value;
        box.dispatchEvent(new InputEvent('input', {inputType: 'insertReplacementText', bubbles: true})) }""",
                 suggestion)


def test_typing_shows_suggestions_and_choosing_one_searches_for_it(phone, shop):
    page = phone.page
    phone.open("/")
    box = page.locator("main").get_by_label("Search products", exact=True)

    with page.expect_response(lambda response: "/suggest" in response.url) as answer:
        box.press_sequentially("bra", delay=40)  # key by key, as a person types

    assert answer.value.status == 200
    expect(page.locator("#search-suggestions option")).to_have_count(2)
    assert suggestions(phone) == ["Brass bell", "Brass desk lamp"]

    assert phone.path == "/", "typing asks for suggestions; it does not search"

    phone.arrive(lambda: choose(box, suggestions(phone)[1]))

    assert phone.path == "/?q=Brass+desk+lamp"
    expect(page.locator(".summary")).to_contain_text("1 result for “Brass desk lamp”")
    expect(page.locator(".products .name")).to_have_text(["Brass desk lamp"])


def test_a_single_letter_asks_for_nothing_and_the_list_stays_empty(phone, shop):
    page = phone.page
    phone.open("/")
    asked = []
    page.on("request", lambda request: asked.append(request.url) if "/suggest" in request.url else None)

    page.locator("main").get_by_label("Search products", exact=True).press_sequentially("b")
    page.wait_for_timeout(500)  # longer than the script's pause before it asks

    assert asked == []
    expect(page.locator("#search-suggestions option")).to_have_count(0)
