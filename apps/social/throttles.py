"""Social writes (follow, like, post, comment) have a rate of their own per client."""
from rest_framework.permissions import SAFE_METHODS
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle

WRITE_SCOPE = "social_write"


class SocialWriteThrottle(ScopedRateThrottle):
    """The ``social_write`` rate, counted for writes only: reading a feed costs nothing of it."""

    def allow_request(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        return super().allow_request(request, view)


class ThrottledWritesMixin:
    """The site's rates for every request, plus ``social_write`` for writes."""

    throttle_scope = WRITE_SCOPE

    def get_throttles(self):
        return [throttle() for throttle in (*api_settings.DEFAULT_THROTTLE_CLASSES, SocialWriteThrottle)]
