"""Where a tantivy index lives on disk, and how a rebuilt one replaces it atomically.

Each index is a series of generations, one folder each, and a pointer file
names the current one::

    <path>/products.current        "products.18c2f0a9e51b7d00"
    <path>/products.18c2f0a9e51b7d00/   the tantivy index
    <path>/products.journal        present while a rebuild runs
    <path>/products.gate           closed by a rebuild while it swaps
    <path>/products.lock           taken while the first generation is created

A rebuild writes a new generation beside the current one and replaces the
pointer (write to a temporary file, fsync, os.replace): every process sees
either the old index or the new one, never a mixture.

Writers in other processes (the projector, a web process) must not write
into the old generation after the swap, nor lose what they wrote to it
during the rebuild. So:

- a writer takes tantivy's writer lock on the current generation, then reads
  the pointer again; if a swap happened meanwhile, it lets go and starts
  over on the new generation;
- while holding that lock, it appends the ids it writes to the journal when
  a rebuild holds the journal (an flock, so a crashed rebuild's leftover file
  is ignored);
- the rebuild, once its documents are in, closes the gate that every write
  batch passes before it asks for the writer lock (so a busy writer cannot
  starve it), takes the writer lock of the current generation (so no write
  is half done), copies the journaled
  documents from the current generation into the new one as they are there
  now (deleted ones are deleted), swaps the pointer, removes the journal and
  only then lets go of the lock and opens the gate.

Readers stat the pointer before every search and open the new generation
when it changed. The old folder is removed after the swap; a reader or
writer that still had it open finds it gone, sees the new pointer and
retries there.
"""
import fcntl
import json
import os
import re
import shutil
import time
from contextlib import contextmanager
from pathlib import Path

from ...exceptions import Conflict, Unavailable

#: A journal line meaning "every document changed" (clear() during a rebuild).
EVERYTHING = None


class Generations:
    """The generation folders, pointer and rebuild journal of one index under ``root``."""

    def __init__(self, root, name):
        self.root = Path(root)
        self.name = name
        self.pointer = self.root / f"{name}.current"
        self.journal = self.root / f"{name}.journal"
        self.lock = self.root / f"{name}.lock"
        self.gate = self.root / f"{name}.gate"
        self._generation_name = re.compile(rf"^{re.escape(name)}(\.[0-9a-f]+)?$")
        self._seen = None  # (inode, mtime_ns, generation) of the pointer last read

    def folder(self, generation):
        return self.root / generation

    # -- the pointer --------------------------------------------------------
    def current(self, fresh=False):
        """The current generation's name, None if the index was never created.

        Without ``fresh`` an unchanged pointer costs one stat; writers, which must
        not miss a swap, read it afresh.
        """
        try:
            stat = os.stat(self.pointer)
        except FileNotFoundError:
            return None
        seen = self._seen
        if not fresh and seen is not None and seen[:2] == (stat.st_ino, stat.st_mtime_ns):
            return seen[2]
        generation = self.pointer.read_text(encoding="utf-8").strip()
        if not self._generation_name.match(generation):
            raise Unavailable(f"{self.pointer} does not name a generation of {self.name}: {generation[:80]!r}.")
        self._seen = (stat.st_ino, stat.st_mtime_ns, generation)
        return generation

    def current_or_create(self):
        """The current generation, creating the first one (or adopting a pre-generations folder)."""
        generation = self.current()
        if generation is not None:
            return generation
        with self._exclusive(self.lock):
            generation = self.current()
            if generation is None:
                if (self.root / self.name / "meta.json").exists():
                    generation = self.name  # an index written before generations existed
                else:
                    generation = self.new_generation()
                self.switch_to(generation)
        return generation

    def new_generation(self):
        """Create an empty folder for a new generation and return its name."""
        self.root.mkdir(parents=True, exist_ok=True)
        while True:
            generation = f"{self.name}.{time.time_ns():x}"
            try:
                self.folder(generation).mkdir()
                return generation
            except FileExistsError:
                continue

    def switch_to(self, generation):
        """Atomically make ``generation`` the current one."""
        temporary = self.root / f".{self.name}.current.{os.getpid()}.{time.time_ns():x}"
        with open(temporary, "w", encoding="utf-8") as file:
            file.write(generation + "\n")
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, self.pointer)
        _fsync_folder(self.root)

    def remove_others(self, keep):
        """Remove every generation folder of this index except those named in ``keep``."""
        if not self.root.exists():
            return
        for entry in self.root.iterdir():
            if entry.is_dir() and self._generation_name.match(entry.name) and entry.name not in keep:
                shutil.rmtree(entry, ignore_errors=True)

    # -- the gate -------------------------------------------------------------
    def pass_gate(self):
        """Wait while a rebuild swaps generations; every write batch passes here first."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.gate, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_SH)
        finally:
            os.close(fd)

    @contextmanager
    def gate_closed(self):
        """Keep new write batches waiting (a crashed holder's flock goes with its process)."""
        with self._exclusive(self.gate):
            yield

    # -- the rebuild journal ------------------------------------------------
    def hold_journal(self):
        """The journal, held for one rebuild until its close(); Conflict if another rebuild holds it."""
        self.root.mkdir(parents=True, exist_ok=True)
        while True:
            fd = os.open(self.journal, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                raise Conflict(f"A rebuild of the search index {self.name} is already running.") from None
            # The previous holder may have removed the file between our open and our lock.
            try:
                same_file = os.stat(self.journal).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same_file = False
            if same_file:
                break
            os.close(fd)
        os.ftruncate(fd, 0)  # what a crashed rebuild left behind
        return Journal(self.journal, fd)

    def note_writes(self, ids):
        """Record ids written to the current generation, if a rebuild is running; call under its writer lock."""
        try:
            fd = os.open(self.journal, os.O_WRONLY | os.O_APPEND)
        except FileNotFoundError:
            return
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                lines = "".join(json.dumps(id) + "\n" for id in ids)
                os.write(fd, lines.encode())
                return
            fcntl.flock(fd, fcntl.LOCK_UN)  # nobody holds it: left by a crashed rebuild
        finally:
            os.close(fd)

    @contextmanager
    def _exclusive(self, path):
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)


class Journal:
    """The journal a running rebuild holds: ids written to the current generation meanwhile."""

    def __init__(self, path, fd):
        self.path, self.fd = path, fd

    def written(self):
        """The ids written since the rebuild began, EVERYTHING (None) among them after a clear()."""
        os.lseek(self.fd, 0, os.SEEK_SET)
        chunks = []
        while chunk := os.read(self.fd, 1 << 20):
            chunks.append(chunk)
        ids = [json.loads(line) for line in b"".join(chunks).decode().splitlines() if line]
        return list(dict.fromkeys(ids))

    def close(self):
        """Remove the journal, then let go of it, so no writer appends to a file nobody reads."""
        if self.fd is None:
            return
        try:
            if os.stat(self.path).st_ino == os.fstat(self.fd).st_ino:
                os.unlink(self.path)
        except FileNotFoundError:
            pass
        os.close(self.fd)
        self.fd = None


def _fsync_folder(folder):
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
