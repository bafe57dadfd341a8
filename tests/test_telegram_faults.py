"""The Telegram adapter under Bot API faults: unreadable updates, slow or lost sends, stale callback queries,
migrated groups, late jobs. Each runs the real PTB application against the fake server."""
from __future__ import annotations

import datetime as dt
import logging
import time

import pytest

from assistant.chat import Reply, Text, build_core
from fake_bot_api import BOT_USER, DROP, LOST, serving, searcher  # noqa: F401 (fixture)

USER, GROUP, SUPERGROUP = 3001, -3002, -1003003


@pytest.fixture
def core(searcher):
    return build_core(searcher)


def to(chat_id: int):
    return lambda c: c.params.get("chat_id") == chat_id


def eventually(check, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not met"
        time.sleep(0.05)


def test_an_unreadable_update_is_logged_once_and_skipped(core, db_path, caplog):
    # A poll answer without option_persistent_ids (older Bot API servers omit it): PTB 22 cannot parse it.
    bad = {"poll_answer": {"poll_id": "1", "user": {"id": USER, "is_bot": False, "first_name": "x"}, "option_ids": [0]}}
    with caplog.at_level(logging.INFO), serving(core, db_path) as api:
        bad = api.push(bad)
        api.message("共同富裕", user_id=USER)
        assert "「" in api.wait_for("sendMessage", to(USER)).params["text"]
        api.message("山海协作", user_id=USER)  # and it keeps serving
        api.wait_for("sendMessage", to(USER), count=2)
        polls = api.find("getUpdates")
        assert any(int(c.params.get("offset") or 0) > bad["update_id"] for c in polls)  # acknowledged
        assert len(polls) < 10  # not fetched again and again
    skipped = [r for r in caplog.records if "cannot be read" in r.getMessage()]
    assert len(skipped) == 1 and str(bad["update_id"]) in skipped[0].getMessage()
    assert not [r for r in caplog.records if r.levelno >= logging.CRITICAL]


def test_a_slow_send_is_waited_for_not_sent_twice(core, db_path):
    with serving(core, db_path) as api:
        api.delay("sendMessage", 6.5)  # longer than PTB's default 5 s read timeout
        api.message("共同富裕", user_id=USER)
        api.wait_for("sendMessage", to(USER))
        time.sleep(7.5)  # the answer arrived; a client that gave up would have sent again by now
        assert len(api.find("sendMessage", to(USER))) == 1
        api.message("山海协作", user_id=USER)
        api.wait_for("sendMessage", to(USER), count=2)


def test_a_send_whose_answer_was_lost_is_not_repeated(core, db_path, caplog):
    with caplog.at_level(logging.WARNING), serving(core, db_path) as api:
        api.fail("sendMessage", LOST)  # delivered, but the connection broke before the answer came back
        api.message("共同富裕", user_id=USER)
        api.wait_for("sendMessage", to(USER))
        api.fail("sendMessage", DROP)  # the same, as far as the bot can tell
        api.message("数字化改革", user_id=USER)
        api.wait_for("sendMessage", to(USER), count=2, status=None)
        api.message("山海协作", user_id=USER)
        api.wait_for("sendMessage", to(USER), count=3, status=None)
        api.wait_idle(0, quiet=1.0)
        sent = [c.params["text"] for c in api.find("sendMessage", to(USER), status=None)]
        assert len(sent) == 3 and "山海协作" in sent[2]
        api.fail("sendMessage", 502, times=2)  # an error answer: provably not sent, so it is retried
        api.message("营商环境", user_id=USER)
        api.wait_for("sendMessage", lambda c: to(USER)(c) and "营商环境" in c.params["text"])
    assert sum("not sent again" in r.getMessage() for r in caplog.records) == 2


def test_a_failed_handler_apologises_even_when_the_bot_api_errs(core, db_path):
    def broken(req):
        raise RuntimeError("a bug in a handler")

    core.registry.question = broken
    with serving(core, db_path) as api:
        api.fail("sendMessage", 502)  # the apology's first attempt: an error answer, provably not sent
        api.message("共同富裕", user_id=USER)
        assert "抱歉" in api.wait_for("sendMessage", to(USER)).params["text"]


def test_a_stale_callback_query_still_turns_the_page(core, db_path):
    with serving(core, db_path) as api:
        api.message("共同富裕", user_id=USER)
        first = api.wait_for("sendMessage", to(USER))
        api.fail("answerCallbackQuery", 400)  # "query is too old and response timeout expired"
        api.callback(first, first.button("下一页"), user_id=USER)
        page = api.wait_for("editMessageText", to(USER))
        assert "第 4–6 处" in page.params["text"]


def test_replies_follow_a_group_that_became_a_supergroup(core, db_path):
    moves = []
    core.registry.on("chat_moved", lambda old, new: moves.append((old, new)))
    with serving(core, db_path) as api:
        api.migrated(GROUP, SUPERGROUP)
        api.message(f"/s@{BOT_USER['username']} 共同富裕", user_id=USER, chat_id=GROUP, chat_type="group")
        answer = api.wait_for("sendMessage", to(SUPERGROUP))
        assert "「" in answer.params["text"] and (GROUP, SUPERGROUP) in moves
        # Telegram's own notice in the old group moves the chat before any send fails.
        notice = api.message("", user_id=USER, chat_id=GROUP - 1, chat_type="group")
        api.push({"message": {**notice["message"], "migrate_to_chat_id": SUPERGROUP - 1}})
        eventually(lambda: (GROUP - 1, SUPERGROUP - 1) in moves)


def test_a_daily_job_that_fires_late_still_sends(core, db_path):
    with serving(core, db_path) as api:
        scheduler = core.scheduler
        eventually(lambda: scheduler.app.job_queue.scheduler.running)
        at = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=1)).timetz()
        scheduler.loop.call_soon_threadsafe(
            scheduler.daily, "late", at, USER, lambda: Reply([Text("每日一句：迟到也要送达")]))
        scheduler.loop.call_soon_threadsafe(time.sleep, 3)  # the event loop is busy past the job's time
        assert "迟到" in api.wait_for("sendMessage", to(USER), timeout=15).params["text"]


def test_a_failed_poll_is_one_warning_not_an_error_traceback(core, db_path, caplog):
    with caplog.at_level(logging.INFO), serving(core, db_path) as api:
        api.fail("getUpdates", 502, times=2)
        api.message("共同富裕", user_id=USER)
        api.wait_for("sendMessage", to(USER))
    assert sum("polling again" in r.getMessage() for r in caplog.records) == 2
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_new_connections_a_busy_server_accepts_late_lose_no_answer(core, db_path, caplog):
    # The soak's lost answers: sends reset (httpx.ReadError) that the server never read. The bot opens a new
    # connection per send beyond its idle ones; while the server's accept loop is held up they wait in its listen
    # queue. A queue of 5 (socketserver's default) overflowed and the kernel reset requests already written.
    users = range(4000, 4030)
    with caplog.at_level(logging.WARNING), serving(core, db_path, rate_limit=False) as api:
        api.message("共同富裕", user_id=USER)
        api.wait_for("sendMessage", to(USER))  # the long poll's connection is open
        with api.not_accepting():
            last = [api.message("共同富裕", user_id=user)["update_id"] for user in users][-1]
            eventually(lambda: api.find("getUpdates", lambda c: last in [u["update_id"] for u in c.result]))
            time.sleep(1.0)  # the handlers' sends wait for connections meanwhile
        for user in users:
            api.wait_for("sendMessage", to(user))
        assert len({c.connection.serial for c in api.find("sendMessage")}) > 5  # the burst opened new connections
    assert not [r for r in caplog.records if "not sent again" in r.getMessage()]
