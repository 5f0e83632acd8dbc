"""The values a document store accepts, checked at the contract's boundary.

The backends disagree on values at the edges of JSON, so the contract keeps
to what all of them store and compare alike, and refuses the rest with
InvalidQuery (a ValueError) before any backend is called:

- integers from -(2**53) to 2**53: Cosmos DB keeps numbers as IEEE doubles,
  SQLite as exact 64-bit integers, so a larger one would come back changed
  from one backend only;
- strings (keys and values) without NUL, which SQLite's JSON functions cut
  short, and without lone surrogates, which are not Unicode text (UTF-8
  cannot carry them);
- document ids that the Cosmos DB REST path can carry: no ``/ \\ ? #``, tab
  or line break, not ``.`` or ``..`` (a URL dot segment would address the
  container or its document list), at most 255 characters, no trailing space.
"""
import re

from ..exceptions import InvalidQuery

MAX_SAFE_INTEGER = 2**53
ID_FORBIDDEN = "/\\?#\t\r\n"
# One scan of the id instead of one per forbidden character: ids are checked on every call.
ID_FORBIDDEN_CHARACTER = re.compile("[" + re.escape(ID_FORBIDDEN) + "]")
MAX_ID_LENGTH = 255


def text_problem(text):
    """Why ``text`` cannot be stored, or None."""
    if "\x00" in text:
        return "holds a NUL character"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "holds a lone surrogate (not Unicode text)"
    return None


def check_text(what, text):
    problem = text_problem(text)
    if problem:
        raise InvalidQuery(f"{what}: the string {text[:40]!r} {problem}.")
    return text


def check_number(what, value):
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_SAFE_INTEGER:
        raise InvalidQuery(
            f"{what}: the integer {value} is outside ±2**53, which not every backend stores exactly."
        )
    return value


def check_value(what, value):
    """Check every string and integer inside a JSON value (dict keys included)."""
    if isinstance(value, str):
        check_text(what, value)
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str):
                check_text(what, key)
            check_value(what, item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            check_value(what, item)
    else:
        check_number(what, value)
    return value


def check_document_id(doc_id):
    """The id, if every backend can store and address a document by it; else InvalidQuery."""
    if not isinstance(doc_id, str) or not doc_id:
        raise InvalidQuery("A document needs a non-empty string 'id'.")
    if (
        len(doc_id) > MAX_ID_LENGTH
        or ID_FORBIDDEN_CHARACTER.search(doc_id)
        or doc_id.endswith(" ")
        or doc_id in (".", "..")
    ):
        raise InvalidQuery(
            f"A document id has at most {MAX_ID_LENGTH} characters, none of / \\ ? # tab or line "
            "breaks, does not end with a space, and is not '.' or '..'."
        )
    return check_text("document id", doc_id)
