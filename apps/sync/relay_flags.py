"""Small shared flags between the writers that dispatch and the relay tasks that drain.

Kept apart from both so neither has to import the other.
"""
import logging
import math
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
RETRY_KEY = "sync:retry-at:{}"
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


def retry_slot_taken(due_second, countdown):
    """True for the first caller that asks to retry at this second; later ones ride along."""
    try:
        return cache.add(RETRY_KEY.format(int(due_second)), 1, timeout=int(countdown) + 30)
    except Exception:  # noqa: BLE001 - without the cache, schedule anyway: a spare retry is harmless
        return True


def pause_projection(projection, seconds):
    """A projection's store is unavailable: leave its deliveries alone for a while.

    Other projections keep flowing, and the store is not asked again by every
    drain; the scheduled retry tries it once the pause is over.
    """
    if seconds <= 0:
        return
    try:
        cache.set(PAUSED_KEY.format(projection), 1, timeout=max(1, math.ceil(seconds)))
    except Exception:  # noqa: BLE001 - without the cache, every drain tries the store
        logger.warning("The cache is unavailable: %s is not paused.", projection, exc_info=True)


def paused_projections(names):
    """The projections among ``names`` whose store was found unavailable a moment ago."""
    try:
        found = cache.get_many([PAUSED_KEY.format(name) for name in names])
    except Exception:  # noqa: BLE001
        return set()
    return {name for name in names if PAUSED_KEY.format(name) in found}


def resume_projections(names):
    """An operator says the stores are back (a redrive): try them at once."""
    try:
        cache.delete_many([PAUSED_KEY.format(name) for name in names])
    except Exception:  # noqa: BLE001
        logger.warning("The cache is unavailable.", exc_info=True)
