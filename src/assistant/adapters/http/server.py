"""Running the HTTP service: `python -m assistant serve` → uvicorn with one or more worker processes.

Each worker builds its own app from the settings (environment and .env; `--db` arrives as ASSISTANT_DB),
so the factory takes no arguments.
"""
from __future__ import annotations

import logging
import os
from contextlib import asynccontextmanager
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from assistant.adapters import dingtalk
from assistant.adapters.http.app import create_app
from assistant.chat.core import NullScheduler
from assistant.config import Settings, configure_logging, load_settings
from assistant.runtime import open_core
from assistant.state import open_state
from assistant.storage import Corpus

log = logging.getLogger(__name__)


def build(settings: Settings) -> FastAPI:
    """The app on a freshly opened core; DingTalk callbacks mounted when DINGTALK_MODE=http and keys are set."""
    core = open_core(settings)
    callbacks = sender = None
    if settings.dingtalk and settings.dingtalk_mode == "http":
        sender = dingtalk.WebhookSender()
        callbacks = dingtalk.Callbacks(dingtalk.Robot(core, settings), sender, settings.dingtalk_app_secret)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        core.start(NullScheduler())  # features' start-up hooks (cache warm-up); no out-of-band sends over HTTP
        yield
        if callbacks is not None:
            await callbacks.drain()
            await sender.close()
        if core.querylog is not None:
            core.querylog.close()  # the last second's questions

    return create_app(settings, core, callbacks, lifespan)


def app_from_env() -> FastAPI:
    """uvicorn's factory (one call per worker process)."""
    settings = load_settings()
    configure_logging(settings)
    return build(settings)


def serve(host: str, port: int, db: Path | None, workers: int = 1) -> None:
    if db is not None:
        os.environ["ASSISTANT_DB"] = str(db)
    settings = load_settings()  # fail here, once, on a bad setting, corpus or state store (not in every worker)
    Corpus(settings.db_path)
    open_state(settings).close()
    log_level = settings.log_level.lower()
    uvicorn.run("assistant.adapters.http.server:app_from_env", factory=True, host=host, port=port, workers=workers,
                log_level=log_level, access_log=False)
