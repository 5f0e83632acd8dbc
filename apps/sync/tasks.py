"""Celery tasks of the relay. Thin: they pass sequences and ids, the relay does the work."""
import logging
import threading

from celery import shared_task
from django.db import DatabaseError, connections, transaction
from django.utils import timezone

from . import maintenance_runs, relay, retention, sagas
from .models import Delivery, SagaRun
from .conf import sync_setting
from .projectors import registry
from .relay_flags import (
    claim_drain, claim_recheck, claim_retry, relay_task_queued, relay_task_started, release_drain, renew_drain,
    retry_started,
)

logger = logging.getLogger(__name__)

# A drain that found only rows another worker holds looks again after this long.
IDLE_LOOK_SECONDS = 0.5

DATABASE_RETRIES = dict(
    acks_late=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=5,
)


@shared_task(**DATABASE_RETRIES)
def deliver_event(sequence, projection=None):
    """Deliver what is due to ``projection`` (a batch, then its next turn is queued; see
    drain_projection), or everything due to every projection if None, starting with a
    committed event (dispatched on commit).

    Failures are recorded per delivery; the relay schedules their retry for
    when the backoff is over, so no periodic task is needed for them (beat's
    sweeper stays as the safety net). Only a database outage makes the task
    itself retry.
    """
    if projection is None:
        relay_task_started(registry.names())
        _drain_then_schedule()
        return
    relay_task_started([projection])
    if drain_projection(projection):
        schedule_retry()


@shared_task(**DATABASE_RETRIES)
def retry_deliveries():
    """Run the failed deliveries whose backoff is over (scheduled by the relay itself)."""
    retry_started()
    _drain_then_schedule()


@shared_task(acks_late=True, autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=3)
def sweep_outbox():
    """Deliver what is due (Celery beat runs this); re-queue at once while a full batch came back."""
    batch = sync_setting("SWEEP_BATCH")
    if relay.sweep(batch) >= batch:
        sweep_outbox.delay()
    schedule_retry()


@shared_task(acks_late=True, autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=3)
def prune_outbox(after=0):
    """Delete delivered events older than SYNC_OUTBOX_RETENTION_SECONDS, with their deliveries
    (Celery beat runs this): one bounded batch, then the next batch is queued from where this
    one stopped, so no run holds locks for long. Two runs at once only find rows gone."""
    pruned = retention.prune(after=after, max_batches=1)
    if pruned.events:
        logger.info("Outbox retention: deleted %d events and %d deliveries.", pruned.events, pruned.deliveries)
    if pruned.next_after is not None:
        prune_outbox.delay(pruned.next_after)
    return {"events": pruned.events, "deliveries": pruned.deliveries}


@shared_task
def run_maintenance(run_id):
    """Run an operator's rebuild, replay or reconcile (a MaintenanceRun), writing its progress.

    Not retried: a run that failed says why on its row, and the operator starts another.
    """
    result = maintenance_runs.execute(run_id)
    return None if result is None else str(run_id)


def start_maintenance(action, projection, *, user=None, since=0):
    """Record an operator's run and queue its task once the row is committed; returns the run.
    Raises maintenance_runs.RunRefused for an unknown projection or one already being worked on."""
    with transaction.atomic():
        run = maintenance_runs.request_run(action, projection, user=user, since=since)
        transaction.on_commit(lambda: run_maintenance.delay(str(run.pk)))
    return run


@shared_task(acks_late=True, autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=3)
def advance_saga(run_id):
    """Carry one saga run on, forward or back (an operator's resume from the admin)."""
    return sagas.advance(run_id)


@shared_task(acks_late=True, autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=3)
def compensate_saga(run_id, reason):
    """Take one saga run back: compensate a running or completed run, or retry the undos of a
    run left compensation_failed (an operator's action from the admin)."""
    run = SagaRun.objects.get(pk=run_id)
    if run.state == SagaRun.State.COMPENSATION_FAILED:
        return sagas.retry_compensation(run_id).state
    return sagas.compensate(run_id, reason).state


