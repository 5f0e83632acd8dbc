"""Paging shared by every store kind: a page and its continuation token, and a scan over pages.

A continuation token is opaque to callers: it holds a backend's position in
one query, with a fingerprint of that query, so a token only resumes the
query it came from, and a malformed or forged one is InvalidQuery, never a
restart from the first page.
"""
import base64
import binascii
import hashlib
import json
from dataclasses import dataclass, field

from .exceptions import InvalidQuery


@dataclass
class Page:
    """One page of results and the token that fetches the next (None at the end)."""

    items: list = field(default_factory=list)
    continuation: str | None = None

    def __iter__(self):
        return iter(self.items)

    def __len__(self):
        return len(self.items)


def follow(fetch):
    """Every item of every page: ``fetch(position)`` returns ``(items, next position or None)``.

    The first call gets None. This is the one continuation loop of the
    stores; callers iterate a ``scan()`` instead of writing their own.
    """
    position = None
    while True:
        items, position = fetch(position)
        yield from items
        if position is None:
            return


def scan_pages(read_page):
    """Every item of the Pages ``read_page(continuation)`` returns, from the first page to the last."""

    def fetch(token):
        page = read_page(token)
        return page.items, page.continuation

    return follow(fetch)


def check_page_size(name, value, largest):
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= largest:
        raise InvalidQuery(f"{name} is a whole number from 1 to {largest}.")
    return value


def fingerprint(*parts):
    """A short digest of a query, so a continuation token only resumes the query it came from."""
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def encode_continuation(query_fingerprint, position):
    """An opaque, URL-safe token holding a backend's position in one query."""
    raw = json.dumps({"q": query_fingerprint, "p": position}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode_continuation(token, query_fingerprint, position_type):
    """The position stored in ``token``; InvalidQuery if it is malformed or from another query.

    ``position_type`` is the backend's: ``int`` (an offset from 0 to 2**63 - 1)
    or ``str`` (the service's own non-empty token). A forged position of
    another type or out of range is InvalidQuery, never a restart from page one.
    """
    if not isinstance(token, str):
        raise InvalidQuery("continuation is the string token of a previous page.")
    try:
        state = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (binascii.Error, ValueError, UnicodeError):
        raise InvalidQuery("The continuation token is malformed.") from None
    if not isinstance(state, dict) or "p" not in state:
        raise InvalidQuery("The continuation token is malformed.")
    if state.get("q") != query_fingerprint:
        raise InvalidQuery("The continuation token belongs to another query.")
    position = state["p"]
    if position_type is int:
        valid = isinstance(position, int) and not isinstance(position, bool) and 0 <= position < 2**63
    else:
        valid = isinstance(position, position_type) and bool(position)
    if not valid:
        raise InvalidQuery("The continuation token is malformed.")
    return position
