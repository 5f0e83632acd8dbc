"""The product page shows stock, attributes and reviews; a signed-in shopper writes a review there."""
import pytest
from django.urls import reverse

from apps.catalog.attributes import save_attributes
from apps.catalog.reviews import Review
from apps.catalog.stock import set_quantity
from tests.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db(transaction=True)

SCHEMA = {"type": "object", "properties": {"colour": {"type": "string", "title": "Colour"},
                                           "dimmable": {"type": "boolean"}}}


@pytest.fixture
def shopper(django_user_model):
    return django_user_model.objects.create_user("alice", password="pw", display_name="Alice A.")


@pytest.fixture
def lamp():
    return ProductFactory(name="Brass desk lamp", category=CategoryFactory(name="Lamps", attribute_schema=SCHEMA))


def page(client, product):
    return client.get(product.get_absolute_url())


def test_the_page_shows_stock_attributes_and_reviews(client, clean_stores, lamp, shopper):
    set_quantity(lamp, 3)
    save_attributes(lamp, {"colour": "brass", "dimmable": False})
    Review.objects.create(product=lamp, author=shopper, rating=4, text="Warm <b>light</b>.")

    html = page(client, lamp).content.decode()

    assert "Only 3 left in stock" in html
    assert "<dt>Colour</dt><dd>brass</dd>" in html and "<dt>Dimmable</dt><dd>No</dd>" in html
    assert "4.0 out of 5 · 1 review" in html
    assert "Alice A." in html and "Warm &lt;b&gt;light&lt;/b&gt;." in html
    assert "Sign in</a> to write a review" in html


def test_a_product_without_stock_or_reviews_says_so(client, clean_stores, lamp):
    html = page(client, lamp).content.decode()

    assert "Availability unknown" in html and "No reviews yet." in html


def test_a_signed_in_shopper_writes_a_review_from_the_page(client, clean_stores, lamp, shopper):
    client.force_login(shopper)
    assert b'action="%s"' % reverse("catalog:write-review", args=[lamp.slug]).encode() in page(client, lamp).content

    answer = client.post(reverse("catalog:write-review", args=[lamp.slug]), {"rating": "5", "text": "Lovely."},
                         follow=True)

    assert answer.redirect_chain[-1][0].endswith("#reviews")
    assert "your review is published" in answer.content.decode()
    assert Review.objects.get(product=lamp, author=shopper).text == "Lovely."


@pytest.mark.parametrize("data", [{"rating": "9"}, {"rating": ""}, {"rating": "3", "text": "x" * 2001}])
def test_a_bad_review_from_the_page_says_why_and_writes_nothing(client, clean_stores, lamp, shopper, data):
    client.force_login(shopper)

    answer = client.post(reverse("catalog:write-review", args=[lamp.slug]), data, follow=True)

    assert answer.status_code == 200
    assert [m.level_tag for m in answer.context["messages"]] == ["error"]
    assert clean_stores["documents"].count("reviews") == 0


def test_a_second_review_from_the_page_is_refused_with_a_message(client, clean_stores, lamp, shopper):
    client.force_login(shopper)
    url = reverse("catalog:write-review", args=[lamp.slug])
    client.post(url, {"rating": "5"})

    answer = client.post(url, {"rating": "1"}, follow=True)

    assert "reviewed this product already" in answer.content.decode()
    assert Review.objects.get(product=lamp, author=shopper).rating == 5


def test_an_anonymous_review_goes_to_sign_in_and_writes_nothing(client, clean_stores, lamp):
    answer = client.post(reverse("catalog:write-review", args=[lamp.slug]), {"rating": "5"})

    assert answer.status_code == 302 and reverse("login") in answer["Location"]
    assert clean_stores["documents"].count("reviews") == 0


def test_a_draft_product_cannot_be_reviewed_from_a_page(client, clean_stores, shopper):
    draft = ProductFactory(status="draft")
    client.force_login(shopper)

    answer = client.post(reverse("catalog:write-review", args=[draft.slug]), {"rating": "5"})

    assert answer.status_code == 404
    assert clean_stores["documents"].count("reviews") == 0
