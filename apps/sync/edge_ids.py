"""How an edge whose home is the graph is named as an aggregate: by its two ends."""
import json


def edge_aggregate_id(source, target):
    """The aggregate id of the edge from ``source`` to ``target`` (unambiguous for any ids)."""
    return json.dumps([source, target], separators=(",", ":"))


def edge_ends(aggregateid):
    """(source, target) of an edge's aggregate id."""
    source, target = json.loads(aggregateid)
    return source, target
