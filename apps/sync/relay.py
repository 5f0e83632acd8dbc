"""Delivers committed outbox events to projections, in batches.

Each projection's part of a batch runs in its own SQL transaction, so one
store being down or slow holds back only its own deliveries: it locks its
delivery rows (skipping rows another worker holds) and the cursors of the
aggregates involved; it applies only the newest event of each aggregate
that is ahead of its cursor, in one call to the projector; then it moves the
cursors and marks the deliveries done. A crash anywhere before the commit
leaves the deliveries pending for a retry, and the cursors make a retry, a
duplicate or an older event a no-op once the newer state is in place.
"""
import logging
from collections import defaultdict
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

from django.db import transaction
from django.db.models import F, Min, Q
from django.utils import timezone

from apps.stores.exceptions import Unavailable
from apps.stores.retry import backoff

from .conf import sync_setting
from .models import Delivery, ProjectionCursor
from .projectors import registry
from .relay_flags import pause_projection, paused_until

logger = logging.getLogger(__name__)

DUE = (Delivery.Status.PENDING, Delivery.Status.FAILED)
BATCH_SIZE = 2000


def retry_delay(attempts):
    """How long a failed delivery waits before its next attempt."""
    return backoff(max(attempts, 1), base=sync_setting("RETRY_BASE_SECONDS"), cap=sync_setting("RETRY_MAX_SECONDS"))


def deliver(delivery_id, *, respect_schedule=False):
    """Deliver one delivery row; returns its status afterwards (None if another worker has it)."""
    return deliver_batch([delivery_id], respect_schedule=respect_schedule).get(delivery_id)


def deliver_batch(delivery_ids, *, respect_schedule=False, projection=None):
    """Deliver these deliveries; returns {delivery id: status} for the ones this call handled.

    Each projection's deliveries commit on their own. Projector errors are
    recorded on the rows (failed, then dead after the maximum attempts)
    rather than raised, so the transaction commits the record. A caller that
    chose the ids from one ``projection`` says so, saving a query.
    """
    delivery_ids = list(delivery_ids)
    if projection is not None:
        return _deliver_projection_batch(projection, delivery_ids, respect_schedule)
    projections = Delivery.objects.filter(pk__in=delivery_ids).values_list("projection", flat=True).distinct()
    statuses = {}
    for projection in sorted(set(projections)):
        statuses.update(_deliver_projection_batch(projection, delivery_ids, respect_schedule))
    return statuses


def _deliver_projection_batch(projection, delivery_ids, respect_schedule, *, limit=None):
    """Lock and deliver these deliveries of ``projection``; with ``delivery_ids`` None, the
    first ``limit`` due ones, chosen and locked in the same statement."""
    now = timezone.now()
    with transaction.atomic():
        rows = Delivery.objects.select_for_update(skip_locked=True, of=("self",)).select_related("event")
        if delivery_ids is None:
            chosen = rows.filter(_due_condition(), projection=projection).order_by("event_id", "pk")[:limit]
        else:
            chosen = rows.filter(pk__in=delivery_ids, projection=projection, status__in=DUE).order_by("event_id", "pk")
        deliveries = list(chosen)
        if respect_schedule:
            deliveries = [d for d in deliveries if d.next_attempt_at <= now]
        outcomes = Outcomes()
        until = paused_until(projection)
        if until is not None:
            outcomes.defer(deliveries, datetime.fromtimestamp(until, tz=dt_timezone.utc))
        elif deliveries:
            _deliver_to(projection, deliveries, outcomes)
        # Stamped once the projection's writes have returned: when a reader could see them.
        outcomes.save(timezone.now())
    return {d.pk: d.status for d in deliveries}


