"""Projecting records into a search index."""
from apps.stores import stores

from .base import VERSION_FIELD, Projected, Projector


class SearchIndexProjector(Projector):
    """Projects records into one search index: a subclass sets ``index`` and maps a
    record's state to the index's fields in document(). The version is added here."""

    index = None
    alias = "search"

    def document(self, aggregateid, payload):
        """The search document for a record's state (a dict with the index's fields)."""
        raise NotImplementedError("subclasses of SearchIndexProjector must provide a document() method")

    def content(self, state):
        return {**self.document(state.aggregateid, state.payload), VERSION_FIELD: state.version}

    def describe(self):
        return f"search index {self.index}"

    def count(self):
        return stores[self.alias].count(self.index)

    def contents(self, states):
        """content() of several states; a projector whose documents read another store
        overrides it to read for the whole batch at once."""
        return [self.content(state) for state in states]

    def projected_records(self, page_size=1000):
        """Every document in the index with its version, past any result window."""
        for aggregateid, document in stores[self.alias].scan(self.index, page_size=page_size):
            yield Projected(aggregateid, int(document.get(VERSION_FIELD) or 0), {"id": aggregateid, **document})

    def apply(self, event):
        self.apply_batch([event])

    def apply_batch(self, events):
        """One write for the saved records and one for the deleted ones."""
        search = stores[self.alias]
        deleted = [e.aggregateid for e in events if e.type == "deleted"]
        saved = self.contents([e for e in events if e.type != "deleted"])
        if saved:
            search.index_documents(self.index, saved)
        if deleted:
            search.delete_documents(self.index, deleted)
