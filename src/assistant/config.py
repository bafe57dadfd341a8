"""Settings, read once at start-up from the environment (and a .env file via python-dotenv).

Only the entry points (bot.py, the `serve` command) call load_settings(); everything else receives a
Settings object. See .env.example.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping
from urllib.parse import urlsplit

from dotenv import dotenv_values

TELEGRAM_API = "https://api.telegram.org/bot"


class SettingsError(ValueError):
    """A setting has a value that cannot be used; the message is for the operator (Chinese)."""


@dataclass(frozen=True)
class Settings:
    telegram_token: str = ""
    api_base_url: str = TELEGRAM_API  # PTB's base_url: method URLs are base_url + token + "/" + method
    db_path: Path = Path("data/assistant.db")
    state_db_path: Path = Path("data/state.db")  # writable user data (saved quotes, subscriptions)
    state_url: str = ""  # postgresql://… : state shared by several replicas (overrides state_db_path)
    query_log_days: int = 90  # questions older than this are deleted from the query log; 0 = no log
    allowed_users: frozenset[int] = field(default_factory=frozenset)
    allowed_chats: frozenset[int] = field(default_factory=frozenset)
    admin_ids: frozenset[int] = field(default_factory=frozenset)
    log_level: str = "INFO"
    webhook_url: str = ""  # public https URL; polling when empty
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443
    rate_limit: bool = True  # AIORateLimiter, below Telegram's flood limits
    concurrency: int = 16  # updates handled at once (also sizes the HTTP connection pool)
    api_keys: frozenset[str] = field(default_factory=frozenset)  # HTTP API: empty = open, else X-API-Key must be one
    public_url: str = ""  # where users reach the HTTP service (links in DingTalk replies), e.g. http://10.0.0.5:8080
    dingtalk_app_key: str = ""  # DingTalk robot's AppKey (Client ID)
    dingtalk_app_secret: str = ""  # its AppSecret: signs HTTP callbacks, opens the stream
    dingtalk_mode: str = "stream"  # stream (WebSocket the bot opens) | http (callbacks to `serve`)
    dingtalk_allowed: frozenset[str] = field(default_factory=frozenset)  # DingTalk staff ids allowed
    dingtalk_admins: frozenset[str] = field(default_factory=frozenset)  # DingTalk staff ids of admins

    @property
    def dingtalk(self) -> bool:
        """Whether a DingTalk robot is configured (both credentials present)."""
        return bool(self.dingtalk_app_key and self.dingtalk_app_secret)

    @property
    def file_base_url(self) -> str:
        """PTB's base_file_url: Telegram serves files under /file/bot<token>/ next to /bot<token>/."""
        base = self.api_base_url
        return base[: -len("/bot")] + "/file/bot" if base.endswith("/bot") else base


def _ids(name: str, raw: str) -> frozenset[int]:
    try:
        return frozenset(int(x) for x in raw.replace(",", " ").split())
    except ValueError:
        raise SettingsError(f"{name} 应为以逗号或空格分隔的数字 ID，当前为：{raw!r}") from None


def _words(raw: str) -> frozenset[str]:
    return frozenset(raw.replace(",", " ").split())


def _int(name: str, raw: str, default: int) -> int:
    try:
        return int(raw) if raw.strip() else default
    except ValueError:
        raise SettingsError(f"{name} 应为整数，当前为：{raw!r}") from None


def _bool(name: str, raw: str, default: bool) -> bool:
    value = raw.strip().lower()
    if not value:
        return default
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name} 应为 on 或 off，当前为：{raw!r}")


def _state_url(raw: str) -> str:
    if raw and not raw.startswith(("postgresql://", "postgres://")):
        raise SettingsError(f"ASSISTANT_STATE_URL 应以 postgresql:// 开头（留空则用 ASSISTANT_STATE_DB 的 SQLite 文件），当前为：{raw!r}")
    return raw


