"""`python bot.py` as deployed: a real process talking HTTP to the fake Bot API server."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from fake_bot_api import TOKEN, FakeBotApi

ROOT = Path(__file__).resolve().parent.parent


def test_bot_process_answers_and_stops_cleanly(db_path, tmp_path):
    with FakeBotApi() as api:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
        env.update(api.env(ASSISTANT_DB=str(db_path), LOG_LEVEL="DEBUG", PYTHONPATH=str(ROOT / "src")))
        proc = subprocess.Popen([sys.executable, str(ROOT / "bot.py")], env=env, cwd=tmp_path, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            api.message("共同富裕", user_id=77)
            answer = api.wait_for("sendMessage", lambda c: c.params["chat_id"] == 77, timeout=60)
            assert "「" in answer.params["text"]
            assert api.find("getMe") and api.find("setMyCommands")
        finally:
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err[-2000:]
    assert "sendMessage" in err  # debug logging was on
    assert TOKEN not in err and TOKEN not in out


def test_bot_process_explains_a_rejected_token(db_path, tmp_path):
    with FakeBotApi(token="999:other-token") as api:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
        env.update(api.env(ASSISTANT_DB=str(db_path), PYTHONPATH=str(ROOT / "src")), TELEGRAM_BOT_TOKEN=TOKEN)
        proc = subprocess.run([sys.executable, str(ROOT / "bot.py")], env=env, cwd=tmp_path, text=True,
                              capture_output=True, timeout=60)
    assert proc.returncode == 2 and "TELEGRAM_BOT_TOKEN 无效" in proc.stderr.strip().splitlines()[-1]
    assert TOKEN not in proc.stderr and TOKEN.split(":")[1] not in proc.stderr
