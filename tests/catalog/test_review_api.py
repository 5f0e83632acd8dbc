"""/api/products/{id}/reviews/: anyone reads (paged), a signed-in user writes one review per
product (400 with field errors, 409 for a second), its author or staff delete it.

The same tests run against cosmosdb-server in test_review_api_services.py.
"""
import pytest

from apps.catalog.reviews import Review
from apps.sync.models import OutboxEvent
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db(transaction=True)


def reviews_url(product, author=None):
    return f"/api/products/{product.pk}/reviews/" + (f"{author.pk}/" if author else "")


@pytest.fixture
def people(django_user_model):
    make = django_user_model.objects.create_user
    return {
        "owner": make("owner", password="pw", display_name="Olive"),
        "another": make("another", password="pw"),
        "staff": make("staff", password="pw", is_staff=True),
    }


def as_user(client, user):
    client.force_login(user)
    return client


def test_anyone_reads_a_products_reviews_page_by_page(client, clean_stores, django_user_model):
    lamp = ProductFactory()
    for n in range(23):
        Review.objects.create(product=lamp, author=django_user_model.objects.create_user(f"u{n}"), rating=n % 5 + 1)

    first = client.get(reviews_url(lamp))
    second = client.get(first.json()["next"])

    assert first.status_code == 200
    assert first.json()["count"] == 23
    assert len(first.json()["results"]) == 20 and len(second.json()["results"]) == 3
    ids = [r["id"] for r in first.json()["results"] + second.json()["results"]]
    assert len(set(ids)) == 23


def test_an_anonymous_client_cannot_write_a_review(client, clean_stores):
    lamp = ProductFactory()

    answer = client.post(reviews_url(lamp), {"rating": 5}, content_type="application/json")

    assert answer.status_code in (401, 403)
    assert clean_stores["documents"].count("reviews") == 0


def test_a_signed_in_user_writes_a_review_as_themself(client, clean_stores, people):
    lamp = ProductFactory()

    answer = as_user(client, people["owner"]).post(
        reviews_url(lamp), {"rating": 4, "text": "Nice.", "author": people["another"].pk}, content_type="application/json")

    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert (body["author"], body["author_name"], body["rating"], body["text"]) == (
        str(people["owner"].pk), "Olive", 4, "Nice.")
    assert client.get(reviews_url(lamp, people["owner"])).json()["rating"] == 4


@pytest.mark.parametrize("body, field", [
    ({"rating": 0}, "rating"), ({"rating": 6}, "rating"), ({"rating": "five"}, "rating"), ({}, "rating"),
    ({"rating": 3, "text": "x" * 2001}, "text"),
])
def test_bad_input_is_a_400_naming_the_field_and_writes_nothing(client, clean_stores, people, body, field):
    lamp = ProductFactory()

    answer = as_user(client, people["owner"]).post(reviews_url(lamp), body, content_type="application/json")

    assert answer.status_code == 400
    assert field in answer.json()
    assert clean_stores["documents"].count("reviews") == 0
    assert not OutboxEvent.objects.filter(aggregatetype="catalog.review").exists()


def test_a_second_review_is_a_409(client, clean_stores, people):
    lamp = ProductFactory()
    as_user(client, people["owner"]).post(reviews_url(lamp), {"rating": 5}, content_type="application/json")

    answer = client.post(reviews_url(lamp), {"rating": 1}, content_type="application/json")

    assert answer.status_code == 409
    assert "already" in answer.json()["detail"]
    assert Review.objects.get(product=lamp, author=people["owner"]).rating == 5


def test_a_draft_product_is_not_found_for_shoppers_and_refused_for_staff(client, clean_stores, people):
    draft = ProductFactory(status="draft")

    shopper = as_user(client, people["owner"]).post(reviews_url(draft), {"rating": 5}, content_type="application/json")
    staff = as_user(client, people["staff"]).post(reviews_url(draft), {"rating": 5}, content_type="application/json")

    assert shopper.status_code == 404
    assert staff.status_code == 400 and "product" in staff.json()
    assert clean_stores["documents"].count("reviews") == 0


def test_a_missing_product_or_review_is_a_404(client, clean_stores, people):
    lamp = ProductFactory()

    assert client.get("/api/products/999999/reviews/").status_code == 404
    assert client.get(reviews_url(lamp, people["owner"])).status_code == 404


@pytest.mark.parametrize("who, status", [("owner", 204), ("another", 403), ("staff", 204), (None, 403)])
def test_a_review_is_deleted_by_its_author_or_staff_only(client, clean_stores, people, who, status):
    lamp = ProductFactory()
    Review.objects.create(product=lamp, author=people["owner"], rating=3)
    if who:
        as_user(client, people[who])

    answer = client.delete(reviews_url(lamp, people["owner"]))

    assert answer.status_code in ((401, 403) if who is None else (status,))
    assert Review.objects.filter(product=lamp).count() == (0 if status == 204 else 1)
