from .models import OutboxedModel


def emit_deleted_event(sender, instance, using, origin=None, **kwargs):
    """Announce a deletion; post_delete runs inside the deletion's transaction."""
    if not isinstance(instance, OutboxedModel):
        return
    from .outbox import emit

    emit(
        aggregatetype=instance.outbox_aggregate_type,
        aggregateid=str(instance.pk),
        type="deleted",
        payload={"id": str(instance.pk)},
        version=instance.version + 1,
        using=using,
    )