def load_settings(environ: Mapping[str, str] | None = None, dotenv_path: str | Path | None = ".env") -> Settings:
    """Settings from `environ` (default os.environ) over the .env file; the environment wins."""
    file_values = {k: v or "" for k, v in dotenv_values(dotenv_path).items()} if dotenv_path and Path(dotenv_path).exists() else {}
    env = {**file_values, **(os.environ if environ is None else environ)}

    def get(name: str, default: str = "") -> str:
        return env.get(name, default).strip() or default

    base_url = get("TELEGRAM_API_BASE_URL", TELEGRAM_API).rstrip("/")
    if not base_url.startswith(("http://", "https://")):
        raise SettingsError(f"TELEGRAM_API_BASE_URL 应以 http:// 或 https:// 开头，如 {TELEGRAM_API}，当前为：{base_url!r}")
    level = get("LOG_LEVEL", "INFO").upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        raise SettingsError(f"LOG_LEVEL 应为 DEBUG/INFO/WARNING/ERROR 之一，当前为：{level!r}")
    mode = get("DINGTALK_MODE", "stream").lower()
    if mode not in ("stream", "http"):
        raise SettingsError(f"DINGTALK_MODE 应为 stream 或 http，当前为：{mode!r}")
    public_url = get("PUBLIC_BASE_URL").rstrip("/")
    if public_url and not public_url.startswith(("http://", "https://")):
        raise SettingsError(f"PUBLIC_BASE_URL 应以 http:// 或 https:// 开头，当前为：{public_url!r}")
    return Settings(
        telegram_token=get("TELEGRAM_BOT_TOKEN"),
        api_base_url=base_url,
        db_path=Path(get("ASSISTANT_DB", "data/assistant.db")),
        state_db_path=Path(get("ASSISTANT_STATE_DB", "data/state.db")),
        state_url=_state_url(get("ASSISTANT_STATE_URL")),
        query_log_days=max(0, _int("QUERY_LOG_DAYS", get("QUERY_LOG_DAYS"), 90)),
        allowed_users=_ids("ALLOWED_USER_IDS", get("ALLOWED_USER_IDS")),
        allowed_chats=_ids("ALLOWED_CHAT_IDS", get("ALLOWED_CHAT_IDS")),
        admin_ids=_ids("ADMIN_USER_IDS", get("ADMIN_USER_IDS")),
        log_level=level,
        webhook_url=get("WEBHOOK_URL"),
        webhook_listen=get("WEBHOOK_LISTEN", "0.0.0.0"),
        webhook_port=_int("WEBHOOK_PORT", get("WEBHOOK_PORT"), 8443),
        rate_limit=_bool("TELEGRAM_RATE_LIMIT", get("TELEGRAM_RATE_LIMIT"), True),
        concurrency=max(1, _int("BOT_CONCURRENCY", get("BOT_CONCURRENCY"), 16)),
        api_keys=_words(get("API_KEYS")),
        public_url=public_url,
        dingtalk_app_key=get("DINGTALK_APP_KEY"),
        dingtalk_app_secret=get("DINGTALK_APP_SECRET"),
        dingtalk_mode=mode,
        dingtalk_allowed=_words(get("DINGTALK_ALLOWED_STAFF_IDS")),
        dingtalk_admins=_words(get("DINGTALK_ADMIN_STAFF_IDS")),
    )


class RedactingFormatter(logging.Formatter):
    """Formats as usual, then blanks secrets (the bot token sits in every Bot API URL and may
    reach a message or a traceback)."""

    def __init__(self, fmt: str, secrets: tuple[str, ...]) -> None:
        super().__init__(fmt)
        self.secrets = tuple(s for s in secrets if s)

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        for secret in self.secrets:
            text = text.replace(secret, "[REDACTED]")
        return text


def configure_logging(settings: Settings, stream=None) -> None:
    """Log to stderr at the configured level; httpx's per-request INFO lines (URL with token) are silenced."""
    handler = logging.StreamHandler(stream)
    secrets = (settings.telegram_token, urlsplit(settings.state_url).password or "", settings.dingtalk_app_secret,
               *settings.api_keys)
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level)
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
