"""Checkouts have a rate of their own per signed-in client (``checkout`` in DEFAULT_THROTTLE_RATES):
each one runs a saga across three stores, so a client looping on POST is held back early."""
from polyglot_site.throttling import WriteCountThrottle

CHECKOUT_SCOPE = "checkout"


class CheckoutThrottle(WriteCountThrottle):
    """The ``checkout`` rate, per user, counted for checkouts only: reading orders costs nothing of it."""

    scope = CHECKOUT_SCOPE
