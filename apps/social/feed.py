"""The feed: posts of the people a user follows, newest first, paged by a cursor.

Fan-out: **on read, with the first page cached; hybrid for invalidation.**

- A feed page is read when asked for: whom the user follows comes from the
  graph (at most FOLLOWING_LIMIT), then one document query over the posts
  container per AUTHORS_PER_QUERY of them (``author in [...]``, not hidden,
  ``id`` below the cursor, newest first, one page), merged. Post ids sort by
  creation time (apps.social.documents), so the id is the cursor and the
  only field ordered on, which Cosmos DB serves without a composite index.
- Fan-out on write (copying each post into every follower's timeline) was
  turned down: a post by someone with many followers would cost one write per
  follower, a delete or a staff hide as many again, and the copies would be a
  second home for posts that reconcile would have to keep in step. Reading is
  bounded instead: at most FOLLOWING_LIMIT authors, a page at a time.
- The first page, which is most of the reads, is cached in the default cache
  (Redis in the services and azure profiles; JSON, never pickle) for
  CACHE_SECONDS. FeedCache (apps.social.projections) deletes it on events:
  a follow or unfollow drops the follower's page; a post's change (new,
  edited, hidden, deleted) drops the pages of its author's followers, read
  from the graph, up to INVALIDATION_FANOUT of them. That bound is the
  hybrid part: the followers of an account with more followers than that
  are not visited on each post; their cached page expires within
  CACHE_SECONDS instead, so one popular account's post never costs a
  million cache deletes. CACHE_SECONDS also bounds the one race left: a
  page read just before a post's event and stored just after it.
"""
import heapq
from dataclasses import dataclass, field

from django.core.cache import cache
from django.core.exceptions import ValidationError

from apps.stores.query import Q

from .follow_lists import follower_ids, following_ids
from .models import Post
from .vertices import USER, pk_of

PAGE_SIZE = 20
CACHE_SECONDS = 60
FOLLOWING_LIMIT = 5000
AUTHORS_PER_QUERY = 500
INVALIDATION_FANOUT = 10_000


@dataclass
class FeedPage:
    posts: list = field(default_factory=list)
    next_cursor: str = None


def cache_key(user_pk):
    return f"social:feed:{user_pk}:first"


def check_cursor(cursor):
    """A cursor is a post id (digits and hex), as ``next_cursor`` gave it."""
    if cursor is not None and (not isinstance(cursor, str) or not cursor.isalnum() or len(cursor) > 64):
        raise ValidationError({"cursor": "Not a cursor this feed gave."}, code="bad_cursor")
    return cursor


def followed_authors(user_pk):
    """The author keys (user primary keys as strings) of the people the user follows."""
    return [pk for pk in (pk_of(v, USER) for v in following_ids(user_pk, FOLLOWING_LIMIT)) if pk]


def read_page(user_pk, cursor=None, page_size=None):
    """One page of the feed straight from the stores (no cache)."""
    page_size = page_size or PAGE_SIZE
    authors = followed_authors(user_pk)
    if not authors:
        return FeedPage()
    queries = []
    for start in range(0, len(authors), AUTHORS_PER_QUERY):
        where = Q(author__in=authors[start:start + AUTHORS_PER_QUERY], hidden=False)
        if cursor is not None:
            where &= Q(id__lt=cursor)
        queries.append(Post.objects.filter(where, order_by=("-id",), limit=page_size + 1))
    merged = list(heapq.merge(*queries, key=lambda post: post.id, reverse=True))
    posts = merged[:page_size]
    return FeedPage(posts, posts[-1].id if len(merged) > page_size else None)


def page(user_pk, cursor=None):
    """A page of the user's feed: the first from the cache when it is there."""
    check_cursor(cursor)
    if cursor is not None:
        return read_page(user_pk, cursor)
    cached = cache.get(cache_key(user_pk))
    if cached is not None:
        return FeedPage([Post.from_document(d) for d in cached["posts"]], cached["next"])
    found = read_page(user_pk)
    documents = [{**post.to_payload(), "version": post.version} for post in found.posts]
    cache.set(cache_key(user_pk), {"posts": documents, "next": found.next_cursor}, CACHE_SECONDS)
    return found


def keys_for_follow(source_vertex):
    pk = pk_of(source_vertex, USER)
    return [cache_key(pk)] if pk else []


def keys_for_post(author_pk):
    """The cached first pages a post by ``author_pk`` may appear in (bounded: see the module's docstring)."""
    return [cache_key(pk_of(v, USER)) for v in follower_ids(author_pk, INVALIDATION_FANOUT)]
