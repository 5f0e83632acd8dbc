"""Celery tasks of the relay. Thin: they pass sequences and ids, the relay does the work."""
from celery import shared_task
from django.db import DatabaseError

from . import relay
from .conf import sync_setting


@shared_task(
    acks_late=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=5,
)
def deliver_event(sequence):
    """Deliver one committed event to each of its projections (dispatched on commit).

    Failures are recorded per projection and retried by the sweeper; only a
    database outage makes the task itself retry.
    """
    relay.deliver_all(sequence)


@shared_task(acks_late=True, autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=3)
def sweep_outbox():
    """Deliver what is due (Celery beat runs this); re-queue at once while a full batch came back."""
    batch = sync_setting("SWEEP_BATCH")
    if relay.sweep(batch) >= batch:
        sweep_outbox.delay()
