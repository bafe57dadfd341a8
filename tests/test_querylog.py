"""The query log: every question on every channel, counted by `stats` and `/stats`, on both backends."""
from __future__ import annotations

import json
import sqlite3
from collections import Counter
import time

import pytest
from fake_bot_api import searcher  # noqa: F401 (fixture)

from assistant import cli
from assistant.chat import Access, Request, build_core
from assistant.state import connect, stats
from assistant.state.querylog import QueryEntry, QueryLog, purge

ADMIN = 2
# Questions with their channel; whether each is answered is the search's own judgement (Results.answered).
TRAFFIC = [
    ("telegram", "共同富裕示范区"), ("telegram", "共同富裕示范区"), ("telegram", "山海协作"),
    ("console", "数字化改革"), ("console", "量子引力黑洞蒸发"), ("telegram", "量子引力黑洞蒸发"),
    ("telegram", "火星殖民计划进度"), ("console", "共同富裕示范区"),
]


def ask_all(core):
    for i, (channel, text) in enumerate(TRAFFIC):
        assert core.handle_message(Request(100 + i % 3, 100 + i % 3, text, channel=channel)) is not None
    core.handle_message(Request(5, 5, "/help", channel="console"))  # commands that search nothing: not questions


def test_every_question_is_logged_and_counted(searcher, state_target):
    db = connect(state_target)
    log = QueryLog(db, flush_seconds=3600)
    core = build_core(searcher, state_db=db, querylog=log)
    ask_all(core)
    assert log.flush() == len(TRAFFIC)

    rows = db.query("select * from query_log order by id")
    assert [(r["channel"], r["query"]) for r in rows] == TRAFFIC
    flagged = {q for _, q in TRAFFIC if not searcher.search(q).answered}
    assert flagged and flagged != {q for _, q in TRAFFIC}  # the traffic holds both kinds
    for r, (_, q) in zip(rows, TRAFFIC):
        results = searcher.search(q)
        assert r["answered"] == int(results.answered) and r["results"] == results.total
        assert r["top_passage"] == (results.hits[0].passage.id if results.hits else "")
        assert r["latency_ms"] > 0 and r["chat_kind"] == "private"
        assert r["user_hash"] not in {"100", "101", "102"} and len(r["user_hash"]) == 16

    report = stats.collect(db, days=1)
    assert report.questions == len(TRAFFIC) and report.users == 3
    assert {(d.channel, d.questions) for d in report.per_day} == {("telegram", 5), ("console", 3)}
    assert report.top[0].query == "共同富裕示范区" and report.top[0].count == 3
    assert {u.query for u in report.unanswered} == flagged
    assert report.p50_ms <= report.p99_ms
    log.close(), db.close()


def test_stats_for_admins_in_the_chat(searcher, tmp_path):
    db = connect(tmp_path / "state.db")
    core = build_core(searcher, access=Access(admins=frozenset({ADMIN})), state_db=db,
                      querylog=QueryLog(db, flush_seconds=3600))
    ask_all(core)
    assert "管理员" in core.handle_message(Request(7, 7, "/stats")).blocks[0].text
    text = core.handle_message(Request(ADMIN, ADMIN, "/stats 3")).blocks[0].text
    assert f"共 {len(TRAFFIC)} 个问题" in text and "量子引力黑洞蒸发" in text.split("没有直接答案")[1]
    assert "用法" in core.handle_message(Request(ADMIN, ADMIN, "/stats ３")).blocks[0].text


def test_old_questions_are_deleted_after_the_retention_days(tmp_path):
    db = connect(tmp_path / "state.db")
    log = QueryLog(db, flush_seconds=3600)
    now = time.time()
    for age_days in (1, 89, 91, 200):
        log.record(QueryEntry("telegram", "private", 1, f"问{age_days}", 1, "p", True, 2.0, at=now - age_days * 86400))
    log.flush()
    assert purge(db, 90, now) == 2
    assert [r["query"] for r in db.query("select query from query_log order by at desc")] == ["问1", "问89"]


