"""A file cache that stores JSON, never pickles: nothing read from a cache runs as code."""
import json
import time

from django.core.cache.backends.filebased import FileBasedCache
from django.core.files import locks


class JSONFileBasedCache(FileBasedCache):
    """Django's file cache with each entry as two lines of JSON: its expiry, then its value.

    Values must be JSON (as with django-redis's JSON serializer in the other
    profiles); a file that is not JSON reads as a miss.
    """

    cache_suffix = ".json"

    def get(self, key, default=None, version=None):
        try:
            with open(self._key_to_file(key, version), "rb") as f:
                if not self._is_expired(f):
                    return json.loads(f.read())
        except FileNotFoundError:
            pass
        except ValueError:  # not JSON: never ours, never unpickled
            pass
        return default

    def _write_content(self, file, timeout, value):
        expiry = self.get_backend_timeout(timeout)
        file.write(json.dumps(expiry).encode() + b"\n")
        file.write(json.dumps(value, separators=(",", ":")).encode())

    def touch(self, key, timeout=None, version=None):
        try:
            with open(self._key_to_file(key, version), "r+b") as f:
                locks.lock(f, locks.LOCK_EX)
                try:
                    if self._is_expired(f):
                        return False
                    value = json.loads(f.read())
                    f.seek(0)
                    f.truncate()
                    self._write_content(f, timeout, value)
                    return True
                finally:
                    locks.unlock(f)
        except (FileNotFoundError, ValueError):
            return False

    def _is_expired(self, f):
        try:
            expiry = json.loads(f.readline() or "0")
        except ValueError:
            expiry = 0
        if expiry is not None and expiry < time.time():
            f.close()
            self._delete(f.name)
            return True
        return False
