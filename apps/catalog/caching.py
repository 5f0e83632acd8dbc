"""Cached readings of a product: its page's parts and its API detail, as JSON in the cache.

Each entry names the product version it was made from. The cache projection
(projections.ProductCacheProjector) deletes a product's entries on each of
its events; the page, which reads the product's row anyway, also refuses an
entry made from another version, so an edit shows on the next view even
before the projection has run.

The cache goes through its own breaker ("cache"): with Redis down, pages are
made without it, a little slower, instead of failing.
"""
import logging

from django.conf import settings
from django.core.cache import caches

from apps.stores.breaker import CircuitOpen, breakers

logger = logging.getLogger(__name__)

CACHE_ALIAS = "default"
BREAKER = "cache"
PAGE_PREFIX = "catalog.product.page"
API_PREFIX = "catalog.product.api"


def page_key(product_id):
    return f"{PAGE_PREFIX}:{product_id}"


def api_key(product_id):
    return f"{API_PREFIX}:{product_id}"


def keys_of(product_id):
    """Every cache entry that holds a reading of this product."""
    return [page_key(product_id), api_key(product_id)]


def read(key, *, version=None, prefetched=None):
    """The value cached under ``key`` (made from ``version``, when given), else None.

    ``prefetched`` ({key: entry or None}) is what was already read for this request
    (the throttle's round trip, see polyglot_site/throttling.py): no second read.
    """
    try:
        if prefetched is not None and key in prefetched:
            entry = prefetched[key]
        else:
            entry = breakers[BREAKER].call(caches[CACHE_ALIAS].get, key)
    except CircuitOpen:
        return None
    except Exception as error:  # noqa: BLE001 - a cache that fails is a miss, never an error page
        logger.warning("Cache read of %s failed: %s", key, error)
        return None
    if not isinstance(entry, dict) or "value" not in entry:
        return None
    if version is not None and entry.get("version") != version:
        return None
    return entry["value"]


def write(key, value, *, version):
    """Keep ``value`` (JSON) under ``key``, naming the product version it was made from."""
    try:
        breakers[BREAKER].call(caches[CACHE_ALIAS].set, key, {"version": version, "value": value},
                               settings.PRODUCT_CACHE_SECONDS)
    except CircuitOpen:
        pass
    except Exception as error:  # noqa: BLE001
        logger.warning("Cache write of %s failed: %s", key, error)
