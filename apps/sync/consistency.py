"""Consistency chosen per read, with the names DESIGN.md uses.

- eventual: read the projection as it is.
- read_your_writes: if this session wrote recently, wait briefly for the
  projection to deliver the session's own outbox events (nobody else's),
  else read the home.
- bounded_staleness: read the projection unless its lag passes the bound;
  then read the home and log a warning.
- strong: read the home only.

Views ask ``read_source(request, projection, default=...)`` and get
"projection" or "home". API clients choose with the Consistency-Level header.
"""
import logging
import time

from .conf import sync_setting
from .lag import lag_seconds
from .models import Delivery
from .outbox import REMEMBERED_EVENTS, emitted_sequences

logger = logging.getLogger(__name__)

EVENTUAL, READ_YOUR_WRITES, BOUNDED_STALENESS, STRONG = "eventual", "read_your_writes", "bounded_staleness", "strong"
LEVELS = (EVENTUAL, READ_YOUR_WRITES, BOUNDED_STALENESS, STRONG)
ALIASES = {"session": READ_YOUR_WRITES}  # Cosmos DB's name for read-your-writes
HEADER = "Consistency-Level"
SESSION_KEY = "sync.own_events"
POLL_SECONDS = 0.02


class InvalidConsistencyLevel(ValueError):
    pass


def parse_level(value):
    """'Read-Your-Writes', 'read_your_writes' and 'session' all name the same level."""
    normalised = str(value).strip().lower().replace("-", "_").replace(" ", "_")
    normalised = ALIASES.get(normalised, normalised)
    if normalised not in LEVELS:
        raise InvalidConsistencyLevel(
            f"{HEADER} must be one of {', '.join(LEVELS)} (got {str(value)[:40]!r})."
        )
    return normalised


def requested_level(request, default):
    """The level the request asks for in its header, else the endpoint's default."""
    header = request.headers.get(HEADER)
    return parse_level(header) if header else default


def caught_up(projection, sequences):
    """Has the projection delivered each of these events? Other writers' events do not count."""
    return not Delivery.objects.filter(projection=projection, event_id__in=sequences).exclude(
        status=Delivery.Status.DONE
    ).exists()


def read_source(request, projection, *, default=EVENTUAL):
    """Where this read should go: "projection" or "home". Also sets request.consistency_level."""
    level = requested_level(request, default)
    # DRF wraps the HttpRequest; the middleware sees the inner one.
    getattr(request, "_request", request).consistency_level = level
    if level == STRONG:
        return "home"
    if level == BOUNDED_STALENESS:
        lag = lag_seconds(projection)
        if lag > sync_setting("STALENESS_BOUND_SECONDS"):
            logger.warning("Projection %s lags %.1fs, past the staleness bound: reading the home.", projection, lag)
            return "home"
        return "projection"
    if level == READ_YOUR_WRITES:
        sequences = own_sequences(request)
        if not sequences:
            return "projection"
        deadline = time.monotonic() + sync_setting("READ_YOUR_WRITES_WAIT_SECONDS")
        while not caught_up(projection, sequences):
            if time.monotonic() >= deadline:
                return "home"
            time.sleep(POLL_SECONDS)
    return "projection"


def own_sequences(request):
    """The outbox events this session (and this very request) wrote lately."""
    remembered = getattr(request, "session", {}).get(SESSION_KEY) or []
    return sorted({*remembered, *emitted_sequences.get()})[-REMEMBERED_EVENTS:]


class ReadYourWritesMiddleware:
    """Remembers in the session the outbox events each request wrote (the latest few)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = emitted_sequences.set(())
        try:
            response = self.get_response(request)
            emitted = emitted_sequences.get()
        finally:
            emitted_sequences.reset(token)
        session = getattr(request, "session", None)
        if emitted and session is not None:
            remembered = session.get(SESSION_KEY) or []
            session[SESSION_KEY] = sorted({*remembered, *emitted})[-REMEMBERED_EVENTS:]
        level = getattr(request, "consistency_level", None)
        if level:
            response.headers[HEADER] = level
        return response
