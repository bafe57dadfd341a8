"""The state store interface: what every backend (SQLite, PostgreSQL) offers the features above it.

Modelled on python-telegram-bot's BasePersistence: one small interface, several backends, the
application unaware of which one it talks to. The features (chat.sessions, study.state, the query log)
write portable SQL with `?` placeholders (`insert … on conflict … do update`, `returning`), which both
SQLite ≥ 3.35 and PostgreSQL understand; a backend only supplies connections, transactions and the
column types of the schema (state.schema).
"""
from __future__ import annotations

import time
from abc import ABC, abstractmethod
from contextlib import AbstractContextManager
from typing import Any, Protocol, Sequence

Params = Sequence[Any]


class StateError(RuntimeError):
    """The state database cannot be used as it is; the message (Chinese) names it and says what to do."""


class Tx(Protocol):
    """Statements inside one transaction (see StateDB.transaction)."""

    def execute(self, sql: str, params: Params = ()) -> int: ...  # rows affected

    def query(self, sql: str, params: Params = ()) -> list[dict]: ...

    def executemany(self, sql: str, rows: Sequence[Params]) -> None: ...


class StateDB(ABC):
    """A state database. execute/query run as their own short transaction; `transaction()` groups
    statements that must see and change the data as one (it takes the write lock from the start on
    SQLite, so a read followed by a write never fails with "database is locked")."""

    kind: str  # "sqlite" | "postgresql"
    location: str  # the file, or the URL without its password: for messages and logs
    types: dict[str, str]  # column types of the portable schema: id, bigint, real
    shared: bool  # several processes (replicas) may use it at once

    @abstractmethod
    def transaction(self) -> AbstractContextManager[Tx]: ...

    @abstractmethod
    def execute(self, sql: str, params: Params = ()) -> int: ...

    @abstractmethod
    def query(self, sql: str, params: Params = ()) -> list[dict]: ...

    @abstractmethod
    def close(self) -> None: ...

    def executemany(self, sql: str, rows: Sequence[Params]) -> None:
        """Many rows in one transaction (one commit, not one per row)."""
        with self.transaction() as tx:
            tx.executemany(sql, rows)

    def one(self, sql: str, params: Params = ()) -> dict | None:
        rows = self.query(sql, params)
        return rows[0] if rows else None

    # -- leases: one replica at a time does a piece of work -------------------------------------

    def claim(self, name: str, holder: str, seconds: float, now: float | None = None) -> bool:
        """Take the lease `name` for `seconds` unless another holder has it and it has not expired or
        was completed. A holder that dies lets the lease run out; another replica takes over then."""
        now = time.time() if now is None else now
        return self.execute(
            "insert into leases (name, holder, expires, done) values (?, ?, ?, 0) "
            "on conflict (name) do update set holder = excluded.holder, expires = excluded.expires "
            "where leases.done = 0 and (leases.expires < ? or leases.holder = excluded.holder)",
            [name, holder, now + seconds, now],
        ) == 1

    def complete(self, name: str, holder: str) -> None:
        """The work behind the lease is done: nobody takes it again."""
        self.execute("update leases set done = 1 where name = ? and holder = ?", [name, holder])

    def lease_done(self, name: str) -> bool:
        row = self.one("select done from leases where name = ?", [name])
        return bool(row and row["done"])
