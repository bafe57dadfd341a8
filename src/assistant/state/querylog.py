"""The query log: what people ask on every channel, whether it was answered, how long it took.

One row a question (channel, chat kind, time, normalised query, result count, top passage, `answered`
as the search judged it, latency) in the state store, so `stats` and `/stats` see every replica's
questions. User ids are kept only as a salted hash (the salt lives in the store, shared by replicas,
never printed), enough to count people, not to name them. Rows older than `retention_days` are deleted.

Logging never slows or fails an answer: `record` puts the entry on a bounded in-memory queue (no I/O,
never raises); a writer thread stores batches of them, one transaction each, and a store that is down
costs log lines, not answers (the batch is dropped once; the queue drops its overflow, counted).
"""
from __future__ import annotations

import hashlib
import logging
import queue
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable
from zoneinfo import ZoneInfo

from assistant.state.base import StateDB

log = logging.getLogger(__name__)

SHANGHAI = ZoneInfo("Asia/Shanghai")  # days are counted on the users' calendar
MAX_QUEUED = 50_000  # entries waiting for the writer; beyond this new ones are dropped (and counted)
PURGE_EVERY = 3600.0  # seconds between retention deletes


@dataclass(frozen=True)
class QueryEntry:
    channel: str  # telegram | console | dingtalk | http …
    chat_kind: str  # private | group | api …
    user_id: int | str
    query: str  # as asked; normalised when stored
    results: int
    top_passage: str  # id of the best hit, "" when none
    answered: bool  # the search's own judgement (Results.answered)
    latency_ms: float
    at: float = field(default_factory=time.time)


def normalise(query: str) -> str:
    """The form questions are counted by: full-width folded, traditional → simplified, lower case, one space."""
    from assistant.search.normalize import normalize

    return " ".join(normalize(query).split())


def day_of(at: float) -> str:
    return datetime.fromtimestamp(at, SHANGHAI).date().isoformat()


class QueryLog:
    """Batched, non-blocking writer of QueryEntry rows; `flush()` writes what is queued now."""

    def __init__(self, db: StateDB, retention_days: int = 90, flush_seconds: float = 1.0, batch: int = 500,
                 clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.retention_days = retention_days
        self.flush_seconds = flush_seconds
        self.batch = batch
        self._clock = clock
        self._queue: queue.Queue[QueryEntry] = queue.Queue(MAX_QUEUED)
        self._write_lock = threading.Lock()
        self._purged = 0.0
        self.dropped = 0
        self._salt = db.one("select value from state_meta where key = 'salt'")["value"].encode()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="query-log", daemon=True)
        self._thread.start()

    def user_hash(self, user_id: int | str) -> str:
        return hashlib.blake2b(str(user_id).encode(), key=self._salt[:64], digest_size=8).hexdigest()

    def record(self, entry: QueryEntry) -> None:
        """Queue one question for the log; returns at once and never raises."""
        try:
            self._queue.put_nowait(entry)
        except queue.Full:
            self.dropped += 1
            if self.dropped in (1, 1000) or self.dropped % 100_000 == 0:
                log.warning("query log: writer behind, %d entries dropped so far", self.dropped)

    def flush(self) -> int:
        """Write every queued entry now (the writer thread does this every `flush_seconds`); how many."""
        written = 0
        while True:
            entries = []
            while len(entries) < self.batch:
                try:
                    entries.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            if not entries:
                return written
            self._write(entries)
            written += len(entries)

    def close(self) -> None:
        """Stop the writer after writing what is queued."""
        self._stop.set()
        self._thread.join(timeout=10)
        self._write_queued()

    def _run(self) -> None:
        while not self._stop.wait(self.flush_seconds):
            self._write_queued()

    def _write_queued(self) -> None:
        try:
            self.flush()
            self._purge()
        except Exception:  # the log must outlive a bad moment of the store; the answer never waits on it
            log.exception("query log: write failed")

    def _write(self, entries: list[QueryEntry]) -> None:
        rows = [
            (e.at, day_of(e.at), e.channel, e.chat_kind, self.user_hash(e.user_id), normalise(e.query), e.results,
             e.top_passage, int(e.answered), round(e.latency_ms, 3))
            for e in entries
        ]
        with self._write_lock:
            self.db.executemany(
                "insert into query_log (at, day, channel, chat_kind, user_hash, query, results, top_passage, "
                "answered, latency_ms) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )

    def _purge(self) -> None:
        now = self._clock()
        if self.retention_days and now - self._purged >= PURGE_EVERY:
            self._purged = now
            purge(self.db, self.retention_days, now)


def purge(db: StateDB, retention_days: int, now: float | None = None) -> int:
    """Delete questions older than `retention_days`; how many went."""
    now = time.time() if now is None else now
    return db.execute("delete from query_log where at < ?", [now - retention_days * 86400])
