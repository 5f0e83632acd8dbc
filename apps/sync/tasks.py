"""Celery tasks of the relay. Thin: they pass sequences and ids, the relay does the work."""
import logging
import threading

from celery import shared_task
from django.db import DatabaseError, connections, transaction
from django.utils import timezone

from . import maintenance_runs, relay, sagas
from .conf import sync_setting
from .projectors import registry
from .relay_flags import (
    claim_drain, claim_recheck, claim_retry, relay_task_started, release_drain, renew_drain,
    retry_started,
)

logger = logging.getLogger(__name__)

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
    """Deliver everything due to ``projection`` (every projection if None), starting
    with a committed event (dispatched on commit).

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
    drain_projection(projection)
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
def resume_sagas():
    """Carry on saga runs whose runner died (Celery beat runs this): forward, or their compensation."""
    return sagas.resume_stuck()


def drain_projection(projection):
    """Drain one projection, unless another worker is draining it.

    A worker that finds the lease held leaves: the holder looks again for due
    deliveries after letting go of the lease, so an event committed before this
    worker looked is never left behind (it is seen by that second look, or this
    worker got the lease). In case the holder died instead (its lease then runs
    out), the worker also queues one look for when the lease would have expired.
    """
    idle_rounds = 0
    first = True
    while True:
        token = claim_drain(projection)
        if token is None:
            if first:
                look_again_after_the_lease(projection)
            return
        first = False
        try:
            handled, more = relay.drain(projection=projection, on_batch=lambda: renew_drain(projection))
        finally:
            release_drain(projection, token)
        if more:
            deliver_event.delay(None, projection)  # hand over rather than run for ever
            return
        idle_rounds = 0 if handled else idle_rounds + 1
        if idle_rounds > 1 or not relay.has_due(projection):
            return  # nothing due, or only what another worker (the sweeper) holds and delivers


def look_again_after_the_lease(projection):
    """Queue one drain of ``projection`` for when a dead holder's lease would have run out
    (one at a time per projection; where tasks run in-process, the holder is this process)."""
    if deliver_event.app.conf.task_always_eager or not claim_recheck(projection):
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
