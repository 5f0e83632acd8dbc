"""The checkout saga: a cart becomes a confirmed order with its stock held, its payment
taken and its receipt written; a refused or failing step leaves every store as it was;
the idempotency key makes a repeated request return the same order.

The same tests run against PostgreSQL, cosmosdb-server and Azurite in
test_checkout_services.py.
"""
import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from apps.orders import checkout as checkout_module
from apps.orders.checkout import CheckoutRefused, cancel, checkout, saga_run_of
from apps.orders.models import Order, Purchase
from apps.orders.reading import my_orders
from apps.stores import stores
from apps.stores.exceptions import Unavailable
from apps.sync.models import SagaRun
from tests.catalog.document_records import deliver_pending
from tests.orders.shop import KEY, cart_with, holds, receipt_stored, shopper, state_of, stock_of, stocked

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_checkout_confirms_the_order_and_takes_the_stock_once(clean_stores):
    ada, lamp, desk = shopper(), stocked(5, price="20.00"), stocked(3, price="100.00")
    cart = cart_with(ada, (lamp, 2), (desk, 1))

    order = checkout(ada, cart, payment_method_code="test", key=KEY)

    assert order.status == Order.Status.CONFIRMED
    assert (order.total, order.payment_state) == (140, Order.Payment.AUTHORIZED)
    assert [(line.product_id, line.quantity, line.unit_price) for line in order.lines.all()] == [
        (lamp.pk, 2, 20), (desk.pk, 1, 100)]
    assert (stock_of(lamp), stock_of(desk)) == (3, 2)
    assert holds(lamp) == {f"held_by_order_{order.pk}": 2}
    assert receipt_stored(order) and order.receipt_name == f"receipts/{order.number}.html"
    assert cart.is_empty()
    assert sorted(Purchase.objects.values_list("product_id", "orders")) == sorted([(lamp.pk, 1), (desk.pk, 1)])
    assert saga_run_of(order).state == SagaRun.State.COMPLETED


def bought(user):
    return [vertex.id for vertex in stores["graph"].neighbours(f"user:{user.pk}", label="bought")]


def test_the_read_models_follow_the_order(clean_stores):
    ada, lamp = shopper(), stocked(5, name="Brass lamp", price="20.00")

    order = checkout(ada, cart_with(ada, (lamp, 2)), key=KEY)
    deliver_pending()

    document = stores["documents"].get("orders", str(order.pk), str(ada.pk))
    assert (document["status"], document["number"], document["total"]) == ("confirmed", order.number, "40.00")
    assert document["lines"][0]["name"] == "Brass lamp"
    assert bought(ada) == [f"product:{lamp.pk}"]
    hits = stores["search"].search("orders", "brass")
    assert [hit.id for hit in hits.hits] == [str(order.pk)]


def test_the_same_idempotency_key_returns_the_same_order(clean_stores):
    ada, lamp = shopper(), stocked(5)
    cart = cart_with(ada, (lamp, 1))

    first = checkout(ada, cart, key=KEY)
    cart.add(lamp.pk, 1)  # the cart changed, but the request is a retry of the first
    again = checkout(ada, cart, key=KEY)

    assert again.pk == first.pk
    assert Order.objects.count() == 1
    assert stock_of(lamp) == 4


@pytest.mark.parametrize("key", ["", "short", "x" * 65, "spaces are bad", None])
def test_a_bad_idempotency_key_is_refused_before_anything_is_written(clean_stores, key):
    ada, lamp = shopper(), stocked(5)

    with pytest.raises(ValidationError, match="idempotency key"):
        checkout(ada, cart_with(ada, (lamp, 1)), key=key)

    assert Order.objects.count() == 0


def test_an_empty_cart_is_refused(clean_stores):
    ada = shopper()

    with pytest.raises(CheckoutRefused, match="empty"):
        checkout(ada, cart_with(ada), key=KEY)

    assert Order.objects.count() == 0


def test_a_price_changed_since_the_cart_was_filled_is_refused_with_both_prices(clean_stores):
    ada, lamp = shopper(), stocked(5, price="20.00")
    cart = cart_with(ada, (lamp, 1))
    lamp.price = "25.00"
    lamp.save()

    with pytest.raises(CheckoutRefused, match=r"changed from \$20.00 to \$25.00"):
        checkout(ada, cart, key=KEY)

    assert (Order.objects.count(), stock_of(lamp), holds(lamp)) == (0, 5, {})
    cart.accept_prices()
    assert checkout(ada, cart, key=KEY).total == 25


def test_a_product_taken_off_sale_after_it_was_put_in_the_cart_is_refused(clean_stores):
    ada, lamp = shopper(), stocked(5)
    cart = cart_with(ada, (lamp, 1))
    lamp.status = "draft"
    lamp.save()

    with pytest.raises(CheckoutRefused, match="no longer for sale"):
        checkout(ada, cart, key=KEY)

    assert (Order.objects.count(), stock_of(lamp)) == (0, 5)


