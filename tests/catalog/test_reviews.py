"""Reviews live in the document store, one partition per product, one review per user and
product; their average and count reach the products index beside the core fields.

The same tests run against cosmosdb-server in test_reviews_services.py.
"""
import pytest
from django.core.exceptions import ValidationError

from apps.catalog.reviews import TEXT_MAX_LENGTH, AlreadyReviewed, Review
from apps.sync.models import OutboxEvent
from tests.catalog.document_records import deliver_pending, search_entry
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def shopper(django_user_model):
    return django_user_model.objects.create_user("alice", password="pw", display_name="Alice A.")


@pytest.fixture
def another(django_user_model):
    return django_user_model.objects.create_user("bob", password="pw")


def review_events():
    return OutboxEvent.objects.filter(aggregatetype="catalog.review")


def test_a_review_is_stored_in_its_products_partition_and_announced(clean_stores, shopper):
    lamp = ProductFactory()

    review = Review.objects.create(product=lamp, author=shopper, rating=4, text="  Warm light.  ")

    stored = clean_stores["documents"].get("reviews", f"{lamp.pk}-{shopper.pk}", partition_key=str(lamp.pk))
    assert (stored["rating"], stored["text"], stored["author_name"]) == (4, "Warm light.", "Alice A.")
    assert stored["version"] == 1
    assert review == Review.objects.get(product=lamp, author=shopper)
    [event] = review_events()
    assert (event.aggregateid, event.version, event.payload["rating"]) == (review.id, 1, 4)


def test_filter_lists_a_products_reviews_newest_first_and_only_its_own(clean_stores, shopper, another):
    lamp, mug = ProductFactory(), ProductFactory()
    Review.objects.create(product=lamp, author=shopper, rating=5)
    Review.objects.create(product=lamp, author=another, rating=2, text="Too dim.")
    Review.objects.create(product=mug, author=shopper, rating=3)

    reviews = Review.objects.filter(product=lamp)

    assert reviews.count() == 2
    assert [r.author_id for r in reviews] == [str(another.pk), str(shopper.pk)]
    assert [r.rating for r in reviews.filter(rating=5)] == [5]
    assert [r.author_id for r in reviews[1:2]] == [str(shopper.pk)]


def test_get_of_a_missing_review_raises_does_not_exist(clean_stores, shopper):
    with pytest.raises(Review.DoesNotExist):
        Review.objects.get(product=ProductFactory(), author=shopper)


@pytest.mark.parametrize("rating", [0, 6, -1, "5", 4.5, True, None])
def test_a_rating_outside_one_to_five_is_refused_and_nothing_is_written(clean_stores, shopper, rating):
    lamp = ProductFactory()

    with pytest.raises(ValidationError) as refused:
        Review.objects.create(product=lamp, author=shopper, rating=rating)

    assert "rating" in refused.value.message_dict
    assert clean_stores["documents"].count("reviews") == 0
    assert not review_events().exists()


def test_a_review_longer_than_the_limit_is_refused(clean_stores, shopper):
    with pytest.raises(ValidationError) as refused:
        Review.objects.create(product=ProductFactory(), author=shopper, rating=3, text="x" * (TEXT_MAX_LENGTH + 1))

    assert "text" in refused.value.message_dict
    assert clean_stores["documents"].count("reviews") == 0


def test_a_review_of_a_draft_product_is_refused(clean_stores, shopper):
    draft = ProductFactory(status="draft")

    with pytest.raises(ValidationError) as refused:
        Review.objects.create(product=draft, author=shopper, rating=5)

    assert "product" in refused.value.message_dict
    assert clean_stores["documents"].count("reviews") == 0
    assert not review_events().exists()


def test_a_second_review_by_the_same_user_is_refused_and_the_first_kept(clean_stores, shopper):
    lamp = ProductFactory()
    Review.objects.create(product=lamp, author=shopper, rating=5, text="Lovely.")

    with pytest.raises(AlreadyReviewed):
        Review.objects.create(product=lamp, author=shopper, rating=1, text="Changed my mind.")

    assert Review.objects.get(product=lamp, author=shopper).rating == 5
    assert review_events().count() == 1


def test_the_stores_conflict_settles_a_review_another_process_wrote_first(clean_stores, shopper):
    """Given another process's review already in the home (its event not yet seen here),
    the create meets the store's Conflict: refused, and no second event."""
    lamp = ProductFactory()
    clean_stores["documents"].create("reviews", {
        "id": f"{lamp.pk}-{shopper.pk}", "product": str(lamp.pk), "author": str(shopper.pk), "rating": 2,
        "text": "", "created_at": "2026-01-01T00:00:00+00:00", "version": 1,
    })

    with pytest.raises(AlreadyReviewed):
        Review.objects.create(product=lamp, author=shopper, rating=5)

    assert Review.objects.get(product=lamp, author=shopper).rating == 2
    assert not review_events().exists()


def test_the_average_rating_and_count_reach_the_search_index_beside_the_core_fields(
        clean_stores, shopper, another):
    lamp = ProductFactory(name="Brass desk lamp", price="49.00")
    Review.objects.create(product=lamp, author=shopper, rating=5)
    Review.objects.create(product=lamp, author=another, rating=2)
    deliver_pending()

    entry = search_entry(clean_stores, lamp)
    assert (entry["rating"], entry["review_count"]) == (3.5, 2)
    assert (entry["name"], entry["price"], entry["version"]) == ("Brass desk lamp", 49.0, lamp.version)


def test_editing_a_product_keeps_its_rating_in_the_index(clean_stores, shopper):
    lamp = ProductFactory(name="Brass desk lamp")
    Review.objects.create(product=lamp, author=shopper, rating=4)
    deliver_pending()

    lamp.name = "Copper desk lamp"
    lamp.save()
    deliver_pending()

    entry = search_entry(clean_stores, lamp)
    assert (entry["name"], entry["rating"], entry["review_count"]) == ("Copper desk lamp", 4.0, 1)


def test_the_index_sorts_by_rating_and_counts_the_rating_facet(clean_stores, shopper):
    good, poor, unrated = ProductFactory(name="Lamp A"), ProductFactory(name="Lamp B"), ProductFactory(name="Lamp C")
    Review.objects.create(product=good, author=shopper, rating=5)
    Review.objects.create(product=poor, author=shopper, rating=1)
    deliver_pending()

    results = clean_stores["search"].search("products", "lamp", order_by=["-rating"], facets=["rating"])

    assert results.ids[:2] == [str(good.pk), str(poor.pk)]
    assert {f["value"]: f["count"] for f in results.facets["rating"]} == {5.0: 1, 1.0: 1}
    assert str(unrated.pk) in results.ids


def test_deleting_a_review_removes_it_and_its_share_of_the_rating(clean_stores, shopper, another):
    lamp = ProductFactory()
    Review.objects.create(product=lamp, author=shopper, rating=5)
    Review.objects.create(product=lamp, author=another, rating=1)

    Review.objects.delete(Review.objects.get(product=lamp, author=another))
    deliver_pending()

    assert [r.rating for r in Review.objects.filter(product=lamp)] == [5]
    assert search_entry(clean_stores, lamp)["review_count"] == 1
    assert lamp.rating == 5.0
