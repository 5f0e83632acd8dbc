"""The checkout: a cart becomes an order through a saga across SQL, documents and blobs.

    order = checkout(user, cart, payment_method="on_delivery", key=idempotency_key)

The order is written to SQL as pending (its lines priced from the products'
current rows, after the cart's prices and quantities are checked again), then
the saga ``orders.checkout`` runs its steps, each recorded in SQL:

1. reserve   take each line's units from its stock document, held for the order
             (one conditional write per line: never below zero, never twice);
2. pay       the payment method authorizes (pluggable, apps.orders.payments);
3. receipt   the receipt is written privately to blob storage;
4. confirm   the order is confirmed and counted as a purchase of each product.

A refused step (too little stock, a declined payment) compensates at once; a
failing one is retried first. Compensation runs the undos in reverse: release
the held units, refund, delete the receipt, un-confirm. The order's status
follows the run in the same transaction (``on_state``): confirmed, failed,
cancelled or compensation_failed. A crash anywhere leaves a run that the
periodic ``resume_sagas`` task carries on, forward or back.
"""
import re

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.catalog import stock
from apps.sync import sagas
from apps.sync.models import SagaRun, SagaStep

from . import receipts
from .models import MAX_LINE_QUANTITY, Order, OrderLine, Purchase
from .payments import payment_method

SAGA = "orders.checkout"
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
RUN_KEY_PREFIX = "order-"  # an order's checkout run is keyed "order-<order id>"


class CheckoutRefused(ValidationError):
    """The cart cannot become an order as it is; the messages say why. Nothing was written."""


def check_key(key):
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        raise ValidationError({"idempotency_key": [
            "Send an idempotency key of 8 to 64 letters, digits, - or _ (a UUID, say)."]}, code="invalid")
    return key


def run_key(order_id):
    return f"{RUN_KEY_PREFIX}{order_id}"


def saga_run_of(order):
    return SagaRun.objects.filter(saga=SAGA, key=run_key(order.pk)).first()


def checkout(user, cart, *, payment_method_code=None, key):
    """Place the cart's order and run the checkout; returns the order in whatever state it reached.

    The same ``key`` again (a double click, a client's retry) returns the order
    it made, without a second order. CheckoutRefused, with nothing written, for
    an empty cart, a product no longer for sale, a changed price, a bad
    quantity or too little stock.
    """
    return place(user, cart, payment_method_code=payment_method_code, key=key)[0]


def place(user, cart, *, payment_method_code=None, key):
    """checkout(), also saying whether this call made the order: ``(order, created)``; ``created``
    is False for a key seen before (the API answers a retry 200 instead of 201)."""
    check_key(key)
    existing = Order.objects.filter(user=user, idempotency_key=key).first()
    if existing is not None:
        return existing, False
    method = payment_method(payment_method_code)
    lines = _checked_lines(cart)
    try:
        with transaction.atomic():
            order = Order(user=user, idempotency_key=key, total=sum(line.subtotal for line in lines),
                          payment_method=method.code)
            # The row without an event (save() would announce it without its lines), then one
            # event for the order with its lines.
            Order.objects.bulk_create([order])
            OrderLine.objects.bulk_create(
                OrderLine(order=order, product=line.product, product_name=line.product.name, sku=line.product.sku,
                          unit_price=line.product.price, quantity=line.quantity) for line in lines)
            order.announce()
    except IntegrityError:
        # A concurrent request with the same key placed it first.
        return Order.objects.get(user=user, idempotency_key=key), False
    sagas.start(SAGA, {"order": order.pk}, key=run_key(order.pk))
    order.refresh_from_db()
    if order.status == Order.Status.CONFIRMED:
        cart.clear()
    return order, True


def cart_lines_problems(lines):
    """What keeps a non-empty cart's lines from becoming an order, stock aside: a bad
    quantity, a product no longer for sale, a changed price. A list of messages."""
    problems = []
    for line in lines:
        if not 1 <= line.quantity <= MAX_LINE_QUANTITY:
            problems.append(f"Choose a quantity from 1 to {MAX_LINE_QUANTITY} for {_name(line)}.")
        if not line.available:
            problems.append(f"{_name(line)} is no longer for sale: remove it from your cart.")
        elif line.price_changed:
            problems.append(f"The price of {line.product.name} changed from ${line.cart_price} to "
                            f"${line.product.price}: check your cart and confirm again.")
    return problems


def _checked_lines(cart):
    lines = cart.lines()
    if not lines:
        raise CheckoutRefused("Your cart is empty.", code="empty")
    problems = cart_lines_problems(lines)
    if not problems:
        for line in lines:
            left = stock.Stock.objects.get_or_none(product=line.product_id)
            if left is None or left.quantity < line.quantity:
                have = 0 if left is None else left.quantity
                problems.append(f"Only {have} of {line.product.name} left in stock: lower the quantity.")
    if problems:
        raise CheckoutRefused(problems, code="cart")
    return lines


def _name(line):
    return line.product.name if line.product is not None else f"Product {line.product_id}"


# The steps. Each reads the order afresh and may run again after a crash, so each
# is idempotent: the stock holds name the order, payments and receipts its key.

def _order(context):
    return Order.objects.select_related("user").get(pk=context["order"])


