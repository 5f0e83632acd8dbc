"""Handing committed events to the relay task, without ever failing the write."""
import logging

from .relay_flags import broker_gate, relay_task_queued, relay_task_started
from .tasks import deliver_event

logger = logging.getLogger(__name__)


def dispatch(sequence):
    """Queue delivery of one committed event; never raises."""
    if not broker_gate.is_open() or not relay_task_queued():
        return
    try:
        deliver_event.delay(sequence)
    except Exception:  # noqa: BLE001 - a broker fails in many ways; the outbox keeps the event
        broker_gate.close()
        relay_task_started()
        logger.warning("Could not queue outbox event %s; it waits for the sweeper.", sequence, exc_info=True)
