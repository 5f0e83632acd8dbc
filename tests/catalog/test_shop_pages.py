"""A shop a person would trust: its own 404 and 500 pages, a favicon, shopper words in the
footer, and a way back to the results a product was opened from."""
import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def test_a_missing_page_is_the_shops_own_with_a_search_box(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    body = response.content.decode()
    assert "We can’t find that page" in body and 'name="q"' in body and "Traceback" not in body


def test_a_server_error_is_the_shops_own_page(monkeypatch):
    from apps.catalog import views

    monkeypatch.setattr(views.services, "search_products", lambda *a, **k: 1 / 0)
    response = Client(raise_request_exception=False).get("/", {"q": "lamp"})

    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


def test_pages_carry_a_favicon_and_shopper_words_in_the_footer(client, clean_stores):
    body = client.get("/").content.decode()

    from django.contrib.staticfiles import finders

    assert 'rel="icon"' in body and "30-day returns" in body
    assert finders.find("favicon.svg")


@pytest.mark.django_db(transaction=True)
def test_a_product_opened_from_results_links_back_to_them(client, clean_stores):
    product = ProductFactory(name="Brass lamp")
    listing = client.get("/", {"q": "lamp", "page": "1"}, HTTP_CONSISTENCY_LEVEL="eventual").content.decode()
    assert "?back=/%3Fq%3Dlamp%26page%3D1" in listing

    detail = client.get(product.get_absolute_url(), {"back": "/?q=lamp&page=1"}).content.decode()
    elsewhere = client.get(product.get_absolute_url(), {"back": "https://evil.example.net/"}).content.decode()

    assert 'href="/?q=lamp&amp;page=1">← Back to results' in detail
    assert 'href="https://evil.example.net' not in elsewhere and "← All products" in elsewhere
    assert reverse("catalog:product-list") == "/"
