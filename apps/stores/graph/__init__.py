from .base import Edge, GraphStore, Ranked, Vertex

__all__ = ["Edge", "GraphStore", "Ranked", "Vertex"]
