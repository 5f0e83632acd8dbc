"""The graph benchmark's baseline: the same reads written directly in SQL by a skilled SQLite user.

Why this is the strongest honest baseline for the embedded graph store:

- The schema a skilled user would give a follow graph, and nothing the
  store has to carry: integer keys (``users.id INTEGER PRIMARY KEY``) and one
  narrow ``follows (follower, followee)`` table, WITHOUT ROWID with that
  primary key, plus the one index the reads need, ``(followee, follower)``.
  Both are covering, so every read is index-only, and grouping and sorting
  compare integers, not text ids with a label beside them.
- Each read is one statement returning what the page shows (id and handle):
  no transaction of its own, no second statement for the vertices, no JSON.
- It answers the same question as the store, checked in the run: the same
  recommendations (the contract's fan-out bound, the same ties), the same
  pages. The integer keys are given in the order of the store's text ids, so
  "first in id order" and "ties to the smaller id" pick the same users in
  both.
- ``exact_recommendations`` is the unbounded form, to show what the bound
  saves and what it changes in the top 10.
"""
import sqlite3

SCHEMA = """
CREATE TABLE users (id INTEGER PRIMARY KEY, handle TEXT NOT NULL);
CREATE TABLE follows (
    follower INTEGER NOT NULL,
    followee INTEGER NOT NULL,
    PRIMARY KEY (follower, followee)
) WITHOUT ROWID;
"""
FOLLOWERS_INDEX = "CREATE INDEX follows_by_followee ON follows (followee, follower)"

NEIGHBOURS = """
SELECT u.id, u.handle FROM follows AS f JOIN users AS u ON u.id = f.followee
WHERE f.follower = ? ORDER BY f.followee LIMIT ?
"""
COMMON_NEIGHBOURS = """
SELECT u.id, u.handle
FROM follows AS a JOIN follows AS b ON b.follower = :b AND b.followee = a.followee
JOIN users AS u ON u.id = a.followee
WHERE a.follower = :a AND a.followee NOT IN (:a, :b)
ORDER BY a.followee LIMIT :limit
"""
# The first :first_hop followees, each with its first :second_hop followees
# (``last`` is the last of those, NULL when there are fewer); the user and
# whom they follow are left out of the best :limit + 1 + (how many they follow)
# candidates only, which hold the best :limit of the others.
RECOMMENDATIONS = """
WITH first_hop(id, last) AS (
    SELECT f.followee, (
        SELECT s.followee FROM follows AS s WHERE s.follower = f.followee
        ORDER BY s.followee LIMIT 1 OFFSET :second_hop - 1
    )
    FROM follows AS f WHERE f.follower = :user ORDER BY f.followee LIMIT :first_hop
), best(id, paths) AS (
    SELECT hop.followee, COUNT(*) FROM first_hop
    JOIN follows AS hop ON hop.follower = first_hop.id AND hop.followee <= coalesce(first_hop.last, :max_key)
    GROUP BY hop.followee
    ORDER BY 2 DESC, 1
    LIMIT :limit + 1 + (SELECT COUNT(*) FROM follows WHERE follower = :user)
), ranked(id, paths) AS (
    SELECT id, paths FROM best
    WHERE id != :user AND id NOT IN (SELECT followee FROM follows WHERE follower = :user)
    ORDER BY paths DESC, id LIMIT :limit
)
SELECT u.id, u.handle, ranked.paths FROM ranked JOIN users AS u USING (id) ORDER BY ranked.paths DESC, u.id
"""
EXACT_RECOMMENDATIONS = """
WITH ranked(id, paths) AS (
    SELECT hop.followee, COUNT(*) FROM follows AS f JOIN follows AS hop ON hop.follower = f.followee
    WHERE f.follower = :user
    GROUP BY hop.followee
    HAVING hop.followee != :user
        AND hop.followee NOT IN (SELECT followee FROM follows WHERE follower = :user)
    ORDER BY 2 DESC, 1 LIMIT :limit
)
SELECT u.id, u.handle, ranked.paths FROM ranked JOIN users AS u USING (id) ORDER BY ranked.paths DESC, u.id
"""


class SQLFollowGraph:
    """The follow graph in its own SQLite file, with the connection settings the store uses."""

    def __init__(self, path, first_hop, second_hop):
        self.first_hop, self.second_hop = first_hop, second_hop
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode = WAL")
        self.db.execute("PRAGMA synchronous = NORMAL")
        self.db.execute("PRAGMA mmap_size = 268435456")

    def load(self, handles, follows):
        """``handles``: (key, handle) pairs; ``follows``: (follower, followee) key pairs."""
        self.db.executescript(SCHEMA)
        self.db.execute("BEGIN")
        self.db.executemany("INSERT INTO users (id, handle) VALUES (?, ?)", handles)
        self.db.executemany("INSERT INTO follows (follower, followee) VALUES (?, ?)", sorted(follows))
        self.db.execute(FOLLOWERS_INDEX)
        self.db.execute("COMMIT")

    def neighbours(self, key, limit=50):
        return self.db.execute(NEIGHBOURS, (key, limit)).fetchall()

    def common_neighbours(self, a, b, limit=50):
        return self.db.execute(COMMON_NEIGHBOURS, {"a": a, "b": b, "limit": limit}).fetchall()

    def recommendations(self, key, limit=10):
        return self.db.execute(RECOMMENDATIONS, {
            "user": key, "limit": limit, "first_hop": self.first_hop, "second_hop": self.second_hop,
            "max_key": 2**63 - 1,
        }).fetchall()

    def exact_recommendations(self, key, limit=10):
        return self.db.execute(EXACT_RECOMMENDATIONS, {"user": key, "limit": limit}).fetchall()

    def close(self):
        self.db.close()
