"""Whole follow lists read from the graph, a page of the store at a time, up to a bound."""
from apps.stores import stores

from .vertices import FOLLOWS_LABEL, USER, vertex_id


def _ids(user_pk, direction, limit):
    graph, id, found = stores["graph"], vertex_id(USER, user_pk), []
    while len(found) < limit:
        batch = graph.neighbours(id, direction=direction, label=FOLLOWS_LABEL, limit=graph.max_page_size,
                                 offset=len(found))
        found.extend(v.id for v in batch)
        if len(batch) < graph.max_page_size:
            break
    return found[:limit]


def following_ids(user_pk, limit):
    """The vertex ids the user follows (at most ``limit``), in id order."""
    return _ids(user_pk, "out", limit)


def follower_ids(user_pk, limit):
    """The vertex ids of the user's followers (at most ``limit``), in id order."""
    return _ids(user_pk, "in", limit)
