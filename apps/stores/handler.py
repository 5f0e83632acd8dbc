"""Loads the store backends named in settings.POLYGLOT_STORES, one instance per alias.

Modelled on Django's StorageHandler: settings are read lazily, the backend
class is imported by dotted path, and the handler is reset when the setting
changes (see apps.stores.apps), so override_settings works in tests.
"""
import threading

from django.conf import settings
from django.utils.connection import ConnectionProxy
from django.utils.functional import cached_property
from django.utils.module_loading import import_string

from .exceptions import InvalidStoreBackendError
from .processes import forget_after_fork


class StoreHandler:
    def __init__(self, backends=None):
        self._backends = backends
        self._stores = {}
        self._lock = threading.Lock()
        forget_after_fork(self)

    def after_fork_in_child(self):
        """Keep the stores (each forgets its own clients) but not a lock a parent thread may hold."""
        self._lock = threading.Lock()

    @cached_property
    def backends(self):
        if self._backends is None:
            self._backends = getattr(settings, "POLYGLOT_STORES", {})
        return self._backends

    def __getitem__(self, alias):
        try:
            return self._stores[alias]
        except KeyError:
            pass
        with self._lock:
            if alias not in self._stores:
                try:
                    params = self.backends[alias]
                except KeyError:
                    raise InvalidStoreBackendError(
                        f"Could not find config for {alias!r} in settings.POLYGLOT_STORES "
                        f"(configured: {', '.join(sorted(self.backends)) or 'none'})."
                    ) from None
                self._stores[alias] = self.create_store(alias, params)
            return self._stores[alias]

    def __iter__(self):
        return iter(self.backends)

    def create_store(self, alias, params):
        params = dict(params)
        backend = params.pop("BACKEND", None)
        options = params.pop("OPTIONS", {})
        if not backend:
            raise InvalidStoreBackendError(f"POLYGLOT_STORES[{alias!r}] has no BACKEND.")
        if params:
            raise InvalidStoreBackendError(
                f"POLYGLOT_STORES[{alias!r}] has unknown key(s) {', '.join(sorted(params))}; "
                "only BACKEND and OPTIONS are read."
            )
        try:
            backend_class = import_string(backend)
        except ImportError as e:
            raise InvalidStoreBackendError(
                f"Could not find store backend {backend!r} for POLYGLOT_STORES[{alias!r}]: {e}"
            ) from e
        return backend_class(alias=alias, **options)

    def close_all(self):
        for store in list(self._stores.values()):
            store.close()

    def reset(self):
        """Forget the configuration and the instances (after a settings change)."""
        with self._lock:
            self.close_all()
            self._stores = {}
            self._backends = None
            self.__dict__.pop("backends", None)


class StoreProxy(ConnectionProxy):
    """The store configured under one alias, reached like ``django.core.cache.cache``.

    ``from apps.stores import documents`` gives this proxy, which stands
    where the package of the same name would be an attribute of
    ``apps.stores``: the package's own names (``DocumentStore``, its
    submodules) are found first, so dotted paths through it keep working;
    every other name is the configured store's, looked up on each use, so
    ``override_settings(POLYGLOT_STORES=...)`` reaches it.
    """

    def __init__(self, connections, alias, package):
        super().__init__(connections, alias)
        self.__dict__["_package"] = package

    def __getattr__(self, name):
        try:
            return getattr(self.__dict__["_package"], name)
        except AttributeError:
            return super().__getattr__(name)

    def __repr__(self):
        return f"<StoreProxy {self._alias!r}>"
