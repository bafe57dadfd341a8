"""Short ids behind buttons: a search answer's query (Session) and long callback arguments.

Telegram's callback data holds 64 bytes, so a button carries a short key and the query it pages or the
long argument it stands for is kept here. With a state database the keys outlive a restart (a deploy
must not turn every button in the users' chats into "expired"); the newest entries are also kept in
memory so a tap costs no disk read. The table is bounded: entries older than MAX_AGE_DAYS or beyond
the newest `capacity` are pruned every PRUNE_EVERY writes, a single indexed delete.

Thread-safe: the adapter runs core calls off its event loop, so one connection is shared under a lock.
"""
from __future__ import annotations

import json
import secrets
import sqlite3
import threading
import time
from collections import OrderedDict
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import sqlite_utils

MAX_AGE_DAYS = 7  # a button older than a week answers "expired"
PRUNE_EVERY = 500
MEMORY = 20_000  # entries kept in memory as well


@dataclass(frozen=True)
class Session:
    """A question kept server-side so buttons can carry a short id instead of the query."""

    id: str
    query: str
    source_id: str | None
    owner_id: int
    chat_id: int


Entry = Session | str  # a session, or a stashed callback argument


class Sessions:
    """Short keys for sessions and stashed strings; in memory only when `path` is None."""

    def __init__(self, path: Path | str | None = None, capacity: int = 200_000,
                 clock: Callable[[], float] = time.time) -> None:
        self.capacity = capacity
        self._clock = clock
        self._memory: OrderedDict[str, Entry] = OrderedDict()
        self._lock = threading.Lock()
        self._writes = 0
        self._db: sqlite_utils.Database | None = None
        if path is not None:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            # Autocommit (isolation_level=None): every write is its own short transaction.
            conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=10)
            self._db = sqlite_utils.Database(conn)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")  # WAL: durable across a crash of the process, cheap
            self._db["button_keys"].create({"key": str, "value": str, "at": float}, pk="key", if_not_exists=True)
            self._db["button_keys"].create_index(["at"], if_not_exists=True)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()

    # -- public API ------------------------------------------------------------------------------

    def new(self, query: str, source_id: str | None, owner_id: int, chat_id: int) -> Session:
        return self._store(lambda key: Session(key, query, source_id, owner_id, chat_id))[1]

    def get(self, key: str) -> Session | None:
        value = self._load(key)
        return value if isinstance(value, Session) else None

    def stash(self, value: str) -> str:
        """Keep `value` under a short key (the key is returned)."""
        return self._store(lambda key: value)[0]

    def unstash(self, key: str) -> str | None:
        value = self._load(key)
        return value if isinstance(value, str) else None

    # -- storage ---------------------------------------------------------------------------------

    def _store(self, make: Callable[[str], Entry]) -> tuple[str, Entry]:
        with self._lock:
            while True:
                key = secrets.token_urlsafe(4)
                value = make(key)
                if key not in self._memory and self._persisted(key, value):
                    break
            self._remember(key, value)
            return key, value

    def _persisted(self, key: str, value: Entry) -> bool:
        """Write the entry through to the database; False when the key is taken there already."""
        if self._db is None:
            return True
        encoded = json.dumps(asdict(value) if isinstance(value, Session) else value, ensure_ascii=False)
        try:
            self._db.execute("insert into button_keys (key, value, at) values (?, ?, ?)", [key, encoded, self._clock()])
        except sqlite3.IntegrityError:
            return False
        self._writes += 1
        if self._writes % PRUNE_EVERY == 0:
            self._prune()
        return True

    def _remember(self, key: str, value: Entry) -> None:
        self._memory[key] = value
        while len(self._memory) > min(MEMORY, self.capacity):
            self._memory.popitem(last=False)

    def _load(self, key: str) -> Entry | None:
        with self._lock:
            value = self._memory.get(key)
            if value is not None or self._db is None:
                return value
            row = self._db.execute("select value, at from button_keys where key = ?", [key]).fetchone()
            if row is None or row[1] < self._clock() - MAX_AGE_DAYS * 86400:
                return None
            data = json.loads(row[0])
            value = Session(**data) if isinstance(data, dict) else data
            self._remember(key, value)
            return value

    def _prune(self) -> None:
        """Forget entries older than MAX_AGE_DAYS and all but the newest `capacity` (rowids grow with time)."""
        self._db.execute("delete from button_keys where at < ?", [self._clock() - MAX_AGE_DAYS * 86400])
        self._db.execute("delete from button_keys where rowid <= (select max(rowid) from button_keys) - ?",
                         [self.capacity])
