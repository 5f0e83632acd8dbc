"""Handing committed events to the relay task, without ever failing the write."""
import logging

from .relay_flags import broker_gate, relay_task_queued, relay_task_started
from .tasks import deliver_event

logger = logging.getLogger(__name__)


def dispatch(sequence, projections):
    """Queue delivery of one committed event to each of its projections; never raises.

    One relay task per projection, so two worker processes write to two stores at
    once (the document store and the search index, say) instead of one after the
    other, and a slow store delays only its own projection.
    """
    for projection in projections:
        if not broker_gate.is_open():
            return
        if not relay_task_queued(projection):
            continue
        try:
            deliver_event.delay(sequence, projection)
        except Exception:  # noqa: BLE001 - a broker fails in many ways; the outbox keeps the event
            broker_gate.close()
            relay_task_started(projections)
            logger.warning("Could not queue outbox event %s; it waits for the sweeper.", sequence, exc_info=True)
