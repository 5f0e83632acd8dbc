"""Document and filter values checked against a field's declared type, the same for every backend.

A value a field cannot hold, or a filter a field cannot answer, is an
InvalidQuery before any backend sees it, so each backend compiles only
conditions that make sense and reports the same message for the same mistake.
"""
import datetime
import math
from decimal import Decimal

from ..exceptions import InvalidQuery

RANGES = ("gt", "gte", "lt", "lte")
ORDERED_TYPES = ("int", "float", "datetime")
STRING_TYPES = ("text", "keyword")


def values_of(value):
    """A document value as a list: None is no value, a list or tuple is several."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [v for v in value if v is not None]
    return [value]


def as_text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return str(value)


def as_datetime(value):
    """An aware UTC datetime from an ISO string, a date or a datetime; None if it is none of them.

    Microseconds are kept; a value whose UTC time falls outside years 1 to
    9999 (``0001-01-01T00:00:00+01:00``) is none of them either.
    """
    try:
        return _as_utc(value)
    except OverflowError:
        return None


def _as_utc(value):
    if isinstance(value, str):
        try:
            value = datetime.datetime.fromisoformat(value)
        except ValueError:
            return None
    elif isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        value = datetime.datetime.combine(value, datetime.time())
    if not isinstance(value, datetime.datetime):
        return None
    # A naive value is taken as UTC, as Django stores it with USE_TZ.
    if value.tzinfo is None:
        return value.replace(tzinfo=datetime.UTC)
    return value.astimezone(datetime.UTC)


def _is_int64(number):
    try:
        return number == int(number) and -(2**63) <= int(number) < 2**63
    except (OverflowError, ValueError):  # infinity, NaN
        return False


def exact_value(field, value):
    """``value`` as the exact field of ``field`` holds it; InvalidQuery if it cannot be."""
    kind = field.type
    number = isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)
    if kind in STRING_TYPES and (isinstance(value, (str, bool)) or number):
        return as_text(value)
    if kind == "int" and number and _is_int64(value):
        return int(value)
    # JSON, and so Azure AI Search, has no infinity or NaN. Adding 0.0 turns -0.0
    # into 0.0, so the two are one value to filters, facets and paging.
    if kind == "float" and number and math.isfinite(value):
        return float(value) + 0.0
    if kind == "bool" and isinstance(value, bool):
        return value
    if kind == "datetime":
        converted = as_datetime(value)
        if converted is not None:
            return converted
    raise InvalidQuery(f"{field.name}: {value!r} is not a valid {kind} value.")


def check_condition(field, condition):
    """Raise InvalidQuery unless ``condition`` (on the declared ``field``) can be answered."""
    op, value = condition.op, condition.value
    if op == "exists":
        return
    if op in ("eq", "ne"):
        if value is not None:
            exact_value(field, value)
        return
    if op == "in":
        for item in value:
            if item is not None:
                exact_value(field, item)
        return
    if op in RANGES:
        if field.type not in ORDERED_TYPES:
            raise InvalidQuery(f"{field.name}: {op!r} compares numbers and dates, not {field.type} values.")
        if value is None:
            raise InvalidQuery(f"{field.name}: {op!r} needs a value, not None.")
        exact_value(field, value)
        return
    if op == "startswith":
        if field.type not in STRING_TYPES:
            raise InvalidQuery(f"{field.name}: 'startswith' applies to text fields, not {field.type}.")
        return
    raise InvalidQuery(
        f"{condition.field}: search filters do not offer {op!r}; match words with the search text, "
        "or use 'eq' on a list field to find documents holding a value."
    )
