"""Entry point: starts every channel whose settings are present — Telegram (TELEGRAM_BOT_TOKEN), the DingTalk
robot in stream mode (DINGTALK_APP_KEY + DINGTALK_APP_SECRET), or both on one core — and a console chat
when none is. (DingTalk's HTTP callback mode is served by `python -m assistant serve`.)

Settings come from the environment and .env (see .env.example), read once here.
"""
from __future__ import annotations

import asyncio
import logging
import sys
import threading

from assistant import allocator
from assistant.chat import ChatCore
from assistant.chat.core import NullScheduler
from assistant.config import Settings, SettingsError, configure_logging, load_settings
from assistant.runtime import open_core
from assistant.state import StateError
from assistant.storage import DatabaseMissing

log = logging.getLogger("bot")


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


def run_dingtalk(settings: Settings, core: ChatCore) -> None:
    """DingTalk stream mode until interrupted (the SDK reconnects by itself)."""
    from assistant.adapters import dingtalk

    try:
        asyncio.run(dingtalk.run_stream(core, settings))
    except KeyboardInterrupt:
        pass


def main() -> int:
    allocator.limit_arenas()  # before any thread starts (see assistant.allocator)
    allocator.trim_periodically()
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"配置错误：{exc}", file=sys.stderr)
        return 2
    configure_logging(settings)
    try:
        core = open_core(settings)
    except DatabaseMissing as exc:  # missing, corrupt, foreign, an older schema, no search index
        print(f"无法打开语料库：{exc}", file=sys.stderr)
        return 2
    except StateError as exc:
        print(f"无法打开状态数据库：{exc}", file=sys.stderr)
        return 2
    log.info("search: %s", "by meaning and words (sentence vectors)" if core.searcher.semantic
             else "by words (run `python -m assistant embed` with the [semantic] extra to rank by meaning too)")
    stream = settings.dingtalk and settings.dingtalk_mode == "stream"
    if settings.dingtalk and not stream:
        log.info("DINGTALK_MODE=http: DingTalk's callbacks are answered by `python -m assistant serve`")
    try:
        if settings.telegram_token:
            if stream:  # Telegram owns the main thread (signals); the robot gets its own event loop
                threading.Thread(target=run_dingtalk, args=(settings, core), name="dingtalk", daemon=True).start()
            return run_telegram(settings, core)
        if stream:
            core.start(NullScheduler())  # features' start-up hooks; DingTalk has no out-of-band sends here
            run_dingtalk(settings, core)
            return 0
        from assistant.adapters import console

        return console.run(core, sys.stdin, sys.stdout)
    finally:
        if core.querylog is not None:
            core.querylog.close()  # the last second's questions


if __name__ == "__main__":
    raise SystemExit(main())