def test_logging_never_slows_or_fails_an_answer(searcher, tmp_path):
    path = tmp_path / "state.db"
    db = connect(path)
    log = QueryLog(db, flush_seconds=0.05)
    core = build_core(searcher, state_db=db, querylog=log)
    blocker = sqlite3.connect(path, isolation_level=None, timeout=0)
    blocker.execute("BEGIN IMMEDIATE")  # another writer holds the database: the log's writes must wait
    blocker.execute("insert into pending values ('x', 'k', '{}', 'now')")
    try:
        started = time.perf_counter()
        for _ in range(20):
            log.record(QueryEntry("http", "api", 1, "共同富裕", 3, "p", True, 1.0))  # what an adapter does
        assert time.perf_counter() - started < 0.05
    finally:
        blocker.execute("COMMIT")
    db.execute("drop table query_log")  # the writer now fails: answers go on
    assert core.handle_message(Request(1, 1, "共同富裕", channel="telegram")).quotes()
    time.sleep(0.2)
    assert core.handle_message(Request(1, 1, "山海协作", channel="telegram")).quotes()
    log.close()


def test_stats_command_reads_the_state_store_the_settings_name(searcher, tmp_path, monkeypatch, capsys):
    path = tmp_path / "state.db"
    db = connect(path)
    log = QueryLog(db, flush_seconds=3600)
    ask_all(build_core(searcher, state_db=db, querylog=log))
    log.close(), db.close()
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.setenv("ASSISTANT_STATE_DB", str(path))
    monkeypatch.delenv("ASSISTANT_STATE_URL", raising=False)
    assert cli.main(["stats", "--days", "2", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["questions"] == len(TRAFFIC) and report["days"] == 2
    assert cli.main(["stats"]) == 0 and "没有直接答案的问题" in capsys.readouterr().out
    monkeypatch.setenv("ASSISTANT_STATE_DB", str(tmp_path / "none.db"))
    assert cli.main(["stats"]) == 2 and "不存在" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["stats", "--days", "0"])


def test_stats_after_traffic_through_bot_processes_count_what_was_asked(db_path, searcher, tmp_path):
    """bot.py on the console and bot.py on Telegram (fake Bot API) write one state file; `stats --json` counts
    every question per channel, and its no-answer list is exactly the questions the search flagged."""
    import signal
    import subprocess

    from fake_bot_api import FakeBotApi
    from processes import assistant, bot_py, clean_env

    state = str(tmp_path / "state.db")
    console_questions = ["共同富裕示范区", "数字化改革", "量子引力黑洞蒸发", "山海协作", "共同富裕示范区", "火星殖民计划进度"]
    telegram_questions = ["营商环境", "量子引力黑洞蒸发", "乡村振兴"]
    command, env = bot_py(ASSISTANT_DB=str(db_path), ASSISTANT_STATE_DB=state)
    done = subprocess.run(command, input="\n".join(console_questions) + "\n", capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    with FakeBotApi() as api:
        command, env = bot_py(**api.env(ASSISTANT_DB=str(db_path), ASSISTANT_STATE_DB=state))
        proc = subprocess.Popen(command, env=env, cwd=tmp_path, text=True, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        try:
            for i, question in enumerate(telegram_questions):
                api.message(question, user_id=600 + i)
                api.wait_for("sendMessage", lambda c, u=600 + i: c.params["chat_id"] == u, timeout=60)
        finally:
            proc.send_signal(signal.SIGINT)
            proc.communicate(timeout=30)
    assert proc.returncode == 0

    shown = subprocess.run(assistant("stats", "--days", "2", "--json", "--top", "50"), capture_output=True, text=True,
                           env=clean_env(ASSISTANT_STATE_DB=state), cwd=tmp_path, timeout=120)
    assert shown.returncode == 0, shown.stderr
    report = json.loads(shown.stdout)
    asked = console_questions + telegram_questions
    assert report["questions"] == len(asked)
    per_channel = Counter()
    for d in report["per_day"]:  # two days: a run across midnight (Asia/Shanghai) splits, the sums do not
        per_channel[d["channel"]] += d["questions"]
    assert per_channel == {"console": 6, "telegram": 3}
    assert {q["query"]: q["count"] for q in report["top"]} == {q: asked.count(q) for q in asked}
    assert {q["query"] for q in report["unanswered"]} == {q for q in asked if not searcher.search(q).answered}
