"""Consistency chosen per read, with the names DESIGN.md uses.

- eventual: read the projection as it is.
- read_your_writes: if this session wrote recently, wait briefly for the
  projection to deliver the session's own outbox events (nobody else's),
  else read the home. It also keeps reads monotonic, as Cosmos DB's session
  consistency does.
- monotonic_reads: a session never sees an older version of a record than
  it saw before: if the projection has not reached a version this session
  was shown, wait briefly, else read the home.
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
from .models import Delivery, ProjectionCursor
from .outbox import REMEMBERED_EVENTS, emitted_sequences
from .projectors import registry

logger = logging.getLogger(__name__)

EVENTUAL, READ_YOUR_WRITES, MONOTONIC_READS = "eventual", "read_your_writes", "monotonic_reads"
BOUNDED_STALENESS, STRONG = "bounded_staleness", "strong"
LEVELS = (EVENTUAL, READ_YOUR_WRITES, MONOTONIC_READS, BOUNDED_STALENESS, STRONG)
# Cosmos DB's name for read-your-writes, and the short name of monotonic reads.
ALIASES = {"session": READ_YOUR_WRITES, "monotonic": MONOTONIC_READS}
HEADER = "Consistency-Level"
SESSION_KEY = "sync.own_events"
SEEN_KEY = "sync.seen_versions"
REMEMBERED_RECORDS = 200
POLL_SECONDS = 0.02


class InvalidConsistencyLevel(ValueError):
    pass


class ConsistencyNotAllowed(PermissionError):
    """Strong and bounded-staleness reads go to the home, which costs far more than the
    projection: anonymous clients may not ask for them."""


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


def reached_seen(projection, seen):
    """Has the projection reached every version of its records this session was shown?"""
    aggregatetype = registry.get(projection).aggregatetype
    wanted = {}
    for key, version in seen.items():
        kind, _, aggregateid = key.rpartition(":")
        if kind == aggregatetype:
            wanted[aggregateid] = version
    if not wanted:
        return True
    reached = dict(
        ProjectionCursor.objects.filter(
            projection=projection, aggregatetype=aggregatetype, aggregateid__in=list(wanted)
        ).values_list("aggregateid", "version")
    )
    return all(reached.get(aggregateid, 0) >= version for aggregateid, version in wanted.items())


def remember_seen(request, aggregatetype, records):
    """Note the versions of records this session was shown: ``records`` are (id, version) pairs.

    Only a session that exists already remembers: an anonymous client
    without a cookie would otherwise leave a new session behind per request.
    """
    session = getattr(request, "session", None)
    if session is None or session.session_key is None:
        return
    seen = dict(session.get(SEEN_KEY) or {})
    for aggregateid, version in records:
        key = f"{aggregatetype}:{aggregateid}"
        version = max(int(version), seen.pop(key, 0))
        seen[key] = version  # newest last, so the oldest are forgotten first
    if seen != session.get(SEEN_KEY):
        session[SEEN_KEY] = dict(list(seen.items())[-REMEMBERED_RECORDS:])


def caught_up(projection, sequences):
    """Has the projection delivered each of these events? Other writers' events do not count."""
    return not Delivery.objects.filter(projection=projection, event_id__in=sequences).exclude(
        status=Delivery.Status.DONE
    ).exists()


HOME_LEVELS = (STRONG, BOUNDED_STALENESS)


def read_source(request, projection, *, default=EVENTUAL):
    """Where this read should go: "projection" or "home". Also sets request.consistency_level.

    InvalidConsistencyLevel for a level nobody knows; ConsistencyNotAllowed when
    an anonymous client asks for a level that may read the home.
    """
    level = requested_level(request, default)
    if level in HOME_LEVELS and default not in HOME_LEVELS and not request.user.is_authenticated:
        raise ConsistencyNotAllowed(f"{HEADER}: {level} reads need a signed-in user.")
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
    if level in (READ_YOUR_WRITES, MONOTONIC_READS):
        sequences = own_sequences(request) if level == READ_YOUR_WRITES else []
        seen = getattr(request, "session", {}).get(SEEN_KEY) or {}

        def ready():
            return (not sequences or caught_up(projection, sequences)) and (not seen or reached_seen(projection, seen))

        deadline = time.monotonic() + sync_setting("READ_YOUR_WRITES_WAIT_SECONDS")
        while not ready():
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
