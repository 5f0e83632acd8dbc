"""One check of a backend's OPTIONS values: declared types and ranges, one message format.

A backend lists its rules in ``option_rules``; StoreBackend.__init__ checks
every given value against them before the backend sees it::

    option_rules = {"timeout": seconds(), "pool_size": whole(least=1), "verify_tls": flag()}
"""
import os
import re
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class Rule:
    """What one OPTIONS value may be; ``what`` completes the message "OPTIONS['x'] is ...".

    Booleans are never numbers here, and None passes only a ``nullable`` rule.
    """

    what: str
    types: tuple
    least: float | None = None
    choices: tuple | None = None
    pattern: str | None = None
    nullable: bool = False

    def accepts(self, value):
        if value is None:
            return self.nullable
        if isinstance(value, bool) and bool not in self.types:
            return False
        if not isinstance(value, self.types):
            return False
        if self.least is not None and value < self.least:
            return False
        if self.choices is not None and value not in self.choices:
            return False
        return self.pattern is None or re.fullmatch(self.pattern, value) is not None


def whole(least=0, unit="", nullable=False):
    return Rule(f"a whole number{unit}, at least {least}", (int,), least=least, nullable=nullable)


def seconds(least=0):
    return Rule(f"a number of seconds, at least {least}", (int, float), least=least)


def flag():
    return Rule("True or False", (bool,))


def one_of(*choices, nullable=False):
    listed = ", ".join(map(repr, choices)) + (" or None" if nullable else "")
    return Rule(f"one of {listed}", (str,), choices=choices, nullable=nullable)


def text(pattern, what, nullable=False):
    return Rule(what, (str,), pattern=pattern, nullable=nullable)


def path():
    return Rule("a file system path", (str, os.PathLike))


def describe(backend, alias):
    """How every OPTIONS message names the backend: ``SQLiteGraphStore (store 'graph')``."""
    return f"{type(backend).__name__} (store {alias!r})"


def check_options(backend, alias, rules, options):
    """ImproperlyConfigured naming the first value in ``options`` its rule refuses."""
    for name, rule in rules.items():
        if name in options and not rule.accepts(options[name]):
            raise ImproperlyConfigured(
                f"{describe(backend, alias)}: OPTIONS[{name!r}] is {rule.what}, not {options[name]!r}."
            )
