"""What a probe of the catalogue found, kept fixed: drafts never leak from a lagging
index, client mistakes are 4xx not 500, sizes have limits, categories announce
their renames, control characters and echoed headers are harmless."""
import json

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from apps.catalog.models import DESCRIPTION_MAX_LENGTH, Product
from apps.sync import maintenance
from apps.sync.models import OutboxEvent
from apps.sync.projectors import registry
from tests.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db(transaction=True)

API = "/api/products/"


@pytest.fixture
def lost_messages(monkeypatch):
    from apps.sync import outbox

    monkeypatch.setattr(outbox, "dispatch", lambda sequence: None)


@pytest.fixture
def editor(client, django_user_model):
    user = django_user_model.objects.create_user("editor", password="pw")
    user.user_permissions.add(*Permission.objects.filter(codename__in=["add_product", "change_product"]))
    client.force_login(user)
    return client


def test_a_product_switched_to_draft_is_hidden_while_the_index_still_lists_it(client, clean_stores, monkeypatch):
    product = ProductFactory(name="Secret lamp", description="Launch plans")
    from apps.sync import outbox

    monkeypatch.setattr(outbox, "dispatch", lambda sequence: None)  # the index never hears of the change
    product.status = Product.Status.DRAFT
    product.save()
    assert clean_stores["search"].search("products", "secret").ids == [str(product.pk)], "the index lags"

    page = client.get(reverse("catalog:product-list"), {"q": "secret"}, HTTP_CONSISTENCY_LEVEL="eventual")
    api = client.get(API, {"q": "secret"}, HTTP_CONSISTENCY_LEVEL="eventual")

    assert "Secret lamp" not in page.content.decode() and "Launch plans" not in page.content.decode()
    assert api.json()["results"] == []


def test_search_text_past_its_limit_is_a_400_on_the_api_and_a_form_error_on_the_page(client, clean_stores):
    api = client.get(API, {"q": "x" * 10_001})
    page = client.get(reverse("catalog:product-list"), {"q": "x" * 10_001})

    assert api.status_code == 400 and "q" in api.json()
    assert page.status_code == 200 and "at most 200 characters" in page.content.decode()


def test_no_page_reaches_past_the_engines_window(client, clean_stores, monkeypatch):
    for n in range(30):
        ProductFactory(name=f"Lamp {n}")
    monkeypatch.setattr(type(clean_stores["search"]), "max_result_window", 24, raising=False)

    first = client.get(API, {"q": "lamp"}, HTTP_CONSISTENCY_LEVEL="eventual").json()
    deep = client.get(API, {"q": "lamp", "page": 2}, HTTP_CONSISTENCY_LEVEL="eventual")
    last = client.get(reverse("catalog:product-list"), {"q": "lamp", "page": 999}, HTTP_CONSISTENCY_LEVEL="eventual")

    assert (first["count"], len(first["results"])) == (20, 20), "whole pages of 20 within 24"
    assert deep.status_code == 404, "past the window: no such page, not a 500"
    assert last.status_code == 200 and last.context["page_obj"].number == 2


def test_a_body_nested_too_deeply_is_a_400(editor, clean_stores):
    body = "[" * 100_000 + "]" * 100_000

    response = editor.post(API, body, content_type="application/json")

    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]


def test_a_duplicate_sku_found_only_at_insert_time_is_a_400(editor, clean_stores, monkeypatch):
    CategoryFactory(name="Lamps")
    ProductFactory(sku="DUP-1")
    # The serializer's uniqueness check passed before the other writer's insert committed.
    monkeypatch.setattr(Product, "validate_unique", lambda self, exclude=None: None)
    from rest_framework.validators import UniqueValidator

    monkeypatch.setattr(UniqueValidator, "__call__", lambda self, value, field: None)

    response = editor.post(API, {"sku": "DUP-1", "name": "Twin", "category": "lamps", "price": "1"},
                           content_type="application/json")

    assert response.status_code == 400
    assert "sku" in response.json()
    assert Product.objects.filter(sku="DUP-1").count() == 1


def test_descriptions_have_a_limit_and_lists_leave_them_out(editor, clean_stores):
    CategoryFactory(name="Lamps")
    ProductFactory(name="Long lamp", description="d" * 500)

    too_long = editor.post(API, {"sku": "L-9", "name": "Lamp", "category": "lamps", "price": "1",
                                 "description": "d" * (DESCRIPTION_MAX_LENGTH + 1)}, content_type="application/json")
    listed = editor.get(API).json()["results"]

    assert too_long.status_code == 400 and "description" in too_long.json()
    assert not Product.objects.filter(sku="L-9").exists()
    assert listed and "description" not in listed[0]


def test_a_record_too_large_for_the_document_store_is_refused_before_it_commits(clean_stores):
    from django.core.exceptions import ValidationError

    product = ProductFactory(name="Lamp")
    product.description = "d" * (3 * 1024 * 1024)  # past the validator, as save() alone allows

    with pytest.raises(ValidationError, match="document store keeps at most"):
        product.save()

    assert Product.objects.get(pk=product.pk).description == "A useful thing."
    assert OutboxEvent.objects.filter(aggregateid=str(product.pk)).count() == 1


def test_renaming_a_category_updates_every_products_projections(clean_stores):
    lamps = CategoryFactory(name="Lamps")
    products = [ProductFactory(category=lamps, name=f"Lamp {n}") for n in range(3)]

    lamps.name, lamps.slug = "Lights", "lights"
    lamps.save()

    for product in products:
        document = clean_stores["documents"].get("products", str(product.pk), "lights")
        assert (document["category"], document["category_name"]) == ("lights", "Lights")
    assert clean_stores["documents"].count("products", {"category": "lamps"}) == 0
    assert len(clean_stores["search"].search("products", "", where={"category": "lights"}).ids) == 3
    for name in ("catalog.product.document", "catalog.product.search"):
        assert maintenance.reconcile(registry.get(name)).clean


