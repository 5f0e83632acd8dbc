"""The search page's and the API's "in stock" and rating facets, the rating sort, bad values
of each, and which source answered: the index, or the homes (SQL for the core, the document
store for rating and stock) on a strong read.

The same tests run against PostgreSQL and cosmosdb-server in test_search_facets_services.py.
"""
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model

from apps.catalog.models import Product
from apps.catalog.reviews import Review
from apps.catalog.stock import set_quantity
from apps.stores import stores
from tests.catalog.document_records import deliver_pending, search_entry
from tests.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db(transaction=True)

API = "/api/products/"
PASSWORD = "x-long-Passphrase-1"


@pytest.fixture
def rated_shop(clean_stores):
    """Four lamps: rated 4.5 in stock, 2.0 sold out, unrated in stock, 3.5 with no stock kept."""
    User = get_user_model()
    ada, ben = (User.objects.create_user(name, password=PASSWORD) for name in ("ada", "ben"))
    lighting = CategoryFactory(name="Lighting")
    bright = ProductFactory(name="Lamp bright", category=lighting, price="30.00")
    dim = ProductFactory(name="Lamp dim", category=lighting, price="20.00")
    plain = ProductFactory(name="Lamp plain", category=lighting, price="40.00")
    good = ProductFactory(name="Lamp good", category=lighting, price="50.00")
    set_quantity(bright, 5)
    set_quantity(dim, 0)
    set_quantity(plain, 3)
    for product, ratings in ((bright, (5, 4)), (dim, (2,)), (good, (4, 3))):
        for author, rating in zip((ada, ben), ratings):
            Review.objects.create(product=product, author=author, rating=rating)
    deliver_pending()
    return {"bright": bright, "dim": dim, "plain": plain, "good": good}


def names(response):
    assert response.status_code == 200, response.content
    return [p.name for p in response.context["page_obj"].object_list]


def api_names(response):
    assert response.status_code == 200, response.content
    return [item["name"] for item in response.json()["results"]]


def sign_in(client):
    client.force_login(get_user_model().objects.create_user("reader", password=PASSWORD))


# -- Product.search ------------------------------------------------------------------------
def test_product_search_filters_by_stock_and_rating_and_sorts_by_rating(rated_shop):
    lamps = Product.search.query("lamp")

    assert sorted(p.name for p in lamps.filter(in_stock=True)[0:20]) == ["Lamp bright", "Lamp plain"]
    assert sorted(p.name for p in lamps.filter(rating__gte=3)[0:20]) == ["Lamp bright", "Lamp good"]
    assert [p.name for p in lamps.order_by("rating")[0:20]] == ["Lamp bright", "Lamp good", "Lamp dim", "Lamp plain"]


# -- the page ------------------------------------------------------------------------------------
def test_the_page_filters_by_stock_and_rating(client, rated_shop):
    in_stock = client.get("/", {"q": "lamp", "in_stock": "1"}, HTTP_CONSISTENCY_LEVEL="eventual")
    four_up = client.get("/", {"q": "lamp", "rating": "4"}, HTTP_CONSISTENCY_LEVEL="eventual")
    both = client.get("/", {"q": "lamp", "rating": "3", "in_stock": "1"}, HTTP_CONSISTENCY_LEVEL="eventual")

    assert sorted(names(in_stock)) == ["Lamp bright", "Lamp plain"]
    assert names(four_up) == ["Lamp bright"]
    assert names(both) == ["Lamp bright"]


def test_the_page_sorts_by_rating_best_first_and_unrated_last(client, rated_shop):
    response = client.get("/", {"q": "lamp", "sort": "rating"}, HTTP_CONSISTENCY_LEVEL="eventual")

    assert names(response) == ["Lamp bright", "Lamp good", "Lamp dim", "Lamp plain"]
    assert '<option value="rating" selected>' in response.content.decode()


def test_the_page_counts_the_stock_and_rating_facets_and_links_them(client, rated_shop):
    response = client.get("/", {"q": "lamp"}, HTTP_CONSISTENCY_LEVEL="eventual")

    assert response.context["in_stock_count"] == 2
    assert response.context["rating_counts"] == [(4, 1), (3, 2), (2, 3), (1, 3)]
    body = response.content.decode()
    assert "4★ and up" in body and "?q=lamp&amp;in_stock=1" in body and "?q=lamp&amp;rating=4" in body


def test_paging_keeps_the_stock_and_rating_filters_and_the_sort(client, clean_stores):
    lighting = CategoryFactory(name="Lighting")
    reviewer = get_user_model().objects.create_user("ada", password=PASSWORD)
    for n in range(14):
        lamp = ProductFactory(name=f"Lamp {n}", category=lighting)
        set_quantity(lamp, 1)
        Review.objects.create(product=lamp, author=reviewer, rating=4 + n % 2)
    deliver_pending()

    first = client.get("/", {"q": "lamp", "in_stock": "1", "rating": "4", "sort": "rating"},
                       HTTP_CONSISTENCY_LEVEL="eventual")

    [next_page] = re.findall(r'href="([^"]*)">Next', first.content.decode())
    params = parse_qs(urlsplit(next_page.replace("&amp;", "&")).query)
    assert params == {"q": ["lamp"], "in_stock": ["1"], "rating": ["4"], "sort": ["rating"], "page": ["2"]}
    second = client.get("/", params, HTTP_CONSISTENCY_LEVEL="eventual")
    assert len(names(first)) == 12 and len(names(second)) == 2
    assert not set(names(first)) & set(names(second))


