"""What one write and one relay batch cost in statements: a save joins the caller's
transaction (no savepoint), a version is claimed in one statement, and a drain chooses
and locks its batch in one statement. Run on SQLite here and on PostgreSQL by
test_write_statements_services.py."""
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from apps.catalog.models import Product
from apps.sync import outbox, relay
from apps.sync.exceptions import RecordGone, StaleVersion
from apps.sync.models import Delivery
from apps.sync.outboxed import claim_next_version
from tests.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db(transaction=True)

DOCUMENTS = "catalog.product.document"


# How the embedded profile's SQLite opens and ends a transaction; not statements of ours.
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK")


def statements(captured):
    return [query["sql"] for query in captured.captured_queries
            if not query["sql"].upper().startswith(TRANSACTION_CONTROL)]


def test_a_save_inside_the_callers_transaction_opens_no_savepoint(clean_stores):
    product = ProductFactory(name="Lamp")

    with CaptureQueriesContext(connection) as captured, transaction.atomic():
        product.name = "Desk lamp"
        product.save()
        Product(sku="NEW-1", name="New lamp", slug="new-lamp", category=product.category, price=5).save()

    assert not [sql for sql in statements(captured) if "SAVEPOINT" in sql.upper()]
    assert Product.objects.get(pk=product.pk).version == 2


def test_a_failed_save_rolls_back_with_the_callers_transaction(clean_stores):
    product = ProductFactory(name="Lamp")
    gone = Product.objects.get(pk=product.pk)
    Product.objects.filter(pk=product.pk).delete()
    other = ProductFactory(name="Shade")

    with pytest.raises(RecordGone), transaction.atomic():
        other.name = "Renamed shade"
        other.save()
        gone.save()  # deleted meanwhile: the whole transaction goes, the rename with it

    assert Product.objects.get(pk=other.pk).name == "Shade"
    assert Product.objects.get(pk=other.pk).version == 1


def test_a_version_is_claimed_in_one_statement_and_refused_when_stale_or_gone(clean_stores):
    product = ProductFactory(name="Lamp")

    with CaptureQueriesContext(connection) as captured, transaction.atomic():
        claimed = claim_next_version(Product, product.pk, using="default")

    assert claimed == 2
    assert len(statements(captured)) == 1, statements(captured)
    with transaction.atomic():
        assert claim_next_version(Product, product.pk, using="default", expected_version=2) == 3
    with pytest.raises(StaleVersion), transaction.atomic():
        claim_next_version(Product, product.pk, using="default", expected_version=2)
    with pytest.raises(RecordGone), transaction.atomic():
        claim_next_version(Product, product.pk + 1000, using="default")
    assert Product.objects.get(pk=product.pk).version == 3


def test_a_drain_chooses_and_locks_its_batch_in_one_statement(clean_stores, monkeypatch):
    category = CategoryFactory()
    monkeypatch.setattr(outbox, "dispatch", lambda *args: None)  # the events wait for the drain below
    for n in range(3):
        Product(sku=f"D-{n}", name=f"Lamp {n}", slug=f"lamp-{n}", category=category, price=5).save()

    with CaptureQueriesContext(connection) as captured:
        handled, more = relay.drain(projection=DOCUMENTS, max_batches=1)

    assert (handled, more) == (3, True)
    table = Delivery._meta.db_table
    deliveries = [sql for sql in statements(captured) if sql.upper().startswith("SELECT") and f'FROM "{table}"' in sql]
    assert len(deliveries) == 1, deliveries
    if connection.vendor == "postgresql":
        assert "FOR UPDATE" in deliveries[0] and "SKIP LOCKED" in deliveries[0] and "LIMIT" in deliveries[0]
    assert not Delivery.objects.filter(projection=DOCUMENTS).exclude(status=Delivery.Status.DONE).exists()
