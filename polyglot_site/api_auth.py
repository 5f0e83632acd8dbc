"""Authentication of the API (DRF DEFAULT_AUTHENTICATION_CLASSES)."""
from rest_framework import exceptions
from rest_framework.authentication import BasicAuthentication, get_authorization_header
from drf_spectacular.authentication import BasicScheme
from rest_framework.throttling import SimpleRateThrottle


class BasicCredentialsThrottle(SimpleRateThrottle):
    """Requests carrying Basic credentials, counted per client (``basic_auth`` rate)."""

    scope = "basic_auth"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class ThrottledBasicAuthentication(BasicAuthentication):
    """Basic auth whose every request costs a password hash: a client that sends too
    many is told to wait before any hash is computed, whoever it claims to be.
    API clients should prefer a token (no hash per request)."""

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if parts and parts[0].lower() == b"basic":
            throttle = BasicCredentialsThrottle()
            if not throttle.allow_request(request, None):
                raise exceptions.Throttled(throttle.wait())
        return super().authenticate(request)


class ThrottledBasicScheme(BasicScheme):
    """The schema names it as plain HTTP Basic (defining the class registers it)."""

    target_class = "polyglot_site.api_auth.ThrottledBasicAuthentication"
