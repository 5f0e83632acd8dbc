from .base import Edge, GraphStore, Vertex

__all__ = ["Edge", "GraphStore", "Vertex"]
