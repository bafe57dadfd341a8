"""The allocator helpers bot.py and the corpus switch use (assistant.allocator)."""
from __future__ import annotations

import gc
import time

from assistant import allocator


class Corpus:
    """Stands for a replaced searcher: anything weak-referenceable."""


def test_freed_pages_are_handed_back_when_the_object_is_freed_not_before(monkeypatch):
    trims = []
    monkeypatch.setattr(allocator, "_malloc_trim", lambda pad: trims.append(pad))
    old = Corpus()
    allocator.trim_when_freed(old)
    gc.collect()
    assert trims == []  # still in use
    del old
    assert trims == [0]


def test_objects_without_weak_references_are_left_alone(monkeypatch):
    monkeypatch.setattr(allocator, "_malloc_trim", lambda pad: None)
    allocator.trim_when_freed(object())  # no error


def test_free_pages_are_handed_back_periodically_until_stopped(monkeypatch):
    trims = []
    monkeypatch.setattr(allocator, "_malloc_trim", lambda pad: trims.append(pad))
    stop = allocator.trim_periodically(every=0.02)
    deadline = time.monotonic() + 5
    while len(trims) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    stop.set()
    time.sleep(0.1)
    assert trims[:3] == [0, 0, 0]
    stopped_at = len(trims)
    time.sleep(0.1)
    assert len(trims) == stopped_at