class Outcomes:
    """What a batch did, written back in a few set-based UPDATEs rather than row by row."""

    def __init__(self):
        self.done = defaultdict(list)  # outcome -> deliveries
        self.failed = []
        self.cursors = defaultdict(list)  # new version -> cursor ids

    def applied(self, delivery, cursor=None):
        self.done[Delivery.Outcome.APPLIED].append(delivery)
        if cursor is not None:
            self.cursors[delivery.event.version].append(cursor.pk)

    def skipped(self, delivery):
        self.done[Delivery.Outcome.SKIPPED].append(delivery)

    def fail(self, delivery, message, *, dead=False):
        _fail(delivery, message, dead=dead)
        self.failed.append(delivery)

    def defer(self, deliveries, until):
        """The projection is paused: wait for its retry without trying (no attempt counted)."""
        for delivery in deliveries:
            delivery.status = Delivery.Status.FAILED
            delivery.next_attempt_at = max(delivery.next_attempt_at, until)
            delivery.last_error = delivery.last_error or "Waiting: the store was unavailable a moment ago."
        self.failed += deliveries

    def save(self, now):
        for outcome, deliveries in self.done.items():
            for delivery in deliveries:
                delivery.status, delivery.outcome = Delivery.Status.DONE, outcome
            Delivery.objects.filter(pk__in=[d.pk for d in deliveries]).update(
                status=Delivery.Status.DONE, outcome=outcome, attempts=F("attempts") + 1, delivered_at=now,
                last_error="",  # a delivery that succeeded after failures shows no old error
            )
        if self.failed:
            Delivery.objects.bulk_update(self.failed, ["status", "attempts", "last_error", "next_attempt_at"])
        for version, cursor_ids in self.cursors.items():
            ProjectionCursor.objects.filter(pk__in=cursor_ids).update(version=version, updated_at=now)


def _deliver_to(projection, deliveries, outcomes):
    try:
        projector = registry.get(projection)
    except KeyError:
        for delivery in deliveries:
            outcomes.fail(delivery, f"No projector named {projection!r} is registered.", dead=True)
        return
    if not projector.ordered:
        _deliver_unordered(projector, deliveries, outcomes)
        return
    cursors = _locked_cursors(projection, deliveries)
    newest = {}
    for delivery in deliveries:
        key = (delivery.event.aggregatetype, delivery.event.aggregateid)
        if key not in newest or delivery.event.version > newest[key].event.version:
            newest[key] = delivery
    ahead = [d for key, d in newest.items() if d.event.version > cursors[key].version]
    failures = _apply(projector, ahead)
    failed_keys = {
        (d.event.aggregatetype, d.event.aggregateid): _describe(projector, d, error) for d, error in failures.items()
    }
    unavailable = any(isinstance(error, Unavailable) for error in failures.values())
    ahead = set(ahead)
    for delivery in deliveries:
        key = (delivery.event.aggregatetype, delivery.event.aggregateid)
        if key in failed_keys:
            # The aggregate's newest state did not land; retry all of its events later.
            outcomes.fail(delivery, failed_keys[key])
        elif delivery in ahead:
            outcomes.applied(delivery, cursors[key])
        else:
            outcomes.skipped(delivery)
    if unavailable:
        retries = [d.next_attempt_at for d in deliveries if d.status == Delivery.Status.FAILED]
        if retries:
            pause_projection(projection, min(retries).timestamp())


def _deliver_unordered(projector, deliveries, outcomes):
    """A projection that any order leaves the same (a cache dropping entries): every event
    of the batch in one call, and no cursor to keep."""
    failures = _apply(projector, deliveries)
    for delivery in deliveries:
        if delivery in failures:
            outcomes.fail(delivery, _describe(projector, delivery, failures[delivery]))
        else:
            outcomes.applied(delivery)


def _locked_cursors(projection, deliveries):
    """The projection's cursors for these aggregates, created if new, locked in id order."""
    keys = {(d.event.aggregatetype, d.event.aggregateid) for d in deliveries}
    ProjectionCursor.objects.bulk_create(
        [ProjectionCursor(projection=projection, aggregatetype=t, aggregateid=i) for t, i in sorted(keys)],
        ignore_conflicts=True,
    )
    rows = ProjectionCursor.objects.select_for_update().filter(
        projection=projection, aggregateid__in={i for _, i in keys}
    ).order_by("pk")
    return {(c.aggregatetype, c.aggregateid): c for c in rows if (c.aggregatetype, c.aggregateid) in keys}


