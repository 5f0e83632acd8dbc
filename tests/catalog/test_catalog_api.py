"""The catalogue API: products by id and by slug (cached), categories, search with filters,
facets and sort, suggestions; bad parameters are 400s naming the field; anonymous clients
and staff each see what they may."""
import pytest
from django.urls import reverse

from apps.catalog.models import Product
from apps.catalog.services import save_product
from tests.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db(transaction=True)

API = "/api/products/"


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user("operator", password="pw", is_staff=True)


@pytest.fixture
def catalogue(clean_stores):
    lamps, kitchen = CategoryFactory(name="Lamps"), CategoryFactory(name="Kitchen")
    return {
        "desk": ProductFactory(name="Brass desk lamp", category=lamps, price="40.00"),
        "floor": ProductFactory(name="Oak floor lamp", category=lamps, price="120.00"),
        "pan": ProductFactory(name="Cast iron pan", category=kitchen, price="35.00"),
        "kettle": ProductFactory(name="Lamp-black kettle", category=kitchen, price="55.00"),
        "draft": ProductFactory(name="Secret lamp prototype", category=lamps, price="80.00",
                                status=Product.Status.DRAFT),
    }


def names(response):
    assert response.status_code == 200, response.content
    return [item["name"] for item in response.json()["results"]]


# -- by id and by slug -----------------------------------------------------------------------
def test_a_product_reads_the_same_by_id_and_by_slug(client, catalogue):
    desk = catalogue["desk"]

    by_id = client.get(f"{API}{desk.pk}/")
    by_slug = client.get(f"{API}by-slug/{desk.slug}/")

    assert by_id.status_code == by_slug.status_code == 200
    assert by_id.json() == by_slug.json()
    assert by_id.json()["name"] == "Brass desk lamp" and by_id["ETag"] == '"1"'


def test_drafts_are_hidden_from_anonymous_clients_and_shown_to_staff(client, staff, catalogue):
    draft = catalogue["draft"]

    assert client.get(f"{API}{draft.pk}/").status_code == 404
    assert client.get(f"{API}by-slug/{draft.slug}/").status_code == 404
    assert "Secret lamp prototype" not in names(client.get(API, {"q": "lamp"}))

    client.force_login(staff)
    assert client.get(f"{API}{draft.pk}/").json()["status"] == "draft"
    assert client.get(f"{API}by-slug/{draft.slug}/").json()["name"] == "Secret lamp prototype"
    assert "Secret lamp prototype" in names(client.get(API, {"q": "lamp"}))


def test_an_unknown_slug_or_id_is_a_404(client, catalogue):
    assert client.get(f"{API}by-slug/no-such-product/").status_code == 404
    assert client.get(f"{API}999999/").status_code == 404
    assert client.get(f"{API}not-a-number/").status_code == 404


def test_the_detail_is_served_from_the_cache_until_the_product_changes(client, catalogue, django_assert_num_queries):
    desk = catalogue["desk"]
    client.get(f"{API}{desk.pk}/")

    with django_assert_num_queries(0):
        cached = client.get(f"{API}{desk.pk}/")
    assert cached.json()["name"] == "Brass desk lamp"

    desk.name = "Brass reading lamp"
    save_product(desk)

    fresh = client.get(f"{API}{desk.pk}/")
    assert fresh.json()["name"] == "Brass reading lamp" and fresh["ETag"] == '"2"'


def test_a_deleted_product_is_gone_from_the_cache_too(client, catalogue):
    pan = catalogue["pan"]
    client.get(f"{API}{pan.pk}/")

    pan.delete()

    assert client.get(f"{API}{pan.pk}/").status_code == 404


# -- categories --------------------------------------------------------------------------------
def test_anyone_lists_the_categories_but_nobody_writes_them(client, staff, catalogue):
    response = client.get("/api/categories/")

    assert response.status_code == 200
    assert [(c["name"], c["slug"]) for c in response.json()] == [("Kitchen", "kitchen"), ("Lamps", "lamps")]
    assert response.json()[1]["url"] == reverse("catalog:category", kwargs={"category_slug": "lamps"})
    assert client.post("/api/categories/", {"name": "X", "slug": "x"}).status_code in (401, 403)
    client.force_login(staff)
    assert client.post("/api/categories/", {"name": "X", "slug": "x"}).status_code in (403, 405)


# -- search --------------------------------------------------------------------------------------
def test_search_filters_by_category_and_price_and_sorts(client, catalogue):
    assert sorted(names(client.get(API, {"q": "lamp", "category": "lamps"}))) == ["Brass desk lamp", "Oak floor lamp"]
    assert names(client.get(API, {"category": "kitchen", "sort": "price"})) == ["Cast iron pan", "Lamp-black kettle"]
    assert names(client.get(API, {"category": "kitchen", "sort": "-price"})) == ["Lamp-black kettle", "Cast iron pan"]
    assert names(client.get(API, {"price_min": "36", "price_max": "120", "sort": "price"})) == [
        "Brass desk lamp", "Lamp-black kettle", "Oak floor lamp"]


