"""User state (button keys, subscriptions, saved quotes, quizzes, the query log) behind one interface.

`open_state(settings)` gives the backend the settings name: PostgreSQL when ASSISTANT_STATE_URL is set
(several replicas share it), else the SQLite file ASSISTANT_STATE_DB (one machine, the default).
"""
from __future__ import annotations

from pathlib import Path

from assistant.state.base import StateDB, StateError, Tx

__all__ = ["StateDB", "StateError", "Tx", "connect", "open_state"]


def open_state(settings) -> StateDB:
    """The state store the settings name (config.Settings: state_url, state_db_path, concurrency)."""
    if settings.state_url:
        from assistant.state.postgres import PostgresState  # psycopg is imported only when used

        return PostgresState(settings.state_url, pool_size=settings.concurrency + 2)
    from assistant.state.sqlite import SQLiteState

    return SQLiteState(settings.state_db_path)


def connect(target: StateDB | Path | str) -> StateDB:
    """A StateDB as it is; a postgresql:// URL or a SQLite file path opens one (tests and tools name one)."""
    if isinstance(target, StateDB):
        return target
    if str(target).startswith(("postgresql://", "postgres://")):
        from assistant.state.postgres import PostgresState

        return PostgresState(str(target))
    from assistant.state.sqlite import SQLiteState

    return SQLiteState(target)