@pytest.mark.parametrize("text", ["\x00", "lamp\x00"])
def test_a_nul_in_search_text_is_refused_never_read_as_everything(client, clean_stores, text):
    ProductFactory(name="Brass lamp")
    ProductFactory(name="Stoneware mug")

    api = client.get(API, {"q": text})
    page = client.get(reverse("catalog:product-list"), {"q": text})

    assert api.status_code == 400 and "q" in api.json()
    assert page.status_code == 200 and "Null characters are not allowed" in page.content.decode()
    assert "Brass lamp" not in page.content.decode() and "Stoneware mug" not in page.content.decode()


def test_other_control_characters_in_search_text_are_dropped(client, clean_stores):
    ProductFactory(name="Brass lamp")
    ProductFactory(name="Stoneware mug")

    api = client.get(API, {"q": "\x01lamp\x1f"}, HTTP_CONSISTENCY_LEVEL="eventual").json()["results"]

    assert [item["name"] for item in api] == ["Brass lamp"]


def test_an_echoed_header_is_answered_in_plain_text(client, clean_stores):
    response = client.get(reverse("catalog:product-list"), {"q": "lamp"},
                          HTTP_CONSISTENCY_LEVEL="<svg onload=alert(1)>")

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")


def test_store_errors_reach_clients_as_4xx_with_a_message(editor, clean_stores, monkeypatch):
    from apps.stores.exceptions import InvalidQuery, Unavailable

    ProductFactory(name="Lamp")
    search = type(clean_stores["search"])

    monkeypatch.setattr(search, "search", lambda *a, **k: (_ for _ in ()).throw(InvalidQuery("bad query")))
    refused = editor.get(API, {"q": "lamp"}, HTTP_CONSISTENCY_LEVEL="eventual")
    monkeypatch.setattr(search, "search", lambda *a, **k: (_ for _ in ()).throw(Unavailable("down")))
    down = editor.get(API, {"q": "lamp"}, HTTP_CONSISTENCY_LEVEL="eventual")

    assert (refused.status_code, refused.json()) == (400, {"detail": "bad query"})
    assert down.status_code == 503 and "unavailable" in json.dumps(down.json())


@pytest.fixture
def rates(monkeypatch):
    """Throttle rates for this test only (DRF reads them once, at import), with no history."""
    from django.core.cache import cache
    from rest_framework.throttling import SimpleRateThrottle

    def set_rates(**rates):
        monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
        cache.delete_many([f"throttle_{scope}_127.0.0.1" for scope in rates])

    return set_rates


def test_basic_credentials_are_throttled_before_any_password_is_hashed(client, clean_stores, rates, monkeypatch):
    import base64

    from django.contrib.auth.hashers import MD5PasswordHasher

    rates(anon="1000/minute", user="1000/minute", basic_auth="3/minute")
    hashed = []
    real_encode = MD5PasswordHasher.encode
    # An unknown user still costs one hash (Django's defence against timing attacks).
    monkeypatch.setattr(MD5PasswordHasher, "encode", lambda self, *a: hashed.append(1) or real_encode(self, *a))
    header = "Basic " + base64.b64encode(b"nobody:guess").decode()

    answers = [client.get(API, HTTP_AUTHORIZATION=header).status_code for _ in range(5)]

    assert answers == [401, 401, 401, 429, 429]
    assert len(hashed) == 3, "the throttled requests cost no hash"


def test_anonymous_clients_are_throttled_per_client(client, clean_stores, rates):
    rates(anon="2/minute", user="1000/minute", basic_auth="1000/minute")

    answers = [client.get(API).status_code for _ in range(3)]

    assert answers == [200, 200, 429]


def test_repeated_failed_admin_logins_lock_the_account_out_even_for_the_right_password(client, django_user_model):
    django_user_model.objects.create_superuser("boss", password="right-password")
    login = reverse("admin:login")

    failures = [client.post(login, {"username": "boss", "password": f"guess {n}"}).status_code for n in range(5)]
    locked = client.post(login, {"username": "boss", "password": "right-password"})

    assert failures == [200] * 4 + [429], "the form again, until the fifth failure locks the account"
    assert locked.status_code == 429 and "_auth_user_id" not in client.session


def test_an_api_client_gets_a_token_and_uses_it_instead_of_a_password(client, django_user_model, clean_stores):
    user = django_user_model.objects.create_user("robot", password="robot-pw")
    user.user_permissions.add(*Permission.objects.filter(codename="add_product"))
    CategoryFactory(name="Lamps")

    token = client.post("/api/token/", {"username": "robot", "password": "robot-pw"}).json()["token"]
    created = client.post(API, {"sku": "T-1", "name": "Token lamp", "category": "lamps", "price": "3"},
                          content_type="application/json", HTTP_AUTHORIZATION=f"Token {token}")
    wrong = client.post("/api/token/", {"username": "robot", "password": "nope"})

    assert created.status_code == 201
    assert wrong.status_code == 400


def test_repeated_wrong_basic_credentials_lock_the_api_account_out(client, django_user_model, clean_stores, rates):
    import base64

    rates(anon="1000/minute", user="1000/minute", basic_auth="1000/minute")
    django_user_model.objects.create_user("robot", password="robot-pw")

    def with_password(password):
        header = "Basic " + base64.b64encode(f"robot:{password}".encode()).decode()
        return client.get(API, HTTP_AUTHORIZATION=header).status_code

    wrong = [with_password(f"guess {n}") for n in range(5)]
    right = with_password("robot-pw")

    assert wrong == [401] * 5
    assert right in (401, 429), "locked out: even the right password is refused for a while"
