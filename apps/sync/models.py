"""The transactional outbox, in Debezium's outbox layout plus sequence and version."""
import uuid

from django.db import models, router, transaction
from django.db.models import F


class OutboxEvent(models.Model):
    """One change to a record's home, written in the same transaction as the change.

    id, aggregatetype, aggregateid, type and payload are the columns
    Debezium's outbox event router reads, so CDC could replace the relay.
    ``sequence`` orders events; ``version`` is the aggregate's version after
    the change, which projectors compare to ignore old or repeated events.
    """

    sequence = models.BigAutoField(primary_key=True)
    id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    aggregatetype = models.CharField(max_length=100)
    aggregateid = models.CharField(max_length=255)
    type = models.CharField(max_length=100)
    payload = models.JSONField()
    version = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "outbox"
        ordering = ["sequence"]
        indexes = [models.Index(fields=["aggregatetype", "aggregateid"], name="outbox_aggregate_idx")]

    def __str__(self):
        return f"#{self.sequence} {self.aggregatetype}:{self.aggregateid} {self.type} v{self.version}"


class OutboxedModel(models.Model):
    """A model whose home is SQL and whose changes go out through the outbox.

    Subclasses set ``outbox_aggregate_type`` and implement ``outbox_payload()``.
    save() bumps ``version`` in the database (so concurrent saves get distinct,
    ordered versions) and writes the event in the same transaction; deletes
    are announced by apps.sync.receivers.emit_deleted_event inside the
    deletion's transaction. QuerySet.update() bypasses both: use save().
    """

    version = models.PositiveBigIntegerField(default=0, editable=False)

    outbox_aggregate_type = None

    class Meta:
        abstract = True

    def outbox_payload(self):
        raise NotImplementedError("subclasses of OutboxedModel must provide an outbox_payload() method")

    def save(self, *args, **kwargs):
        from .outbox import emit

        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using):
            super().save(*args, **kwargs)
            manager = type(self)._base_manager.using(using)
            manager.filter(pk=self.pk).update(version=F("version") + 1)
            self.version = manager.filter(pk=self.pk).values_list("version", flat=True).get()
            emit(
                aggregatetype=self.outbox_aggregate_type,
                aggregateid=str(self.pk),
                type="saved",
                payload=self.outbox_payload(),
                version=self.version,
                using=using,
            )

    save.alters_data = True
