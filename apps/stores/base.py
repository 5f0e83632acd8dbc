"""What every store backend shares: options checked against the backend's own list."""
from django.core.exceptions import ImproperlyConfigured

from .options import check_options, describe


class StoreBackend:
    """Base of every backend class.

    A backend declares the OPTIONS it accepts in ``default_options`` (with
    their defaults) and ``required_options``; anything else is refused with
    an ImproperlyConfigured naming the key, so a typo never passes silently.
    ``option_rules`` gives the type and range of each value (see options.py),
    checked here for every backend with one message format.
    """

    kind = "store"
    default_options: dict = {}
    required_options: tuple = ()
    option_rules: dict = {}

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

    def close(self):
        """Release connections and files. The store may be used again afterwards."""

    def __repr__(self):
        return f"<{type(self).__name__} alias={self.alias!r}>"
