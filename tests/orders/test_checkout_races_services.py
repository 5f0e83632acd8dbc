"""Checkouts in real processes against PostgreSQL, cosmosdb-server and Azurite: twenty shoppers
racing for the last five units, the same idempotency key sent twice at once, and runners
killed after each step and resumed by a real Celery worker with beat.

Each checkout runs in a process of its own (tests/orders/checkout_client.py), with its own
connections, so the races are the database's and the document store's, not the GIL's.
"""
import json
import signal
import subprocess
import sys
from collections import Counter

import pytest
from django.core.files.storage import storages
from django.test import override_settings

from apps.catalog.stock import AGGREGATE as STOCK_AGGREGATE
from apps.orders.cart import UserCart
from apps.orders.checkout import saga_run_of
from apps.orders.models import Order, Purchase
from apps.orders.receipts import receipt_name, render_receipt
from apps.stores import stores
from apps.sync.models import Delivery, OutboxEvent, SagaRun
from tests.catalog.document_records import deliver_pending
from tests.orders import ledger_payment
from tests.orders.shop import cart_with, holds, receipt_stored, shopper, stock_of, stocked
from tests.processes import ROOT, eventually, services_env
from tests.sync.test_faults_services import QUICK_SYNC

pytestmark = [pytest.mark.services, pytest.mark.slow, pytest.mark.usefixtures("local_services"),
              pytest.mark.django_db(transaction=True)]

PAYMENT_METHODS = "apps.orders.payments.PayOnDelivery,tests.orders.ledger_payment.LedgerPayment"


def expected_receipt(order):
    """The receipt as the processes that wrote it render it: they offer the ledger method, whose
    label ("Ledger (tests)") the receipt names; this process's settings do not."""
    with override_settings(ORDERS_PAYMENT_METHODS=PAYMENT_METHODS.split(",")):
        return render_receipt(order)


