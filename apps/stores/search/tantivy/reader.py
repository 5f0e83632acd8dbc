"""A searcher that follows other processes' commits for the price of one stat.

Every tantivy commit, and every merge it triggers, replaces the index's
``meta.json`` by renaming a new file over it, which gives the file a new
inode and new times. So a searcher read after a given ``meta.json`` stays
current until that file changes: before each search one ``os.stat`` tells
whether to reload (about 50 µs, most of what a search through the store
added to tantivy's own query) or to hand back the searcher already open.
"""
import os


class FreshSearcher:
    """The searcher of one open index, reloaded only when a commit has replaced its meta.json."""

    def __init__(self, index, folder):
        self.index = index
        self.meta = os.path.join(folder, "meta.json")
        self._current = None  # (stamp of meta.json, searcher read after it)

    def searcher(self):
        """The current searcher; FileNotFoundError when the index folder is gone (a rebuild swapped it)."""
        stat = os.stat(self.meta)
        stamp = (stat.st_ino, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_size)
        current = self._current
        if current is not None and current[0] == stamp:
            return current[1]
        # The stamp is taken before the reload: a commit landing in between is read now and its
        # stamp, newer than the one kept, makes the next search reload once more.
        self.index.reload()
        searcher = self.index.searcher()
        self._current = (stamp, searcher)
        return searcher

    def forget(self):
        """Reload on the next search, whatever meta.json says (after this process committed)."""
        self._current = None
