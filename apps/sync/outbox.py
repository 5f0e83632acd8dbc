"""Writing events to the outbox and handing them to the relay once committed."""
from contextvars import ContextVar

from django.db import transaction

from .dispatch import dispatch
from .models import Delivery, OutboxEvent
from .projectors import State, registry

# The sequences of the events this request (or task) emitted, newest last, for
# read-your-writes: a session waits for its own events only.
emitted_sequences = ContextVar("emitted_sequences", default=())
REMEMBERED_EVENTS = 50


def emit(*, aggregatetype, aggregateid, type, payload, version, using="default"):
    """Record one event and its deliveries inside the caller's transaction; dispatch after commit.

    Raises if called outside a transaction, because an event written on its
    own could announce a change that then rolls back, and ValidationError if
    a projection could never hold the new state (the change then rolls back).
    """
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        raise RuntimeError("emit() must run inside transaction.atomic() with the change it announces.")
    projectors = registry.for_type(aggregatetype)
    state = State(aggregatetype, aggregateid, type, version, payload)
    for projector in projectors:
        projector.check(state)
    event = OutboxEvent.objects.using(using).create(
        aggregatetype=aggregatetype,
        aggregateid=aggregateid,
        type=type,
        payload=payload,
        version=version,
    )
    Delivery.objects.using(using).bulk_create(
        Delivery(event=event, projection=projector.name) for projector in projectors
    )
    emitted_sequences.set((*emitted_sequences.get(), event.sequence)[-REMEMBERED_EVENTS:])
    names = [projector.name for projector in projectors]
    transaction.on_commit(lambda: dispatch(event.sequence, names), using=using, robust=True)
    return event
