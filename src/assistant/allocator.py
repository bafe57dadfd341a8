"""The C allocator (glibc malloc) under a long-running bot: fewer arenas, freed pages handed back.

Measured by benchmarks/soak.py (200 users, 6 minutes, re-ingest + /reload at mid-run): glibc gives each
thread that allocates under contention an arena of its own (up to 8 per core), and each keeps the pages its
thread freed. The bot's worker threads made RSS creep by ~15 MB in the first minutes; with two arenas
~8 MB (+5.9 % -> +2.7 % over the run). A replaced corpus freed ~15-30 MB that glibc kept resident until
malloc_trim handed it back (~2 ms). Elsewhere (musl, macOS) all three are no-ops.

The remaining creep is free memory, not live objects: over an 8-minute soak malloc's bytes in use stayed at
67 MB and Python's traced heap within 1 MB, while free bytes kept inside the heap grew 13 -> 19 MB (and RSS with
them). malloc_trim(0) once a minute hands back 6-13 MB each time in under 1 ms (trim_periodically); same seed,
8 minutes: RSS +4.4 % -> +1.8 %, the heap flat but for one step at the re-ingest + /reload.

`python -m assistant serve` uses neither: under uncached searches plus digests in worker threads its RSS rose
248 -> 374 MB by default, 362 with two arenas, 373 with both (one 90 s run each, within noise) and levelled off
after ~40 s in every run.
"""
from __future__ import annotations

import ctypes
import logging
import threading
import weakref

log = logging.getLogger(__name__)

M_ARENA_MAX = -8  # mallopt parameter number (malloc.h)
ARENAS = 2
TRIM_EVERY_SECONDS = 60.0

try:
    _libc: ctypes.CDLL | None = ctypes.CDLL(None)
except OSError:
    _libc = None
_malloc_trim = getattr(_libc, "malloc_trim", None)  # glibc's own: its presence says the mallopt numbers apply
_mallopt = getattr(_libc, "mallopt", None) if _malloc_trim is not None else None


def limit_arenas(arenas: int = ARENAS) -> None:
    """Cap malloc arenas for the threads started from now on; call first thing in a long-running process
    (it overrides a MALLOC_ARENA_MAX in the environment)."""
    if _mallopt is not None and not _mallopt(M_ARENA_MAX, arenas):
        log.warning("mallopt(M_ARENA_MAX, %d) refused", arenas)


def trim_when_freed(obj: object) -> None:
    """Once `obj` is freed (its last user let go), hand the heap pages free by then back to the system."""
    if _malloc_trim is None:
        return
    try:
        weakref.finalize(obj, _malloc_trim, 0)
    except TypeError:  # an object without weak references (a test's stand-in): nothing big to give back
        pass


def trim_periodically(every: float = TRIM_EVERY_SECONDS) -> threading.Event:
    """Hand the heap's free pages back to the system every `every` seconds from a daemon thread, for the
    process's lifetime or until the returned event is set."""
    stop = threading.Event()
    if _malloc_trim is None:
        return stop

    def run() -> None:
        while not stop.wait(every):
            _malloc_trim(0)

    threading.Thread(target=run, name="malloc-trim", daemon=True).start()
    return stop
