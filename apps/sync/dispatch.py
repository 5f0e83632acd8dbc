"""Handing committed events to the relay task, without ever failing the write."""
import logging
from contextlib import contextmanager
from contextvars import ContextVar

from .relay_flags import broker_gate, relay_task_queued, relay_task_started
from .tasks import deliver_event

logger = logging.getLogger(__name__)

# True inside batched_delivery(): events are left in the outbox for one drain at its end.
_held = ContextVar("sync_dispatch_held", default=False)


@contextmanager
def batched_delivery():
    """For bulk loads (the demo seeder): events committed inside the block are not handed
    to the relay one by one; when it ends, one relay task delivers everything due, in
    batches, so a search index commits once per batch instead of once per event.

    Homes that are not SQL are written at once as always (apps.sync.changes applies each
    change to its home itself); only the projections wait. Events committed before an
    error inside the block are delivered all the same.
    """
    token = _held.set(True)
    try:
        yield
    finally:
        _held.reset(token)
        if not _held.get():
            _queue(None, [None])


def _queue(sequence, projections):
    for projection in projections:
        if not broker_gate.is_open():
            return
        if projection is not None and not relay_task_queued(projection):
            continue
        try:
            deliver_event.delay(sequence, projection)
        except Exception:  # noqa: BLE001 - a broker fails in many ways; the outbox keeps the event
            broker_gate.close()
            if projection is not None:
                relay_task_started(projections)
            logger.warning("Could not queue outbox event %s; it waits for the sweeper.", sequence, exc_info=True)


def dispatch(sequence, projections):
    """Queue delivery of one committed event to each of its projections; never raises.

    One relay task per projection, so two worker processes write to two stores at
    once (the document store and the search index, say) instead of one after the
    other, and a slow store delays only its own projection.
    """
    if not _held.get():
        _queue(sequence, projections)