@pytest.mark.parametrize("params", [{"rating": "9"}, {"rating": "4.5"}, {"rating": "many"}, {"in_stock": "yes"},
                                    {"in_stock": "2"}, {"sort": "foo"}])
def test_bad_stock_rating_or_sort_values_are_a_form_error(client, rated_shop, params):
    response = client.get("/", {"q": "lamp", **params})

    assert response.status_code == 200
    assert not response.context["page_obj"].object_list
    assert 'class="error"' in response.content.decode()


def test_the_page_says_the_index_answered(client, rated_shop):
    response = client.get("/", {"q": "lamp"}, HTTP_CONSISTENCY_LEVEL="eventual")

    assert response["X-Read-Source"] == "projection"
    assert "answered by the search index" in response.content.decode()


def test_a_strong_read_filters_and_sorts_by_stock_and_rating_from_their_homes(client, rated_shop):
    sign_in(client)

    def strong(**params):
        return client.get("/", {"q": "lamp", **params}, HTTP_CONSISTENCY_LEVEL="strong")

    in_stock, four_up, by_rating = strong(in_stock="1"), strong(rating="3"), strong(sort="rating")

    assert sorted(names(in_stock)) == ["Lamp bright", "Lamp plain"]
    assert sorted(names(four_up)) == ["Lamp bright", "Lamp good"]
    assert names(by_rating) == ["Lamp bright", "Lamp good", "Lamp dim", "Lamp plain"]
    assert {r["X-Read-Source"] for r in (in_stock, four_up, by_rating)} == {"home"}
    assert "answered from the catalogue" in by_rating.content.decode()


def test_a_strong_read_sees_a_rating_the_index_has_not_yet(client, rated_shop):
    plain = rated_shop["plain"]
    Review.objects.create(product=plain, author=get_user_model().objects.get(username="ada"), rating=5)
    deliver_pending()
    lagging = {**{k: v for k, v in search_entry(stores, plain).items() if k != "rating"}, "id": str(plain.pk)}
    stores["search"].index_documents("products", [lagging])  # as if the index lagged
    sign_in(client)

    eventual = client.get("/", {"q": "lamp", "rating": "4"}, HTTP_CONSISTENCY_LEVEL="eventual")
    strong = client.get("/", {"q": "lamp", "rating": "4"}, HTTP_CONSISTENCY_LEVEL="strong")

    assert names(eventual) == ["Lamp bright"]
    assert strong["X-Read-Source"] == "home"
    assert names(strong) == ["Lamp bright", "Lamp plain"]


# -- the API ---------------------------------------------------------------------------------------
def test_the_api_filters_by_stock_and_rating_and_sorts_by_rating(client, rated_shop):
    assert sorted(api_names(client.get(API, {"in_stock": "true"}))) == ["Lamp bright", "Lamp plain"]
    assert sorted(api_names(client.get(API, {"in_stock": "false"}))) == ["Lamp dim", "Lamp good"]
    assert api_names(client.get(API, {"rating_min": "4"})) == ["Lamp bright"]
    assert api_names(client.get(API, {"rating_min": "3.5", "sort": "rating"})) == ["Lamp bright", "Lamp good"]
    assert api_names(client.get(API, {"sort": "rating"})) == ["Lamp bright", "Lamp good", "Lamp dim", "Lamp plain"]


def test_the_api_reports_the_stock_and_rating_facets_and_its_source(client, rated_shop):
    response = client.get(API, {"q": "lamp"})

    facets = response.json()["facets"]
    assert {f["value"]: f["count"] for f in facets["in_stock"]} == {True: 2, False: 2}
    assert facets["rating_min"] == [{"value": 4, "count": 1}, {"value": 3, "count": 2},
                                    {"value": 2, "count": 3}, {"value": 1, "count": 3}]
    assert response["X-Read-Source"] == "projection"


def test_a_strong_api_read_answers_from_the_homes_and_says_so(client, rated_shop):
    sign_in(client)

    response = client.get(API, {"q": "lamp", "in_stock": "true", "sort": "rating"}, HTTP_CONSISTENCY_LEVEL="strong")

    assert api_names(response) == ["Lamp bright", "Lamp plain"]
    assert response["X-Read-Source"] == "home"
    assert list(response.json()["facets"]) == ["category"], "counted in SQL; the rest is not counted"


@pytest.mark.parametrize("params, field", [
    ({"rating_min": "9"}, "rating_min"), ({"rating_min": "0"}, "rating_min"), ({"rating_min": "four"}, "rating_min"),
    ({"rating_min": "4.25"}, "rating_min"), ({"in_stock": "maybe"}, "in_stock"), ({"sort": "foo"}, "sort"),
])
def test_bad_stock_rating_or_sort_values_are_400s_naming_the_field(client, rated_shop, params, field):
    response = client.get(API, params)

    assert response.status_code == 400
    assert field in response.json()
