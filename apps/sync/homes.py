"""Changes whose home is not SQL (documents, graph): the event first, then the home.

``record_change`` commits the event (carrying the new state and its
version) to the outbox, then applies it to the home at once. If the process
dies between the two, the home's delivery is still pending and the relay
applies it, so an acknowledged change is never lost.
"""
from django.db import transaction

from apps.stores import stores

from . import relay
from .models import AggregateVersion, Delivery
from .outbox import emit
from .projectors import Projected, Projector, State, registry


def next_version(aggregatetype, aggregateid):
    """The aggregate's next version, taken under a row lock inside the caller's transaction."""
    counter, _ = AggregateVersion.objects.select_for_update().get_or_create(
        aggregatetype=aggregatetype, aggregateid=aggregateid
    )
    counter.version += 1
    counter.save(update_fields=["version"])
    return counter.version


def record_change(*, aggregatetype, aggregateid, type, payload, home):
    """Commit the event, then apply it to the ``home`` projection now; returns the event.

    The home's projector error, if any, is recorded on its delivery and
    retried by the relay; the change itself is already safe in the outbox.
    """
    if home not in {p.name for p in registry.for_type(aggregatetype)}:
        raise ValueError(f"No projection {home!r} is registered for {aggregatetype!r}.")
    with transaction.atomic():
        version = next_version(aggregatetype, aggregateid)
        event = emit(aggregatetype=aggregatetype, aggregateid=aggregateid, type=type, payload=payload, version=version)
    delivery = Delivery.objects.filter(event=event, projection=home).values_list("pk", flat=True).first()
    if delivery is not None:
        relay.deliver(delivery)
    return event


class DocumentHomeProjector(Projector):
    """Applies an aggregate's state to its home container in the document store.

    The payload is the whole document (with its partition key); the stored
    document carries ``version``, and an older or repeated event is a no-op.
    """

    container = None
    alias = "documents"

    def _existing(self, store, aggregateid):
        return store.query(self.container, {"id": aggregateid}, limit=10).items

    def apply(self, event):
        store = stores[self.alias]
        existing = self._existing(store, event.aggregateid)
        current = max(existing, key=lambda d: d.get("version", 0), default=None)
        if current is not None and current.get("version", 0) >= event.version:
            return
        if event.type == "deleted":
            for document in existing:
                store.delete(self.container, document["id"], store.container(self.container).partition_key_of(document))
            return
        document = {**event.payload, "id": event.aggregateid, "version": event.version}
        store.upsert(self.container, document, if_match=current["_etag"] if current else None)

    def projected_records(self):
        for state in self.home_states():
            yield Projected(state.aggregateid, state.version, state.payload)

    def home_states(self, chunk_size=500):
        """The home is the container itself: its documents are the current states."""
        for document in stores[self.alias].scan(self.container, page_size=chunk_size):
            payload = {k: v for k, v in document.items() if not k.startswith("_") and k != "version"}
            yield State(self.aggregatetype, document["id"], "saved", int(document.get("version", 0)), payload)
