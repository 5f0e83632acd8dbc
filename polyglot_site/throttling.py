"""API throttles that count each client's requests with one atomic increment in the cache.

DRF's own throttles keep each client's list of request times in the cache and
read and write it whole on every request: two cache calls, a value (JSON here)
that grows with the rate, and counts lost when requests of one client race.
These count in a fixed window instead: a client's first request starts a
window as long as its rate's period, every request increments one counter
(django-redis: one atomic call), and past the rate the client is told how long
the window still runs. Rates and cache keys are DRF's (``DEFAULT_THROTTLE_RATES``,
``throttle_<scope>_<client>``).

With django-redis the window and the count are one round trip (``SET NX EX``
then ``INCR``, sent together on the connection the thread keeps:
polyglot_site/redis_round_trip.py); other caches use ``add()`` and ``incr()``. A view
that will read cache entries anyway may name them in
``cache_keys_to_prefetch(request)``: they ride in the same round trip, and
``request.prefetched_cache`` holds what was found ({key: value or None}).
"""
from rest_framework.permissions import SAFE_METHODS
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle

from polyglot_site.redis_round_trip import round_trip


class CountingRateThrottle(SimpleRateThrottle):
    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.count = self._increment(request, view)
        return self.count <= self.num_requests

    def _increment(self, request, view):
        client = getattr(self.cache, "client", None)
        if hasattr(client, "get_client") and hasattr(client, "make_key"):  # django-redis
            key = client.make_key(self.key)
            wanted = self._keys_to_prefetch(request, view)
            redis = client.get_client(write=True)
            window = max(1, int(self.duration))
            results = round_trip(redis, [("SET", key, 0, "EX", window, "NX"), ("INCR", key),
                                         *(("GET", client.make_key(name)) for name in wanted)])
            count, found = results[1], results[2:]
            if wanted and not any(isinstance(value, Exception) for value in found):
                request.prefetched_cache = {
                    name: None if value is None else client.decode(value) for name, value in zip(wanted, found)
                }
            if isinstance(count, int):
                return count
            # Not a number (DRF's list of times, from before): start a window again.
            redis.set(key, 1, ex=window)
            return 1
        try:
            return self.cache.incr(self.key)
        except ValueError:  # no window yet (or it just ended): this request opens one
            if self.cache.add(self.key, 1, self.duration):
                return 1
            return self.cache.incr(self.key)
        except TypeError:  # a value of another shape (DRF's list of times): start again
            self.cache.set(self.key, 1, self.duration)
            return 1

    def _keys_to_prefetch(self, request, view):
        if hasattr(request, "prefetched_cache"):
            return []  # another throttle of this request fetched them
        ask = getattr(view, "cache_keys_to_prefetch", None)
        return list(ask(request)) if ask is not None else []

    def wait(self):
        """Seconds until the window ends (the cache's TTL where it tells, else the whole period)."""
        ttl = getattr(self.cache, "ttl", None)
        remaining = ttl(self.key) if ttl is not None else None
        return remaining if isinstance(remaining, (int, float)) and remaining > 0 else self.duration


class AnonCountThrottle(CountingRateThrottle, AnonRateThrottle):
    """Anonymous clients, per address (the ``anon`` rate)."""


class UserCountThrottle(CountingRateThrottle, UserRateThrottle):
    """Signed-in clients, per user (the ``user`` rate); anonymous ones are the anon throttle's."""

    def get_cache_key(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return None
        return super().get_cache_key(request, view)


class AnonScopedCountThrottle(CountingRateThrottle):
    """Anonymous clients of a view that names a ``throttle_scope``, per scope and address:
    the ``<scope>`` rate (an endpoint that costs more, or is called per keystroke)."""

    def __init__(self):
        pass  # the rate depends on the view: read in allow_request()

    def allow_request(self, request, view):
        self.scope = getattr(view, "throttle_scope", None)
        if not self.scope or (request.user and request.user.is_authenticated):
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class WriteCountThrottle(CountingRateThrottle):
    """A rate of its own (``scope``) for a view's writes, per user (else per address): an
    endpoint whose writes cost more (a checkout, a post) holds a looping client back early,
    and reading costs nothing of it. Subclasses set ``scope``."""

    def allow_request(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        user = request.user
        ident = user.pk if user and user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class ThrottledWritesMixin:
    """For an APIView: the site's rates for every request, plus ``write_throttle``'s for writes."""

    write_throttle = None

    def get_throttles(self):
        return [throttle() for throttle in (*api_settings.DEFAULT_THROTTLE_CLASSES, self.write_throttle)]
