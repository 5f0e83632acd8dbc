"""The few errors every store raises, so callers never import an SDK's exceptions."""
from django.core.exceptions import ImproperlyConfigured


class InvalidStoreBackendError(ImproperlyConfigured):
    """A POLYGLOT_STORES entry names a backend that cannot be loaded or configured."""


class StoreError(Exception):
    """Base class of the errors a store operation raises."""


class NotFound(StoreError):
    """The item, vertex, edge or index does not exist."""


class Conflict(StoreError):
    """An item with the same id already exists."""


class PreconditionFailed(StoreError):
    """The ETag (or version) given as a precondition is stale."""


class Unavailable(StoreError):
    """The store cannot be reached or is throttling; the call may be retried."""


class InvalidQuery(StoreError, ValueError):
    """The request is malformed: unknown container, operator, field or value."""


class NotSupported(StoreError):
    """This backend does not offer the operation (see its capability attributes)."""
