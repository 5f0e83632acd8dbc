from ..paging import Page
from .base import Container, DocumentStore, declare_container, declared_containers

__all__ = ["Container", "DocumentStore", "Page", "declare_container", "declared_containers"]
