"""Writing events to the outbox and handing them to the relay once committed."""
import logging

from django.db import transaction

from .models import OutboxEvent

logger = logging.getLogger(__name__)


def emit(*, aggregatetype, aggregateid, type, payload, version, using="default"):
    """Record one event inside the caller's transaction; dispatch it after commit.

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
    transaction.on_commit(lambda: dispatch(event.sequence), using=using, robust=True)
    return event


def dispatch(sequence):
    """Queue delivery of one committed event. A broker that is down loses nothing:
    the event stays in the outbox for the sweeper."""
    from .tasks import deliver_event

    try:
        deliver_event.delay(sequence)
    except Exception:  # noqa: BLE001 - the broker's errors are many; the outbox keeps the event
        logger.warning("Could not queue outbox event %s; it stays for the sweeper.", sequence, exc_info=True)
