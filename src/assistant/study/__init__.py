"""Group study sessions (学习会): excerpt compilations, the daily quote, quizzes and saved quotes.

Everything here is independent of the chat adapter; user state lives in the state database (state.py),
apart from the corpus database that re-ingest replaces. bot.py calls setup() to register the features.
"""
from __future__ import annotations


def setup(core, settings):
    """Register the study commands and buttons on the chat core (imported late: the CLI needs none of it)."""
    from assistant.study.commands import setup as register

    return register(core, settings)
