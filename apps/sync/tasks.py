from celery import shared_task

from apps.stores.exceptions import Unavailable

from .models import OutboxEvent
from .relay import deliver


@shared_task(
    acks_late=True,
    autoretry_for=(Unavailable, ConnectionError, TimeoutError),
    retry_backoff=True,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=8,
)
def deliver_event(sequence):
    """Deliver one outbox event to its projectors. Idempotent: projectors skip old versions."""
    event = OutboxEvent.objects.filter(sequence=sequence).first()
    if event is None:
        return
    deliver(event)
