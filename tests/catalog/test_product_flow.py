"""The walking skeleton: a product saved in SQL reaches the document store and
the search index through the outbox, and leaves them when deleted."""
import pytest
from django.db import transaction
from django.urls import reverse

from apps.catalog.models import Product
from apps.stores.exceptions import NotFound
from apps.sync.models import OutboxEvent
from tests.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db(transaction=True)


def product_document(stores, product):
    return stores["documents"].get("products", str(product.pk), partition_key=product.category.slug)


def search_ids(stores, text):
    return stores["search"].search("products", text).ids


def test_saving_a_product_projects_its_document_and_search_entry(clean_stores):
    product = ProductFactory(name="Brass desk lamp", description="Warm light", price="49.00")

    document = product_document(clean_stores, product)
    assert document["name"] == "Brass desk lamp"
    assert document["price"] == "49.00"
    assert document["version"] == product.version == 1
    assert search_ids(clean_stores, "lamp") == [str(product.pk)]


def test_changing_a_product_updates_both_projections(clean_stores):
    product = ProductFactory(name="Brass desk lamp")

    product.name = "Copper floor lamp"
    product.save()

    assert product_document(clean_stores, product)["name"] == "Copper floor lamp"
    assert product_document(clean_stores, product)["version"] == 2
    assert search_ids(clean_stores, "copper") == [str(product.pk)]
    assert search_ids(clean_stores, "brass") == []


def test_moving_a_product_to_another_category_moves_its_document(clean_stores):
    product = ProductFactory(category=CategoryFactory(name="Lamps"))
    old_category = product.category.slug

    product.category = CategoryFactory(name="Lighting")
    product.save()

    assert product_document(clean_stores, product)["category"] == "lighting"
    with pytest.raises(NotFound):
        clean_stores["documents"].get("products", str(product.pk), partition_key=old_category)


def test_deleting_a_product_removes_both_projections(clean_stores):
    product = ProductFactory(name="Brass desk lamp")
    category = product.category.slug
    product_id = str(product.pk)

    product.delete()

    with pytest.raises(NotFound):
        clean_stores["documents"].get("products", product_id, partition_key=category)
    assert search_ids(clean_stores, "lamp") == []


def test_the_event_is_written_in_the_same_transaction_as_the_change(clean_stores):
    category = CategoryFactory()

    with pytest.raises(RuntimeError, match="boom"):
        with transaction.atomic():
            Product(sku="X-1", name="Ghost lamp", slug="ghost-lamp", category=category, price=1).save()
            assert OutboxEvent.objects.filter(aggregatetype="catalog.product").count() == 1
            raise RuntimeError("boom")

    assert not Product.objects.exists()
    assert not OutboxEvent.objects.exists()
    assert clean_stores["documents"].count("products") == 0
    assert search_ids(clean_stores, "ghost") == []


def test_each_save_gets_the_next_version_and_an_outbox_event(clean_stores):
    product = ProductFactory()
    product.save()
    product.save()

    events = list(OutboxEvent.objects.filter(aggregateid=str(product.pk)).values_list("type", "version"))
    assert events == [("saved", 1), ("saved", 2), ("saved", 3)]
    assert product.version == 3


def test_an_older_event_does_not_overwrite_a_newer_document(clean_stores):
    from apps.catalog.projections import ProductDocumentProjector

    product = ProductFactory(name="First name")
    product.name = "Second name"
    product.save()
    first_event = OutboxEvent.objects.filter(aggregateid=str(product.pk)).order_by("sequence").first()

    ProductDocumentProjector().apply(first_event)

    assert product_document(clean_stores, product)["name"] == "Second name"


def test_the_page_lists_and_searches_products(client, clean_stores):
    lamp = ProductFactory(name="Brass desk lamp")
    ProductFactory(name="Stoneware mug")

    listing = client.get(reverse("catalog:product-list"))
    found = client.get(reverse("catalog:product-list"), {"q": "lamp"})

    assert listing.status_code == 200
    assert b"Brass desk lamp" in listing.content and b"Stoneware mug" in listing.content
    assert found.status_code == 200
    assert [p.pk for p in found.context["page_obj"].object_list] == [lamp.pk]
    assert b"Stoneware mug" not in found.content


def test_hostile_search_text_gives_a_page_not_an_error(client, clean_stores):
    ProductFactory(name="Brass desk lamp")

    for text in ['"', "') or ('", "*:*", "ünïcødé ✓", "x" * 5000, "AND OR NOT"]:
        response = client.get(reverse("catalog:product-list"), {"q": text})
        assert response.status_code == 200, text


def test_the_product_page_shows_an_active_product(client, clean_stores):
    product = ProductFactory(name="Brass desk lamp", description="Warm light")
    draft = ProductFactory(status=Product.Status.DRAFT)

    assert b"Warm light" in client.get(product.get_absolute_url()).content
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_an_event_written_before_products_carried_created_at_still_projects(clean_stores):
    from apps.catalog.projections import ProductSearchProjector
    from apps.sync.projectors import State

    old_payload = {"sku": "OLD-1", "name": "Old lamp", "description": "", "category": "lamps", "status": "active",
                   "price": "5.00"}

    ProductSearchProjector().apply(State("catalog.product", "9001", "saved", 1, old_payload))

    assert clean_stores["search"].search("products", "old").ids == ["9001"]
