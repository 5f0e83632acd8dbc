"""GET /api/products/?q= returns the page's matches; bad input is a 400 and writes nothing."""
import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from apps.catalog.models import Product
from apps.sync.models import OutboxEvent
from tests.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db(transaction=True)

API = "/api/products/"


@pytest.fixture
def editor(django_user_model):
    user = django_user_model.objects.create_user("editor", password="pw")
    user.user_permissions.add(*Permission.objects.filter(codename__in=["add_product", "change_product", "delete_product"]))
    return user


def test_api_search_returns_the_same_matches_as_the_page(client, clean_stores):
    lamp = ProductFactory(name="Brass desk lamp")
    floor = ProductFactory(name="Floor lamp", description="Tall")
    ProductFactory(name="Stoneware mug")

    api = client.get(API, {"q": "lamp"}).json()
    page = client.get(reverse("catalog:product-list"), {"q": "lamp"})

    api_ids = [item["id"] for item in api["results"]]
    assert api["count"] == 2
    assert sorted(api_ids) == sorted([lamp.pk, floor.pk])
    assert api_ids == [p.pk for p in page.context["page_obj"].object_list]


def test_api_search_pages_through_every_match(client, clean_stores):
    for n in range(25):
        ProductFactory(name=f"Lamp model {n}")

    first = client.get(API, {"q": "lamp"}).json()
    second = client.get(first["next"]).json()

    assert first["count"] == 25
    assert len(first["results"]) == 20 and len(second["results"]) == 5
    assert second["next"] is None
    assert {r["id"] for r in first["results"]}.isdisjoint({r["id"] for r in second["results"]})


def test_anyone_may_read_but_not_write(client, clean_stores):
    ProductFactory()

    assert client.get(API).status_code == 200
    response = client.post(API, {"name": "x"}, content_type="application/json")
    assert response.status_code in (401, 403)


def test_an_editor_creates_a_product_that_reaches_search(client, editor, clean_stores):
    CategoryFactory(name="Lamps")
    client.force_login(editor)

    response = client.post(
        API,
        {"sku": "LAMP-1", "name": "Brass desk lamp", "category": "lamps", "price": "49.00"},
        content_type="application/json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["slug"] == "brass-desk-lamp"
    assert clean_stores["search"].search("products", "brass").ids == [str(response.json()["id"])]


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"sku": "B-1", "name": "Lamp", "category": "lamps", "price": "-1.00"}, "price"),
        ({"sku": "B-2", "category": "lamps", "price": "5.00"}, "name"),
        ({"sku": "B-3", "name": "", "category": "lamps", "price": "5.00"}, "name"),
        ({"sku": "B-4", "name": "Lamp", "category": "no-such", "price": "5.00"}, "category"),
        ({"sku": "B-5", "name": "Lamp", "category": "lamps", "price": "abc"}, "price"),
    ],
)
def test_bad_product_gets_400_with_field_errors_and_nothing_is_written(client, editor, clean_stores, payload, field):
    CategoryFactory(name="Lamps")
    client.force_login(editor)

    response = client.post(API, payload, content_type="application/json")

    assert response.status_code == 400
    assert field in response.json()
    assert not Product.objects.exists()
    assert not OutboxEvent.objects.filter(aggregatetype="catalog.product").exists()
    assert clean_stores["documents"].count("products") == 0
    assert clean_stores["search"].count("products") == 0


def test_malformed_json_is_a_400(client, editor, clean_stores):
    client.force_login(editor)

    response = client.post(API, "{not json", content_type="application/json")

    assert response.status_code == 400


def test_an_update_with_a_negative_price_changes_nothing(client, editor, clean_stores):
    product = ProductFactory(price="10.00")
    client.force_login(editor)

    response = client.patch(f"{API}{product.pk}/", {"price": "-5"}, content_type="application/json")

    assert response.status_code == 400
    product.refresh_from_db()
    assert str(product.price) == "10.00" and product.version == 1
    assert clean_stores["documents"].get("products", str(product.pk), partition_key=product.category.slug)["price"] == "10.00"


