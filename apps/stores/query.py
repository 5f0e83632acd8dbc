"""A portable filter tree shared by the document and search stores.

    Q(category="books", price__lte=20) | Q(tags__contains="sale")

A lookup is ``field[__subfield...][__operator]``; without an operator it means
``eq``. Backends compile the tree into their own query language and always
pass values as parameters, never by formatting them into the query text.
"""
import json
import re
from dataclasses import dataclass
from typing import Any

from .exceptions import InvalidQuery

OPERATORS = ("eq", "ne", "in", "lt", "lte", "gt", "gte", "contains", "startswith", "exists")
FIELD_SEGMENT = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
SCALAR_TYPES = (str, int, float, bool, type(None))


@dataclass(frozen=True)
class Condition:
    """One comparison: ``path`` is a tuple of field names, outermost first."""

    path: tuple
    op: str
    value: Any

    @property
    def field(self):
        return ".".join(self.path)


def _check_scalar(lookup, value):
    if not isinstance(value, SCALAR_TYPES):
        raise InvalidQuery(f"{lookup}: {type(value).__name__} is not a JSON value.")
    if isinstance(value, float) and value != value:
        raise InvalidQuery(f"{lookup}: NaN cannot be compared.")
    try:
        json.dumps(value, allow_nan=False)
    except ValueError as e:
        raise InvalidQuery(f"{lookup}: {e}") from e


def parse_lookup(lookup, value):
    """Turn ``"price__lte", 20`` into a checked Condition."""
    parts = lookup.split("__")
    op = "eq"
    if len(parts) > 1 and parts[-1] in OPERATORS:
        op = parts.pop()
    for part in parts:
        if not FIELD_SEGMENT.match(part):
            raise InvalidQuery(
                f"{lookup!r}: {part!r} is not a field name (letters, digits and _ only), "
                f"or not one of the operators {', '.join(OPERATORS)}."
            )
    if op == "in":
        if not isinstance(value, (list, tuple, set, frozenset)) or not value:
            raise InvalidQuery(f"{lookup}: 'in' takes a non-empty list of values.")
        for item in value:
            _check_scalar(lookup, item)
        value = tuple(value)
    elif op == "exists":
        if not isinstance(value, bool):
            raise InvalidQuery(f"{lookup}: 'exists' takes True or False.")
    elif op in ("contains", "startswith"):
        if not isinstance(value, str):
            raise InvalidQuery(f"{lookup}: {op!r} takes a string.")
    else:
        _check_scalar(lookup, value)
    return Condition(tuple(parts), op, value)


class Q:
    """A node of the filter tree: conditions and nested Qs joined by AND or OR.

    An empty Q, AND or OR, is no condition wherever it stands: alone it is no
    filter, and nested in another Q it is left out (it neither matches every
    document nor none).
    """

    AND = "and"
    OR = "or"

    def __init__(self, *children, connector=AND, **lookups):
        if connector not in (self.AND, self.OR):
            raise InvalidQuery(f"Unknown connector {connector!r}; use 'and' or 'or'.")
        self.connector = connector
        self.children = []
        for child in children:
            if not isinstance(child, (Q, Condition)):
                raise InvalidQuery(f"A filter takes Q objects or keyword lookups, not {child!r}.")
            if isinstance(child, Q) and not child:
                continue
            self.children.append(child)
        for lookup, value in sorted(lookups.items()):
            self.children.append(parse_lookup(lookup, value))

    def _combine(self, other, connector):
        if not isinstance(other, Q):
            return NotImplemented
        return Q(self, other, connector=connector)

    def __and__(self, other):
        return self._combine(other, self.AND)

    def __or__(self, other):
        return self._combine(other, self.OR)

    def __bool__(self):
        return bool(self.children)

    def conditions(self):
        """Every Condition in the tree, depth first."""
        for child in self.children:
            if isinstance(child, Q):
                yield from child.conditions()
            else:
                yield child

    def __repr__(self):
        inner = f" {self.connector} ".join(
            repr(c) if isinstance(c, Q) else f"{c.field} {c.op} {c.value!r}" for c in self.children
        )
        return f"Q({inner})"


def as_filter(where):
    """Accept None, a Q or a dict of lookups; return a Q or None."""
    if where is None:
        return None
    if isinstance(where, Q):
        return where or None
    if isinstance(where, dict):
        return Q(**where) or None
    raise InvalidQuery(f"A filter is a Q or a dict of lookups, not {type(where).__name__}.")
