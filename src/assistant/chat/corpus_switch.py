"""A new corpus without a restart: notice that `ingest`/`add` replaced the database, load it aside, switch.

Ingest writes the new database under a temporary name and renames it over the old one, so the path
gets a new file identity (device, inode, size, mtime). Between requests the core calls `check()`: at
most every `every` seconds one os.stat; a new identity starts loading the new file in a background
thread (~2 s for the index) while the old searcher keeps answering; once loaded it is installed in one
assignment, so every request sees either the old corpus or the new one, never a mix. A file that does
not load (corrupt, half-copied, missing tables) is refused with a log line and not tried again until it
changes; one that changes while it is being read is dropped and tried again. `/reload` stays for admins:
it joins a load in progress rather than start a second one beside it (after a re-ingest the soak's /reload
built a second new corpus while the switch built the first: twice the work, three corpora in memory at once).
The replaced corpus is freed as soon as the requests using it end, and its memory handed back to the system.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path
from typing import Callable

from assistant.allocator import trim_when_freed

log = logging.getLogger(__name__)

Identity = tuple[int, int, int, int]


def identity(path: Path) -> Identity | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


class CorpusSwitch:
    def __init__(self, path: Path | str, reopen: Callable[[], object], install: Callable[[object], object],
                 every: float = 1.0) -> None:
        self.path = Path(path)
        self.reopen = reopen
        self.install = install  # serves the new searcher, returns the one it replaced
        self.every = every
        self.current = identity(self.path)  # the file the running searcher was opened from
        self._refused: Identity | None = None
        self._checked = time.monotonic()
        self._loading: threading.Thread | None = None
        self._lock = threading.Lock()

    def reload(self) -> None:
        """Load the file as it is now and switch to it before returning (/reload). A load in progress is
        waited for instead of repeated; a file already switched to is not loaded again. Raises what
        `reopen` raises for a damaged file (the old corpus keeps serving)."""
        while True:
            self.wait()
            with self._lock:
                if self._loading is None or not self._loading.is_alive():
                    seen = identity(self.path)
                    if seen is not None and seen == self.current:
                        return
                    self._loading = threading.current_thread()  # check() starts no second load meanwhile
                    break
        try:
            self._switch(seen)
        finally:
            self._loading = None

    def check(self) -> None:
        """Cheap; call between requests. Starts loading a replaced file in the background."""
        now = time.monotonic()
        if now - self._checked < self.every:
            return
        with self._lock:
            if now - self._checked < self.every or (self._loading and self._loading.is_alive()):
                return
            self._checked = now
            seen = identity(self.path)
            if seen is None or seen in (self.current, self._refused):
                return
            self._loading = threading.Thread(target=self._load, args=(seen,), name="corpus-switch", daemon=True)
            self._loading.start()

    def wait(self, timeout: float | None = None) -> None:
        """Until a load in progress ends (tests, benchmarks)."""
        thread = self._loading
        if thread is not None:
            thread.join(timeout)

    def _load(self, seen: Identity) -> None:
        try:
            self._switch(seen)
        except Exception as exc:  # whatever a damaged file raises; the old corpus keeps serving
            log.error("corpus %s refused, the previous one keeps serving: %s", self.path, exc)

    def _switch(self, seen: Identity) -> None:
        started = time.perf_counter()
        try:
            searcher = self.reopen()
        except Exception:
            self._refused = seen
            raise
        if identity(self.path) != seen:  # replaced again, or still being copied: next check tries anew
            log.info("corpus %s changed while loading; trying again", self.path)
            return
        trim_when_freed(self.install(searcher))  # ~15-30 MB glibc kept resident at every switch
        self.current = seen
        log.info("corpus %s switched in %.1f s", self.path, time.perf_counter() - started)

