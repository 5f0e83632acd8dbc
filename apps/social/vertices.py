"""How social records are named in the graph: ``user:42``, ``product:7``, ``post:<id>``.

Edges whose home is the graph need both ends to exist before they are written
(GraphEdgeHomeProjector fails the delivery otherwise), so a service makes sure
of its vertices first; an existing vertex is left as it is, properties and all,
because another projection (a product's, say) may own them.
"""
from apps.stores import stores
from apps.stores.exceptions import NotFound

USER, PRODUCT, POST = "user", "product", "post"
FOLLOWS_LABEL, LIKES_LABEL = "follows", "likes"
# ``user:a -bought-> product:7``: the orders' projection of a confirmed order (its home is SQL).
BOUGHT_LABEL = "bought"


def vertex_id(kind, pk):
    return f"{kind}:{pk}"


def pk_of(vertex_id_, kind):
    """The primary key part of ``kind:pk``, or None when the id names another kind."""
    prefix = f"{kind}:"
    return vertex_id_[len(prefix):] if vertex_id_.startswith(prefix) else None


def ensure_vertex(kind, pk):
    """The vertex of record ``kind:pk``, created bare if the graph has none yet."""
    graph, id = stores["graph"], vertex_id(kind, pk)
    try:
        graph.get_vertex(id)
    except NotFound:
        graph.upsert_vertex(id, kind)
    return id
