"""Social commands and reads used by the pages and the API alike.

Follows and likes are edges whose home is the graph: each change is an outbox
event first (apps.sync.changes.record_change), then applied to the graph, so a
crash between the two is repaired by the relay. A repeated follow or like finds
the edge already there and records nothing, which makes both idempotent.
"""
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.stores import stores
from apps.sync.changes import record_change
from apps.sync.edge_ids import edge_aggregate_id

from . import counts
from .people import active_user, users_in_order
from .follow_lists import follower_ids, following_ids
from .posting import visible_post
from .projections import FOLLOW, LIKE, FollowsHome, LikesHome
from .vertices import (
    BOUGHT_LABEL, FOLLOWS_LABEL, LIKES_LABEL, POST, PRODUCT, USER, ensure_vertex, pk_of, vertex_id,
)

MAX_PER_PAGE = 100
# Mutual follows intersect both lists: at most this many of each are read.
MUTUAL_SCAN_LIMIT = 5000
PEOPLE_YOU_MAY_KNOW = 10
# "Bought by people you follow" asks this many followees (the first by id, as the graph's
# own recommendations bound their first hop) for this many purchases each.
BOUGHT_FIRST_HOP = 64
BOUGHT_PER_FOLLOWEE = 200


@dataclass
class UserPage:
    """One page of people: users from SQL, in the graph's order, and whether more follow."""

    users: list
    number: int
    has_next: bool
    total: int = None


def _linked(source, label, target):
    return stores["graph"].shortest_path(source, target, label=label, max_depth=1) is not None


def _link(aggregatetype, home, label, source, target):
    if _linked(source, label, target):
        return False
    created = timezone.now().isoformat(timespec="microseconds")
    payload = {"source": source, "target": target, "created": created}
    record_change(aggregatetype=aggregatetype, aggregateid=edge_aggregate_id(source, target), type="saved",
                  payload=payload, home=home)
    return True


def _unlink(aggregatetype, home, label, source, target):
    if not _linked(source, label, target):
        return False
    record_change(aggregatetype=aggregatetype, aggregateid=edge_aggregate_id(source, target), type="deleted",
                  payload={"source": source, "target": target}, home=home)
    return True


# -- follows ------------------------------------------------------------------
def follow(follower, followee_pk):
    """``follower`` follows the user ``followee_pk``; True if this changed anything."""
    followee = active_user(followee_pk)
    if followee.pk == follower.pk:
        raise ValidationError("You cannot follow yourself.", code="self_follow")
    source, target = ensure_vertex(USER, follower.pk), ensure_vertex(USER, followee.pk)
    return _link(FOLLOW, FollowsHome.name, FOLLOWS_LABEL, source, target)


def unfollow(follower, followee_pk):
    """Stop following; unfollowing someone not followed changes nothing (False)."""
    try:
        followee_pk = int(followee_pk)
    except (TypeError, ValueError):
        raise ValidationError(f"There is no user {followee_pk}.", code="unknown_user") from None
    source, target = vertex_id(USER, follower.pk), vertex_id(USER, followee_pk)
    return _unlink(FOLLOW, FollowsHome.name, FOLLOWS_LABEL, source, target)


def is_following(follower_pk, followee_pk):
    return _linked(vertex_id(USER, follower_pk), FOLLOWS_LABEL, vertex_id(USER, followee_pk))


def check_paging(page, per_page):
    if not isinstance(page, int) or page < 1 or page > 100_000:
        raise ValidationError("page is a whole number from 1.", code="bad_page")
    if not isinstance(per_page, int) or not 1 <= per_page <= MAX_PER_PAGE:
        raise ValidationError(f"per_page is a whole number from 1 to {MAX_PER_PAGE}.", code="bad_page")


def _people(user_pk, direction, page, per_page):
    check_paging(page, per_page)
    graph, id = stores["graph"], vertex_id(USER, user_pk)
    found = graph.neighbours(id, direction=direction, label=FOLLOWS_LABEL, limit=per_page + 1,
                             offset=(page - 1) * per_page)
    users = users_in_order([v.id for v in found[:per_page]])
    total = counts.followers(user_pk) if direction == "in" else counts.following(user_pk)
    return UserPage(users, page, len(found) > per_page, total)


