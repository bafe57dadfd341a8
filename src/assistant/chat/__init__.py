"""The IM-independent chat core (see chat.core for how to add commands and features)."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from assistant.chat.answers import Answers
from assistant.chat.core import Access, ChatCore, Request, Scheduler
from assistant.chat.reply import (
    Button, Citation, Context, Document, InlineItem, InlinePage, Poll, Quote, Reply, Text,
)
from assistant.chat import stats
from assistant.chat.sessions import Session, Sessions
from assistant.state import StateDB, connect
from assistant.state.querylog import QueryLog


def build_core(searcher, *, access: Access | None = None, reopen: Callable[[], object] | None = None,
               state_db: StateDB | Path | str | None = None, querylog: QueryLog | None = None) -> ChatCore:
    """A ChatCore with the built-in search answers registered; features add theirs afterwards.
    With a state store (or a SQLite path) the queries behind buttons are kept there, so buttons keep
    working after a restart and on every replica sharing the store. With a query log (on that store)
    every question is logged and admins get /stats."""
    state = connect(state_db) if state_db is not None else None
    core = ChatCore(searcher, access=access, reopen=reopen, sessions=Sessions(state), state=state, querylog=querylog)
    Answers(core).setup()
    if querylog is not None:
        stats.setup(core)
    return core


__all__ = [
    "Access", "Answers", "Button", "ChatCore", "Citation", "Context", "Document", "InlineItem", "InlinePage",
    "Poll", "Quote", "Reply", "Request", "Scheduler", "Session", "Sessions", "Text", "build_core",
]
