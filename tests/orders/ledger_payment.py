"""A payment provider for the crash tests that keeps its own ledger: every authorization and
refund asked of it, by any process, is one line appended to the file ORDERS_PAYMENT_LEDGER.
A real provider's books are where "charged twice" would show; this ledger is ours.

Offered by listing ``tests.orders.ledger_payment.LedgerPayment`` in ORDERS_PAYMENT_METHODS.
"""
import os
from collections import Counter

from apps.orders.payments import PaymentMethod


def _write(line):
    # One write of one short line to a file opened for appending: lines from processes never mix.
    with open(os.environ["ORDERS_PAYMENT_LEDGER"], "a") as ledger:
        ledger.write(line + "\n")


class LedgerPayment(PaymentMethod):
    code = "ledger"
    label = "Ledger (tests)"

    def authorize(self, order, key):
        _write(f"authorize {order.number}")
        return f"ledger-{key}"

    def refund(self, order, reference):
        _write(f"refund {order.number}")


def entries(path):
    """How many times each (action, order number) was asked of the provider."""
    if not os.path.exists(path):
        return Counter()
    return Counter(tuple(line.split()) for line in open(path).read().splitlines())