def test_search_answers_the_category_facet_over_the_whole_result(client, catalogue):
    body = client.get(API, {"q": "lamp"}).json()

    counts = {f["value"]: f["count"] for f in body["facets"]["category"]}
    assert counts == {"lamps": 2, "kitchen": 1}


def test_the_listing_without_filters_also_answers_facets(client, catalogue):
    body = client.get(API).json()

    assert {f["value"]: f["count"] for f in body["facets"]["category"]} == {"lamps": 2, "kitchen": 2}


@pytest.mark.parametrize(
    "params, field",
    [
        ({"price_min": "-1"}, "price_min"),
        ({"price_max": "cheap"}, "price_max"),
        ({"price_min": "50", "price_max": "10"}, "price_max"),
        ({"sort": "popularity"}, "sort"),
        ({"category": "no-such-category"}, "category"),
        ({"category": "not a slug!"}, "category"),
        ({"q": "x" * 201}, "q"),
    ],
)
def test_bad_search_parameters_are_400s_naming_the_field(client, catalogue, params, field):
    response = client.get(API, params)

    assert response.status_code == 400
    assert field in response.json()


# -- suggest -------------------------------------------------------------------------------------
def test_suggest_completes_product_names_but_never_a_drafts(client, catalogue):
    response = client.get(f"{API}suggest/", {"q": "lam"})

    assert response.status_code == 200
    suggestions = response.json()["suggestions"]
    assert "Lamp-black kettle" in suggestions
    assert "Secret lamp prototype" not in suggestions


def test_suggest_needs_some_text(client, catalogue):
    for params in ({}, {"q": "  "}, {"q": "x" * 101}):
        response = client.get(f"{API}suggest/", params)
        assert response.status_code == 400 and "q" in response.json()


def test_suggest_is_throttled_for_anonymous_clients_but_not_for_signed_in_ones(client, staff, catalogue, monkeypatch):
    from django.core.cache import cache
    from rest_framework.throttling import SimpleRateThrottle

    rates = {"anon": "1000/minute", "user": "1000/minute", "basic_auth": "1000/minute", "suggest_anon": "2/minute"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    cache.delete_many([f"throttle_{scope}_127.0.0.1" for scope in rates])

    anonymous = [client.get(f"{API}suggest/", {"q": "lam"}).status_code for _ in range(3)]
    client.force_login(staff)
    signed_in = [client.get(f"{API}suggest/", {"q": "lam"}).status_code for _ in range(3)]

    assert anonymous == [200, 200, 429]
    assert signed_in == [200, 200, 200]


def test_the_cached_detail_follows_the_consistency_level_asked_for(client, django_user_model, catalogue):
    from apps.catalog import api_cache

    desk = catalogue["desk"]
    desk.name = "Brass reading lamp"
    save_product(desk)
    stale = {**client.get(f"{API}{desk.pk}/").json(), "name": "Brass desk lamp", "version": 1}
    api_cache.write(str(desk.pk), stale)  # as if the cache projection lagged
    reader = django_user_model.objects.create_user("reader", password="pw")

    eventual = client.get(f"{API}{desk.pk}/", HTTP_CONSISTENCY_LEVEL="eventual")
    anonymous_strong = client.get(f"{API}{desk.pk}/", HTTP_CONSISTENCY_LEVEL="strong")
    client.force_login(reader)
    strong = client.get(f"{API}{desk.pk}/", HTTP_CONSISTENCY_LEVEL="strong")
    api_cache.write(str(desk.pk), stale)
    client.get(f"{API}{desk.pk}/", HTTP_CONSISTENCY_LEVEL="strong")  # the session is shown version 2
    api_cache.write(str(desk.pk), stale)
    monotonic = client.get(f"{API}{desk.pk}/", HTTP_CONSISTENCY_LEVEL="monotonic_reads")
    bad = client.get(f"{API}{desk.pk}/", HTTP_CONSISTENCY_LEVEL="whatever")

    assert (eventual.json()["name"], eventual["Consistency-Level"]) == ("Brass desk lamp", "eventual")
    assert anonymous_strong.status_code in (401, 403)
    assert (strong.json()["name"], strong["Consistency-Level"]) == ("Brass reading lamp", "strong")
    assert monotonic.json()["name"] == "Brass reading lamp", "never older than the session was shown"
    assert bad.status_code == 400 and "Consistency-Level" in bad.json()
