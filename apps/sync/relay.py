"""Applies committed outbox events to every projector registered for their type."""
import logging

from .projectors import registry

logger = logging.getLogger(__name__)


def deliver(event):
    """Run each projector for the event; raise the first failure after trying them all,
    so one broken store does not hold back the others."""
    first_error = None
    for projector in registry.for_type(event.aggregatetype):
        try:
            projector.apply(event)
        except Exception as error:  # noqa: BLE001 - re-raised below for the task's retry
            logger.warning("Projector %s failed on event %s: %s", projector.name, event.sequence, error)
            first_error = first_error or error
    if first_error is not None:
        raise first_error
