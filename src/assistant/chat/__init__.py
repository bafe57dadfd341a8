"""The IM-independent chat core (see chat.core for how to add commands and features)."""
from __future__ import annotations

from typing import Callable

from assistant.chat.answers import Answers
from assistant.chat.core import Access, ChatCore, Request, Scheduler, Session
from assistant.chat.reply import (
    Button, Citation, Context, Document, InlineItem, InlinePage, Poll, Quote, Reply, Text,
)


def build_core(searcher, *, access: Access | None = None, reopen: Callable[[], object] | None = None) -> ChatCore:
    """A ChatCore with the built-in search answers registered; features add theirs afterwards."""
    core = ChatCore(searcher, access=access, reopen=reopen)
    Answers(core).setup()
    return core


__all__ = [
    "Access", "Answers", "Button", "ChatCore", "Citation", "Context", "Document", "InlineItem", "InlinePage",
    "Poll", "Quote", "Reply", "Request", "Scheduler", "Session", "Text", "build_core",
]
