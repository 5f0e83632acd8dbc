"""Small shared flags between the writers that dispatch and the relay tasks that drain.

Kept apart from both so neither has to import the other.
"""
import logging
import threading
import time

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

# Set while a relay task is queued and not yet started: that task will deliver
# every event committed before it drains, so a busy site sends one message per
# batch instead of one per event. Expires in case the message is lost.
RELAY_QUEUED_KEY = "sync:relay-queued"
RELAY_QUEUED_SECONDS = 2
RETRY_KEY = "sync:retry-queued"
PAUSED_KEY = "sync:paused:{}"


def relay_task_queued():
    """Mark a relay task as queued; False if one already is (so this event rides along)."""
    try:
        return cache.add(RELAY_QUEUED_KEY, 1, timeout=RELAY_QUEUED_SECONDS)
    except Exception:  # noqa: BLE001 - without the cache, send a message per event
        logger.warning("The cache is unavailable: one relay message per event.", exc_info=True)
        return True


def relay_task_started():
    """Called by the relay task before it drains: events committed from now on queue a new task."""
    try:
        cache.delete(RELAY_QUEUED_KEY)
    except Exception:  # noqa: BLE001
        logger.warning("The cache is unavailable.", exc_info=True)


def claim_retry(due):
    """True if a retry should be queued for ``due`` (a Unix time): none is queued for that
    time or earlier. A spare retry is harmless; a missing one waits for beat."""
    now = time.time()
    try:
        queued = cache.get(RETRY_KEY)
        if queued is not None and now - 60 < queued <= due:
            return False
        cache.set(RETRY_KEY, due, timeout=max(0.0, due - now) + 60)
    except Exception:  # noqa: BLE001 - without the cache, queue it anyway
        logger.warning("The cache is unavailable.", exc_info=True)
    return True


def retry_started():
    """Called by the retry task before it drains: later failures may queue a new retry."""
    try:
        cache.delete(RETRY_KEY)
    except Exception:  # noqa: BLE001
        logger.warning("The cache is unavailable.", exc_info=True)


def pause_projection(projection, until):
    """A projection's store is unavailable: its deliveries wait until ``until`` (a Unix time).

    Other projections keep flowing, and a store that is down is asked once per
    retry rather than by every drain.
    """
    seconds = until - time.time()
    if seconds <= 0:
        return
    try:
        cache.set(PAUSED_KEY.format(projection), until, timeout=seconds)
    except Exception:  # noqa: BLE001 - without the cache, every drain tries the store
        logger.warning("The cache is unavailable: %s is not paused.", projection, exc_info=True)


def paused_until(projection):
    """When the projection's pause ends (a Unix time), or None if it is not paused."""
    try:
        until = cache.get(PAUSED_KEY.format(projection))
    except Exception:  # noqa: BLE001
        return None
    return until if until is not None and until > time.time() else None


def resume_projections(names):
    """An operator says the stores are back (a redrive): try them at once."""
    try:
        cache.delete_many([PAUSED_KEY.format(name) for name in names])
    except Exception:  # noqa: BLE001
        logger.warning("The cache is unavailable.", exc_info=True)