def start_client(user, key, *, go=None, payment=None, **env):
    command = [sys.executable, "-m", "tests.orders.checkout_client", "--user", user, "--key", key]
    command += ["--go", str(go)] if go else []
    command += ["--payment", payment] if payment else []
    return subprocess.Popen(command, cwd=ROOT, env=services_env(ORDERS_PAYMENT_METHODS=PAYMENT_METHODS, **env),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def checkouts_at_once(clients, go):
    """Let the clients check out together once each is ready; their answers, in order."""
    for client in clients:
        line = client.stdout.readline().strip()
        assert line == "ready", f"a client did not start: {line!r} {client.stderr.read()[-3000:]}"
    go.touch()
    answers = []
    for client in clients:
        out, err = client.communicate(timeout=180)
        assert client.returncode == 0, err[-3000:]
        answers.append(json.loads(out.strip().splitlines()[-1]))
    return answers


def stock_history(product):
    """Every state the product's stock document was announced in, oldest first."""
    events = OutboxEvent.objects.filter(aggregatetype=STOCK_AGGREGATE, aggregateid=str(product.pk))
    return [(event.version, event.payload) for event in events.order_by("sequence")]


def held_units(document):
    return sum(value for key, value in document.items() if key.startswith("held_by_"))


def stored_receipt(order):
    with storages["receipts"].open(receipt_name(order)) as blob:
        return blob.read().decode()


def assert_read_model_matches(order):
    """The order's view document says what SQL says."""
    document = stores["documents"].get("orders", str(order.pk), str(order.user_id))
    assert (document["status"], document["payment_state"], document["has_receipt"], document["total"]) == (
        order.status, order.payment_state, bool(order.receipt_name), str(order.total)), order.number
    assert [(line["product"], line["quantity"]) for line in document["lines"]] == [
        (str(line.product_id), line.quantity) for line in order.lines.all()]


def test_twenty_shoppers_racing_for_the_last_five_units_get_exactly_five_orders(clean_stores, tmp_path):
    lamp = stocked(5, name="Last lamp", price="30.00")
    names = [f"shopper{n:02d}" for n in range(20)]
    for name in names:
        cart_with(shopper(name), (lamp, 1))
    go = tmp_path / "go"

    answers = checkouts_at_once([start_client(name, f"race-key-{name}", go=go) for name in names], go)

    outcomes = Counter(answer["status"] for answer in answers)
    print(f"outcomes: {dict(outcomes)}; slowest checkout {max(a['seconds'] for a in answers)} s")
    assert outcomes["confirmed"] == 5, outcomes
    assert outcomes["refused"] + outcomes["failed"] == 15, outcomes
    confirmed = Order.objects.filter(status=Order.Status.CONFIRMED)
    assert sorted(confirmed.values_list("pk", flat=True)) == sorted(
        a["order"] for a in answers if a["status"] == "confirmed")
    assert set(Order.objects.values_list("status", flat=True)) <= {"confirmed", "failed"}, "nothing left half-way"
    assert Order.objects.filter(status=Order.Status.FAILED).count() == outcomes["failed"]

    assert stock_of(lamp) == 0
    assert holds(lamp) == {f"held_by_order_{order.pk}": 1 for order in confirmed}
    history = stock_history(lamp)
    assert [version for version, _ in history] == list(range(1, len(history) + 1)), "one version per change"
    assert all(state["quantity"] >= 0 for _, state in history), "the stock never went below zero"
    assert all(state["quantity"] + held_units(state) == 5 for _, state in history), "no unit appeared or vanished"
    assert len(history) == 1 + 5, "the count, then exactly five reservations"

    for order in Order.objects.select_related("user"):
        if order.status == Order.Status.CONFIRMED:
            assert (order.payment_state, order.receipt_name) == ("authorized", receipt_name(order))
            assert stored_receipt(order) == expected_receipt(order), f"the receipt of {order.number}"
            assert UserCart(order.user_id).is_empty()
        else:
            assert (order.payment_state, order.receipt_name) == ("none", "")
            assert not receipt_stored(order), order.number
            assert not UserCart(order.user_id).is_empty(), "a failed checkout leaves the cart for another try"
    assert sorted(Purchase.objects.values_list("user_id", "orders")) == sorted(
        (order.user_id, 1) for order in confirmed)
    deliver_pending()
    for order in Order.objects.all():
        assert_read_model_matches(order)


def test_the_same_idempotency_key_from_two_processes_at_once_makes_one_order(clean_stores, tmp_path):
    ada, lamp = shopper("ada"), stocked(5)
    cart_with(ada, (lamp, 2))
    go = tmp_path / "go"

    answers = checkouts_at_once([start_client("ada", "double-click-key", go=go) for _ in range(2)], go)

    assert answers[0]["order"] == answers[1]["order"] is not None, answers
    order = Order.objects.get()
    assert order.pk == answers[0]["order"] and order.status == Order.Status.CONFIRMED
    assert SagaRun.objects.filter(saga="orders.checkout").count() == 1
    assert (stock_of(lamp), holds(lamp)) == (3, {f"held_by_order_{order.pk}": 2})
    assert len(stock_history(lamp)) == 1 + 1, "one reservation"
    assert stored_receipt(order) == expected_receipt(order)
    assert Purchase.objects.get(user=ada, product=lamp).orders == 1


# (where the runner dies, the step made to fail, how the order ends, the steps after the resume:
#  name -> (state, attempts, undo attempts))
CRASHES = {
    "reserve": (None, "confirmed", {"reserve": ("done", 2, 0), "pay": ("done", 1, 0),
                                    "receipt": ("done", 1, 0), "confirm": ("done", 1, 0)}),
    "pay": (None, "confirmed", {"reserve": ("done", 1, 0), "pay": ("done", 2, 0),
                                "receipt": ("done", 1, 0), "confirm": ("done", 1, 0)}),
    "receipt": (None, "confirmed", {"reserve": ("done", 1, 0), "pay": ("done", 1, 0),
                                    "receipt": ("done", 2, 0), "confirm": ("done", 1, 0)}),
    "confirm": (None, "confirmed", {"reserve": ("done", 1, 0), "pay": ("done", 1, 0),
                                    "receipt": ("done", 1, 0), "confirm": ("done", 2, 0)}),
    # The receipt cannot be written, so the run compensates, and dies after refunding. A failed
    # step stays "failed" when undone, so its undo (deleting a receipt, harmless) runs again.
    "undo:pay": ("receipt", "failed", {"reserve": ("undone", 1, 1), "pay": ("undone", 1, 2),
                                       "receipt": ("failed", 3, 2), "confirm": ("pending", 0, 0)}),
}
LEASE = {"SYNC_SAGA_LEASE_SECONDS": 2}


def steps_of(order):
    return {s.name: (s.state, s.attempts, s.undo_attempts) for s in saga_run_of(order).steps.all()}


def test_runners_killed_after_each_step_are_resumed_by_the_worker_and_nothing_is_done_twice(
        clean_stores, start_worker, tmp_path):
    ledger = tmp_path / "payments.ledger"
    cases = {}
    for n, (crash, (failing, _, _)) in enumerate(CRASHES.items()):
        name = f"crash{n}"
        product = stocked(5, name=f"Lamp {n}", price="12.50")
        cart_with(shopper(name), (product, 2))
        faults = {"CHECKOUT_CRASH_AFTER": crash, **({"CHECKOUT_FAIL_STEP": failing} if failing else {})}
        client = start_client(name, f"crash-key-{n}", payment="ledger", ORDERS_PAYMENT_LEDGER=ledger, **LEASE,
                              **faults)
        cases[crash] = (name, product, client)
    for crash, (_, _, client) in cases.items():
        _, err = client.communicate(timeout=180)
        assert client.returncode == -signal.SIGKILL, f"{crash}: {err[-3000:]}"

    orders = {crash: Order.objects.get(user__username=name) for crash, (name, _, _) in cases.items()}
    for crash, order in orders.items():
        run = saga_run_of(order)
        expected = "compensating" if crash.startswith("undo:") else "running"
        assert (run.state, run.lease_until is not None) == (expected, True), f"{crash}: the dead runner's run"
        if not crash.startswith("undo:"):
            assert steps_of(order)[crash] == ("pending", 1, 0), f"{crash}: its effect is done, its record not"
    assert holds(cases["reserve"][1]) == {f"held_by_order_{orders['reserve'].pk}": 2}, "reserved before dying"
    assert Order.objects.get(pk=orders["undo:pay"].pk).payment_state == "refunded", "refunded before dying"

    start_worker(beat=True, **QUICK_SYNC, **LEASE, SYNC_SAGA_RESUME_INTERVAL_SECONDS=0.5,
                 ORDERS_PAYMENT_METHODS=PAYMENT_METHODS, ORDERS_PAYMENT_LEDGER=ledger)
    eventually(lambda: not SagaRun.objects.filter(state__in=["running", "compensating"]).exists(), timeout=120,
               message="every run carried on by the worker")
    eventually(lambda: not Delivery.objects.exclude(status="done").exists(), timeout=120,
               message="every delivery done")

    charged = ledger_payment.entries(ledger)
    for crash, (_, product, _) in cases.items():
        order = Order.objects.select_related("user").get(pk=orders[crash].pk)
        _, ending, steps = CRASHES[crash]
        assert order.status == ending, f"{crash}: {order.status} {order.failure_reason}"
        assert steps_of(order) == steps, crash
        if ending == "confirmed":
            assert saga_run_of(order).state == "completed"
            assert (stock_of(product), holds(product)) == (3, {f"held_by_order_{order.pk}": 2}), crash
            assert len(stock_history(product)) == 1 + 1, f"{crash}: one reservation"
            assert (order.payment_state, charged[("authorize", order.number)]) == ("authorized", 1), crash
            assert charged[("refund", order.number)] == 0, crash
            assert stored_receipt(order) == expected_receipt(order), crash
            assert Purchase.objects.get(user=order.user, product=product).orders == 1, crash
        else:
            assert saga_run_of(order).state == "compensated"
            assert (stock_of(product), holds(product)) == (5, {}), crash
            assert len(stock_history(product)) == 1 + 2, f"{crash}: one reservation, one release"
            assert order.payment_state == "refunded"
            assert (charged[("authorize", order.number)], charged[("refund", order.number)]) == (1, 1), crash
            assert not receipt_stored(order) and order.receipt_name == "", crash
            assert not Purchase.objects.filter(user=order.user, orders__gt=0).exists(), crash
        assert_read_model_matches(order)