def _apply(projector, deliveries):
    """Apply the events in one call; if that fails, one by one to find the culprits.

    Returns {delivery: error} for the ones that failed. A store found
    unavailable is not asked again, one by one, in the same batch.
    """
    if not deliveries:
        return {}
    try:
        projector.apply_batch([d.event for d in deliveries])
        return {}
    except Exception as error:  # noqa: BLE001 - any store error becomes a retry
        if len(deliveries) == 1 or isinstance(error, Unavailable):
            return dict.fromkeys(deliveries, error)
    failures = {}
    for delivery in deliveries:
        try:
            projector.apply(delivery.event)
        except Exception as error:  # noqa: BLE001
            failures[delivery] = error
    return failures


def _describe(projector, delivery, error):
    logger.warning("Delivery of event %s to %s failed: %r", delivery.event_id, projector.name, error)
    return f"{type(error).__name__}: {error}"


def _fail(delivery, message, *, dead=False):
    delivery.attempts += 1
    delivery.last_error = message[:2000]
    if dead or delivery.attempts >= sync_setting("MAX_ATTEMPTS"):
        delivery.status = Delivery.Status.DEAD
    else:
        delivery.status = Delivery.Status.FAILED
        delivery.next_attempt_at = timezone.now() + timedelta(seconds=retry_delay(delivery.attempts))


def drain(*, projection=None, batch_size=BATCH_SIZE, max_batches=25, on_batch=None, statuses=None):
    """Deliver every pending delivery and every failed one whose backoff is over, in batches.

    Dispatch sends one message while a relay task is queued (see
    relay_flags.relay_task_queued), so a drain must take everything committed
    before it finishes. A projection whose store was found unavailable is
    paused: its deliveries wait for the retry without asking the store, so
    the others keep flowing. With ``projection``, only that projection's
    deliveries; ``on_batch`` is called before each batch but the first, and
    ``statuses`` (a dict) collects each delivery's status afterwards. Returns
    (how many deliveries it ran, whether some are left for another drain).
    """
    handled = 0
    for number in range(max_batches):
        if on_batch is not None and number:
            on_batch()
        if projection is not None:
            batch = _deliver_projection_batch(projection, None, respect_schedule=False, limit=batch_size)
        else:
            ids = list(_due().order_by("event_id", "pk").values_list("pk", flat=True)[:batch_size])
            batch = deliver_batch(ids) if ids else {}
        if not batch:
            return handled, False  # nothing due, or another worker holds it
        if statuses is not None:
            statuses.update(batch)
        handled += len(batch)
    return handled, True


def _due_condition():
    """Pending deliveries and failed ones whose backoff is over."""
    return Q(status=Delivery.Status.PENDING) | Q(status=Delivery.Status.FAILED, next_attempt_at__lte=timezone.now())


def _due(projection=None):
    """The due deliveries (of one projection, if given)."""
    due = Delivery.objects.filter(_due_condition())
    return due if projection is None else due.filter(projection=projection)


def has_due(projection=None):
    """Whether a drain would find anything to deliver now."""
    return _due(projection).exists()


def next_retry_at():
    """When the earliest failed delivery is due again (None if none is waiting)."""
    return Delivery.objects.filter(status=Delivery.Status.FAILED).aggregate(due=Min("next_attempt_at"))["due"]


def due_deliveries(limit):
    """Deliveries the sweeper should run now: failed ones whose time has come, and
    pending ones old enough that their on-commit dispatch was evidently missed."""
    now = timezone.now()
    grace = now - timedelta(seconds=sync_setting("SWEEP_GRACE_SECONDS"))
    failed = Delivery.objects.filter(status=Delivery.Status.FAILED, next_attempt_at__lte=now)
    missed = Delivery.objects.filter(status=Delivery.Status.PENDING, created_at__lte=grace)
    return list((failed | missed).order_by("event_id", "pk").values_list("pk", flat=True)[:limit])


def sweep(limit=None, batch_size=BATCH_SIZE):
    """Deliver what is due, oldest event first, in batches. Returns how many deliveries were due."""
    ids = due_deliveries(limit or sync_setting("SWEEP_BATCH"))
    for start in range(0, len(ids), batch_size):
        deliver_batch(ids[start:start + batch_size], respect_schedule=True)
    return len(ids)
