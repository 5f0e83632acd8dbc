"""Stock per product in the document store: reserve and release are conditional changes
that never take stock below zero, and the "in stock" facet follows them.

The same tests run against cosmosdb-server in test_stock_services.py.
"""
import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from apps.catalog.stock import Stock, StockChanged, release, reserve, set_quantity
from apps.sync import relay, tasks
from apps.sync.changes import next_version
from apps.sync.models import Delivery, OutboxEvent
from apps.sync.outbox import emit
from tests.catalog.document_records import deliver_pending, search_entry
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db(transaction=True)


def stock_events(product):
    return OutboxEvent.objects.filter(aggregatetype="catalog.stock", aggregateid=str(product.pk))


def test_a_counted_quantity_is_stored_and_read_back(clean_stores):
    lamp = ProductFactory()

    set_quantity(lamp, 12)

    stock = Stock.objects.get(product=lamp)
    assert (stock.quantity, stock.in_stock, stock.version) == (12, True, 1)
    assert clean_stores["documents"].get("stock", str(lamp.pk), partition_key=str(lamp.pk))["quantity"] == 12


def test_a_product_without_stock_raises_does_not_exist(clean_stores):
    lamp = ProductFactory()

    with pytest.raises(Stock.DoesNotExist):
        Stock.objects.get(product=lamp)
    assert lamp.stock is None and lamp.in_stock is False


def test_reserve_takes_units_and_announces_the_new_quantity(clean_stores):
    lamp = ProductFactory()
    set_quantity(lamp, 5)

    outcome = reserve(lamp, 3)

    assert outcome.applied
    assert outcome.document["quantity"] == 2
    assert Stock.objects.get(product=lamp).quantity == 2
    assert [e.payload["quantity"] for e in stock_events(lamp).order_by("version")] == [5, 2]


def test_reserving_more_than_is_left_is_refused_and_takes_nothing(clean_stores):
    lamp = ProductFactory()
    set_quantity(lamp, 2)

    outcome = reserve(lamp, 3)

    assert not outcome.applied
    assert outcome.reason == "Only 2 left in stock."
    assert Stock.objects.get(product=lamp).quantity == 2
    assert stock_events(lamp).count() == 1


def test_reserving_a_product_that_keeps_no_stock_is_refused(clean_stores):
    outcome = reserve(ProductFactory(), 1)

    assert not outcome.applied
    assert outcome.reason == "This product keeps no stock."
    assert clean_stores["documents"].count("stock") == 0


def test_release_gives_back_what_was_reserved(clean_stores):
    lamp = ProductFactory()
    set_quantity(lamp, 4)
    reserve(lamp, 4)

    outcome = release(lamp, 4)

    assert outcome.applied
    assert Stock.objects.get(product=lamp).quantity == 4


@pytest.mark.parametrize("quantity", [0, -1, "3", True, 2.5, None, 10**9])
def test_a_reservation_of_a_bad_quantity_is_refused(clean_stores, quantity):
    lamp = ProductFactory()
    set_quantity(lamp, 5)

    with pytest.raises(ValidationError):
        reserve(lamp, quantity)
    with pytest.raises(ValidationError):
        release(lamp, quantity)

    assert Stock.objects.get(product=lamp).quantity == 5


@pytest.mark.parametrize("quantity", [-1, "3", None, 10**9])
def test_a_bad_counted_quantity_is_refused_and_nothing_written(clean_stores, quantity):
    lamp = ProductFactory()

    with pytest.raises(ValidationError):
        set_quantity(lamp, quantity)

    assert clean_stores["documents"].count("stock") == 0
    assert not stock_events(lamp).exists()


def test_the_in_stock_facet_follows_the_stock(clean_stores):
    lamp, mug = ProductFactory(name="Lamp"), ProductFactory(name="Mug")
    set_quantity(lamp, 1)
    set_quantity(mug, 3)
    deliver_pending()
    assert search_entry(clean_stores, lamp)["in_stock"] is True

    reserve(lamp, 1)
    deliver_pending()

    assert search_entry(clean_stores, lamp)["in_stock"] is False
    assert search_entry(clean_stores, lamp)["name"] == "Lamp"
    results = clean_stores["search"].search("products", where={"in_stock": True}, facets=["in_stock"])
    assert results.ids == [str(mug.pk)]
    assert {f["value"]: f["count"] for f in results.facets["in_stock"]} == {True: 1}


def test_the_in_stock_facet_waits_until_the_stock_home_holds_the_change(clean_stores, monkeypatch):
    """Given a stock event committed but not yet applied to its home (its writer is between
    the two), the search delivery taken first fails and is retried, never indexing the old stock."""
    lamp = ProductFactory()
    set_quantity(lamp, 2)
    deliver_pending()
    monkeypatch.setattr(tasks.deliver_event, "delay", lambda *args, **kwargs: None)
    with transaction.atomic():
        version = next_version("catalog.stock", str(lamp.pk))
        emit(aggregatetype="catalog.stock", aggregateid=str(lamp.pk), type="saved",
             payload={"product": str(lamp.pk), "quantity": 0}, version=version)
    early = Delivery.objects.get(projection="catalog.stock.search", event__version=version)

    relay.deliver_batch([early.pk])

    early.refresh_from_db()
    assert early.status == "failed" and "HomeNotReached" in early.last_error
    deliver_pending()  # the home first, then the search delivery again
    assert search_entry(clean_stores, lamp)["in_stock"] is False
    assert Delivery.objects.get(pk=early.pk).status == "done"


def test_a_count_opened_before_a_reservation_is_refused_and_the_reservation_kept(clean_stores):
    lamp = ProductFactory()
    opened = set_quantity(lamp, 5).version
    reserve(lamp, 2)

    with pytest.raises(StockChanged):
        set_quantity(lamp, 10, expected_version=opened)

    assert Stock.objects.get(product=lamp).quantity == 3
    assert set_quantity(lamp, 10, expected_version=opened + 1).quantity == 10


def test_a_first_count_is_refused_if_someone_counted_first(clean_stores):
    lamp = ProductFactory()
    set_quantity(lamp, 4)

    with pytest.raises(StockChanged):
        set_quantity(lamp, 9, expected_version=0)

    assert Stock.objects.get(product=lamp).quantity == 4


def test_an_operator_counts_stock_in_the_admin(clean_stores, admin_client):
    lamp = ProductFactory()
    page = admin_client.get(reverse("admin:catalog_product_attributes", args=[lamp.pk]))
    assert page.context["stock_form"]["opened_version"].value() == 0

    answer = admin_client.post(reverse("admin:catalog_product_stock", args=[lamp.pk]),
                               {"quantity": "7", "opened_version": "0"})

    assert answer.status_code == 302
    assert Stock.objects.get(product=lamp).quantity == 7


@pytest.mark.parametrize("data", [{"quantity": "-1", "opened_version": "0"}, {"quantity": "x", "opened_version": "0"},
                                  {"quantity": "3", "opened_version": "5"}])
def test_a_bad_or_stale_count_in_the_admin_is_a_form_error_and_writes_nothing(clean_stores, admin_client, data):
    lamp = ProductFactory()

    answer = admin_client.post(reverse("admin:catalog_product_stock", args=[lamp.pk]), data)

    assert answer.status_code == 200
    assert answer.context["stock_form"].errors
    assert clean_stores["documents"].count("stock") == 0
