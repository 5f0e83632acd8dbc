"""Celery tasks of the orders. Thin: they take ids and plain values; checkout does the work."""
from celery import shared_task
from django.core.exceptions import ValidationError
from django.db import DatabaseError

from . import checkout
from .models import Order


@shared_task(acks_late=True, autoretry_for=(DatabaseError,), retry_backoff=True, retry_jitter=True, max_retries=3)
def cancel_order(order_id, reason):
    """Take an order back through its saga's compensation (an operator's cancel from the admin).
    Returns the run's state, or the order's status when there was nothing to cancel (the order
    is gone, or already failed or cancelled, as when this task runs a second time)."""
    order = Order.objects.filter(pk=order_id).first()
    if order is None:
        return None
    try:
        return checkout.cancel(order, reason)
    except ValidationError:
        return order.status
