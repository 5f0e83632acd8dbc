"""What every store backend shares: options checked against the backend's own list, and
clients and connections that each process builds for itself."""
import functools
import inspect
import threading

from django.core.exceptions import ImproperlyConfigured
from django.utils import functional

from .options import check_options, describe
from .processes import forget_after_fork

CACHED_PROPERTIES = (functools.cached_property, functional.cached_property)


class StoreBackend:
    """Base of every backend class.

    A backend declares the OPTIONS it accepts in ``default_options`` (with
    their defaults) and ``required_options``; anything else is refused with
    an ImproperlyConfigured naming the key, so a typo never passes silently.
    ``option_rules`` gives the type and range of each value (see options.py),
    checked here for every backend with one message format.

    Clients and connections are ``cached_property`` attributes, built on
    first use, and ``per_process`` names them: a forked child forgets them
    (see processes.py) and builds its own, and ``_lock``, which guards
    building them, is new in the child. ``_drop_per_process()`` hands them
    to ``close()``.
    """

    kind = "store"
    default_options: dict = {}
    required_options: tuple = ()
    option_rules: dict = {}
    per_process: tuple = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name in cls.per_process:
            if not isinstance(inspect.getattr_static(cls, name, None), CACHED_PROPERTIES):
                raise TypeError(f"{cls.__name__}.per_process names {name!r}, which is not a cached_property.")

    def __init__(self, alias="default", **options):
        known = set(self.default_options) | set(self.required_options)
        unknown = sorted(set(options) - known)
        if unknown:
            raise ImproperlyConfigured(
                f"{describe(self, alias)}: does not accept the OPTIONS "
                f"key(s) {', '.join(map(repr, unknown))}; it accepts {', '.join(sorted(known)) or 'none'}."
            )
        missing = [name for name in self.required_options if options.get(name) in (None, "")]
        if missing:
            raise ImproperlyConfigured(
                f"{describe(self, alias)}: needs the OPTIONS "
                f"key(s) {', '.join(map(repr, missing))}."
            )
        self.alias = alias
        self.options = {**self.default_options, **options}
        check_options(self, alias, self.option_rules, self.options)
        self._lock = threading.Lock()
        forget_after_fork(self)

    def _drop_per_process(self):
        """Forget the attributes ``per_process`` names; return those built so far, by name."""
        return {name: self.__dict__.pop(name) for name in self.per_process if name in self.__dict__}

    def after_fork_in_child(self):
        """Forget the parent's clients, connections and lock; return what was forgotten."""
        self._lock = threading.Lock()
        for name in self.per_process:
            descriptor = inspect.getattr_static(type(self), name)
            if hasattr(descriptor, "lock"):
                # Before Python 3.12, cached_property builds under one lock per class attribute.
                descriptor.lock = threading.RLock()
        return self._drop_per_process()

    def close(self):
        """Release connections and files. The store may be used again afterwards."""

    def __repr__(self):
        return f"<{type(self).__name__} alias={self.alias!r}>"
