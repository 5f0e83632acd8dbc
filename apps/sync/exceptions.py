"""What a writer of an outboxed record can be told: the record is gone, or it moved on."""
from django.core.exceptions import ObjectDoesNotExist


class RecordGone(ObjectDoesNotExist):
    """The row was deleted by another writer; an update never brings it back."""

    def __init__(self, model, pk):
        self.model, self.pk = model, pk
        super().__init__(f"{model._meta.verbose_name} {pk} was deleted by another writer.")


class StaleVersion(Exception):
    """The row is at another version than the writer expected (optimistic concurrency)."""

    def __init__(self, model, pk, expected, current):
        self.model, self.pk, self.expected, self.current = model, pk, expected, current
        super().__init__(
            f"{model._meta.verbose_name} {pk} is at version {current}, not {expected}: "
            "someone else changed it since it was read."
        )
