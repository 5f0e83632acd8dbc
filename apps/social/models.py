"""Posts and comments: documents whose home is the document store, partitioned by author.

No SQL tables: ``Post.objects`` and ``Comment.objects`` are document-backed
managers (apps.social.documents), so views and services use the familiar
``filter()`` / ``get()`` / ``create()`` and never the store directly.
"""
from dataclasses import dataclass

from .documents import DocumentManager, DocumentRecord

POST = "social.post"
COMMENT = "social.comment"
POSTS_CONTAINER = "posts"
COMMENTS_CONTAINER = "comments"
TEXT_MAX_LENGTH = 5000


@dataclass
class Post(DocumentRecord):
    author_name: str = ""
    text: str = ""
    image: str = ""
    created: str = ""
    edited: str = ""
    hidden: bool = False

    @property
    def author_pk(self):
        return int(self.author)


@dataclass
class Comment(DocumentRecord):
    post: str = ""
    author_name: str = ""
    text: str = ""
    created: str = ""

    @property
    def author_pk(self):
        return int(self.author)


Post.objects = DocumentManager(Post, container=POSTS_CONTAINER, aggregatetype=POST, home="social.post.home")
Comment.objects = DocumentManager(Comment, container=COMMENTS_CONTAINER, aggregatetype=COMMENT,
                                  home="social.comment.home")
