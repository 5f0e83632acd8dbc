"""Payment methods: a pluggable checkout step.

``ORDERS_PAYMENT_METHODS`` lists the classes offered, by dotted path; the first
is the default. Each method takes a payment for an order and gives it back:

    class PaymentMethod:
        code = "card"; label = "Card"
        def authorize(self, order, key) -> reference      # Refused if declined
        def refund(self, order, reference) -> None

Both are called by the checkout saga and may be called again after a crash
with the same key, so a real provider's call passes ``key`` as its own
idempotency key. Built in: pay on delivery, and a test method whose outcome
``ORDERS_TEST_PAYMENT_OUTCOME`` sets ("approve", "decline" or "error").
"""
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.module_loading import import_string

from apps.sync.sagas import Refused


class PaymentMethod:
    code = None
    label = None

    def authorize(self, order, key):
        """Take the payment for ``order``; return the provider's reference. Refused if declined."""
        raise NotImplementedError("subclasses of PaymentMethod must provide an authorize() method")

    def refund(self, order, reference):
        """Give back what authorize() took."""
        raise NotImplementedError("subclasses of PaymentMethod must provide a refund() method")


class PayOnDelivery(PaymentMethod):
    """Nothing is taken now: the courier collects."""

    code = "on_delivery"
    label = "Pay on delivery"

    def authorize(self, order, key):
        return f"on-delivery-{key}"

    def refund(self, order, reference):
        return None


class PaymentUnavailable(Exception):
    """The provider did not answer (the test method's "error"): the step is tried again."""


class TestPayment(PaymentMethod):
    """For tests and demos: approves, declines or fails as ORDERS_TEST_PAYMENT_OUTCOME says."""

    code = "test"
    label = "Test payment"

    def authorize(self, order, key):
        outcome = getattr(settings, "ORDERS_TEST_PAYMENT_OUTCOME", "approve")
        if outcome == "decline":
            raise Refused("The test payment was declined.")
        if outcome == "error":
            raise PaymentUnavailable("The test payment provider did not answer.")
        return f"test-{key}"

    def refund(self, order, reference):
        if getattr(settings, "ORDERS_TEST_PAYMENT_OUTCOME", "approve") == "refund_error":
            raise PaymentUnavailable("The test payment provider refused the refund.")
        return None


def payment_methods():
    """The offered methods, by code, in the order the setting lists them."""
    methods = {}
    for path in settings.ORDERS_PAYMENT_METHODS:
        try:
            method = import_string(path)()
        except ImportError as e:
            raise ImproperlyConfigured(f"ORDERS_PAYMENT_METHODS names {path!r}, which cannot be imported.") from e
        methods[method.code] = method
    if not methods:
        raise ImproperlyConfigured("ORDERS_PAYMENT_METHODS lists no payment method.")
    return methods


def payment_method(code):
    """The offered method with this code, else ValidationError."""
    methods = payment_methods()
    if code in (None, ""):
        return next(iter(methods.values()))
    if code not in methods:
        raise ValidationError({"payment_method": [f"Choose one of: {', '.join(methods)}."]}, code="invalid")
    return methods[code]


def choices():
    return [(method.code, method.label) for method in payment_methods().values()]
