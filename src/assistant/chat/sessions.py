"""Short ids behind buttons: a search answer's query (Session) and long callback arguments; Scopes.

Telegram's callback data holds 64 bytes, so a button carries a short key and the query it pages or the
long argument it stands for is kept here. With a state store the keys outlive a restart (a deploy must
not turn every button in the users' chats into "expired") and are shared by replicas (a button pressed
on another replica than the one that answered still works); the newest entries are also kept in memory
so a tap costs no database read. The table is bounded: entries older than MAX_AGE_DAYS or beyond the
newest `capacity` are pruned every PRUNE_EVERY writes.

Thread-safe: the adapter runs core calls off its event loop.
"""
from __future__ import annotations

import json
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import asdict, dataclass
from typing import Callable

from assistant.state import StateDB

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
    """Short keys for sessions and stashed strings; in memory only when `db` is None."""

    def __init__(self, db: StateDB | None = None, capacity: int = 200_000,
                 clock: Callable[[], float] = time.time) -> None:
        self.capacity = capacity
        self._clock = clock
        self._memory: OrderedDict[str, Entry] = OrderedDict()
        self._lock = threading.Lock()
        self._writes = 0
        self._db = db

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
        while True:
            key = secrets.token_urlsafe(4)
            value = make(key)
            with self._lock:
                taken = key in self._memory
            if not taken and self._persisted(key, value):
                break
        with self._lock:
            self._remember(key, value)
        return key, value

    def _persisted(self, key: str, value: Entry) -> bool:
        """Write the entry through to the database; False when the key is taken there already."""
        if self._db is None:
            return True
        encoded = json.dumps(asdict(value) if isinstance(value, Session) else value, ensure_ascii=False)
        added = self._db.execute("insert into button_keys (key, value, at) values (?, ?, ?) on conflict (key) do nothing",
                                 [key, encoded, self._clock()])
        if not added:
            return False
        with self._lock:
            self._writes += 1
            prune = self._writes % PRUNE_EVERY == 0
        if prune:
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
        row = self._db.one("select value, at from button_keys where key = ?", [key])
        if row is None or row["at"] < self._clock() - MAX_AGE_DAYS * 86400:
            return None
        data = json.loads(row["value"])
        value = Session(**data) if isinstance(data, dict) else data
        with self._lock:
            self._remember(key, value)
        return value

    def _prune(self) -> None:
        """Forget entries older than MAX_AGE_DAYS and all but the newest `capacity`."""
        self._db.execute("delete from button_keys where at < ?", [self._clock() - MAX_AGE_DAYS * 86400])
        self._db.execute(
            "delete from button_keys where at <= (select at from button_keys order by at desc limit 1 offset ?)",
            [self.capacity],
        )


class Scopes:
    """(chat, user) → the source a user picked in /sources for their next search; dict-like, one-shot.
    In the state store when there is one, so the next question may reach another replica."""

    def __init__(self, db: StateDB | None = None, clock: Callable[[], float] = time.time) -> None:
        self._db = db
        self._clock = clock
        self._memory: dict[tuple[int, int], str] = {}

    def __setitem__(self, key: tuple[int, int], source_id: str) -> None:
        if self._db is None:
            self._memory[key] = source_id
            return
        self._db.execute(
            "insert into scopes (chat_id, user_id, source_id, at) values (?, ?, ?, ?) on conflict (chat_id, user_id) "
            "do update set source_id = excluded.source_id, at = excluded.at", [*key, source_id, self._clock()])

    def pop(self, key: tuple[int, int], default: str | None = None) -> str | None:
        if self._db is None:
            return self._memory.pop(key, default)
        with self._db.transaction() as tx:
            rows = tx.query("select source_id, at from scopes where chat_id = ? and user_id = ?", list(key))
            if rows:
                tx.execute("delete from scopes where chat_id = ? and user_id = ?", list(key))
        if not rows or rows[0]["at"] < self._clock() - MAX_AGE_DAYS * 86400:
            return default
        return rows[0]["source_id"]
