"""Writing events to the outbox and handing them to the relay once committed."""
import logging
import threading
import time
from contextvars import ContextVar

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


def dispatch(sequence):
    """Queue delivery of one committed event; never raises."""
    from .tasks import deliver_event

    if not broker_gate.is_open():
        return
    try:
        deliver_event.delay(sequence)
    except Exception:  # noqa: BLE001 - a broker fails in many ways; the outbox keeps the event
        broker_gate.close()
        logger.warning("Could not queue outbox event %s; it waits for the sweeper.", sequence, exc_info=True)
