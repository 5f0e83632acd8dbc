"""Social writes (follow, like, post, comment) have a rate of their own per client."""
from polyglot_site.throttling import ThrottledWritesMixin as SiteThrottledWritesMixin
from polyglot_site.throttling import WriteCountThrottle

WRITE_SCOPE = "social_write"


class SocialWriteThrottle(WriteCountThrottle):
    """The ``social_write`` rate, counted for writes only: reading a feed costs nothing of it."""

    scope = WRITE_SCOPE


class ThrottledWritesMixin(SiteThrottledWritesMixin):
    """The site's rates for every request, plus ``social_write`` for writes (and, through
    ``throttle_scope``, for an anonymous client's reads: see AnonScopedCountThrottle)."""

    throttle_scope = WRITE_SCOPE
    write_throttle = SocialWriteThrottle
