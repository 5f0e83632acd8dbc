"""The social records' homes and what is kept in step with them.

Follows and likes are edges whose home is the graph; posts and comments are
documents whose home is the document store (partitioned by author). Changes go
through apps.sync.changes.record_change, so each is an outbox event first.
"""
from apps.sync.edge_ids import edge_ends
from django.contrib.auth import get_user_model

from apps.sync.homes import DocumentHome, GraphEdgeHome, SQLHome
from apps.sync.projectors import (
    CacheProjector, DocumentHomeProjector, GraphEdgeHomeProjector, GraphProjector, Projected,
    SearchIndexProjector, State,
)

from . import counts, feed
from .search import PEOPLE_INDEX, POSTS_INDEX
from .models import COMMENT, COMMENTS_CONTAINER, POST, POSTS_CONTAINER
from .vertices import FOLLOWS_LABEL, LIKES_LABEL, USER, vertex_id

FOLLOW = "social.follow"
LIKE = "social.like"


class FollowsHome(GraphEdgeHomeProjector):
    """``user:a -follows-> user:b`` edges."""

    name = "social.follow.home"
    aggregatetype = FOLLOW
    label = FOLLOWS_LABEL
    home = GraphEdgeHome(FOLLOWS_LABEL)


class LikesHome(GraphEdgeHomeProjector):
    """``user:a -likes-> product:7`` and ``user:a -likes-> post:<id>`` edges."""

    name = "social.like.home"
    aggregatetype = LIKE
    label = LIKES_LABEL
    home = GraphEdgeHome(LIKES_LABEL)


class FollowCountsCache(CacheProjector):
    """Drops the follower and following counts a follow or unfollow changes."""

    name = "social.follow.counts"
    aggregatetype = FOLLOW
    home = GraphEdgeHome(FOLLOWS_LABEL)

    def keys(self, state):
        return counts.keys_for_edge(FOLLOWS_LABEL, *edge_ends(state.aggregateid))


class LikeCountsCache(CacheProjector):
    """Drops the like count of what was liked or unliked."""

    name = "social.like.counts"
    aggregatetype = LIKE
    home = GraphEdgeHome(LIKES_LABEL)

    def keys(self, state):
        return counts.keys_for_edge(LIKES_LABEL, *edge_ends(state.aggregateid))


class PostHome(DocumentHomeProjector):
    """Posts, one document each, in their author's partition."""

    name = "social.post.home"
    aggregatetype = POST
    container = POSTS_CONTAINER
    home = DocumentHome(POSTS_CONTAINER)


class CommentHome(DocumentHomeProjector):
    """Comments, one document each, in their author's partition; ``post`` names the post."""

    name = "social.comment.home"
    aggregatetype = COMMENT
    container = COMMENTS_CONTAINER
    home = DocumentHome(COMMENTS_CONTAINER)


class FollowFeedCache(CacheProjector):
    """A follow or unfollow drops the follower's cached first feed page."""

    name = "social.follow.feed"
    aggregatetype = FOLLOW
    home = GraphEdgeHome(FOLLOWS_LABEL)

    def keys(self, state):
        source, _ = edge_ends(state.aggregateid)
        return feed.keys_for_follow(source)


class PostFeedCache(CacheProjector):
    """A post's change drops the cached first feed pages of its author's followers (bounded)."""

    name = "social.post.feed"
    aggregatetype = POST
    home = DocumentHome(POSTS_CONTAINER)

    def keys(self, state):
        author = state.payload.get("author")
        return feed.keys_for_post(author) if author else []


class PeopleSearchProjector(SearchIndexProjector):
    """Users in the people index: what others may see of them, never an email."""

    name = "social.people.search"
    aggregatetype = "users.user"
    index = PEOPLE_INDEX

    def __init__(self):
        self.home = SQLHome(get_user_model())

    def document(self, aggregateid, payload):
        return {"id": aggregateid, "username": payload["username"], "display_name": payload["display_name"],
                "bio": payload["bio"], "is_active": payload["is_active"]}


class PostSearchProjector(SearchIndexProjector):
    """Posts in the posts index."""

    name = "social.post.search"
    aggregatetype = POST
    home = DocumentHome(POSTS_CONTAINER)
    index = POSTS_INDEX

    def document(self, aggregateid, payload):
        return {"id": aggregateid, "text": payload["text"], "author_name": payload.get("author_name", ""),
                "author": payload["author"], "hidden": bool(payload.get("hidden")),
                "created": payload["created"]}


class UserVertexProjector(GraphProjector):
    """Each user's vertex (``user:ID``) with the name others see. A deleted user's vertex goes,
    and with it every follow and like touching it: nobody follows someone who is gone."""

    name = "social.user.graph"
    aggregatetype = "users.user"
    vertex_label = USER

    def __init__(self):
        self.home = SQLHome(get_user_model())

    def properties(self, state):
        return {"username": state.payload["username"]}

    def apply(self, event):
        # The vertex id names the kind (user:ID), as the social edges' ends do.
        vertex = vertex_id(USER, event.aggregateid)
        super().apply(State(event.aggregatetype, vertex, event.type, event.version, event.payload))

    def projected_records(self):
        for record in super().projected_records():
            yield Projected(record.aggregateid.removeprefix(f"{USER}:"), record.version, record.content)
