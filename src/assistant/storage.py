"""The corpus database: one SQLite file, a build artifact, replaced atomically on re-ingest.

Schema (tables written by ingest; the search index adds its own tables in the same file):
  sources(id, title, short, issuer, date, kind, url, author, publication, file, position)
  passages(id, source_id, seq, para, section, text, is_heading)   section = JSON list of headings
  meta(key, value)
"""
from __future__ import annotations

import json
import os
import sqlite3
from contextlib import contextmanager
from dataclasses import asdict, fields
from pathlib import Path
from typing import Iterable, Iterator

import sqlite_utils

from assistant.records import Passage, Source

DEFAULT_DB = Path("data/assistant.db")


class DatabaseMissing(RuntimeError):
    """Raised when the corpus database has not been built yet."""


@contextmanager
def atomic_database(path: Path) -> Iterator[sqlite_utils.Database]:
    """Yield a fresh database at a temporary path; rename it over `path` only if the block succeeds.

    A running bot keeps reading the old file until the rename, so it never sees half a database.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.building-{os.getpid()}")
    tmp.unlink(missing_ok=True)
    db = sqlite_utils.Database(tmp)
    try:
        yield db
        db.conn.commit()
        db.close()
        os.replace(tmp, path)
    except BaseException:
        db.close()
        tmp.unlink(missing_ok=True)
        raise


def write_corpus(db: sqlite_utils.Database, sources: Iterable[Source], passages: Iterable[Passage]) -> None:
    db["sources"].insert_all((asdict(s) for s in sources), pk="id")
    db["passages"].insert_all(
        (
            {**asdict(p), "section": json.dumps(list(p.section), ensure_ascii=False), "is_heading": int(p.is_heading)}
            for p in passages
        ),
        pk="id",
        foreign_keys=[("source_id", "sources", "id")],
    )
    db["passages"].create_index(["source_id", "seq"], unique=True)


def write_meta(db: sqlite_utils.Database, **values: str) -> None:
    db["meta"].upsert_all(({"key": k, "value": v} for k, v in values.items()), pk="key")


def _source(row: dict) -> Source:
    names = {f.name for f in fields(Source)}
    return Source(**{k: v for k, v in row.items() if k in names})


def _passage(row: dict) -> Passage:
    return Passage(
        id=row["id"],
        source_id=row["source_id"],
        seq=row["seq"],
        para=row["para"],
        section=tuple(json.loads(row["section"])),
        text=row["text"],
        is_heading=bool(row["is_heading"]),
    )


class Corpus:
    """Read access to a built corpus database: sources, passages and their neighbours."""

    def __init__(self, path: Path | str = DEFAULT_DB) -> None:
        path = Path(path)
        if not path.exists():
            raise DatabaseMissing(f"database {path} not found; run `python -m assistant ingest` first")
        # Read-only URI so a reader can never create or modify the artifact.
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        self.db = sqlite_utils.Database(conn)
        if not self.db["passages"].exists():
            raise DatabaseMissing(f"database {path} has no passages; run `python -m assistant ingest` again")
        self.path = path
        self._sources = {row["id"]: _source(row) for row in self.db["sources"].rows_where(order_by="position")}

    def sources(self) -> list[Source]:
        return list(self._sources.values())

    def source(self, source_id: str) -> Source | None:
        return self._sources.get(source_id)

    def passage(self, passage_id: str) -> Passage | None:
        rows = list(self.db["passages"].rows_where("id = ?", [passage_id]))
        return _passage(rows[0]) if rows else None

    def passages(self, source_id: str | None = None) -> list[Passage]:
        where, args = ("source_id = ?", [source_id]) if source_id else (None, None)
        return [_passage(r) for r in self.db["passages"].rows_where(where, args, order_by="source_id, seq")]

    def neighbours(self, passage: Passage, before: int = 2, after: int = 2) -> list[Passage]:
        """The passages around `passage` in document order (itself included)."""
        rows = self.db["passages"].rows_where(
            "source_id = ? and seq between ? and ?",
            [passage.source_id, passage.seq - before, passage.seq + after],
            order_by="seq",
        )
        return [_passage(r) for r in rows]

    def passage_counts(self) -> dict[str, int]:
        return {
            row["source_id"]: row["n"]
            for row in self.db.query("select source_id, count(*) as n from passages group by source_id")
        }

    def meta(self, key: str, default: str = "") -> str:
        rows = list(self.db["meta"].rows_where("key = ?", [key])) if self.db["meta"].exists() else []
        return rows[0]["value"] if rows else default
