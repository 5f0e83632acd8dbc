"""The search page: facets, price ranges, sorts, category pages with breadcrumbs, paging
that keeps the query and the filters, and Product.search for domain code."""
import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from apps.catalog.models import Product
from tests.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def shop(clean_stores):
    lighting, desks = CategoryFactory(name="Lighting"), CategoryFactory(name="Desks")
    for n, price in enumerate(["9.00", "30.00", "75.00", "120.00"]):
        ProductFactory(name=f"Lamp {n}", category=lighting, price=price)
    ProductFactory(name="Lamp desk", category=desks, price="60.00")
    return lighting, desks


def names(response):
    return [p.name for p in response.context["page_obj"].object_list]


def test_product_search_reads_like_a_queryset(shop):
    search = Product.search.query("lamp").filter(category="lighting", price__gte=20).facets("category")

    assert sorted(p.name for p in search[0:20]) == ["Lamp 1", "Lamp 2", "Lamp 3"]
    assert search.count() == 3
    assert search.facet_counts()["category"] == [{"value": "lighting", "count": 3}]
    assert [p.name for p in search.order_by("-price")[0:20]] == ["Lamp 3", "Lamp 2", "Lamp 1"]


def test_the_page_counts_matches_per_category_and_filters_by_one(client, shop):
    everything = client.get("/", {"q": "lamp"}, HTTP_CONSISTENCY_LEVEL="eventual")
    lighting_only = client.get("/", {"q": "lamp", "category": "lighting"}, HTTP_CONSISTENCY_LEVEL="eventual")

    assert ("lighting", "Lighting", 4) in everything.context["category_counts"]
    assert ("desks", "Desks", 1) in everything.context["category_counts"]
    assert sorted(names(lighting_only)) == ["Lamp 0", "Lamp 1", "Lamp 2", "Lamp 3"]


def test_price_ranges_and_sorts(client, shop):
    mid = client.get("/", {"q": "lamp", "price": "50-100", "sort": "price"}, HTTP_CONSISTENCY_LEVEL="eventual")
    dearest = client.get("/", {"q": "lamp", "sort": "-price"}, HTTP_CONSISTENCY_LEVEL="eventual")
    newest = client.get("/", {"q": "lamp", "sort": "newest"}, HTTP_CONSISTENCY_LEVEL="eventual")

    assert names(mid) == ["Lamp desk", "Lamp 2"]
    assert names(dearest)[0] == "Lamp 3"
    assert names(newest)[0] == "Lamp desk"


def test_a_category_page_has_breadcrumbs_and_only_its_products(client, shop):
    response = client.get(reverse("catalog:category", args=["desks"]))

    assert response.status_code == 200
    assert 'aria-label="Breadcrumbs"' in response.content.decode()
    assert names(response) == ["Lamp desk"]
    assert client.get(reverse("catalog:category", args=["nothing-here"])).status_code == 404


def test_paging_keeps_the_query_and_the_filters(client, clean_stores):
    lighting = CategoryFactory(name="Lighting")
    for n in range(15):
        ProductFactory(name=f"Lamp {n}", category=lighting)

    first = client.get("/", {"q": "lamp", "category": "lighting", "sort": "price"}, HTTP_CONSISTENCY_LEVEL="eventual")

    body = first.content.decode()
    assert "page=2" in body and "q=lamp" in body and "category=lighting" in body and "sort=price" in body


@pytest.mark.parametrize("params", [{"sort": "cheapest"}, {"price": "free"}, {"category": "not a slug!"}])
def test_unknown_filters_are_a_form_error_not_everything(client, shop, params):
    response = client.get("/", params)

    assert response.status_code == 200
    assert response.context["page_obj"].object_list == [] or not response.context["page_obj"].object_list
    assert 'class="error"' in response.content.decode()


def test_a_strong_read_matches_category_names_and_says_it_read_the_home(client, shop):
    client.force_login(get_user_model().objects.create_user("ada", password="x-long-Passphrase-1"))

    response = client.get("/", {"q": "desks"}, HTTP_CONSISTENCY_LEVEL="strong")

    assert names(response) == ["Lamp desk"]
    assert "answered from the catalogue" in response.content.decode()
