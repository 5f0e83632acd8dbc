"""Writing events to the outbox and handing them to the relay once committed."""
import logging
import threading
import time
from contextvars import ContextVar

from django.core.cache import cache
from django.db import transaction

from .conf import sync_setting
from .models import Delivery, OutboxEvent
from .projectors import registry

logger = logging.getLogger(__name__)

# The newest sequence this request (or task) emitted, for read-your-writes.
last_emitted_sequence = ContextVar("last_emitted_sequence", default=None)


def emit(*, aggregatetype, aggregateid, type, payload, version, using="default"):
    """Record one event and its deliveries inside the caller's transaction; dispatch after commit.

    Raises if called outside a transaction, because an event written on its
    own could announce a change that then rolls back.
    """
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        raise RuntimeError("emit() must run inside transaction.atomic() with the change it announces.")
    event = OutboxEvent.objects.using(using).create(
        aggregatetype=aggregatetype,
        aggregateid=aggregateid,
        type=type,
        payload=payload,
        version=version,
    )
    Delivery.objects.using(using).bulk_create(
        Delivery(event=event, projection=projector.name) for projector in registry.for_type(aggregatetype)
    )
    last_emitted_sequence.set(max(event.sequence, last_emitted_sequence.get() or 0))
    transaction.on_commit(lambda: dispatch(event.sequence), using=using, robust=True)
    return event


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


def dispatch(sequence):
    """Queue delivery of one committed event; never raises."""
    from .tasks import deliver_event

    if not broker_gate.is_open() or not relay_task_queued():
        return
    try:
        deliver_event.delay(sequence)
    except Exception:  # noqa: BLE001 - a broker fails in many ways; the outbox keeps the event
        broker_gate.close()
        relay_task_started()
        logger.warning("Could not queue outbox event %s; it waits for the sweeper.", sequence, exc_info=True)