def test_too_little_stock_is_refused_before_an_order_is_written(clean_stores):
    ada, lamp = shopper(), stocked(1)

    with pytest.raises(CheckoutRefused, match="Only 1 of"):
        checkout(ada, cart_with(ada, (lamp, 2)), key=KEY)

    assert (Order.objects.count(), stock_of(lamp), holds(lamp)) == (0, 1, {})


def test_stock_taken_between_the_check_and_the_reservation_fails_the_order_and_holds_nothing(
        clean_stores, monkeypatch):
    ada, lamp, desk = shopper(), stocked(5), stocked(1)
    cart = cart_with(ada, (lamp, 2), (desk, 1))
    checked = checkout_module._checked_lines

    def someone_else_buys_the_desk(cart):
        lines = checked(cart)
        from apps.catalog.stock import reserve
        assert reserve(desk, 1).applied
        return lines

    monkeypatch.setattr(checkout_module, "_checked_lines", someone_else_buys_the_desk)
    order = checkout(ada, cart, key=KEY)

    assert order.status == Order.Status.FAILED
    assert "Only 0 left in stock" in order.failure_reason
    assert (stock_of(lamp), stock_of(desk)) == (5, 0), "the lamp's units held before the refusal are back"
    assert holds(lamp) == {} and holds(desk) == {}
    assert state_of(order) == {"status": "failed", "payment": "none", "receipt": False, "receipt_name": ""}
    assert not cart.is_empty(), "a failed checkout leaves the cart for another try"


@override_settings(ORDERS_TEST_PAYMENT_OUTCOME="decline")
def test_a_declined_payment_releases_the_stock_without_retrying(clean_stores):
    ada, lamp = shopper(), stocked(5)

    order = checkout(ada, cart_with(ada, (lamp, 2)), payment_method_code="test", key=KEY)

    assert order.status == Order.Status.FAILED and order.failure_reason == "The test payment was declined."
    assert (stock_of(lamp), holds(lamp)) == (5, {})
    pay = saga_run_of(order).steps.get(name="pay")
    assert (pay.state, pay.attempts) == ("failed", 1)


@override_settings(ORDERS_TEST_PAYMENT_OUTCOME="error")
def test_a_payment_provider_that_keeps_failing_is_retried_then_compensated(clean_stores):
    ada, lamp = shopper(), stocked(5)

    order = checkout(ada, cart_with(ada, (lamp, 2)), payment_method_code="test", key=KEY)

    assert order.status == Order.Status.FAILED
    assert "Nothing was charged" in order.failure_reason
    assert saga_run_of(order).steps.get(name="pay").attempts == 3
    assert (stock_of(lamp), holds(lamp)) == (5, {})


def _failing(*args, **kwargs):
    raise Unavailable("the store did not answer (injected)")


@pytest.mark.parametrize("step, target", [
    ("reserve", "apps.catalog.stock.reserve"),
    ("pay", "apps.orders.payments.PayOnDelivery.authorize"),
    ("receipt", "apps.orders.receipts.write_receipt"),
    ("confirm", "apps.orders.checkout._count_purchases"),
])
def test_a_failure_at_each_step_leaves_stock_sql_and_blobs_as_before(clean_stores, monkeypatch, step, target):
    ada, lamp = shopper(), stocked(5)
    monkeypatch.setattr(target, _failing)

    order = checkout(ada, cart_with(ada, (lamp, 2)), payment_method_code="on_delivery", key=KEY)

    assert saga_run_of(order).steps.get(name=step).state == "failed"
    assert state_of(order)["status"] == "failed"
    assert state_of(order)["receipt"] is False and state_of(order)["payment"] in ("none", "refunded")
    assert (stock_of(lamp), holds(lamp)) == (5, {})
    assert not Purchase.objects.filter(orders__gt=0).exists()


def test_a_compensation_that_keeps_failing_leaves_the_order_compensation_failed(clean_stores, monkeypatch):
    ada, lamp = shopper(), stocked(5)
    monkeypatch.setattr("apps.orders.receipts.write_receipt", _failing)
    monkeypatch.setattr("apps.catalog.stock.release", _failing)

    order = checkout(ada, cart_with(ada, (lamp, 2)), key=KEY)

    assert order.status == Order.Status.COMPENSATION_FAILED
    assert saga_run_of(order).state == SagaRun.State.COMPENSATION_FAILED
    assert stock_of(lamp) == 3, "what could not be given back is there for the operator"

    monkeypatch.undo()
    assert cancel(order, "Operator retry") == SagaRun.State.COMPENSATED
    order.refresh_from_db()
    assert (order.status, stock_of(lamp), holds(lamp)) == ("failed", 5, {})


