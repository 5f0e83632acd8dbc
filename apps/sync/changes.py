"""Changes whose home is not SQL (documents, graph): the event first, then the home.

``record_change`` commits the event (carrying the new state and its
version) to the outbox, then applies it to the home at once. If the process
dies between the two, the home's delivery is still pending and the relay
applies it, so an acknowledged change is never lost.

``record_conditional_change`` is for a change that may rightly be refused
(reserve stock only if enough is left): the home applies it first, under
its condition, and only a change that applied is announced.
``record_creation`` is the same for a record that must not exist yet (one
review per user and product): the home's Conflict settles a race.
"""
from dataclasses import dataclass

from django.db import transaction

from apps.stores import stores
from apps.stores.exceptions import Conflict, NotFound, PreconditionFailed

from . import relay
from .models import AggregateVersion, Delivery
from .outbox import emit
from .projectors import VERSION_FIELD, registry


def _locked_counter(aggregatetype, aggregateid):
    counter, _ = AggregateVersion.objects.select_for_update().get_or_create(
        aggregatetype=aggregatetype, aggregateid=aggregateid
    )
    return counter


def next_version(aggregatetype, aggregateid):
    """The aggregate's next version, taken under a row lock inside the caller's transaction."""
    counter = _locked_counter(aggregatetype, aggregateid)
    counter.version += 1
    counter.save(update_fields=["version"])
    return counter.version


def _home_projector(aggregatetype, home):
    for projector in registry.for_type(aggregatetype):
        if projector.name == home:
            return projector
    raise ValueError(f"No projection {home!r} is registered for {aggregatetype!r}.")


def record_change(*, aggregatetype, aggregateid, type, payload, home):
    """Commit the event, then apply it to the ``home`` projection now; returns the event.

    The home's projector error, if any, is recorded on its delivery and
    retried by the relay; the change itself is already safe in the outbox.
    """
    _home_projector(aggregatetype, home)
    with transaction.atomic():
        version = next_version(aggregatetype, aggregateid)
        event = emit(aggregatetype=aggregatetype, aggregateid=aggregateid, type=type, payload=payload, version=version)
    _apply_to_home(event.aggregatetype, event.aggregateid, home)
    return event


def _apply_to_home(aggregatetype, aggregateid, home):
    """Apply the aggregate's waiting events to its home, oldest first."""
    waiting = Delivery.objects.filter(
        projection=home, event__aggregatetype=aggregatetype, event__aggregateid=aggregateid,
        status__in=relay.DUE,
    ).order_by("event_id").values_list("pk", flat=True)
    ids = list(waiting)
    if ids:
        relay.deliver_batch(ids)


@dataclass(frozen=True)
class ChangeOutcome:
    """What a conditional change did: ``applied`` with its event and the document as
    stored, or refused with the reason (the condition did not hold, or the record is gone)."""

    applied: bool
    event: object = None
    document: dict = None
    reason: str = ""


def record_conditional_change(*, aggregatetype, aggregateid, partition_key, operations, condition, home):
    """Apply patch ``operations`` to the record in its home container only if ``condition``
    (a filter the stored document must match) holds, then announce the change.

    The aggregate's version counter stays locked from before the patch until
    the event commits, so the patch writes the same version the event
    carries and concurrent changes of one record take turns. Events of this
    record still waiting for the home are applied first, so the condition
    is checked against every change acknowledged before it. Returns a
    ChangeOutcome; a refused condition writes nothing and announces nothing.
    """
    projector = _home_projector(aggregatetype, home)
    store = stores[projector.alias]
    with transaction.atomic():
        counter = _locked_counter(aggregatetype, aggregateid)
        _apply_to_home(aggregatetype, aggregateid, home)
        version = counter.version + 1
        try:
            document = store.patch(
                projector.container, aggregateid, partition_key,
                [*operations, ("set", VERSION_FIELD, version)], condition=condition,
            )
        except PreconditionFailed as refused:
            return ChangeOutcome(applied=False, reason=str(refused) or "The condition did not hold.")
        except NotFound as missing:
            return ChangeOutcome(applied=False, reason=str(missing) or "The record does not exist.")
        # Should this transaction fail from here on, the home keeps the change without
        # its event; the record's next change claims the same version and carries the
        # whole document, so the projections still converge on what the home holds.
        counter.version = version
        counter.save(update_fields=["version"])
        payload = {k: v for k, v in document.items() if not k.startswith("_") and k != VERSION_FIELD}
        event = emit(aggregatetype=aggregatetype, aggregateid=aggregateid, type="saved", payload=payload,
                     version=version)
    _apply_to_home(aggregatetype, aggregateid, home)  # a no-op there: it marks the home's delivery done
    return ChangeOutcome(applied=True, event=event, document=document)


def record_creation(*, aggregatetype, aggregateid, payload, home):
    """Create the record in its home container only if no record with its id exists there,
    then announce it; returns a ChangeOutcome, refused when the id is taken.

    As in record_conditional_change, the version counter stays locked from before
    the create until the event commits, and the home's waiting events are applied
    first. The store's create is the arbiter, so two processes creating one id at
    once (whatever their SQL database does with the lock) give one record.
    """
    projector = _home_projector(aggregatetype, home)
    store = stores[projector.alias]
    with transaction.atomic():
        counter = _locked_counter(aggregatetype, aggregateid)
        _apply_to_home(aggregatetype, aggregateid, home)
        version = counter.version + 1
        try:
            document = store.create(projector.container, {**payload, "id": aggregateid, VERSION_FIELD: version})
        except Conflict as taken:
            return ChangeOutcome(applied=False, reason=str(taken) or "The record exists already.")
        stored = {k: v for k, v in document.items() if not k.startswith("_") and k != VERSION_FIELD}
        try:
            counter.version = version
            counter.save(update_fields=["version"])
            event = emit(aggregatetype=aggregatetype, aggregateid=aggregateid, type="saved", payload=stored,
                         version=version)
        except BaseException:
            # Refused by a projection (or the event could not be written): the record must not stay.
            partition = store.container(projector.container).partition_key_of(document)
            store.delete(projector.container, aggregateid, partition, if_match=document.get("_etag"))
            raise
    _apply_to_home(aggregatetype, aggregateid, home)  # a no-op there: it marks the home's delivery done
    return ChangeOutcome(applied=True, event=event, document=document)
