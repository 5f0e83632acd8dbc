"""Small shared flags between the writers that dispatch and the relay tasks that drain.

Kept apart from both so neither has to import the other.
"""
import logging
import threading
import time
import uuid

from django.core.cache import cache

from .conf import sync_setting

logger = logging.getLogger(__name__)


class BrokerGate:
    """Stops requests from waiting on a broker that just failed.

    After a failed publish, dispatch is skipped for BROKER_RETRY_AFTER_SECONDS:
    the events are safe in the outbox and the sweeper delivers them.
    """

    def __init__(self):
        self._closed_until = 0.0
        self._lock = threading.Lock()

    def is_open(self):
        return time.monotonic() >= self._closed_until

    def close(self):
        with self._lock:
            self._closed_until = time.monotonic() + sync_setting("BROKER_RETRY_AFTER_SECONDS")

    def reset(self):
        with self._lock:
            self._closed_until = 0.0


broker_gate = BrokerGate()

# Set (per projection) while a relay task for that projection is queued and not
# yet started: that task will deliver every event committed before it drains, so
# a busy site sends one message per batch instead of one per event. Expires in
# case the message is lost.
RELAY_QUEUED_KEY = "sync:relay-queued:{}"
RELAY_QUEUED_SECONDS = 2
RETRY_KEY = "sync:retry-queued"
# Held while a worker drains a projection, so two workers never drain the same one:
# a store with one writer (a tantivy index) would make the second wait on its lock
# while the other projection's task waited for a free worker. Renewed per batch;
# expires (DRAIN_LEASE_SECONDS) in case its worker dies.
DRAINING_KEY = "sync:draining:{}"
RECHECK_KEY = "sync:drain-recheck:{}"
PAUSED_KEY = "sync:paused:{}"


def with_cache(call, fallback, consequence=""):
    """``call()``, or ``fallback`` when the cache is down: these flags only save work,
    and the outbox and beat's sweeper keep every event safe without them."""
    try:
        return call()
    except Exception:  # noqa: BLE001 - a cache fails in many ways
        logger.warning("The cache is unavailable%s.", consequence, exc_info=True)
        return fallback


def relay_task_queued(projection):
    """Mark a relay task for ``projection`` as queued; False if one already is (so this event rides along)."""
    key = RELAY_QUEUED_KEY.format(projection)
    return with_cache(lambda: cache.add(key, 1, timeout=RELAY_QUEUED_SECONDS), True, ": one relay message per event")


def relay_task_started(projections):
    """Called by a relay task before it drains: events committed from now on queue a new task."""
    with_cache(lambda: cache.delete_many([RELAY_QUEUED_KEY.format(name) for name in projections]), None)


def claim_retry(due):
    """True if a retry should be queued for ``due`` (a Unix time): none is queued for that
    time or earlier. A spare retry is harmless; a missing one waits for beat."""
    def claim():
        now = time.time()
        queued = cache.get(RETRY_KEY)
        if queued is not None and now - 60 < queued <= due:
            return False
        cache.set(RETRY_KEY, due, timeout=max(0.0, due - now) + 60)
        return True

    return with_cache(claim, True)


def retry_started():
    """Called by the retry task before it drains: later failures may queue a new retry."""
    with_cache(lambda: cache.delete(RETRY_KEY), None)


def pause_projection(projection, until):
    """A projection's store is unavailable: its deliveries wait until ``until`` (a Unix time).

    Other projections keep flowing, and a store that is down is asked once per
    retry rather than by every drain.
    """
    seconds = until - time.time()
    if seconds > 0:
        with_cache(lambda: cache.set(PAUSED_KEY.format(projection), until, timeout=seconds), None,
                   f": {projection} is not paused")


def paused_until(projection):
    """When the projection's pause ends (a Unix time), or None if it is not paused."""
    until = with_cache(lambda: cache.get(PAUSED_KEY.format(projection)), None)
    return until if until is not None and until > time.time() else None


def resume_projections(names):
    """An operator says the stores are back (a redrive): try them at once."""
    with_cache(lambda: cache.delete_many([PAUSED_KEY.format(name) for name in names]), None)


def claim_drain(projection):
    """A token if this worker may drain ``projection`` now; None while another worker does.

    Without the cache, every worker may drain (as before there was a lease)."""
    token = uuid.uuid4().hex
    key = DRAINING_KEY.format(projection)
    seconds = sync_setting("DRAIN_LEASE_SECONDS")
    return with_cache(lambda: token if cache.add(key, token, timeout=seconds) else None, token,
                      ": workers may drain one projection at once")


def renew_drain(projection):
    """Keep the lease while a long drain goes on (called once per batch)."""
    with_cache(lambda: cache.touch(DRAINING_KEY.format(projection), sync_setting("DRAIN_LEASE_SECONDS")), None)


def release_drain(projection, token):
    """Let go of the lease, unless it expired and another worker holds it now."""
    key = DRAINING_KEY.format(projection)

    def release():
        if cache.get(key) == token:
            cache.delete(key)

    with_cache(release, None)


def claim_recheck(projection):
    """True if no later look at ``projection`` is queued yet (see tasks.look_again_after_the_lease)."""
    key = RECHECK_KEY.format(projection)
    return with_cache(lambda: cache.add(key, 1, timeout=sync_setting("DRAIN_LEASE_SECONDS")), True)


def forget_flags(projections):
    """Drop every flag of these projections and the queued retry, as if no relay had run yet.

    Only for a fresh start while no worker runs and no relay message is queued (the
    sync benchmark between its measures): a flag left by a stopped worker (a drain's
    lease, say) would otherwise hold the next worker back until it expired.
    """
    keys = [key.format(name) for name in projections
            for key in (RELAY_QUEUED_KEY, DRAINING_KEY, RECHECK_KEY, PAUSED_KEY)]
    with_cache(lambda: cache.delete_many([*keys, RETRY_KEY]), None)
