"""Checkouts have a rate of their own per signed-in client (``checkout`` in DEFAULT_THROTTLE_RATES):
each one runs a saga across three stores, so a client looping on POST is held back early."""
from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import ScopedRateThrottle

from polyglot_site.throttling import CountingRateThrottle

CHECKOUT_SCOPE = "checkout"


class CheckoutThrottle(CountingRateThrottle, ScopedRateThrottle):
    """The ``checkout`` rate, per user, counted for checkouts only: reading orders costs nothing of it."""

    scope = CHECKOUT_SCOPE

    def __init__(self):
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)

    def allow_request(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        return CountingRateThrottle.allow_request(self, request, view)
