"""Where each record kind lives: its home supplies the current states and versions used by
rebuild, replay, reconcile and the operators' data map.

    home = SQLHome(Product)            # rows of a model (an OutboxedModel)
    home = DocumentHome("carts")       # documents of a container in the document store
    home = GraphEdgeHome("follows")    # edges of a label in the graph
"""
from django.db import connections

from apps.stores import stores

from .edge_ids import edge_aggregate_id
from .projectors.base import VERSION_FIELD, State


class Home:
    """Base class: ``kind`` names the store; states() yields every record's current state."""

    kind = None

    def states(self, aggregatetype, chunk_size=500):
        """The current state of every record, as the events of ``aggregatetype`` carry it."""
        raise NotImplementedError("subclasses of Home must provide a states() method")

    def count(self):
        """How many records live here."""
        raise NotImplementedError("subclasses of Home must provide a count() method")

    def describe(self):
        """A short name for operators: which store, which table or container."""
        raise NotImplementedError("subclasses of Home must provide a describe() method")

    def backend(self):
        """The class of the store the records live in, as configured now."""
        return type(stores[self.alias]).__name__

    def __repr__(self):
        return f"<{type(self).__name__} {self.describe()}>"


class SQLHome(Home):
    """Rows of an OutboxedModel: their version and outbox_payload() are the state."""

    kind = "sql"

    def __init__(self, model):
        self.model = model

    def states(self, aggregatetype, chunk_size=500):
        rows = self.model._base_manager.order_by("pk").prefetch_related(*self.model.outbox_prefetch_related)
        for instance in rows.iterator(chunk_size=chunk_size):
            yield State(aggregatetype, str(instance.pk), "saved", instance.version, instance.outbox_payload())

    def count(self):
        return self.model._base_manager.count()

    def describe(self):
        return f"SQL {self.model._meta.label}"

    def backend(self):
        return connections[self.model._base_manager.db].display_name


class DocumentHome(Home):
    """Documents of one container: each document, without the store's own fields, is the state."""

    kind = "documents"

    def __init__(self, container, alias="documents"):
        self.container, self.alias = container, alias

    def states(self, aggregatetype, chunk_size=500):
        for document in stores[self.alias].scan(self.container, page_size=chunk_size):
            payload = {k: v for k, v in document.items() if not k.startswith("_") and k != VERSION_FIELD}
            yield State(aggregatetype, document["id"], "saved", int(document.get(VERSION_FIELD, 0)), payload)

    def count(self):
        return stores[self.alias].count(self.container)

    def describe(self):
        return f"documents {self.container}"


class GraphEdgeHome(Home):
    """Edges of one label in the graph (follows, likes): each edge's ends and properties are the state."""

    kind = "graph"

    def __init__(self, label, alias="graph"):
        self.label, self.alias = label, alias

    def states(self, aggregatetype, chunk_size=500):
        for edge in stores[self.alias].scan_edges(self.label, page_size=chunk_size):
            properties = {k: v for k, v in edge.properties.items() if k != VERSION_FIELD}
            payload = {"source": edge.source, "target": edge.target, **properties}
            version = int(edge.properties.get(VERSION_FIELD, 0))
            yield State(aggregatetype, edge_aggregate_id(edge.source, edge.target), "saved", version, payload)

    def count(self):
        return sum(1 for _ in stores[self.alias].scan_edges(self.label))

    def describe(self):
        return f"graph edges {self.label}"
