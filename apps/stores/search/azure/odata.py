"""Azure AI Search ``$filter`` expressions (OData) built from the portable filter tree.

Nothing is formatted into an expression unchecked:

- a field name is a declared field of the index and must match IDENTIFIER;
- a string value becomes an OData string literal, ``'`` doubled, so
  ``' or 1 eq 1`` stays one string;
- numbers, booleans and dates are written from the typed value
  values.exact_value checked (an int, a finite float, True/False, an aware
  datetime), so they cannot carry text.

List fields (``collection``) are tested with ``any``: ``tags/any(t: t eq 'sale')``.
``startswith`` becomes a range over the exact (case-sensitive) value,
``name ge 'App' and name lt 'Apq'``, as OData filters have no prefix test.
"""
import re

from ...exceptions import InvalidQuery
from ...query import Q
from ..values import RANGES, STRING_TYPES, exact_value

IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
COMPARISONS = {"eq": "eq", "ne": "ne", "gt": "gt", "gte": "ge", "lt": "lt", "lte": "le"}
# The range variable inside ``any``; field names are declared, so it cannot shadow one that is used.
ITEM = "t"
# search.in splits its list at a delimiter: one that no value contains is chosen from these.
IN_DELIMITERS = "|,;~^`#$%&!"
HIGHEST_CODE_POINT = 0x10FFFF
SURROGATES = (0xD800, 0xDFFF)


def quote(text):
    """An OData string literal: in quotes, every ``'`` doubled."""
    return "'" + text.replace("'", "''") + "'"


def literal(field, value):
    """``value`` as an OData constant of ``field``'s type; InvalidQuery if it is not one."""
    if value is None:
        return "null"
    exact = exact_value(field, value)
    if field.type in STRING_TYPES:
        return quote(exact)
    if field.type == "bool":
        return "true" if exact else "false"
    if field.type == "int":
        return str(exact)
    if field.type == "float":
        return repr(exact)  # "2.0", "1e+20": OData doubles; inf and NaN never get here
    # datetime: an aware UTC datetime, written as Edm.DateTimeOffset
    return exact.isoformat().replace("+00:00", "Z")


def name_of(field):
    if not IDENTIFIER.match(field.name):
        raise InvalidQuery(f"{field.name!r} cannot be used in an Azure AI Search filter.")
    return field.name


def filter_expression(definition, where):
    """The $filter for a Q tree over ``definition``'s fields; None when there is nothing to filter."""
    if where is None:
        return None
    return _node(definition, where)


def _node(definition, node):
    if not isinstance(node, Q):
        field = definition.field(node.field)
        if field is None or not field.filterable:
            raise InvalidQuery(f"{node.field!r} is not a filterable field of {definition.name}.")
        return condition_expression(field, node)
    parts = [_node(definition, child) for child in node.children]
    if not parts:
        return "true"  # no condition, as in the other backends
    if len(parts) == 1:
        return parts[0]
    return f" {node.connector} ".join(f"({part})" for part in parts)


def condition_expression(field, condition):
    """One Condition on a declared filterable field."""
    name, op, value = name_of(field), condition.op, condition.value
    if field.collection:
        has_any = f"{name}/any()"
        if op == "exists":
            return has_any if value else f"not {has_any}"
        if op in ("eq", "ne") and value is None:
            return f"not {has_any}" if op == "eq" else has_any
        if op == "ne":
            # Like a scalar ``ne``: true when no value equals it, also when there is no value.
            return f"not {name}/any({ITEM}: {_scalar(ITEM, field, 'eq', value)})"
        return f"{name}/any({ITEM}: {_scalar(ITEM, field, op, value)})"
    return _scalar(name, field, op, value)


def _scalar(subject, field, op, value):
    if op == "exists":
        return f"{subject} ne null" if value else f"{subject} eq null"
    if op in COMPARISONS:
        if op in RANGES and value is None:
            raise InvalidQuery(f"{field.name}: {op!r} needs a value, not None.")
        return f"{subject} {COMPARISONS[op]} {literal(field, value)}"
    if op == "in":
        return _in(subject, field, value)
    if op == "startswith":
        return _prefix(subject, field, value)
    raise InvalidQuery(f"{field.name}: search filters do not offer {op!r}.")


def _in(subject, field, values):
    present = [value for value in values if value is not None]
    tests = []
    texts = [exact_value(field, value) for value in present] if field.type in STRING_TYPES else None
    delimiter = None
    if texts and all(texts):  # search.in would drop an empty value
        delimiter = next((d for d in IN_DELIMITERS if not any(d in text for text in texts)), None)
    if delimiter is not None:
        tests.append(f"search.in({subject}, {quote(delimiter.join(texts))}, {quote(delimiter)})")
    else:
        tests.extend(f"{subject} eq {literal(field, value)}" for value in present)
    if len(present) < len(values):
        tests.append(f"{subject} eq null")
    return tests[0] if len(tests) == 1 else "(" + " or ".join(tests) + ")"


def _prefix(subject, field, prefix):
    if field.type not in STRING_TYPES:
        raise InvalidQuery(f"{field.name}: 'startswith' applies to text fields, not {field.type}.")
    if not prefix:
        return f"{subject} ne null"
    following = ord(prefix[-1]) + 1
    if following > HIGHEST_CODE_POINT:
        return f"{subject} ge {quote(prefix)}"
    if SURROGATES[0] <= following <= SURROGATES[1]:
        following = SURROGATES[1] + 1  # not characters; the next one is
    upper = prefix[:-1] + chr(following)
    return f"({subject} ge {quote(prefix)} and {subject} lt {quote(upper)})"
