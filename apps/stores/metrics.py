"""One metrics hook for every store: the store_operation signal, sent per call."""
import threading
import time

from .signals import store_operation


# The timer of the store call running on this thread, so a backend's hooks can
# add what only they know (a request charge) without changing signatures.
_current = threading.local()


def current_operation():
    """The ``timed`` object of the store call running on this thread, or None."""
    return getattr(_current, "operation", None)


class timed:
    """Context manager timing one store call; a backend may set ``request_charge``.

        with timed(self, "get", container.name) as op:
            ...
            op.request_charge = response_headers["x-ms-request-charge"]
    """

    def __init__(self, store, operation, target=None):
        self.store, self.operation, self.target = store, operation, target
        self.request_charge = None

    def __enter__(self):
        self.outer, _current.operation = current_operation(), self
        self.started = time.perf_counter()
        return self

    def __exit__(self, exc_type, exc, tb):
        _current.operation = self.outer
        store_operation.send(
            sender=type(self.store),
            alias=self.store.alias,
            kind=self.store.kind,
            operation=self.operation,
            target=self.target,
            seconds=time.perf_counter() - self.started,
            request_charge=self.request_charge,
            error=exc_type.__name__ if exc_type else None,
        )
        return False
