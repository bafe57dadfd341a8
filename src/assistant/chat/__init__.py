"""The IM-independent chat core (see chat.core for how to add commands and features).

Names are imported on first use (PEP 562): `search --batch` and the HTTP API read chat.citation and
chat.render for their JSON without starting the whole core (its state, sessions and answers).
"""
from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from assistant.chat.core import Access, ChatCore
    from assistant.state import StateDB
    from assistant.state.querylog import QueryLog

_HOMES = {  # public name → the module that defines it
    "Answers": "answers",
    **dict.fromkeys(("Access", "ChatCore", "Request", "Scheduler"), "core"),
    **dict.fromkeys(("Button", "Citation", "Context", "Document", "InlineItem", "InlinePage", "Poll", "Quote",
                     "Reply", "Text"), "reply"),
    **dict.fromkeys(("Session", "Sessions"), "sessions"),
}


def __getattr__(name: str):
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def build_core(searcher, *, access: Access | None = None, reopen: Callable[[], object] | None = None,
               state_db: StateDB | Path | str | None = None, querylog: QueryLog | None = None) -> ChatCore:
    """A ChatCore with the built-in search answers registered; features add theirs afterwards.
    With a state store (or a SQLite path) the queries behind buttons are kept there, so buttons keep
    working after a restart and on every replica sharing the store. With a query log (on that store)
    every question is logged and admins get /stats."""
    from assistant.chat import stats
    from assistant.chat.answers import Answers
    from assistant.chat.core import ChatCore
    from assistant.chat.sessions import Sessions
    from assistant.state import connect

    state = connect(state_db) if state_db is not None else None
    core = ChatCore(searcher, access=access, reopen=reopen, sessions=Sessions(state), state=state, querylog=querylog)
    Answers(core).setup()
    if querylog is not None:
        stats.setup(core)
    return core


__all__ = [*_HOMES, "build_core"]
