"""Building the chat core the way every entry point needs it (bot.py and the `serve` command):
corpus, access list across channels, persisted sessions, and the installed feature modules."""
from __future__ import annotations

import hashlib
import importlib
import importlib.util
import logging

from assistant.chat import Access, ChatCore, build_core
from assistant.config import Settings
from assistant.search.engine import Searcher
from assistant.state import open_state
from assistant.state.querylog import QueryLog

# Feature modules: each installed one has setup(core, settings) registering its commands.
FEATURES = ("assistant.study",)
STRING_ID_BASE = 1 << 62  # numeric ids for string ids (DingTalk staff ids): above any Telegram id (< 2**53)

log = logging.getLogger(__name__)


def numeric_id(text: str) -> int:
    """A stable int for a messenger's string id (the core keys users and chats by int): a hash above
    Telegram's id range, so the two never meet in one access list or state store."""
    return STRING_ID_BASE + int.from_bytes(hashlib.sha256(text.encode()).digest()[:7], "big")


def access(settings: Settings) -> Access:
    """One access list for every channel: Telegram ids plus DingTalk staff ids (hashed, see numeric_id).
    All lists empty = everyone; admins are always allowed."""
    return Access(
        settings.allowed_users | {numeric_id(s) for s in settings.dingtalk_allowed},
        settings.allowed_chats,
        settings.admin_ids | {numeric_id(s) for s in settings.dingtalk_admins},
    )


def load_features(core: ChatCore, settings: Settings) -> None:
    for name in FEATURES:
        if importlib.util.find_spec(name) is None:
            log.info("feature %s not installed", name)
            continue
        setup = getattr(importlib.import_module(name), "setup", None)
        if setup is None:
            log.info("feature %s has no setup(); skipped", name)
            continue
        setup(core, settings)


def open_core(settings: Settings) -> ChatCore:
    """The chat core on the configured corpus and state store (with the query log), features registered;
    the caller closes core.querylog when done.
    Raises storage.DatabaseMissing or state.StateError with a message for the operator."""
    searcher = Searcher.open(settings.db_path).warm_up()
    state = open_state(settings)
    querylog = QueryLog(state, settings.query_log_days) if settings.query_log_days else None
    core = build_core(searcher, access=access(settings), reopen=lambda: Searcher.open(settings.db_path).warm_up(),
                      state_db=state, querylog=querylog)
    core.watch_corpus(settings.db_path)  # a re-ingest is picked up without a restart
    load_features(core, settings)
    return core
