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
from dataclasses import MISSING, asdict, fields
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator

from assistant.records import Passage, Source

if TYPE_CHECKING:  # imported where a database is written: a reader (search) starts without it (~50 ms)
    import sqlite_utils

DEFAULT_DB = Path("data/assistant.db")


class DatabaseMissing(RuntimeError):
    """The corpus database cannot be used: not built yet, or not a (current, whole) corpus database.

    The message names the file and says what to do; callers print it and exit 2, never a traceback."""


class NotACorpus(DatabaseMissing):
    """The file is not a usable corpus database; raised with the reason only, inside `explained(path)`."""


def _ingest_hint(path: Path) -> str:
    db = "" if path == DEFAULT_DB else f" --db {path}"
    return f"请运行 `python -m assistant ingest{db}` 重新建立"


def unusable(path: Path, why: str) -> DatabaseMissing:
    return DatabaseMissing(f"语料库文件 {path} 无法使用：{why}。{_ingest_hint(path)}")


@contextmanager
def explained(path: Path) -> Iterator[None]:
    """Turn SQLite's errors on reading `path` (and a missing index) into one clear DatabaseMissing."""
    try:
        yield
    except NotACorpus as exc:
        raise unusable(path, str(exc)) from exc
    except sqlite3.DatabaseError as exc:  # also OperationalError: unreadable, locked …
        foreign = "not a database" in str(exc)
        raise unusable(path, "这不是 SQLite 数据库文件" if foreign else f"文件已损坏或无法读取（{exc}）") from exc


# Columns every reader needs: a database written by an older version that lacks one must be rebuilt.
REQUIRED_COLUMNS = {
    "sources": {"position", *(f.name for f in fields(Source) if f.default is MISSING)},
    "passages": {f.name for f in fields(Passage)},
}


@contextmanager
def atomic_database(path: Path) -> Iterator[sqlite_utils.Database]:
    """Yield a fresh database at a temporary path; rename it over `path` only if the block succeeds.

    A running bot keeps reading the old file until the rename, so it never sees half a database.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_builds(path)
    tmp = path.with_name(f".{path.name}.building-{os.getpid()}")
    tmp.unlink(missing_ok=True)
    import sqlite_utils

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


def remove_stale_builds(path: Path) -> None:
    """Delete half-built databases left by ingests that were killed (their process is gone)."""
    for stale in path.parent.glob(f".{path.name}.building-*"):
        pid = stale.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not _process_alive(int(pid)):
            stale.unlink(missing_ok=True)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


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
    """Read access to a built corpus database: sources, passages and their neighbours (plain SQL on `conn`)."""

    def __init__(self, path: Path | str = DEFAULT_DB) -> None:
        path = Path(path)
        if not path.exists():
            raise DatabaseMissing(f"找不到语料库文件 {path}。{_ingest_hint(path)}")
        if not path.is_file():
            raise unusable(path, "这是一个目录，不是数据库文件")
        # Read-only, so a reader can never create or modify the artifact. The URI is built from the path
        # (percent-encoded), so a name with `#`, `?` or `%` stays a file name, not URI syntax.
        with explained(path):
            self.path = path
            self.conn = self._connect()
            self._db: sqlite_utils.Database | None = None
            self._validate()
            self._sources = {row["id"]: _source(row) for row in self._rows("select * from sources order by position")}

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)

    def reconnect(self) -> None:
        """A new connection to the same file, for a forked process: SQLite connections must not cross a fork
        (the caller keeps the old one unused)."""
        with explained(self.path):
            self.conn = self._connect()
            self._db = None

    @property
    def db(self) -> "sqlite_utils.Database":
        """The same connection as a sqlite_utils Database (for scripts and tests; readers here use `conn`)."""
        if self._db is None:
            import sqlite_utils

            self._db = sqlite_utils.Database(self.conn)
        return self._db

    def _rows(self, sql: str, args: Iterable = ()) -> list[dict]:
        cursor = self.conn.execute(sql, list(args))
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]

    def _validate(self) -> None:
        """A whole file of the current schema: SQLite's page check (~10 ms) and the columns readers use."""
        if self.conn.execute("pragma quick_check").fetchone()[0] != "ok":
            raise NotACorpus("文件已损坏或不完整")
        for table, needed in REQUIRED_COLUMNS.items():
            columns = {row[1] for row in self.conn.execute(f"pragma table_info([{table}])").fetchall()}
            if not columns:
                raise NotACorpus(f"缺少数据表 {table}（不是本程序建立的语料库，或建立时被中断）")
            missing = needed - columns
            if missing:
                raise NotACorpus(f"数据表 {table} 缺少列 {'、'.join(sorted(missing))}（旧版本建立的语料库）")

    def sources(self) -> list[Source]:
        return list(self._sources.values())

    def source(self, source_id: str) -> Source | None:
        return self._sources.get(source_id)

    def passage(self, passage_id: str) -> Passage | None:
        rows = self._rows("select * from passages where id = ?", [passage_id])
        return _passage(rows[0]) if rows else None

    def passages(self, source_id: str | None = None) -> list[Passage]:
        where, args = ("where source_id = ?", [source_id]) if source_id else ("", [])
        return [_passage(r) for r in self._rows(f"select * from passages {where} order by source_id, seq", args)]

    def neighbours(self, passage: Passage, before: int = 2, after: int = 2) -> list[Passage]:
        """The passages around `passage` in document order (itself included)."""
        rows = self._rows("select * from passages where source_id = ? and seq between ? and ? order by seq",
                          [passage.source_id, passage.seq - before, passage.seq + after])
        return [_passage(r) for r in rows]

    def section_texts(self, passage: Passage, before: int, after: int) -> tuple[list[str], list[str]]:
        """The texts of up to `before` passages before `passage` and `after` after it that share its section, in
        document order (texts only: a list's lead-in or items are looked up for every result shown)."""
        rows = self.conn.execute(
            "select seq, text from passages where source_id = ? and seq between ? and ? and seq != ? "
            "and section = (select section from passages where id = ?) order by seq",
            [passage.source_id, passage.seq - before, passage.seq + after, passage.seq, passage.id]).fetchall()
        return [t for q, t in rows if q < passage.seq], [t for q, t in rows if q > passage.seq]

    def passage_counts(self) -> dict[str, int]:
        return dict(self.conn.execute("select source_id, count(*) from passages group by source_id").fetchall())

    def meta(self, key: str, default: str = "") -> str:
        if not self.conn.execute("select 1 from sqlite_master where type = 'table' and name = 'meta'").fetchone():
            return default
        row = self.conn.execute("select value from meta where key = ?", [key]).fetchone()
        return row[0] if row else default
