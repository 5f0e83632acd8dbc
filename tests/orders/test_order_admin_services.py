"""The orders admin on PostgreSQL, cosmosdb-server, Azurite and RabbitMQ: the searches and
filters of test_order_admin.py, the receipt's SAS link, and a cancel run by a real Celery
worker (the admin only queues it)."""
import pytest
from django.urls import reverse

from apps.orders.checkout import saga_run_of
from apps.orders.models import Order, Purchase
from apps.sync.models import SagaRun
from tests.orders.shop import holds, receipt_stored, shopper, stock_of, stocked
from tests.orders.test_order_admin import (  # noqa: F401 - the fixture and the same behaviour, on the services
    cancel_action,
    messages_of,
    place,
    test_a_run_whose_lease_is_still_held_is_not_stuck,
    test_odd_search_text_answers_a_page_not_an_error,
    test_search_by_customer_or_product_goes_through_the_order_search_index,
    test_search_by_order_number_finds_that_order,
    test_the_admin_refuses_anyone_not_staff,
    test_the_list_filters_by_status_payment_method_and_created_date,
    test_the_list_shows_what_an_operator_reads_with_a_status_badge,
    test_with_the_search_index_unreachable_the_search_comes_from_sql_and_says_so,
    two_orders,
)
from tests.processes import eventually

pytestmark = [pytest.mark.services, pytest.mark.usefixtures("local_services"), pytest.mark.django_db(transaction=True)]


def test_the_receipt_link_on_the_order_page_is_a_signed_blob_link(admin_client, clean_stores):
    order = place(shopper(), (stocked(5), 1))

    page = admin_client.get(reverse("admin:orders_order_change", args=[order.pk])).content.decode()

    assert "127.0.0.1:10000" in page and f"{order.number}.html?" in page and "sig=" in page


@pytest.mark.slow
def test_a_real_worker_runs_the_cancel_the_admin_queued(admin_client, clean_stores, start_worker):
    worker = start_worker()
    ada, lamp = shopper(), stocked(5, name="Brass lamp")
    order = place(ada, (lamp, 2))  # pay on delivery: the worker's settings offer no test payment
    assert (order.status, stock_of(lamp)) == ("confirmed", 3)

    response = cancel_action(admin_client, order)

    assert messages_of(response)[0].startswith(f"Order {order.number} is being cancelled")

    def compensated():
        """the checkout run compensated by the worker"""
        return saga_run_of(order).state == SagaRun.State.COMPENSATED

    eventually(compensated, timeout=30)
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert (order.payment_state, stock_of(lamp), holds(lamp), receipt_stored(order)) == ("refunded", 5, {}, False)
    assert Purchase.objects.get(user=ada, product=lamp).orders == 0
    assert worker.process.poll() is None, "the worker died"
