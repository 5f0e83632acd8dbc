"""Concurrent writers of one record, each case deterministic: versions claimed by the
database, deletes that stay deleted, a category move finished after a partial
failure, and reconcile comparing content rather than versions alone."""
import pytest
from django.test import override_settings
from django.utils import timezone

from apps.catalog.models import Product
from apps.stores.exceptions import Unavailable
from apps.sync import maintenance, relay
from apps.sync.exceptions import RecordGone, StaleVersion
from apps.sync.models import Delivery, OutboxEvent
from apps.sync.projectors import registry
from apps.sync.relay_flags import resume_projections
from tests.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db(transaction=True)

DOCUMENTS, SEARCH = "catalog.product.document", "catalog.product.search"
SLOW_RETRIES = {"MAX_ATTEMPTS": 5, "RETRY_BASE_SECONDS": 30, "RETRY_MAX_SECONDS": 60}


def copies(stores, product_id):
    return stores["documents"].query("products", {"id": str(product_id)}, limit=10).items


def search_entry(stores, product_id):
    hits = [hit for hit in stores["search"].search("products", "").hits if hit.id == str(product_id)]
    return hits[0].document if hits else None


def events_of(product_id):
    return list(OutboxEvent.objects.filter(aggregateid=str(product_id)).values_list("type", "version"))


def assert_in_agreement():
    for name in (DOCUMENTS, SEARCH):
        drift = maintenance.reconcile(registry.get(name))
        assert drift.clean, f"{name}: {drift.summary()}"


def test_two_saves_of_instances_loaded_before_either_get_distinct_ordered_versions(clean_stores):
    product = ProductFactory(name="Lamp")
    first, second = Product.objects.get(pk=product.pk), Product.objects.get(pk=product.pk)

    first.name = "Lamp A"
    first.save()
    second.name = "Lamp B"
    second.save()

    assert (first.version, second.version) == (2, 3)
    assert events_of(product.pk) == [("saved", 1), ("saved", 2), ("saved", 3)]
    assert Product.objects.get(pk=product.pk).name == "Lamp B"
    [document] = copies(clean_stores, product.pk)
    assert (document["name"], document["version"]) == ("Lamp B", 3)
    assert search_entry(clean_stores, product.pk)["name"] == "Lamp B"
    assert_in_agreement()


def test_a_delete_racing_an_update_gets_a_version_above_it_and_removes_the_projections(clean_stores):
    product = ProductFactory(name="Lamp")
    loaded_before_the_update = Product.objects.get(pk=product.pk)
    updated = Product.objects.get(pk=product.pk)
    updated.name = "Renamed lamp"
    updated.save()

    loaded_before_the_update.delete()

    assert events_of(product.pk) == [("saved", 1), ("saved", 2), ("deleted", 3)]
    assert copies(clean_stores, product.pk) == []
    assert search_entry(clean_stores, product.pk) is None
    assert_in_agreement()


def test_an_update_never_brings_back_a_row_another_writer_deleted(clean_stores):
    product = ProductFactory(name="Lamp")
    loaded_before_the_delete = Product.objects.get(pk=product.pk)
    Product.objects.get(pk=product.pk).delete()

    loaded_before_the_delete.name = "Back from the dead"
    with pytest.raises(RecordGone):
        loaded_before_the_delete.save()

    assert not Product.objects.filter(pk=product.pk).exists()
    assert events_of(product.pk) == [("saved", 1), ("deleted", 2)]
    assert copies(clean_stores, product.pk) == []
    assert_in_agreement()


def test_a_second_delete_of_a_deleted_row_announces_nothing(clean_stores):
    product = ProductFactory(name="Lamp")
    loaded = Product.objects.get(pk=product.pk)
    Product.objects.get(pk=product.pk).delete()

    assert loaded.delete()[0] == 0
    assert events_of(product.pk) == [("saved", 1), ("deleted", 2)]


def test_an_expected_version_refuses_a_stale_save_or_delete_and_writes_nothing(clean_stores):
    product = ProductFactory(name="Lamp")
    other = Product.objects.get(pk=product.pk)
    other.name = "Changed by someone else"
    other.save()

    product.name = "My change"
    with pytest.raises(StaleVersion) as refused:
        product.save(expected_version=1)
    with pytest.raises(StaleVersion):
        product.delete(expected_version=1)

    assert (refused.value.expected, refused.value.current) == (1, 2)
    assert Product.objects.get(pk=product.pk).name == "Changed by someone else"
    assert events_of(product.pk) == [("saved", 1), ("saved", 2)]
    product.delete(expected_version=2)
    assert not Product.objects.filter(pk=product.pk).exists()


