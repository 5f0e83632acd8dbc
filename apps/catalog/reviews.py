"""Reviews: their home is the document store (container ``reviews``, one partition per product).

    Review.objects.filter(product=lamp)                  # newest first, pageable
    Review.objects.get(product=lamp, author=alice)
    Review.objects.create(product=lamp, author=alice, rating=5, text="Bright.")

A review's id is ``<product id>-<author id>``, and it is created with the
store's create, so one user has one review of a product even when two
requests race: the second meets the store's Conflict (AlreadyReviewed).
Writes go through apps.sync.changes, so every review reaches the outbox and,
from there, the product's rating in the search index.
"""
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.stores import stores
from apps.stores.documents.listing import DocumentList
from apps.stores.exceptions import NotFound
from apps.sync.changes import record_change, record_creation

CONTAINER = "reviews"
AGGREGATE = "catalog.review"
HOME = "catalog.review.document"
RATINGS = range(1, 6)
TEXT_MAX_LENGTH = 2000


class AlreadyReviewed(Exception):
    """The author has reviewed this product already."""


@dataclass(frozen=True)
class Review:
    id: str
    product_id: str
    author_id: str
    author_name: str
    rating: int
    text: str
    created_at: str

    class DoesNotExist(Exception):
        pass

    @classmethod
    def from_document(cls, document):
        return cls(id=document["id"], product_id=document["product"], author_id=document["author"],
                   author_name=document.get("author_name", ""), rating=document["rating"],
                   text=document.get("text", ""), created_at=document.get("created_at", ""))

    @property
    def stars(self):
        return "★" * self.rating + "☆" * (5 - self.rating)


def review_id(product_id, author_id):
    return f"{product_id}-{author_id}"


def product_of(review_aggregate_id):
    """The product id a review's id starts with."""
    return review_aggregate_id.split("-", 1)[0]


def average(ratings):
    """The average of some ratings, to one decimal, as the shop shows and indexes it."""
    return round(sum(ratings) / len(ratings), 1)


def check_review(product, rating, text):
    """The rating and text as they will be stored; ValidationError naming each field that is wrong."""
    errors = {}
    if getattr(product, "status", None) == "draft":
        errors["product"] = ["This product is not on sale yet, so it cannot be reviewed."]
    if isinstance(rating, bool) or not isinstance(rating, int) or rating not in RATINGS:
        errors["rating"] = ["Give a rating from 1 to 5 stars."]
    if not isinstance(text, str):
        errors["text"] = ["The review is text."]
    elif len(text.strip()) > TEXT_MAX_LENGTH:
        errors["text"] = [f"Keep the review to {TEXT_MAX_LENGTH} characters."]
    if errors:
        raise ValidationError(errors)
    return rating, text.strip()


class ReviewManager:
    """The familiar filter() / get() / create() over the reviews container."""

    def _partition(self, product):
        return str(product.pk if hasattr(product, "pk") else product)

    def filter(self, *, product, **lookups):
        """The product's reviews, newest first (a lazy DocumentList); ``rating=5`` and the like narrow them."""
        return DocumentList(CONTAINER, factory=Review.from_document, where=lookups,
                            partition_key=self._partition(product), order_by=("-created_at",))

    def get(self, *, product, author):
        """The author's (a user or a user id) review of the product; Review.DoesNotExist if there is none."""
        partition = self._partition(product)
        try:
            id = review_id(partition, getattr(author, "pk", author))
            document = stores["documents"].get(CONTAINER, id, partition)
        except NotFound:
            raise Review.DoesNotExist(f"{author} has not reviewed product {partition}.") from None
        return Review.from_document(document)

    def create(self, *, product, author, rating, text=""):
        """Write the author's review of an active product. ValidationError for bad input or a
        draft product, AlreadyReviewed for a second review; nothing is written in either case."""
        rating, text = check_review(product, rating, text)
        partition = self._partition(product)
        payload = {
            "product": partition, "author": str(author.pk), "author_name": str(author),
            "rating": rating, "text": text, "created_at": timezone.now().isoformat(),
        }
        outcome = record_creation(aggregatetype=AGGREGATE, aggregateid=review_id(partition, author.pk),
                                  payload=payload, home=HOME)
        if not outcome.applied:
            raise AlreadyReviewed("You have reviewed this product already.")
        return Review.from_document(outcome.document)

    def delete(self, review):
        """Remove a review (its author's or a moderator's decision, checked by the caller)."""
        record_change(aggregatetype=AGGREGATE, aggregateid=review.id, type="deleted",
                      payload={"id": review.id, "product": review.product_id}, home=HOME)

    def summary(self, product):
        """(average rating or None, how many reviews) of the product."""
        ratings = [document["rating"] for document in
                   stores["documents"].scan(CONTAINER, partition_key=self._partition(product))]
        return (average(ratings) if ratings else None), len(ratings)


Review.objects = ReviewManager()
