"""Models whose home is SQL and whose changes go out through the outbox.

Versions come from the database, never from an instance's memory: an update
first runs ``UPDATE ... SET version = version + 1`` on the row, which takes
the row's write lock until the transaction ends, then saves the fields with
the version that UPDATE produced. Two writers of one row therefore get
distinct, ordered versions, and an update that finds no row raises
RecordGone instead of inserting the row again.

A save joins the caller's transaction, as Django's own Model.save() does, rather
than opening a savepoint in it: a caller that wants to catch a failed save and go
on wraps it in its own atomic() (apps.catalog.services does).
"""
from django.db import connections, models, router, transaction
from django.db.models import F

from .exceptions import RecordGone, StaleVersion
from .outbox import emit
from .raw_sql import quoted_names


# Databases whose UPDATE answers with the new value (UPDATE ... RETURNING): one round
# trip per claim instead of an UPDATE and a SELECT.
UPDATE_RETURNING_VENDORS = {"postgresql", "sqlite"}


def claim_next_version(model, pk, *, using, expected_version=None):
    """Bump the row's version in the database and return it; the row stays locked
    until the caller's transaction ends. Raises RecordGone or StaleVersion."""
    rows = model._base_manager.using(using).filter(pk=pk)
    if connections[using].vendor in UPDATE_RETURNING_VENDORS:
        claimed = _update_returning_version(model, pk, using, expected_version)
    else:
        matching = rows if expected_version is None else rows.filter(version=expected_version)
        claimed = rows.values_list("version", flat=True).get() if matching.update(version=F("version") + 1) else None
    if claimed is None:
        current = rows.values_list("version", flat=True).first()
        if current is None:
            raise RecordGone(model, pk)
        raise StaleVersion(model, pk, expected_version, current)
    return claimed


def _update_returning_version(model, pk, using, expected_version):
    """The row's new version, or None if no row matched."""
    table, key, version = quoted_names(model, model._meta.pk.name, "version", using=using)
    pk_value = model._meta.pk.get_db_prep_value(pk, connections[using])
    sql = f"UPDATE {table} SET {version} = {version} + 1 WHERE {key} = %s"
    params = [pk_value]
    if expected_version is not None:
        sql += f" AND {version} = %s"
        params.append(expected_version)
    with connections[using].cursor() as cursor:
        cursor.execute(f"{sql} RETURNING {version}", params)
        row = cursor.fetchone()
    return None if row is None else row[0]


class OutboxedModel(models.Model):
    """Subclasses set ``outbox_aggregate_type`` and implement ``outbox_payload()``.

    save() writes the change and its outbox event in one transaction; pass
    ``expected_version`` to refuse the write (StaleVersion) if another writer
    got there first. delete() accepts the same. Deletes are announced from
    the pre_delete/post_delete receivers in apps.sync.receivers, inside the
    deletion's transaction. QuerySet.update() bypasses both: use save().
    """

    version = models.PositiveBigIntegerField(default=0, editable=False)

    outbox_aggregate_type = None
    #: Relations outbox_payload() reads (a product's images), prefetched where many rows are read.
    outbox_prefetch_related = ()
    #: Fields no projection carries (a user's last_login): a save of only these
    #: (``update_fields``) is written without a new version or an event.
    outbox_quiet_fields = frozenset()

    class Meta:
        abstract = True

    def outbox_payload(self):
        raise NotImplementedError("subclasses of OutboxedModel must provide an outbox_payload() method")

    def save(self, *args, expected_version=None, **kwargs):
        update_fields = kwargs.get("update_fields")
        if (update_fields is not None and not self._state.adding and expected_version is None
                and set(update_fields) <= self.outbox_quiet_fields):
            return super().save(*args, **kwargs)
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using, savepoint=False):
            if self._state.adding:
                if expected_version not in (None, 0):
                    raise RecordGone(type(self), self.pk)
                self.version = 1
                kwargs["force_insert"] = True
            else:
                self.version = claim_next_version(
                    type(self), self.pk, using=using, expected_version=expected_version
                )
                kwargs["force_update"] = True
                if kwargs.get("update_fields") is not None:
                    kwargs["update_fields"] = {*kwargs["update_fields"], "version"}
            super().save(*args, **kwargs)
            self._emit_saved(using)

    save.alters_data = True

    def _emit_saved(self, using):
        emit(
            aggregatetype=self.outbox_aggregate_type,
            aggregateid=str(self.pk),
            type="saved",
            payload=self.outbox_payload(),
            version=self.version,
            using=using,
        )

    def announce(self, using=None):
        """Announce the record's current state as a new version without changing its own
        fields: a row it is made of (an order's line, say) changed."""
        using = using or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using, savepoint=False):
            self.version = claim_next_version(type(self), self.pk, using=using)
            self._emit_saved(using)

    announce.alters_data = True

    def delete(self, *args, expected_version=None, **kwargs):
        """Delete the row; with ``expected_version``, only if nobody changed it since."""
        self._outbox_expected_version = expected_version
        try:
            return super().delete(*args, **kwargs)
        finally:
            del self._outbox_expected_version

    delete.alters_data = True


class AnnouncesParent(models.Model):
    """A row that is part of an outboxed record (an order's line): saving or deleting it
    announces the parent's new state, in the same transaction.

    Set ``outbox_parent`` to the name of the foreign key to the parent. A
    parent being deleted with its rows announces its own deletion only.
    """

    outbox_parent = None

    class Meta:
        abstract = True

    def _parent(self, using):
        parent_id = getattr(self, f"{self.outbox_parent}_id")
        parent_model = self._meta.get_field(self.outbox_parent).related_model
        return parent_model._base_manager.using(using).filter(pk=parent_id).first()

    def save(self, *args, **kwargs):
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using, savepoint=False):
            super().save(*args, **kwargs)
            parent = self._parent(using)
            if parent is None:
                raise RecordGone(self._meta.get_field(self.outbox_parent).related_model,
                                 getattr(self, f"{self.outbox_parent}_id"))
            parent.announce(using=using)

    save.alters_data = True