@pytest.fixture
def failing_deletes(clean_stores, monkeypatch):
    """The document store refuses deletes (say, it times out) until the test calls restore()."""
    store = clean_stores["documents"]
    real_delete = store.delete

    def refuse(*args, **kwargs):
        raise Unavailable("timed out")

    monkeypatch.setattr(store, "delete", refuse)
    return lambda: monkeypatch.setattr(store, "delete", real_delete)


def move_half_way(product, failing_deletes):
    """Move the product to another category; the old document's delete fails, then the
    store recovers and the retry's backoff passes."""
    product.category = CategoryFactory(name="Desks")
    with override_settings(POLYGLOT_SYNC=SLOW_RETRIES):
        product.save()
    failing_deletes()
    Delivery.objects.filter(status="failed").update(next_attempt_at=timezone.now())
    resume_projections(registry.names())


def test_a_retry_finishes_a_category_move_that_failed_half_way(clean_stores, failing_deletes):
    product = ProductFactory(name="Lamp", category=CategoryFactory(name="Lamps"))
    move_half_way(product, failing_deletes)
    assert {d["category"] for d in copies(clean_stores, product.pk)} == {"lamps", "desks"}, "the fault happened"

    relay.drain()  # the retry of the same event

    [document] = copies(clean_stores, product.pk)
    assert (document["category"], document["version"]) == ("desks", 2)
    assert "moved_from" not in document
    assert_in_agreement()


def test_a_later_event_finishes_a_category_move_that_failed_half_way(clean_stores, failing_deletes):
    product = ProductFactory(name="Lamp", category=CategoryFactory(name="Lamps"))
    move_half_way(product, failing_deletes)

    product.name = "Desk lamp"
    product.save()  # the newer event supersedes the failed one

    [document] = copies(clean_stores, product.pk)
    assert (document["category"], document["name"], document["version"]) == ("desks", "Desk lamp", 3)
    assert_in_agreement()


def test_reconcile_repairs_content_that_differs_at_the_same_version(clean_stores):
    product = ProductFactory(name="Lamp", category=CategoryFactory(name="Lamps"))
    documents, search = clean_stores["documents"], clean_stores["search"]
    [document] = copies(clean_stores, product.pk)
    documents.replace("products", {**document, "name": "Wrong name"})  # same version
    search.index_documents("products", [{**search_entry(clean_stores, product.pk), "id": str(product.pk), "price": 99.0}])

    drifts = {name: maintenance.reconcile(registry.get(name), repair=True) for name in (DOCUMENTS, SEARCH)}

    assert drifts[DOCUMENTS].differs == [str(product.pk)]
    assert drifts[SEARCH].differs == [str(product.pk)]
    assert copies(clean_stores, product.pk)[0]["name"] == "Lamp"
    assert search_entry(clean_stores, product.pk)["price"] == 10.0
    assert_in_agreement()


def test_reconcile_removes_a_copy_left_in_another_partition(clean_stores):
    product = ProductFactory(name="Lamp", category=CategoryFactory(name="Lamps"))
    [document] = copies(clean_stores, product.pk)
    clean_stores["documents"].create("products", {**document, "category": "ghosts"})

    drift = maintenance.reconcile(registry.get(DOCUMENTS), repair=True)

    assert drift.duplicated == [str(product.pk)]
    assert [d["category"] for d in copies(clean_stores, product.pk)] == ["lamps"]
    assert_in_agreement()


def test_a_batch_of_creates_edits_moves_and_deletes_ends_in_agreement(clean_stores, monkeypatch):
    from apps.sync import outbox
    from apps.sync.projectors import documents

    lamps, desks = CategoryFactory(name="Lamps"), CategoryFactory(name="Desks")
    kept = [ProductFactory(category=lamps, name=f"Lamp {n}") for n in range(6)]
    monkeypatch.setattr(outbox, "dispatch", lambda sequence: None)  # everything waits for one drain
    monkeypatch.setattr(documents, "CONCURRENT_WRITES", 4)
    fresh = [ProductFactory(category=lamps, name=f"New lamp {n}") for n in range(5)]
    for product in kept[:3]:
        product.name += " (edited)"
        product.save()
    kept[3].category = desks
    kept[3].save()
    kept[4].delete()

    relay.drain()

    assert_in_agreement()
    names = {d["id"]: (d["name"], d["category"]) for d in clean_stores["documents"].scan("products")}
    assert names[str(kept[0].pk)] == ("Lamp 0 (edited)", "lamps")
    assert names[str(kept[3].pk)] == ("Lamp 3", "desks")
    assert str(kept[4].pk) not in names and len(names) == 10
    assert all(str(p.pk) in names for p in fresh)
