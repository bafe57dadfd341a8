"""Index build at ingest time. FIRST CUT: stores each passage's tokens; to be replaced by a stored sparse index."""
from __future__ import annotations

import jieba
import sqlite_utils


def tokenize(text: str) -> list[str]:
    return [t for t in jieba.lcut_for_search(text) if t.strip()]


def build_index(db: sqlite_utils.Database) -> None:
    rows = [{"id": r["id"], "tokens": " ".join(tokenize(r["text"]))} for r in db["passages"].rows]
    db["passage_tokens"].insert_all(rows, pk="id")
