"""The default state backend: one SQLite file (WAL), a connection per thread.

A state file that had data must never come back silently empty: a truncated file, one replaced by an
empty one, or the loss of the `-wal` file of a new database would otherwise look like a fresh start and
the bot would run on, every saved quote and subscription gone. So the database gets a random instance
id (checkpointed into the main file at once) and a marker file beside it, `state.db.marker`, keeps
that id. At start-up a database whose id differs from the marker's is refused with a message saying
how to restore a backup (`python -m assistant backup`) or, deliberately, start empty (delete the marker).
Losing the `-wal` of an older database loses the writes since the last checkpoint: the WAL is merged
into the main file at least every CHECKPOINT_SECONDS while writes come in (and at every clean exit), so
at most that last minute is lost, which cannot be told apart from restoring a slightly older backup.
"""
from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Sequence

from assistant.state import schema
from assistant.state.base import Params, StateDB, StateError

CHECKPOINT_SECONDS = 60.0  # the WAL is merged into the main file at least this often while writes come in
RESTORE_HINT = "请从备份恢复（见 docs/deploy.md 的“备份与恢复”）"


def marker_path(path: Path) -> Path:
    return path.with_name(path.name + ".marker")


class _Tx:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def execute(self, sql: str, params: Params = ()) -> int:
        return self.conn.execute(sql, params).rowcount

    def query(self, sql: str, params: Params = ()) -> list[dict]:
        return [dict(r) for r in self.conn.execute(sql, params)]

    def executemany(self, sql: str, rows: Sequence[Params]) -> None:
        self.conn.executemany(sql, rows)


class SQLiteState(StateDB):
    shared = False  # one machine; replicas use PostgreSQL
    kind = "sqlite"
    types = {"id": "integer primary key", "bigint": "integer", "real": "real"}

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.location = str(self.path)
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._checkpointed = time.monotonic()
        self._check_file()
        try:
            self._conn().execute("PRAGMA journal_mode=WAL")
            broken = [r[0] for r in self._conn().execute("PRAGMA quick_check")]
            if broken != ["ok"]:
                raise sqlite3.DatabaseError("; ".join(broken[:3]))
            with self.transaction() as tx:
                schema.apply(tx, self.types)
                instance = schema.meta(tx, "instance")
        except sqlite3.DatabaseError as exc:
            self.close()
            raise StateError(f"状态数据库 {self.path} 已损坏或不是 SQLite 数据库（{exc}）。{RESTORE_HINT}；"
                             f"或把它移走后重新启动（将从空库开始，收藏与订阅会丢失）。") from None
        self._check_marker(instance)

    def _check_file(self) -> None:
        if self.path.is_dir():
            raise StateError(f"状态数据库 {self.path} 是一个文件夹，不是数据库文件：请检查 ASSISTANT_STATE_DB。")
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def _check_marker(self, instance: str) -> None:
        """Refuse a database that is not the one the marker remembers; mark a new one."""
        marker = marker_path(self.path)
        if marker.exists():
            remembered = marker.read_text(encoding="utf-8").split()[:1]
            if remembered != [instance]:
                self.close()
                raise StateError(
                    f"状态数据库 {self.path} 是空的或已不是原来的数据库，但标记文件 {marker} 表明它曾保存过数据"
                    f"（文件可能被截断、替换，或 -wal 文件丢失）。{RESTORE_HINT}；"
                    f"确认要从空库开始，请删除 {marker} 后重新启动。"
                )
            return
        self._conn().execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the instance id is in the main file now
        tmp = marker.with_name(marker.name + ".tmp")
        tmp.write_text(f"{instance}\n# 状态数据库 {self.path.name} 的标识；请勿删除（见 docs/deploy.md）\n",
                       encoding="utf-8")
        os.replace(tmp, marker)

    def _conn(self) -> sqlite3.Connection:
        """This thread's connection, opened on first use (autocommit: each statement its own transaction)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=10)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA synchronous=NORMAL")  # WAL: durable across a crash of the process, cheap
            with self._lock:
                self._connections.append(conn)
            self._local.conn = conn
        return conn

    @contextmanager
    def transaction(self) -> Iterator[_Tx]:
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield _Tx(conn)
        except BaseException:
            conn.rollback()
            raise
        conn.commit()
        self._maybe_checkpoint(conn)

    def execute(self, sql: str, params: Params = ()) -> int:
        conn = self._conn()
        changed = _Tx(conn).execute(sql, params)
        self._maybe_checkpoint(conn)
        return changed

    def _maybe_checkpoint(self, conn: sqlite3.Connection) -> None:
        """Merge the WAL into the main file now and then, bounding what a lost -wal file takes with it."""
        if time.monotonic() - self._checkpointed >= CHECKPOINT_SECONDS:
            self._checkpointed = time.monotonic()
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def query(self, sql: str, params: Params = ()) -> list[dict]:
        return _Tx(self._conn()).query(sql, params)

    def close(self) -> None:
        with self._lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()
        self._local = threading.local()
