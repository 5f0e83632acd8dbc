"""The feed as a plain Django shop answers it: one SQL query over a posts table with an
index on (author, created), the followees read in the same statement.

    Post.objects.filter(author__in=Follow.objects.filter(follower=user).values("followee"))
                .exclude(hidden=True).order_by("-created")[:21]

written here as the SQL Django sends, on SQLite through the standard library (no ORM
cost on the clock). It is the strongest form of that design a skilled user would
write: integer keys; the (author, created) index the design names, so each followee's
posts are found by an index seek; the follows table keyed (follower, followee), so
the followees are a range of its primary key; ANALYZE run so the planner knows the
tables' shapes; one prepared statement, reused (sqlite3 caches it); and the file warm
in the page cache before anything is timed. Like the store's feed it returns one page
plus one row to know whether another follows.
"""
import sqlite3

SCHEMA = """
CREATE TABLE posts (id INTEGER PRIMARY KEY, author INTEGER NOT NULL, created TEXT NOT NULL,
                    hidden INTEGER NOT NULL DEFAULT 0, text TEXT NOT NULL);
CREATE TABLE follows (follower INTEGER NOT NULL, followee INTEGER NOT NULL, PRIMARY KEY (follower, followee))
    WITHOUT ROWID;
"""
POSTS_INDEX = "CREATE INDEX posts_by_author ON posts (author, created)"
FIRST_PAGE = """
SELECT id, author, created, text FROM posts
 WHERE author IN (SELECT followee FROM follows WHERE follower = ?) AND hidden = 0
 ORDER BY created DESC, id DESC LIMIT ?
"""


class SQLFeed:
    def __init__(self, path):
        self.db = sqlite3.connect(path)
        self.db.executescript("PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;" + SCHEMA)

    def load(self, posts, follows):
        """``posts``: (id, author, created, text) rows; ``follows``: (follower, followee) pairs."""
        with self.db:
            self.db.executemany("INSERT INTO posts (id, author, created, text) VALUES (?, ?, ?, ?)", posts)
            self.db.executemany("INSERT INTO follows VALUES (?, ?)", follows)
        self.db.execute(POSTS_INDEX)
        self.db.execute("ANALYZE")

    def first_page(self, follower, page_size=20):
        return self.db.execute(FIRST_PAGE, (follower, page_size + 1)).fetchall()

    def close(self):
        self.db.close()
