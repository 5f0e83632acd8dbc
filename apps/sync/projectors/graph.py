"""Projecting into the graph, and applying changes to edges that are a home."""
from apps.stores import stores

from ..edge_ids import edge_ends
from .base import VERSION_FIELD, Projected, Projector


class GraphEdgeHomeProjector(Projector):
    """Applies an edge's state to its home label (apps.sync.changes.record_change).

    The aggregate id names the edge's ends (apps.sync.homes.edge_aggregate_id);
    the payload carries ``source``, ``target`` and the edge's properties. Both
    vertices must exist: a missing one fails the delivery, which is retried.
    """

    label = None
    alias = "graph"

    def describe(self):
        return f"graph edges {self.label} (the home itself)"

    def projected_records(self):
        for state in self.home_states():
            yield Projected(state.aggregateid, state.version, state.payload)

    def apply(self, event):
        graph = stores[self.alias]
        source, target = edge_ends(event.aggregateid)
        if event.type == "deleted":
            graph.remove_edge(source, self.label, target)
            return
        properties = {k: v for k, v in event.payload.items() if k not in ("source", "target")}
        graph.upsert_edge(source, self.label, target, {**properties, VERSION_FIELD: event.version})


class GraphProjector(Projector):
    """Keeps one vertex per record (and the edges it owns) in step with the record's home.

    A subclass sets ``vertex_label`` and maps a state in properties(); edges()
    lists the edges the record owns as (label, target, properties), and
    ``edge_labels`` names those labels, so edges the record no longer has are
    removed. A deleted record's vertex goes with every edge touching it.
    """

    vertex_label = None
    edge_labels = ()
    alias = "graph"

    def describe(self):
        return f"graph vertices {self.vertex_label}" + (f", edges {', '.join(self.edge_labels)}" if self.edge_labels else "")

    def properties(self, state):
        """The vertex's properties for a record's state."""
        return dict(state.payload)

    def partition_key(self, state):
        """The vertex's partition key (Cosmos DB for Gremlin), or None."""
        return None

    def edges(self, state):
        """The edges this record owns: (label, target, properties) tuples."""
        return []

    def content(self, state):
        return {**self.properties(state), VERSION_FIELD: state.version}

    def projected_records(self):
        for vertex in stores[self.alias].scan_vertices(self.vertex_label):
            yield Projected(vertex.id, int(vertex.properties.get(VERSION_FIELD, 0)), vertex.properties)

    def apply(self, event):
        graph = stores[self.alias]
        if event.type == "deleted":
            graph.remove_vertex(event.aggregateid)
            return
        graph.upsert_vertex(event.aggregateid, self.vertex_label, self.content(event),
                            partition_key=self.partition_key(event))
        wanted = {(label, target): properties for label, target, properties in self.edges(event)}
        for label in self.edge_labels:
            for vertex in graph.neighbours(event.aggregateid, label=label, limit=graph.max_page_size):
                if (label, vertex.id) not in wanted:
                    graph.remove_edge(event.aggregateid, label, vertex.id)
        for (label, target), properties in wanted.items():
            graph.upsert_edge(event.aggregateid, label, target, {**properties, VERSION_FIELD: event.version})
