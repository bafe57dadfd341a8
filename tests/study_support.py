"""Shared helpers for the study-feature tests: one Searcher per test session, a fixed clock."""
from __future__ import annotations

from datetime import datetime
from functools import cache
from pathlib import Path

from assistant.search.engine import Searcher
from assistant.study.quotes import SHANGHAI

NOW = datetime(2026, 3, 1, 8, 30, tzinfo=SHANGHAI)


@cache
def open_searcher(db_path: Path) -> Searcher:
    return Searcher.open(db_path)


def clock() -> datetime:
    return NOW


def topic_forms(searcher: Searcher, topic: str) -> set[str]:
    """The topic and the wordings the search expands it to (共同富裕 → 共富): what an on-topic quote contains."""
    expanded = {t for h in searcher.search(topic, k=1000).hits for t in h.terms if t not in topic}
    return {topic} | expanded


class RecordingScheduler:
    """Stands in for the adapter's scheduler: remembers the jobs it was given."""

    def __init__(self) -> None:
        self.jobs: dict[str, tuple] = {}

    def daily(self, name, at, chat_id, make):
        self.jobs[name] = (at, chat_id, make)

    def once(self, name, delay, chat_id, make):
        self.jobs[name] = (delay, chat_id, make)

    def cancel(self, name):
        return self.jobs.pop(name, None) is not None

    def send(self, chat_id, reply):
        raise AssertionError("not used by the study features")
