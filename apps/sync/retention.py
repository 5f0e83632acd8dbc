"""Outbox retention: delivered events older than SYNC_OUTBOX_RETENTION_SECONDS go, with their
deliveries, a bounded batch per transaction, so the outbox stops growing with the site's age.

What sync still needs stays:

- an event with a delivery that is pending, failed or dead (a retry or a redrive needs it);
- every later event of the same record (kept records keep a suffix of their events, so
  ``replay`` always applies a record's true newest event, and a waiting delivery that asks
  whether a newer event superseded it still finds that event);
- the projection cursors and the version counters (AggregateVersion): they are small,
  one row per record, and idempotence and version numbering depend on them. They are
  never touched here.

Rebuild and reconcile read the homes, never the outbox, so retention changes nothing
for them. Replay applies what is kept: a record whose events are all gone is not
replayed (rebuild it from its home instead).
"""
from dataclasses import dataclass
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from .conf import sync_setting
from .models import Delivery, OutboxEvent
from .raw_sql import placeholders, quoted_names

# One statement names every event of a batch: Azure SQL takes at most 2,100 parameters.
MAX_BATCH = 2000


@dataclass
class Pruned:
    """What one pruning did: events and deliveries deleted, events looked at, and where the
    next batch starts (None once the events left are younger than the cutoff)."""

    events: int = 0
    deliveries: int = 0
    examined: int = 0
    batches: int = 0
    next_after: int | None = None
    kept: int = 0  # old events kept because sync still needs them

    def add(self, other):
        self.events += other.events
        self.deliveries += other.deliveries
        self.examined += other.examined
        self.batches += other.batches
        self.next_after = other.next_after
        self.kept += other.kept


def retention_cutoff(now=None):
    """Events created before this moment may go (once delivered everywhere)."""
    seconds = sync_setting("OUTBOX_RETENTION_SECONDS")
    if seconds < 0:
        raise ValueError(f"SYNC_OUTBOX_RETENTION_SECONDS is {seconds:g}; it must be 0 or more.")
    return (now or timezone.now()) - timedelta(seconds=seconds)


def undelivered(event_ref):
    """Deliveries of that event which are not done (pending, failed or dead)."""
    return Delivery.objects.filter(event_id=event_ref).exclude(status=Delivery.Status.DONE)


def still_needed(cutoff):
    """Events that must stay, as a filter on a candidate event: the candidate itself or an
    earlier event of the same record is younger than the cutoff or not delivered everywhere."""
    holding_back = OutboxEvent.objects.filter(
        aggregatetype=OuterRef("aggregatetype"), aggregateid=OuterRef("aggregateid"),
        sequence__lte=OuterRef("sequence"),
    ).filter(Q(created_at__gte=cutoff) | Exists(undelivered(OuterRef("sequence"))))
    return Exists(holding_back)


def prune_batch(*, cutoff, after=0, batch_size=None):
    """Look at the next ``batch_size`` events after sequence ``after`` and delete the
    expired ones in one short transaction. Returns a Pruned.

    The window is read by primary key, so a batch costs the same however long the
    outbox is; events are created in sequence order, so the first event younger than
    the cutoff ends the pruning (the rest are younger still).
    """
    batch_size = batch_size or sync_setting("OUTBOX_PRUNE_BATCH")
    if not 1 <= batch_size <= MAX_BATCH:
        raise ValueError(f"The outbox prune batch is {batch_size}; it must be from 1 to {MAX_BATCH} events.")
    window = list(
        OutboxEvent.objects.filter(sequence__gt=after).order_by("sequence").values_list("sequence", "created_at")[
            :batch_size
        ]
    )
    if not window:
        return Pruned()
    old = [sequence for sequence, created_at in window if created_at < cutoff]
    reached_young = len(old) < len(window)
    result = Pruned(examined=len(window), batches=1,
                    next_after=None if reached_young or len(window) < batch_size else window[-1][0])
    if not old:
        return result
    with transaction.atomic():
        expired = list(
            OutboxEvent.objects.filter(sequence__in=old).exclude(still_needed(cutoff)).values_list("sequence", flat=True)
        )
        if expired:
            result.deliveries = _delete_done_deliveries(expired)
            result.events = _delete_events_without_deliveries(expired)
    result.kept = len(old) - result.events
    return result


def prune(*, cutoff=None, after=0, batch_size=None, max_batches=None, on_batch=None):
    """Prune batch after batch until the events left are young (or ``max_batches`` ran).

    Returns a Pruned; its ``next_after`` is where to go on, None when done.
    ``on_batch(pruned_batch)`` is called after each batch (a progress bar).
    """
    cutoff = cutoff or retention_cutoff()
    total = Pruned(next_after=after)
    while total.next_after is not None and (max_batches is None or total.batches < max_batches):
        batch = prune_batch(cutoff=cutoff, after=total.next_after, batch_size=batch_size)
        total.add(batch)
        if on_batch is not None:
            on_batch(batch)
    return total


# Raw DELETEs: apps.sync connects delete signals for every model (outboxed rows announce
# their deletion), so the ORM's delete() would load each row and signal it one by one.

def _delete_done_deliveries(sequences):
    table, event, status = quoted_names(Delivery, "event", "status")
    return _execute(
        f"DELETE FROM {table} WHERE {status} = %s AND {event} IN ({placeholders(sequences)})",
        [Delivery.Status.DONE, *sequences],
    )


def _delete_events_without_deliveries(sequences):
    """Only events left with no delivery at all: one not done would have kept its row."""
    table, sequence = quoted_names(OutboxEvent, "sequence")
    deliveries, event = quoted_names(Delivery, "event")
    return _execute(
        f"DELETE FROM {table} WHERE {sequence} IN ({placeholders(sequences)}) "
        f"AND NOT EXISTS (SELECT 1 FROM {deliveries} WHERE {deliveries}.{event} = {table}.{sequence})",
        list(sequences),
    )


def _execute(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount
