"""`python bot.py` as deployed: a real process talking HTTP to the fake Bot API server."""
from __future__ import annotations

import signal
import subprocess

from fake_bot_api import TOKEN, FakeBotApi
from processes import bot_py


def test_bot_process_answers_and_stops_cleanly(db_path, tmp_path):
    with FakeBotApi() as api:
        command, env = bot_py(**api.env(ASSISTANT_DB=str(db_path), LOG_LEVEL="DEBUG"))
        proc = subprocess.Popen(command, env=env, cwd=tmp_path, text=True, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
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
        command, env = bot_py(**{**api.env(ASSISTANT_DB=str(db_path)), "TELEGRAM_BOT_TOKEN": TOKEN})
        proc = subprocess.run(command, env=env, cwd=tmp_path, text=True, capture_output=True, timeout=60)
    assert proc.returncode == 2 and "TELEGRAM_BOT_TOKEN 无效" in proc.stderr.strip().splitlines()[-1]
    assert TOKEN not in proc.stderr and TOKEN.split(":")[1] not in proc.stderr
