"""A lazy list of documents, for managers of records whose home is the document store:

    Review.objects.filter(product=lamp)      # a DocumentList of reviews, newest first
    Paginator(Review.objects.filter(product=lamp), 20).get_page(2)

Like a QuerySet it reads nothing until it is iterated, counted or sliced, and
filter() and order_by() return new lists, so Django's Paginator, templates and
DRF's pagination page it as they page a queryset.
"""
from itertools import islice

from .. import stores


class DocumentList:
    """Documents of ``container`` matching ``where`` (lookups, as the contract's query takes them),
    each turned into a record by ``factory``; within one partition when ``partition_key`` is given."""

    def __init__(self, container, *, factory=dict, where=None, partition_key=None, order_by=(), alias="documents"):
        self.container, self.factory, self.alias = container, factory, alias
        self.where, self.partition_key, self.ordering = dict(where or {}), partition_key, tuple(order_by)
        self._count = None

    def _clone(self, **changes):
        options = {"factory": self.factory, "where": self.where, "partition_key": self.partition_key,
                   "order_by": self.ordering, "alias": self.alias, **changes}
        return type(self)(self.container, **options)

    def filter(self, **lookups):
        return self._clone(where={**self.where, **lookups})

    def order_by(self, *fields):
        return self._clone(order_by=fields)

    def count(self):
        if self._count is None:
            store = stores[self.alias]
            self._count = store.count(self.container, self.where or None, partition_key=self.partition_key)
        return self._count

    def __len__(self):
        return self.count()

    def exists(self):
        return bool(self[:1])

    def _scan(self, wanted=None):
        store = stores[self.alias]
        page_size = min(wanted or store.max_page_size, store.max_page_size)
        documents = store.scan(self.container, self.where or None, partition_key=self.partition_key,
                               order_by=self.ordering, page_size=max(page_size, 1))
        return (self.factory(document) for document in documents)

    def __iter__(self):
        return iter(list(self._scan()))

    def __getitem__(self, key):
        """One record or a slice, read from the first page on: the document store has no offsets."""
        if isinstance(key, slice):
            if (key.start or 0) < 0 or (key.stop is not None and key.stop < 0) or key.step not in (None, 1):
                raise ValueError("A DocumentList takes slices [start:stop] of non-negative numbers.")
            if key.stop is not None and key.stop <= (key.start or 0):
                return []
            return list(islice(self._scan(key.stop), key.start, key.stop))
        if not isinstance(key, int) or key < 0:
            raise TypeError("A DocumentList is indexed by a non-negative number or a slice.")
        found = self[key:key + 1]
        if not found:
            raise IndexError("DocumentList index out of range")
        return found[0]

    def __repr__(self):
        return f"<DocumentList {self.container} {self.where}>"
