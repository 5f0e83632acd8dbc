"""Keeping cached readings of a record fresh: delete them on every event."""
from django.core.cache import caches

from .base import Projector


class CacheProjector(Projector):
    """Deletes a record's cache entries whenever it changes; the next read fills them again.

    A subclass lists the keys in keys(). Deleting rather than writing keeps the
    cache from ever holding a state older than one a reader already saw, in
    whatever order events arrive. (Where a reader knows the current version,
    ``versioned_key`` puts it in the key instead, and no event is needed.)
    Nothing durable is kept, so reconcile has nothing to compare: a rebuild
    empties the entries instead.
    """

    cache_alias = "default"
    reconcilable = False
    ordered = False  # dropping entries again, or late, leaves the same cache

    def describe(self):
        return f"cache {self.cache_alias} (entries dropped on change)"

    def backend(self):
        return caches[self.cache_alias].__class__.__name__

    def keys(self, state):
        """The cache keys that hold readings of this record."""
        raise NotImplementedError("subclasses of CacheProjector must provide a keys() method")

    def apply(self, event):
        self.apply_batch([event])

    def apply_batch(self, events):
        keys = [key for event in events for key in self.keys(event)]
        if keys:
            caches[self.cache_alias].delete_many(keys)

    def projected_records(self):
        return iter(())


def versioned_key(prefix, aggregateid, version):
    """A cache key that names the version it holds, so a newer version never reads it."""
    return f"{prefix}:{aggregateid}:v{version}"
