"""Reconcile and rebuild with reviews and stock: the products index carries rating and
stock, and still agrees with the homes (SQL, reviews, stock) after drift and rebuilds.

The same tests run against cosmosdb-server in test_document_reconcile_services.py.
"""
import io

import pytest
from django.core.management import call_command

from apps.catalog.reviews import Review
from apps.catalog.stock import reserve, set_quantity
from apps.sync import maintenance
from apps.stores.signals import store_operation
from apps.sync.projectors import State, registry
from tests.catalog.document_records import deliver_pending, search_entry
from tests.factories import ProductFactory
from tests.sync.test_relay import unreachable_documents_store

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def reviewed(django_user_model, clean_stores):
    """Two products with reviews and stock, every projection delivered."""
    alice, bob = (django_user_model.objects.create_user(name) for name in ("alice", "bob"))
    lamp, mug = ProductFactory(name="Brass lamp"), ProductFactory(name="Stoneware mug")
    Review.objects.create(product=lamp, author=alice, rating=5)
    Review.objects.create(product=lamp, author=bob, rating=4)
    Review.objects.create(product=mug, author=alice, rating=2)
    set_quantity(lamp, 3)
    set_quantity(mug, 1)
    reserve(mug, 1)
    deliver_pending()
    return lamp, mug


def test_every_projection_agrees_with_its_home(reviewed):
    for projector in registry.all():
        drift = maintenance.reconcile(projector)
        assert drift.clean, (projector.name, drift.summary())


def test_the_reconcile_command_reports_agreement(reviewed):
    out = io.StringIO()

    call_command("projections", "reconcile", stdout=out)

    assert "catalog.product.search: 2 checked, in agreement" in out.getvalue()
    assert "catalog.review.document: 3 checked, in agreement" in out.getvalue()
    assert "catalog.stock.document: 2 checked, in agreement" in out.getvalue()


def test_a_lost_rating_in_the_index_is_found_and_repaired(reviewed, clean_stores):
    lamp, _ = reviewed
    entry = search_entry(clean_stores, lamp)
    clean_stores["search"].index_documents("products", [
        {key: value for key, value in {**entry, "id": str(lamp.pk)}.items() if key not in ("rating", "in_stock")}
    ])
    projector = registry.get("catalog.product.search")

    drift = maintenance.reconcile(projector, repair=True)

    assert drift.differs == [str(lamp.pk)]
    repaired = search_entry(clean_stores, lamp)
    assert (repaired["rating"], repaired["review_count"], repaired["in_stock"]) == (4.5, 2, True)
    assert maintenance.reconcile(projector).clean


def test_rebuilding_the_index_from_the_homes_brings_back_rating_and_stock(reviewed, clean_stores):
    lamp, mug = reviewed
    clean_stores["search"].clear("products")

    call_command("search_index", "rebuild", "--model", "catalog.Product", stdout=io.StringIO(), stderr=io.StringIO())

    assert search_entry(clean_stores, lamp)["rating"] == 4.5
    assert (search_entry(clean_stores, mug)["rating"], search_entry(clean_stores, mug)["in_stock"]) == (2.0, False)
    assert maintenance.reconcile(registry.get("catalog.product.search")).clean


@pytest.mark.parametrize("name", ["catalog.review.search", "catalog.stock.search",
                                  "catalog.review.document", "catalog.stock.document"])
def test_rebuilding_a_review_or_stock_projection_from_its_home_keeps_the_index_in_agreement(reviewed, name):
    maintenance.rebuild(registry.get(name))

    assert maintenance.reconcile(registry.get("catalog.product.search")).clean
    assert maintenance.reconcile(registry.get(name)).clean


def test_a_product_edit_reaches_the_index_with_its_rating_while_the_document_store_is_down(reviewed, clean_stores):
    lamp, _ = reviewed
    lamp.name = "Copper lamp"
    with unreachable_documents_store():
        lamp.save()
        deliver_pending()
        entry = search_entry(clean_stores, lamp)

    assert (entry["name"], entry["rating"], entry["review_count"], entry["in_stock"]) == ("Copper lamp", 4.5, 2, True)


def test_a_batch_of_products_reads_their_reviews_and_stock_with_one_query_each(reviewed, clean_stores):
    lamp, mug = reviewed
    others = [ProductFactory(name=f"Plain lamp {n}") for n in range(20)]
    deliver_pending()
    products = [lamp, mug, *others]
    reads = []

    def record(sender, alias, operation, target, **kwargs):
        if alias == "documents":
            reads.append((operation, target))

    store_operation.connect(record)
    try:
        registry.get("catalog.product.search").apply_batch(
            [State("catalog.product", str(p.pk), "saved", p.version, p.outbox_payload()) for p in products])
    finally:
        store_operation.disconnect(record)

    assert sorted(reads) == [("query", "reviews"), ("query", "stock")]
    assert (search_entry(clean_stores, lamp)["rating"], search_entry(clean_stores, mug)["in_stock"]) == (4.5, False)
    assert search_entry(clean_stores, others[0])["review_count"] == 0