def followers(user_pk, *, page=1, per_page=20):
    """Who follows the user, one page, in id order."""
    return _people(user_pk, "in", page, per_page)


def following(user_pk, *, page=1, per_page=20):
    """Whom the user follows, one page, in id order."""
    return _people(user_pk, "out", page, per_page)


def mutual_follows(user_pk, *, page=1, per_page=20):
    """People the user follows who follow back, one page, in id order."""
    check_paging(page, per_page)
    followed_back = set(follower_ids(user_pk, MUTUAL_SCAN_LIMIT))
    mutual = [v for v in following_ids(user_pk, MUTUAL_SCAN_LIMIT) if v in followed_back]
    start = (page - 1) * per_page
    users = users_in_order(mutual[start:start + per_page])
    return UserPage(users, page, len(mutual) > start + per_page, len(mutual))


def people_you_may_know(user_pk, *, limit=PEOPLE_YOU_MAY_KNOW):
    """People followed by the people the user follows, ranked by how many of them do;
    the graph bounds the walk's fan-out (GraphStore.recommendations)."""
    ranked = stores["graph"].recommendations(vertex_id(USER, user_pk), label=FOLLOWS_LABEL, limit=limit)
    return users_in_order([r.vertex.id for r in ranked if r.vertex.id.startswith(f"{USER}:")])


def bought_by_people_you_follow(user_pk, *, limit=10):
    """Products on sale that the people the user follows bought, the most bought first
    (ties: the smaller id), from the orders' ``bought`` edges when there are any; the
    walk is bounded like the graph's recommendations, so a user following thousands
    costs the same as one following BOUGHT_FIRST_HOP."""
    from collections import Counter

    from apps.catalog.models import Product

    graph, counted = stores["graph"], Counter()
    for followee in following_ids(user_pk, BOUGHT_FIRST_HOP):
        bought = graph.neighbours(followee, direction="out", label=BOUGHT_LABEL, limit=BOUGHT_PER_FOLLOWEE)
        for vertex in bought:
            product = pk_of(vertex.id, PRODUCT)
            if product and product.isdigit():
                counted[int(product)] += 1
    ranked = sorted(counted, key=lambda pk: (-counted[pk], pk))
    return Product.objects.active().in_order_of(ranked[:limit * 5])[:limit]  # room for drafts left out


# -- likes ----------------------------------------------------------------------
def likeable_product(product_pk):
    from apps.catalog.models import Product

    try:
        return Product.objects.active().get(pk=int(product_pk))
    except (TypeError, ValueError, Product.DoesNotExist):
        raise ValidationError(f"There is no product {product_pk} on sale to like.",
                              code="unknown_product") from None


def like_product(user, product_pk):
    """The user likes an active product (never a draft); True if this changed anything."""
    product = likeable_product(product_pk)
    source, target = ensure_vertex(USER, user.pk), ensure_vertex(PRODUCT, product.pk)
    return _link(LIKE, LikesHome.name, LIKES_LABEL, source, target)


def unlike_product(user, product_pk):
    product = likeable_product(product_pk)
    source, target = vertex_id(USER, user.pk), vertex_id(PRODUCT, product.pk)
    return _unlink(LIKE, LikesHome.name, LIKES_LABEL, source, target)


def like_post(user, post_id):
    """The user likes a visible post; True if this changed anything."""
    post = visible_post(post_id, user)
    source, target = ensure_vertex(USER, user.pk), ensure_vertex(POST, post.id)
    return _link(LIKE, LikesHome.name, LIKES_LABEL, source, target)


def unlike_post(user, post_id):
    post = visible_post(post_id, user)
    return _unlink(LIKE, LikesHome.name, LIKES_LABEL, vertex_id(USER, user.pk), vertex_id(POST, post.id))


def likes_product(user_pk, product_pk):
    return _linked(vertex_id(USER, user_pk), LIKES_LABEL, vertex_id(PRODUCT, product_pk))


def likes_post(user_pk, post_id):
    return _linked(vertex_id(USER, user_pk), LIKES_LABEL, vertex_id(POST, post_id))
