"""Entry point: the Telegram bot when TELEGRAM_BOT_TOKEN is set, otherwise a console chat on the same core.

Settings come from the environment and .env (see .env.example), read once here.
"""
from __future__ import annotations

import importlib
import importlib.util
import logging
import sys

from assistant.chat import Access, ChatCore, build_core
from assistant.config import Settings, SettingsError, configure_logging, load_settings
from assistant.search.engine import Searcher
from assistant.state import StateError, open_state
from assistant.state.querylog import QueryLog
from assistant.storage import DatabaseMissing

# Feature modules: each installed one has setup(core, settings) registering its commands.
FEATURES = ("assistant.study",)

log = logging.getLogger("bot")


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


def run_telegram(settings: Settings, core: ChatCore) -> int:
    from telegram.error import InvalidToken, NetworkError

    from assistant.adapters import telegram

    try:
        telegram.run(settings, core)
    except InvalidToken:
        print("TELEGRAM_BOT_TOKEN 无效：请向 @BotFather 核对后写入 .env", file=sys.stderr)
        return 2
    except SettingsError as exc:
        print(f"配置错误：{exc}", file=sys.stderr)
        return 2
    except NetworkError as exc:  # at start-up only: once running, the bot retries by itself
        print(f"无法连接 Telegram（{settings.api_base_url}）：{exc}", file=sys.stderr)
        return 1
    return 0


def main() -> int:
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"配置错误：{exc}", file=sys.stderr)
        return 2
    configure_logging(settings)
    try:
        searcher = Searcher.open(settings.db_path)
    except DatabaseMissing as exc:  # missing, corrupt, foreign, an older schema, no search index
        print(f"无法打开语料库：{exc}", file=sys.stderr)
        return 2
    try:
        state = open_state(settings)
    except StateError as exc:
        print(f"无法打开状态数据库：{exc}", file=sys.stderr)
        return 2
    querylog = QueryLog(state, settings.query_log_days) if settings.query_log_days else None
    access = Access(settings.allowed_users, settings.allowed_chats, settings.admin_ids)
    core = build_core(searcher, access=access, reopen=lambda: Searcher.open(settings.db_path), state_db=state,
                      querylog=querylog)
    load_features(core, settings)
    try:
        if settings.telegram_token:
            return run_telegram(settings, core)
        from assistant.adapters import console

        return console.run(core, sys.stdin, sys.stdout)
    finally:
        if querylog is not None:
            querylog.close()  # the last second's questions


if __name__ == "__main__":
    raise SystemExit(main())
