"""The product page read across stores: every part when every store answers, 200 and a
notice when one is down, a circuit breaker that skips a failing store and closes again,
and a cached reading that an edit replaces on the next view.

A store is made unavailable for real: the document store's file path is a folder,
which SQLite cannot open, until the folder is removed."""
import time

import pytest
from django.urls import reverse

from apps.catalog.models import Product
from apps.catalog.page import BOUGHT_LABEL, PRODUCT_VERTEX
from apps.catalog.services import save_product
from apps.stores.signals import store_operation
from tests.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db(transaction=True)

NOTICE = "Part of this page is missing right now"


@pytest.fixture
def documents_down(clean_stores, settings, tmp_path):
    """The document store points at a folder: every call is Unavailable until the folder goes."""
    broken = tmp_path / "documents-down"
    broken.mkdir()
    settings.POLYGLOT_BREAKERS = {"FAILURE_THRESHOLD": 2, "RESET_SECONDS": 0.5}
    settings.POLYGLOT_STORES = {
        **settings.POLYGLOT_STORES,
        "documents": {"BACKEND": "apps.stores.documents.sqlite.SQLiteDocumentStore",
                      "OPTIONS": {"path": str(broken)}},
    }
    return broken


@pytest.fixture
def document_calls():
    """The calls made to the document store, as its metrics signal reports them."""
    calls = []

    def count(sender, alias, operation, **kwargs):
        if alias == "documents" and operation != "ping":  # /health/ready's probe is not the page's
            calls.append(operation)

    store_operation.connect(count, weak=False)
    yield calls
    store_operation.disconnect(count)


@pytest.fixture
def product_document_calls():
    """The calls made to the product documents' container only (not stock or reviews)."""
    calls = []

    def count(sender, alias, operation, target=None, **kwargs):
        if alias == "documents" and target == "products":
            calls.append(operation)

    store_operation.connect(count, weak=False)
    yield calls
    store_operation.disconnect(count)


def open_page(client, product):
    response = client.get(reverse("catalog:product-detail", kwargs={"slug": product.slug}))
    assert response.status_code == 200
    return response.content.decode()


def ready(client):
    return client.get(reverse("health:ready")).json()


def test_the_page_shows_a_part_from_every_store(client, clean_stores):
    lamps = CategoryFactory(name="Lamps")
    lamp = ProductFactory(name="Brass desk lamp", category=lamps, price="40.00")
    ProductFactory(name="Oak floor lamp", category=lamps, price="60.00")
    ProductFactory(name="Cast iron pan", price="45.00")  # another category: not similar
    ProductFactory(name="Linen shade", category=lamps, price="12.00")  # other category price: not similar either
    bulb = ProductFactory(name="Warm bulb")
    documents, graph = clean_stores["documents"], clean_stores["graph"]
    document = documents.get("products", str(lamp.pk), partition_key="lamps")
    documents.upsert("products", {**document, "attributes": {"finish": "brushed brass", "height_cm": 45}})
    for user in ("user:1", "user:2"):
        graph.upsert_vertex(user, "user")
        for product in (lamp, bulb):
            graph.upsert_vertex(PRODUCT_VERTEX.format(product.pk), "product")
            graph.upsert_edge(user, BOUGHT_LABEL, PRODUCT_VERTEX.format(product.pk))

    body = open_page(client, lamp)

    assert NOTICE not in body
    assert "brushed brass" in body, "the attributes, from the product document"
    similar = body.split("Similar products", 1)[1].split("</section>", 1)[0]
    assert "Oak floor lamp" in similar and "Cast iron pan" not in similar and "Linen shade" not in similar
    also_bought = body.split("Customers also bought", 1)[1].split("</section>", 1)[0]
    assert "Warm bulb" in also_bought


def test_with_nothing_bought_yet_the_page_shows_no_also_bought(client, clean_stores):
    lamp = ProductFactory(name="Brass desk lamp")

    body = open_page(client, lamp)

    assert "Customers also bought" not in body and NOTICE not in body


