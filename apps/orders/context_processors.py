"""The header's cart link: how many items the visitor's cart holds."""
from functools import lru_cache

from apps.stores.exceptions import Unavailable

from .cart import cart_for


def cart(request):
    """``cart_count``: read only when a page's header shows it (the admin's pages never do);
    None when the carts' store does not answer, so the header still renders."""

    @lru_cache(maxsize=1)
    def count():
        if not hasattr(request, "session") or not hasattr(request, "user"):
            return None  # a page rendered outside the middleware (an error page, a test's request)
        try:
            return cart_for(request).count()
        except Unavailable:
            return None

    return {"cart_count": count}
