"""Bot settings: read once from the environment over .env; bad values are explained in Chinese."""
from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest

from assistant.config import TELEGRAM_API, SettingsError, configure_logging, load_settings


def test_defaults_without_anything_set():
    s = load_settings({}, dotenv_path=None)
    assert s.telegram_token == "" and s.api_base_url == TELEGRAM_API
    assert s.db_path == Path("data/assistant.db") and not s.allowed_users and s.rate_limit and not s.webhook_url


def test_environment_wins_over_dotenv(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("TELEGRAM_BOT_TOKEN=from-file\nASSISTANT_DB=file.db\nALLOWED_USER_IDS=1, 2 3\n"
                        "TELEGRAM_API_BASE_URL=http://127.0.0.1:8081/bot/\nTELEGRAM_RATE_LIMIT=off\n")
    s = load_settings({"ASSISTANT_DB": "env.db"}, dotenv_path=env_file)
    assert s.telegram_token == "from-file" and s.db_path == Path("env.db")
    assert s.allowed_users == {1, 2, 3} and not s.rate_limit
    assert s.api_base_url == "http://127.0.0.1:8081/bot"
    assert s.file_base_url == "http://127.0.0.1:8081/file/bot"


@pytest.mark.parametrize("name, value", [
    ("ALLOWED_USER_IDS", "alice"), ("WEBHOOK_PORT", "eighty"), ("LOG_LEVEL", "LOUD"),
    ("TELEGRAM_RATE_LIMIT", "maybe"), ("TELEGRAM_API_BASE_URL", "127.0.0.1:8081/bot"),
])
def test_bad_values_are_explained(name, value):
    with pytest.raises(SettingsError, match=name):
        load_settings({name: value}, dotenv_path=None)


def test_logging_redacts_the_token_and_silences_httpx():
    token = "42:secret-token"
    stream = io.StringIO()
    configure_logging(load_settings({"TELEGRAM_BOT_TOKEN": token, "LOG_LEVEL": "DEBUG"}, dotenv_path=None), stream)
    try:
        logging.getLogger("httpx").info("HTTP Request: POST https://api.telegram.org/bot%s/getMe", token)
        try:
            raise RuntimeError(f"failed calling /bot{token}/sendMessage")
        except RuntimeError:
            logging.getLogger("assistant").exception("boom with %s", token)
    finally:
        logging.getLogger().handlers[:] = []
        logging.getLogger().setLevel(logging.WARNING)
    out = stream.getvalue()
    assert "boom with [REDACTED]" in out and "RuntimeError" in out
    assert token not in out and "getMe" not in out
