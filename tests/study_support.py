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
