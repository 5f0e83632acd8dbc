"""Search for people and posts: the two indexes and the reads over them.

Both indexes are projections (apps.social.projections): people from the
users' SQL rows, posts from their documents. A hit is loaded from its home
before it is shown, so a lagging index never shows a deactivated user or a
post hidden or deleted since.
"""
from django.core.exceptions import ValidationError

from apps.stores import stores
from apps.stores.query import Q
from apps.stores.search.index import IndexDefinition, IndexedField

from .models import Post
from .people import users_in_order
from .vertices import USER, vertex_id

PEOPLE_INDEX = "people"
POSTS_INDEX = "posts"
MAX_TEXT = 200

PEOPLE = IndexDefinition(PEOPLE_INDEX, (
    IndexedField("display_name", type="text", searchable=True, boost=3.0),
    IndexedField("username", type="text", searchable=True, boost=2.0, autocomplete=True),
    IndexedField("bio", type="text", searchable=True),
    IndexedField("is_active", type="bool", filterable=True),
    IndexedField("version", type="int", filterable=True),
))
POSTS = IndexDefinition(POSTS_INDEX, (
    IndexedField("text", type="text", searchable=True),
    IndexedField("author_name", type="text", searchable=True, boost=0.5),
    IndexedField("author", type="keyword", filterable=True),
    IndexedField("hidden", type="bool", filterable=True),
    IndexedField("created", type="datetime", filterable=True, sortable=True),
    IndexedField("version", type="int", filterable=True),
))


def clean_query(text):
    if not isinstance(text, str) or len(text) > MAX_TEXT:
        raise ValidationError({"q": f"Search for at most {MAX_TEXT} characters."}, code="too_long")
    return " ".join(text.split())


def search_people(text, *, page=1, per_page=20):
    """Active users matching ``text``, best first, loaded from SQL."""
    text = clean_query(text)
    if not text:
        return []
    found = stores["search"].search(PEOPLE_INDEX, text, where=Q(is_active=True), page=page,
                                    page_size=per_page)
    return users_in_order([vertex_id(USER, pk) for pk in found.ids])


def search_posts(text, *, page=1, per_page=20):
    """Visible posts matching ``text``, best first, loaded from the document store."""
    text = clean_query(text)
    if not text:
        return []
    found = stores["search"].search(POSTS_INDEX, text, where=Q(hidden=False), page=page, page_size=per_page)
    posts = []
    for post_id in found.ids:
        try:
            post = Post.objects.get(post_id)
        except Post.DoesNotExist:
            continue
        if not post.hidden:
            posts.append(post)
    return posts