def test_with_the_document_store_down_the_page_answers_200_and_says_what_is_missing(client, documents_down):
    lamp = ProductFactory(name="Brass desk lamp", price="40.00")

    body = open_page(client, lamp)

    assert NOTICE in body and "Specifications, Availability, Reviews could not be loaded" in body
    assert "Brass desk lamp" in body and "$40.00" in body, "the core, from SQL"


def test_the_breaker_opens_after_repeated_failures_skips_the_store_then_closes_after_a_good_trial(
    client, documents_down, document_calls
):
    lamp = ProductFactory(name="Brass desk lamp")
    document_calls.clear()

    # The page's three document parts (specifications, stock, reviews) fail at once:
    # more than FAILURE_THRESHOLD (2) failures in a row.
    assert NOTICE in open_page(client, lamp)
    failed_calls = len(document_calls)
    assert failed_calls == 3
    health = ready(client)
    assert health["status"] == "degraded"
    assert health["circuits"]["documents"]["state"] == "open"
    assert health["circuits"]["search"]["state"] == "closed"

    body = open_page(client, lamp)
    assert NOTICE in body
    assert len(document_calls) == failed_calls, "skipped while open: the store was not called"

    documents_down.rmdir()  # the store can open its file again
    time.sleep(0.6)  # RESET_SECONDS
    assert ready(client)["circuits"]["documents"]["state"] == "half-open"
    open_page(client, lamp)
    assert len(document_calls) == failed_calls + 1, "one trial call; the page's other document parts wait"
    health = ready(client)
    assert health["circuits"]["documents"] == {"state": "closed", "failures": 0}
    assert not [p for p in health["problems"] if "circuit" in p], "the failed projection delivery still shows"

    assert NOTICE not in open_page(client, lamp), "closed again: every part is read"


def test_a_failed_trial_opens_the_breaker_again(client, documents_down, document_calls):
    lamp = ProductFactory(name="Brass desk lamp")
    open_page(client, lamp)
    time.sleep(0.6)
    document_calls.clear()

    assert NOTICE in open_page(client, lamp)
    assert NOTICE in open_page(client, lamp)

    assert len(document_calls) == 1, "the trial failed; the next view skipped the store"
    assert ready(client)["circuits"]["documents"]["state"] == "open"


def test_a_whole_reading_is_cached_and_an_edit_shows_on_the_next_view(client, clean_stores, product_document_calls):
    lamp = ProductFactory(name="Brass desk lamp", description="Warm light.")
    open_page(client, lamp)
    product_document_calls.clear()

    assert "Warm light." in open_page(client, lamp)
    assert product_document_calls == [], "the second view read the cache, not the product document"

    lamp.description = "Bright light."
    save_product(lamp)
    product_document_calls.clear()
    body = open_page(client, lamp)

    assert "Bright light." in body and "Warm light." not in body
    assert product_document_calls == ["get"], "the edit made a new reading"


def test_stock_and_reviews_are_read_on_every_view_beside_the_cached_reading(client, clean_stores, document_calls):
    from apps.catalog.stock import set_quantity

    lamp = ProductFactory(name="Brass desk lamp")
    set_quantity(lamp, 2)
    assert "Only 2 left in stock" in open_page(client, lamp)

    set_quantity(lamp, 0)  # the product's version stays: its cached reading is still good

    assert "Out of stock" in open_page(client, lamp)


def test_a_reading_with_a_part_missing_is_not_cached(client, documents_down, product_document_calls):
    lamp = ProductFactory(name="Brass desk lamp")
    open_page(client, lamp)
    documents_down.rmdir()
    time.sleep(0.6)  # RESET_SECONDS: the breaker lets a trial through
    open_page(client, lamp)  # the trial closes the breaker
    product_document_calls.clear()

    body = open_page(client, lamp)

    assert NOTICE not in body
    assert product_document_calls == ["get"], "nothing was cached while a part was missing"


def test_drafts_have_no_page(client, clean_stores):
    draft = ProductFactory(status=Product.Status.DRAFT)

    response = client.get(reverse("catalog:product-detail", kwargs={"slug": draft.slug}))

    assert response.status_code == 404