def hold_of(order):
    return f"order_{order.pk}"


def reserve_stock(context):
    order = _order(context)
    for line in order.lines.all():
        outcome = stock.reserve(line.product_id, line.quantity, hold=hold_of(order))
        if not outcome.applied:
            raise sagas.Refused(f"{line.product_name}: {outcome.reason}")


def release_stock(context):
    order = _order(context)
    for line in order.lines.all():
        if line.product_id is None:
            continue
        outcome = stock.release(line.product_id, line.quantity, hold=hold_of(order))
        if not outcome.applied:
            raise RuntimeError(f"{line.product_name}: the stock could not be given back ({outcome.reason}).")


def take_payment(context):
    order = _order(context)
    if order.payment_state == Order.Payment.AUTHORIZED:
        return
    reference = payment_method(order.payment_method).authorize(order, key=context["saga_run"])
    order.payment_state, order.payment_reference = Order.Payment.AUTHORIZED, reference
    order.save(update_fields=["payment_state", "payment_reference", "updated_at"])


def refund_payment(context):
    order = _order(context)
    if order.payment_state != Order.Payment.AUTHORIZED:
        return
    payment_method(order.payment_method).refund(order, order.payment_reference)
    order.payment_state = Order.Payment.REFUNDED
    order.save(update_fields=["payment_state", "updated_at"])


def write_receipt(context):
    order = _order(context)
    name = receipts.write_receipt(order)
    if order.receipt_name != name:
        order.receipt_name = name
        order.save(update_fields=["receipt_name", "updated_at"])


def delete_receipt(context):
    order = _order(context)
    receipts.delete_receipt(receipts.receipt_name(order))  # by its name: also one written before a crash
    if order.receipt_name:
        order.receipt_name = ""
        order.save(update_fields=["receipt_name", "updated_at"])


def confirm_order(context):
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=context["order"])
        if order.purchases_counted:
            return
        order.status, order.purchases_counted = Order.Status.CONFIRMED, True
        order.save(update_fields=["status", "purchases_counted", "updated_at"])
        _count_purchases(order, +1)


def unconfirm_order(context):
    # The status stays "cancelling" until every undo is done (follow_run says how it ended).
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=context["order"])
        if not order.purchases_counted:
            return
        order.purchases_counted = False
        order.save(update_fields=["purchases_counted", "updated_at"])
        _count_purchases(order, -1)


def _count_purchases(order, change):
    now = timezone.now()
    for product_id in order.lines.exclude(product=None).values_list("product_id", flat=True):
        purchase, _ = Purchase.objects.select_for_update().get_or_create(user_id=order.user_id, product_id=product_id)
        purchase.orders = max(purchase.orders + change, 0)
        if change > 0:
            purchase.last_bought_at = now
        purchase.save()


def follow_run(context, state, error):
    """The order's status, set in the transaction that records the run's new state."""
    order = Order.objects.select_for_update().get(pk=context["order"])
    if state == SagaRun.State.COMPENSATING:
        order.status = Order.Status.CANCELLING
    elif state == SagaRun.State.COMPENSATED:
        failed = SagaStep.objects.filter(run_id=context["saga_run"], state=SagaStep.State.FAILED).exists()
        order.status = Order.Status.FAILED if failed else Order.Status.CANCELLED
        order.failure_reason = shopper_reason(error) if failed else (error or "Cancelled.")[:500]
    elif state == SagaRun.State.COMPENSATION_FAILED:
        order.status = Order.Status.COMPENSATION_FAILED
        order.failure_reason = "We could not complete your order and are looking into it."
    else:
        return
    order.save(update_fields=["status", "failure_reason", "updated_at"])


def shopper_reason(error):
    """What a shopper is told: a refusal's own words, else a plain apology."""
    error = error or ""
    if "Refused: " in error:
        return error.split("Refused: ", 1)[1].split("\n", 1)[0][:500]
    return "We could not complete your order. Nothing was charged; please try again."


CHECKOUT = sagas.Saga(
    name=SAGA,
    steps=[
        sagas.Step("reserve", do=reserve_stock, undo=release_stock, undo_when_failed=True),
        sagas.Step("pay", do=take_payment, undo=refund_payment),
        sagas.Step("receipt", do=write_receipt, undo=delete_receipt, undo_when_failed=True),
        sagas.Step("confirm", do=confirm_order, undo=unconfirm_order),
    ],
    on_state=follow_run,
)


def cancel(order, reason):
    """Take a pending or confirmed order back (staff): runs the compensation. Returns the run's state."""
    run = saga_run_of(order)
    refusal = cancel_refusal(order, run)
    if refusal:
        raise ValidationError(refusal)
    if run.state == SagaRun.State.COMPENSATION_FAILED:
        return sagas.retry_compensation(run.pk).state
    return sagas.compensate(run.pk, reason).state


def cancel_refusal(order, run):
    """Why ``order`` (with its checkout ``run``) cannot be cancelled, or None if it can."""
    if run is None:
        return f"Order {order.number} has no checkout run to take back."
    if order.status in (Order.Status.FAILED, Order.Status.CANCELLED):
        return f"Order {order.number} is {order.get_status_display().lower()} already."
    return None
