"""Delivers committed outbox events to projections, one delivery row at a time.

Each delivery runs in one SQL transaction that locks the delivery and the
projection's cursor for the aggregate, applies the projector, then moves the
cursor and marks the delivery done. A crash anywhere before the commit
leaves the delivery pending for a retry; the cursor makes the retry (and any
duplicate or older event) a no-op once the newer state is in place.
"""
import logging
import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from .conf import sync_setting
from .models import Delivery, ProjectionCursor
from .projectors import registry

logger = logging.getLogger(__name__)

DUE = (Delivery.Status.PENDING, Delivery.Status.FAILED)


def retry_delay(attempts):
    """Exponential backoff with jitter: about base * 2**(attempts-1), capped."""
    base = sync_setting("RETRY_BASE_SECONDS")
    ceiling = sync_setting("RETRY_MAX_SECONDS")
    delay = min(ceiling, base * 2 ** max(attempts - 1, 0))
    return delay * random.uniform(0.5, 1.0)


def deliver(delivery_id, *, respect_schedule=False):
    """Deliver one delivery row. Returns its status afterwards (None if another worker has it).

    Projector errors are recorded on the row (failed, then dead after the
    maximum attempts) rather than raised, so the transaction commits the record.
    """
    now = timezone.now()
    with transaction.atomic():
        rows = Delivery.objects.select_for_update(skip_locked=True).select_related("event")
        delivery = rows.filter(pk=delivery_id, status__in=DUE).first()
        if delivery is None:
            return None
        if respect_schedule and delivery.next_attempt_at > now:
            return delivery.status
        event = delivery.event
        try:
            projector = registry.get(delivery.projection)
        except KeyError:
            return _fail(delivery, f"No projector named {delivery.projection!r} is registered.", dead=True)
        cursor, _ = ProjectionCursor.objects.select_for_update().get_or_create(
            projection=delivery.projection, aggregatetype=event.aggregatetype, aggregateid=event.aggregateid
        )
        if cursor.version >= event.version:
            return _done(delivery, Delivery.Outcome.SKIPPED)
        try:
            projector.apply(event)
        except Exception as error:  # noqa: BLE001 - any store error becomes a retry
            logger.warning("Delivery of event %s to %s failed: %r", event.sequence, delivery.projection, error)
            return _fail(delivery, f"{type(error).__name__}: {error}")
        cursor.version = event.version
        cursor.save(update_fields=["version", "updated_at"])
        return _done(delivery, Delivery.Outcome.APPLIED)


def _done(delivery, outcome):
    delivery.status = Delivery.Status.DONE
    delivery.outcome = outcome
    delivery.attempts += 1
    delivery.delivered_at = timezone.now()
    delivery.last_error = "" if outcome == Delivery.Outcome.APPLIED else delivery.last_error
    delivery.save(update_fields=["status", "outcome", "attempts", "delivered_at", "last_error"])
    return delivery.status


def _fail(delivery, message, *, dead=False):
    delivery.attempts += 1
    delivery.last_error = message[:2000]
    if dead or delivery.attempts >= sync_setting("MAX_ATTEMPTS"):
        delivery.status = Delivery.Status.DEAD
    else:
        delivery.status = Delivery.Status.FAILED
        delivery.next_attempt_at = timezone.now() + timedelta(seconds=retry_delay(delivery.attempts))
    delivery.save(update_fields=["status", "attempts", "last_error", "next_attempt_at"])
    return delivery.status


def deliver_all(sequence):
    """Deliver every due delivery of one event; one failing projection does not hold back the others."""
    ids = Delivery.objects.filter(event_id=sequence, status__in=DUE).values_list("pk", flat=True)
    return {pk: deliver(pk) for pk in list(ids)}


def due_deliveries(limit):
    """Deliveries the sweeper should run now: failed ones whose time has come, and
    pending ones old enough that their on-commit dispatch was evidently missed."""
    now = timezone.now()
    grace = now - timedelta(seconds=sync_setting("SWEEP_GRACE_SECONDS"))
    failed = Delivery.objects.filter(status=Delivery.Status.FAILED, next_attempt_at__lte=now)
    missed = Delivery.objects.filter(status=Delivery.Status.PENDING, created_at__lte=grace)
    ids = list((failed | missed).order_by("event_id", "pk").values_list("pk", flat=True)[:limit])
    return ids


def sweep(limit=None):
    """Deliver what is due, oldest event first. Returns how many deliveries were run."""
    limit = limit or sync_setting("SWEEP_BATCH")
    ids = due_deliveries(limit)
    for pk in ids:
        deliver(pk, respect_schedule=True)
    return len(ids)


def redrive(queryset):
    """Give dead (or failed) deliveries a fresh start and queue them; returns how many."""
    from .outbox import dispatch

    chosen = queryset.filter(status__in=[Delivery.Status.DEAD, Delivery.Status.FAILED])
    rows = list(chosen.values_list("pk", "event_id"))
    with transaction.atomic():
        Delivery.objects.filter(pk__in=[pk for pk, _ in rows]).update(
            status=Delivery.Status.PENDING, attempts=0, next_attempt_at=timezone.now()
        )
        for sequence in sorted({event_id for _, event_id in rows}):
            transaction.on_commit(lambda sequence=sequence: dispatch(sequence), robust=True)
    return len(rows)
