"""What every store backend shares: options checked against the backend's own list."""
from django.core.exceptions import ImproperlyConfigured


class StoreBackend:
    """Base of every backend class.

    A backend declares the OPTIONS it accepts in ``default_options`` (with
    their defaults) and ``required_options``; anything else is refused with
    an ImproperlyConfigured naming the key, so a typo never passes silently.
    """

    kind = "store"
    default_options: dict = {}
    required_options: tuple = ()

    def __init__(self, alias="default", **options):
        known = set(self.default_options) | set(self.required_options)
        unknown = sorted(set(options) - known)
        if unknown:
            raise ImproperlyConfigured(
                f"{type(self).__name__} (store {alias!r}) does not accept the OPTIONS "
                f"key(s) {', '.join(map(repr, unknown))}; it accepts {', '.join(sorted(known)) or 'none'}."
            )
        missing = [name for name in self.required_options if options.get(name) in (None, "")]
        if missing:
            raise ImproperlyConfigured(
                f"{type(self).__name__} (store {alias!r}) needs the OPTIONS "
                f"key(s) {', '.join(map(repr, missing))}."
            )
        self.alias = alias
        self.options = {**self.default_options, **options}

    def close(self):
        """Release connections and files. The store may be used again afterwards."""

    def __repr__(self):
        return f"<{type(self).__name__} alias={self.alias!r}>"