def test_drafts_are_hidden_from_the_public_api(client, clean_stores):
    draft = ProductFactory(status=Product.Status.DRAFT)

    assert client.get(f"{API}{draft.pk}/").status_code == 404
    assert client.get(API).json()["count"] == 0


def detail(product):
    return f"{API}{product.pk}/"


def test_a_product_answers_an_etag_from_its_version(client, clean_stores):
    product = ProductFactory()

    response = client.get(detail(product))

    assert response.status_code == 200
    assert response["ETag"] == '"1"'


def test_a_write_with_a_stale_if_match_is_refused_with_412(client, editor, clean_stores):
    product = ProductFactory(name="Lamp")
    client.force_login(editor)
    etag = client.get(detail(product))["ETag"]
    assert client.patch(detail(product), {"name": "First"}, content_type="application/json",
                        HTTP_IF_MATCH=etag)["ETag"] == '"2"'

    stale = client.patch(detail(product), {"name": "Second"}, content_type="application/json", HTTP_IF_MATCH=etag)
    stale_delete = client.delete(detail(product), HTTP_IF_MATCH=etag)

    assert (stale.status_code, stale_delete.status_code) == (412, 412)
    assert "changed since you read it" in stale.json()["detail"]
    assert Product.objects.get(pk=product.pk).name == "First"
    assert OutboxEvent.objects.filter(aggregatetype="catalog.product", aggregateid=str(product.pk)).count() == 2


def test_without_if_match_the_last_writer_wins_with_its_own_version(client, editor, clean_stores):
    product = ProductFactory(name="Lamp")
    client.force_login(editor)

    versions = [client.patch(detail(product), {"name": f"Lamp {n}"}, content_type="application/json").json()["version"]
                for n in range(3)]

    assert versions == [2, 3, 4]


@pytest.mark.parametrize("header", ["3", '"abc"', '"1", nonsense', '"' + "9" * 30 + '"'])
def test_a_malformed_if_match_is_a_400(client, editor, clean_stores, header):
    product = ProductFactory(name="Lamp")
    client.force_login(editor)

    response = client.patch(detail(product), {"name": "X"}, content_type="application/json", HTTP_IF_MATCH=header)

    assert response.status_code == 400
    assert Product.objects.get(pk=product.pk).name == "Lamp"


def test_if_match_star_or_the_current_etag_lets_the_write_through(client, editor, clean_stores):
    product = ProductFactory(name="Lamp")
    client.force_login(editor)

    star = client.patch(detail(product), {"name": "A"}, content_type="application/json", HTTP_IF_MATCH="*")
    weak = client.delete(detail(product), HTTP_IF_MATCH='W/"7", W/"2"')

    assert (star.status_code, weak.status_code) == (200, 204)
    assert not Product.objects.filter(pk=product.pk).exists()


def test_a_write_to_a_product_deleted_by_another_request_is_a_404_and_brings_nothing_back(
    client, editor, clean_stores, monkeypatch
):
    from apps.catalog import services

    product = ProductFactory(name="Lamp")
    client.force_login(editor)
    real_save = services.save_product

    def deleted_meanwhile(instance, **kwargs):
        Product.objects.get(pk=instance.pk).delete()  # another request's delete commits first
        return real_save(instance, **kwargs)

    monkeypatch.setattr(services, "save_product", deleted_meanwhile)
    response = client.patch(detail(product), {"name": "Back"}, content_type="application/json")

    assert response.status_code == 404
    assert "deleted" in response.json()["detail"]
    assert not Product.objects.filter(pk=product.pk).exists()
    assert list(OutboxEvent.objects.filter(aggregatetype="catalog.product", aggregateid=str(product.pk))
                .values_list("type", flat=True)) == [
        "saved", "deleted"
    ]
    assert client.delete(detail(product)).status_code == 404