@shared_task(acks_late=True, autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=3)
def resume_sagas():
    """Carry on saga runs whose runner died (Celery beat runs this): forward, or their compensation."""
    return sagas.resume_stuck()


def drain_projection(projection):
    """Drain one projection for one batch, unless another worker is draining it, then queue
    its next turn if anything is still due. True if a delivery failed (so a retry is due).

    One batch per task keeps a busy projection from holding a worker process while
    another projection's task waits behind it: the next turn queues behind the tasks
    already waiting, so with more projections than processes each gets its turn.

    A worker that finds the lease held leaves: the holder looks again for due
    deliveries after letting go of the lease, so an event committed before this
    worker looked is never left behind (it is seen by that second look, or this
    worker got the lease). In case the holder died instead (its lease then runs
    out), the worker also queues one look for when the lease would have expired.
    """
    if deliver_event.app.conf.task_always_eager:
        _drain_in_process(projection)
        return True
    token = claim_drain(projection)
    if token is None:
        look_again_after_the_lease(projection)
        return False
    statuses = {}
    try:
        handled, _more = relay.drain(projection=projection, max_batches=1, on_batch=lambda: renew_drain(projection),
                                     statuses=statuses)
    finally:
        release_drain(projection, token)
    if relay.has_due(projection) and relay_task_queued(projection):
        # Nothing handled but something due: another worker (the sweeper) holds those rows;
        # look again in a moment rather than at once.
        deliver_event.apply_async((None, projection), countdown=0 if handled else IDLE_LOOK_SECONDS)
    return Delivery.Status.FAILED in statuses.values()


def _drain_in_process(projection):
    """Where tasks run in the writer's process (embedded): drain until nothing is due."""
    idle_rounds = 0
    while (token := claim_drain(projection)) is not None:
        try:
            handled, _more = relay.drain(projection=projection)
        finally:
            release_drain(projection, token)
        idle_rounds = 0 if handled else idle_rounds + 1
        if idle_rounds > 1 or not relay.has_due(projection):
            return  # nothing due, or only what another thread (a retry) holds and delivers


def look_again_after_the_lease(projection):
    """Queue one drain of ``projection`` for when a dead holder's lease would have run out
    (one at a time per projection; where tasks run in-process, the holder is this process)."""
    if not claim_recheck(projection):
        return
    try:
        deliver_event.apply_async((None, projection), countdown=sync_setting("DRAIN_LEASE_SECONDS"))
    except Exception:  # noqa: BLE001 - the broker is down: beat's sweeper is the safety net
        logger.warning("Could not queue a later drain of %s.", projection, exc_info=True)


def _drain_then_schedule():
    _handled, more = relay.drain()
    if more:
        retry_deliveries.delay()  # hand over rather than run for ever
    schedule_retry()


def schedule_retry():
    """Queue one retry for when the earliest failed delivery is due, unless one is queued for then.

    Where tasks run in-process (the embedded profile), a timer thread runs the
    retry instead, when IN_PROCESS_RETRIES is on.
    """
    due = relay.next_retry_at()
    if due is None:
        return
    eager = retry_deliveries.app.conf.task_always_eager
    if eager and not sync_setting("IN_PROCESS_RETRIES"):
        return
    countdown = max(0.0, (due - timezone.now()).total_seconds())
    if not claim_retry(due.timestamp()):
        return
    if eager:
        retry_in_process(countdown)
        return
    try:
        retry_deliveries.apply_async(countdown=countdown)
    except Exception:  # noqa: BLE001 - the broker is down: beat's sweeper is the safety net
        logger.warning("Could not schedule the retry of failed deliveries.", exc_info=True)


def retry_in_process(countdown):
    """Run the retry task in a timer thread of this process, as a worker would run it."""

    def run():
        try:
            retry_deliveries()
        except Exception:  # noqa: BLE001 - a thread's error would otherwise vanish
            logger.exception("The in-process retry of failed deliveries failed.")
        finally:
            connections.close_all()

    timer = threading.Timer(countdown, run)
    timer.daemon = True
    timer.start()
