"""Deletes of outboxed rows announce themselves, inside the deletion's transaction.

pre_delete claims the next version in the database (locking the row), so
the delete's event carries a version above every save before it; a row
another writer already deleted claims nothing and announces nothing.
"""
from django.db.models import QuerySet

from .exceptions import RecordGone
from .outbox import emit
from .outboxed import AnnouncesParent, OutboxedModel, claim_next_version


def claim_delete_version(sender, instance, using, origin=None, **kwargs):
    if not isinstance(instance, OutboxedModel):
        return
    expected = getattr(instance, "_outbox_expected_version", None)
    try:
        instance._outbox_delete_version = claim_next_version(
            type(instance), instance.pk, using=using, expected_version=expected
        )
    except RecordGone:
        if expected is not None:
            raise
        instance._outbox_delete_version = None  # deleted already: nothing to announce


def emit_deleted_event(sender, instance, using, origin=None, **kwargs):
    version = getattr(instance, "_outbox_delete_version", None)
    if not isinstance(instance, OutboxedModel) or version is None:
        return
    instance.version = version
    emit(
        aggregatetype=instance.outbox_aggregate_type,
        aggregateid=str(instance.pk),
        type="deleted",
        payload={"id": str(instance.pk)},
        version=version,
        using=using,
    )


def announce_parent_of_deleted_row(sender, instance, using, origin=None, **kwargs):
    """A part of a record was deleted: announce the parent, unless the parent is being
    deleted too (its own deletion is the announcement)."""
    if not isinstance(instance, AnnouncesParent):
        return
    parent_model = instance._meta.get_field(instance.outbox_parent).related_model
    origin_model = origin.model if isinstance(origin, QuerySet) else type(origin)
    if origin_model is parent_model:
        return
    parent = instance._parent(using)
    if parent is not None:
        parent.announce(using=using)
