"""Follower, following and like counts: read from the graph's degree, kept in the cache.

The cache entries are deleted by SocialCountsCache on every follow or like
event (apps.sync.projectors.CacheProjector), so a count is at most one
event old only while that event is being delivered.
"""
from django.core.cache import cache

from apps.stores import stores

from .vertices import FOLLOWS_LABEL, LIKES_LABEL, POST, PRODUCT, USER, vertex_id

TIMEOUT = 3600


def key(kind, vertex):
    return f"social:count:{kind}:{vertex}"


def _degree(kind, vertex, direction, label, fresh=False):
    cache_key = key(kind, vertex)
    value = None if fresh else cache.get(cache_key)
    if value is None:
        value = stores["graph"].degree(vertex, direction=direction, label=label)
        cache.set(cache_key, value, TIMEOUT)
    return value


# ``fresh`` reads the graph rather than the cache: a writer answering with the count it
# just changed cannot wait for the event that drops the cached one.
def followers(user_pk, fresh=False):
    return _degree("followers", vertex_id(USER, user_pk), "in", FOLLOWS_LABEL, fresh)


def following(user_pk, fresh=False):
    return _degree("following", vertex_id(USER, user_pk), "out", FOLLOWS_LABEL, fresh)


def product_likes(product_pk, fresh=False):
    return _degree("likes", vertex_id(PRODUCT, product_pk), "in", LIKES_LABEL, fresh)


def post_likes(post_id, fresh=False):
    return _degree("likes", vertex_id(POST, post_id), "in", LIKES_LABEL, fresh)


def keys_for_edge(label, source, target):
    """The count entries an edge of ``label`` from ``source`` to ``target`` changes."""
    if label == FOLLOWS_LABEL:
        return [key("following", source), key("followers", target)]
    return [key("likes", target)]
