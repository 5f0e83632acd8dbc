"""The checkout benchmark's baseline (bench/checkout_baseline.py) is a checkout a shop could
ship: it confirms the order in one SQL transaction, refuses short stock with nothing
written, returns the same order for the same key, and racing shoppers never oversell.
Its clients (bench/checkout_clients.py) check out from processes of their own."""
import threading

import pytest
from django.db import connections

from apps.orders.checkout import CheckoutRefused
from apps.orders.models import Order
from apps.sync.models import OutboxEvent, SagaRun
from bench import checkout_baseline
from bench.checkout_clients import Clients, client_name
from tests.orders.shop import KEY, cart_with, shopper, stocked
from tests.processes import services_env

pytestmark = [pytest.mark.services, pytest.mark.usefixtures("local_services"), pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sql_stocked(clean_stores):
    checkout_baseline.create_stock_table()

    def stock(units, **fields):
        product = stocked(units, **fields)
        checkout_baseline.set_stock(product.pk, units)
        return product

    return stock


def test_the_baseline_confirms_the_order_in_sql_alone(sql_stocked):
    ada, lamp = shopper(), sql_stocked(5, price="20.00")
    cart = cart_with(ada, (lamp, 2))
    events_before = OutboxEvent.objects.count()

    order = checkout_baseline.sql_checkout(ada, cart, key=KEY)

    assert (order.status, order.payment_state, order.total) == ("confirmed", "authorized", 40)
    assert [(line.product_id, line.quantity) for line in Order.objects.get(pk=order.pk).lines.all()] == [(lamp.pk, 2)]
    assert checkout_baseline.stock(lamp.pk) == 3
    assert cart.is_empty()
    assert OutboxEvent.objects.count() == events_before and not SagaRun.objects.exists(), "no saga, no events"
    assert checkout_baseline.sql_checkout(ada, cart, key=KEY).pk == order.pk, "the same key, the same order"
    assert checkout_baseline.stock(lamp.pk) == 3


def test_the_baseline_refuses_short_stock_with_nothing_written(sql_stocked):
    ada, lamp, desk = shopper(), sql_stocked(5), sql_stocked(1)

    with pytest.raises(CheckoutRefused, match="Not enough of"):
        checkout_baseline.sql_checkout(ada, cart_with(ada, (lamp, 2), (desk, 2)), key=KEY)

    assert not Order.objects.exists()
    assert (checkout_baseline.stock(lamp.pk), checkout_baseline.stock(desk.pk)) == (5, 1), "the lamp's units are back"


def test_racing_baseline_checkouts_never_oversell(sql_stocked):
    lamp = sql_stocked(3)
    shoppers = [shopper(f"racer{n}") for n in range(6)]
    carts = [cart_with(user, (lamp, 1)) for user in shoppers]
    barrier, outcomes = threading.Barrier(len(shoppers)), [None] * len(shoppers)

    def buy(n):
        try:
            barrier.wait()
            outcomes[n] = checkout_baseline.sql_checkout(shoppers[n], carts[n], key=f"{KEY}-{n}").status
        except CheckoutRefused:
            outcomes[n] = "refused"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=buy, args=(n,)) for n in range(len(shoppers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["confirmed"] * 3 + ["refused"] * 3
    assert checkout_baseline.stock(lamp.pk) == 0
    assert Order.objects.filter(status="confirmed").count() == 3


def test_the_bench_clients_check_out_in_both_modes_from_their_own_processes(sql_stocked, django_user_model,
                                                                           monkeypatch):
    for name, value in services_env().items():  # what the spawned clients start with
        monkeypatch.setenv(name, value)
    lamp = sql_stocked(10)
    for index in range(2):
        django_user_model.objects.create_user(client_name(index))
    clients = Clients(2)
    try:
        ours = clients.block("ours", 30, [lamp.pk], "o-test", attempts=2)
        baseline = clients.block("baseline", 30, [lamp.pk], "b-test", attempts=2)
    finally:
        clients.close()

    assert ours["outcomes"] == baseline["outcomes"] == {"confirmed": 4}
    assert len(ours["latencies"]) == len(baseline["latencies"]) == 4
    assert Order.objects.filter(idempotency_key__startswith="o-test", status="confirmed").count() == 4
    assert SagaRun.objects.filter(state="completed").count() == 4, "ours ran the saga"
    assert checkout_baseline.stock(lamp.pk) == 6, "the baseline took its units from SQL"