def test_cancelling_a_confirmed_order_gives_everything_back(clean_stores):
    ada, lamp = shopper(), stocked(5)
    order = checkout(ada, cart_with(ada, (lamp, 2)), payment_method_code="test", key=KEY)

    assert cancel(order, "Cancelled by staff: the customer asked.") == SagaRun.State.COMPENSATED

    assert state_of(order) == {"status": "cancelled", "payment": "refunded", "receipt": False, "receipt_name": ""}
    assert (stock_of(lamp), holds(lamp)) == (5, {})
    assert Purchase.objects.get(user=ada, product=lamp).orders == 0
    deliver_pending()
    assert bought(ada) == [], "the graph's purchase edge goes with the last confirmed order"
    with pytest.raises(ValidationError, match="cancelled already"):
        cancel(Order.objects.get(pk=order.pk), "again")


def test_repeating_a_step_after_a_crash_takes_nothing_twice(clean_stores):
    ada, lamp = shopper(), stocked(5)
    order = checkout(ada, cart_with(ada, (lamp, 2)), key=KEY)
    context = {"order": order.pk, "saga_run": str(saga_run_of(order).pk)}

    for step in (checkout_module.reserve_stock, checkout_module.take_payment, checkout_module.write_receipt,
                 checkout_module.confirm_order):
        step(context)  # as a runner would after dying between the effect and its record

    assert (stock_of(lamp), Purchase.objects.get(user=ada, product=lamp).orders) == (3, 1)
    for undo in (checkout_module.unconfirm_order, checkout_module.delete_receipt, checkout_module.refund_payment,
                 checkout_module.release_stock):
        undo(context)
        undo(context)
    assert (stock_of(lamp), holds(lamp), Purchase.objects.get(user=ada, product=lamp).orders) == (5, {}, 0)


def test_my_orders_reads_the_documents_newest_first_in_pages_and_sql_agrees(clean_stores, settings):
    settings.ORDERS_PER_PAGE = 2
    ada, lamp = shopper(), stocked(50)
    placed = [checkout(ada, cart_with(ada, (lamp, 1)), key=f"{KEY}-{n}") for n in range(5)]
    bob = shopper("bob")
    checkout(bob, cart_with(bob, (lamp, 1)), key=KEY)  # another shopper's order is not listed
    deliver_pending()

    for source in ("projection", "home"):
        seen, cursor = [], None
        while True:
            found = my_orders(ada.pk, cursor, source=source)
            seen += [o.number for o in found.orders]
            if found.next_cursor is None:
                break
            cursor = found.next_cursor
        assert seen == [o.number for o in reversed(placed)], source


def test_an_order_reads_being_cancelled_until_every_undo_is_done(clean_stores, monkeypatch):
    ada, lamp = shopper(), stocked(5)
    order = checkout(ada, cart_with(ada, (lamp, 2)), key=KEY)
    seen = []
    release = checkout_module.release_stock

    def release_and_look(context):
        seen.append(Order.objects.get(pk=context["order"]).status)  # the last undo to run
        return release(context)

    steps = [step if step.name != "reserve" else type(step)(step.name, step.do, release_and_look,
                                                             undo_when_failed=True)
             for step in checkout_module.CHECKOUT.steps]
    monkeypatch.setattr(checkout_module.CHECKOUT, "steps", steps)

    cancel(order, "Cancelled by staff.")

    assert seen == ["cancelling"]
    assert Order.objects.get(pk=order.pk).status == "cancelled"


def test_a_receipt_written_again_replaces_the_first_under_its_name(clean_stores):
    from django.core.files.storage import storages

    from apps.orders import receipts

    ada, lamp = shopper(), stocked(5, name="Brass lamp")
    order = checkout(ada, cart_with(ada, (lamp, 1)), key=KEY)
    lamp_line = order.lines.get()
    lamp_line.product_name = "Renamed lamp"  # as if the step ran again with other content
    lamp_line.save()

    assert receipts.write_receipt(order) == order.receipt_name
    with storages["receipts"].open(order.receipt_name) as stored:
        assert b"Renamed lamp" in stored.read()


def test_an_order_is_announced_once_with_its_lines_when_it_is_placed(clean_stores):
    from apps.sync.models import OutboxEvent

    ada, lamp = shopper(), stocked(5, name="Brass lamp")

    order = checkout(ada, cart_with(ada, (lamp, 2)), key=KEY)

    first = OutboxEvent.objects.filter(aggregatetype="orders.order", aggregateid=str(order.pk)).order_by("sequence")[0]
    assert (first.version, first.payload["status"]) == (1, "pending")
    assert [line["name"] for line in first.payload["lines"]] == ["Brass lamp"]
