"""Document-backed records: a dataclass per record kind and a manager with the familiar
``filter()`` / ``get()`` / ``create()`` surface over the document contract.

Reads go to the store; writes go through apps.sync.changes.record_change, so every
change is an outbox event first and then applied to its home container (the
relay re-applies it if the process dies in between). The version a change gets
is the aggregate's next one, taken under a row lock, so two writers of one
record always get distinct, ordered versions.
"""
import secrets
import time
from dataclasses import asdict, dataclass, fields

from django.core.exceptions import ObjectDoesNotExist

from apps.stores import stores
from apps.stores.query import Q
from apps.sync.changes import record_change, record_conditional_change
from apps.sync.projectors import VERSION_FIELD

MAX_LIMIT = 1000


@dataclass
class DocumentRecord:
    """Base of a record whose home is a document container; subclasses add their fields."""

    id: str
    author: str

    class DoesNotExist(ObjectDoesNotExist):
        pass

    class Changed(Exception):
        """Another writer changed the record since it was read."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # Each kind its own DoesNotExist, as Django models have.
        names = {"__qualname__": f"{cls.__name__}.DoesNotExist", "__module__": cls.__module__}
        cls.DoesNotExist = type("DoesNotExist", (DocumentRecord.DoesNotExist,), names)

    @classmethod
    def from_document(cls, document):
        names = {f.name for f in fields(cls)}
        record = cls(**{k: v for k, v in document.items() if k in names})
        record.version = int(document.get(VERSION_FIELD, 0))
        return record

    def to_payload(self):
        return asdict(self)


class DocumentManager:
    """``Post.objects``: reads and writes of one container, whose home projector is ``home``."""

    def __init__(self, record, *, container, aggregatetype, home, alias="documents"):
        self.record, self.container, self.aggregatetype = record, container, aggregatetype
        self.home, self.alias = home, alias

    @property
    def store(self):
        return stores[self.alias]

    def new_id(self):
        """A new id that sorts by creation time (nanoseconds, then randomness against ties), so
        ``order_by("-id")`` is newest first and an id is a cursor: one field to order by is all
        Cosmos DB serves without a composite index."""
        return f"{time.time_ns():020d}{secrets.token_hex(6)}"

    def get(self, id, *, author=None):
        """The record ``id`` (a point read when its ``author`` is known); DoesNotExist if absent."""
        if not isinstance(id, str) or not id.isalnum() or len(id) > 64:
            raise self.record.DoesNotExist(f"No {self.container} record {id!r}.")
        found = self.store.query(self.container, {"id": id}, partition_key=author, limit=1).items
        if not found:
            raise self.record.DoesNotExist(f"No {self.container} record {id}.")
        return self.record.from_document(found[0])

    def filter(self, where=None, *, order_by=("-id",), limit=20, **lookups):
        """Up to ``limit`` records matching a Q and/or lookups, in ``order_by`` order."""
        condition = Q(**lookups) if where is None else (where & Q(**lookups))
        page = self.store.query(self.container, condition, order_by=order_by, limit=min(limit, MAX_LIMIT))
        return [self.record.from_document(d) for d in page.items]

    def count(self, **lookups):
        return self.store.count(self.container, lookups or None)

    def save(self, record):
        """Record the record's whole state as a change; returns it with its new version."""
        event = record_change(aggregatetype=self.aggregatetype, aggregateid=record.id, type="saved",
                              payload=record.to_payload(), home=self.home)
        record.version = event.version
        return record

    def update(self, record, **changes):
        """Change some fields of a stored record, only if it is still at the version it was read
        at; returns it as stored now. Record.DoesNotExist if it was deleted meanwhile (an update
        never brings a deleted record back), Record.Changed if someone else changed it first."""
        outcome = record_conditional_change(
            aggregatetype=self.aggregatetype, aggregateid=record.id, partition_key=record.author,
            operations=[("set", field, value) for field, value in changes.items()],
            condition={VERSION_FIELD: record.version}, home=self.home,
        )
        if outcome.applied:
            return self.record.from_document(outcome.document)
        if self.store.count(self.container, {"id": record.id}, partition_key=record.author) == 0:
            raise self.record.DoesNotExist(f"{self.container} record {record.id} was deleted.")
        raise self.record.Changed(f"{self.container} record {record.id} changed since it was read.")

    def create(self, **values):
        return self.save(self.record(id=self.new_id(), **values))

    def delete(self, record):
        record_change(aggregatetype=self.aggregatetype, aggregateid=record.id, type="deleted",
                      payload=record.to_payload(), home=self.home)
