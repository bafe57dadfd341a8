"""Study features end to end: the real PTB Application (adapter + core + study) polling a fake Bot API server.

Includes a restart in the middle: subscriptions and saved quotes live in the state database and come back.
"""
from __future__ import annotations

import io
import logging
import random
import time as clock_time
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta

import docx
import pytest
from fake_bot_api import FakeBotApi, running_bot, searcher  # noqa: F401 (fixture)
from study_support import clock, topic_forms

import assistant.study
from assistant.adapters.telegram import build_application
from assistant.chat import build_core
from assistant.study.commands import GROUP_ADMIN_ONLY, SAVED_IN_PRIVATE, StudyFeature
from assistant.study.quiz import EXPLANATION_MAX, OPTION_MAX, QUESTION_MAX
from assistant.study.quotes import SHANGHAI
from assistant.study.state import StateStore

USER, OTHER, ADMIN, GROUP = 2001, 2002, 2003, -100700
BLOCKED = "Forbidden: bot was blocked by the user"


class StudyBotApi(FakeBotApi):
    """The fake server plus what the study features meet: group admins and votes."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.admins: dict[int, set[int]] = {}

    def vote(self, poll_id: str, user_id: int, option_ids: list[int]) -> dict:
        return self.push({"poll_answer": {"poll_id": poll_id, "user": self.user(user_id), "option_ids": option_ids,
                                          "option_persistent_ids": [str(i) for i in option_ids]}})

    def _answer(self, call, failure=None):
        chat = call.params.get("chat_id")
        if call.method == "getChatMember":
            user = self.user(call.params["user_id"])
            if call.params["user_id"] in self.admins.get(chat, set()):
                return 200, {"ok": True, "result": {"status": "creator", "user": user, "is_anonymous": False}}
            return 200, {"ok": True, "result": {"status": "member", "user": user}}
        return super()._answer(call, failure)


def to(chat_id: int):
    return lambda c: c.params.get("chat_id") == chat_id


def eventually(check, timeout: float = 10.0):
    """Wait for something the bot thread does after its last API call."""
    deadline = clock_time.monotonic() + timeout
    while not check():
        if clock_time.monotonic() > deadline:
            raise TimeoutError("condition not met")
        clock_time.sleep(0.02)


def docx_paragraphs(call) -> list[str]:
    name, data = call.files["document"]
    assert name.endswith(".docx")
    return [p.text for p in docx.Document(io.BytesIO(data)).paragraphs]


@contextmanager
def bot(searcher, db_path, state_path, api: StudyBotApi):
    """One run of the bot: a fresh core and feature on the given state file, polling `api`."""
    core = build_core(searcher)
    feature = StudyFeature(core, StateStore(state_path, now=clock), rng=random.Random(5), now=clock)
    feature.setup()
    settings = api.settings(db_path, state_db_path=state_path, rate_limit=False)
    try:
        with running_bot(build_application(settings, core)) as app:
            yield app, feature
    finally:
        feature.store.close()


@pytest.fixture
def api():
    with StudyBotApi() as server:
        yield server


def test_digest_in_chat_with_pages_and_documents(searcher, db_path, tmp_path, api):
    with bot(searcher, db_path, tmp_path / "state.db", api):
        api.message("/digest 共同富裕", user_id=USER)
        first = api.wait_for("sendMessage", to(USER))
        assert first.params["text"].startswith("<b>关于“共同富裕”的论述摘编（2026年3月1日）")
        assert "①「" in first.params["text"] and "<b>《" in first.params["text"]  # each source named once, bold
        assert all(len(b["callback_data"].encode()) <= 64 for b in first.buttons())
        api.callback(first, first.button("下一页"), user_id=USER)
        page2 = api.wait_for("editMessageText", to(USER))
        assert "第 2/" in page2.params["text"] and page2.params["message_id"] == first.result["message_id"]

        api.callback(first, first.button("下载 Word"), user_id=USER)
        word = api.wait_for("sendDocument", to(USER))
        paragraphs = docx_paragraphs(word)
        assert paragraphs[0] == "关于“共同富裕”的论述摘编" and "2026年3月1日" in paragraphs
        quotes = [p for i, p in enumerate(paragraphs[1:], 1) if paragraphs[i - 1] and i + 1 < len(paragraphs)
                  and paragraphs[i + 1].startswith("——第")]  # a quote, then where it sits in its source
        forms = topic_forms(searcher, "共同富裕")
        assert len(quotes) >= 5 and all(any(f in q for f in forms) for q in quotes)
        api.callback(first, first.button("下载 Markdown"), user_id=USER)
        md = api.wait_for("sendDocument", to(USER), count=2)
        name, data = md.files["document"]
        assert name == "关于共同富裕的论述摘编.md" and all(f"> {q}\n" in data.decode() for q in quotes)

        api.message("/digest 量子引力波", user_id=USER)
        unknown = api.wait_for("sendMessage", to(USER), count=2)
        assert "没有找到关于“量子引力波”的论述" in unknown.params["text"] and not unknown.buttons()

        api.message("如何优化营商环境", user_id=USER)
        answer = api.wait_for("sendMessage", to(USER), count=3)
        api.callback(answer, answer.button("摘编"), user_id=USER)
        compiled = api.wait_for("sendMessage", to(USER), count=4)
        assert compiled.params["text"].startswith("<b>关于“营商环境”的论述摘编")
        api.message("丽水去年经济增速在全省排第几", user_id=USER)
        labels = [b["text"] for b in api.wait_for("sendMessage", to(USER), count=5).buttons()]
        assert "摘编" in labels  # its topic (经济增速, not 全省) is checked in test_study_commands


def test_quiz_poll_votes_scores_and_full_quote(searcher, db_path, tmp_path, api):
    with bot(searcher, db_path, tmp_path / "state.db", api):
        api.message("/quiz", user_id=USER, chat_id=GROUP, chat_type="supergroup")
        sent = api.wait_for("sendPoll", to(GROUP))
        p = sent.params
        assert p["type"] == "quiz" and p["is_anonymous"] is False and len(p["options"]) == 4
        assert len(p["question"]) <= QUESTION_MAX and len(p["explanation"]) <= EXPLANATION_MAX
        assert all(len(o if isinstance(o, str) else o["text"]) <= OPTION_MAX for o in p["options"])
        correct = (p.get("correct_option_ids") or [p.get("correct_option_id")])[0]
        poll_id = sent.result["poll"]["id"]
        reader = StateStore(tmp_path / "state.db")
        eventually(lambda: reader.quiz_by_poll(poll_id) is not None)  # stored once sendPoll's answer is back
        api.vote(poll_id, USER, [correct])
        api.vote(poll_id, OTHER, [(correct + 1) % 4])
        api.vote("not-our-poll", OTHER, [0])
        eventually(lambda: len(reader.scores(GROUP)) == 2)
        reader.close()
        api.message("/score", user_id=OTHER, chat_id=GROUP, chat_type="supergroup")
        board = api.wait_for("sendMessage", to(GROUP)).params["text"]
        assert board.index(f"用户{USER}：1/1") < board.index(f"用户{OTHER}：0/1")

        api.callback(sent, sent.button("查看原文"), user_id=OTHER)
        full = api.wait_for("sendMessage", to(GROUP), count=2).params["text"]
        answer = p["options"][correct]
        answer = answer if isinstance(answer, str) else answer["text"]
        quoted = p["question"].removeprefix("填空：").replace("____", answer)
        assert f"「{quoted}」" in full.replace("<b>", "").replace("</b>", "") and "——《" in full


def test_restart_keeps_subscriptions_and_saved_quotes(searcher, db_path, tmp_path, api):
    state = tmp_path / "state.db"
    api.admins[GROUP] = {ADMIN}
    with bot(searcher, db_path, state, api):
        api.message("/daily 08:30", user_id=USER, chat_id=GROUP, chat_type="supergroup")
        refused = api.wait_for("sendMessage", to(GROUP))
        assert GROUP_ADMIN_ONLY in refused.params["text"]
        api.message("/daily 8:30 共同富裕", user_id=ADMIN, chat_id=GROUP, chat_type="supergroup")
        done = api.wait_for("sendMessage", to(GROUP), count=2)
        assert "已订阅" in done.params["text"] and "08:30" in done.params["text"]
        api.message("/daily 25:61", user_id=ADMIN, chat_id=GROUP, chat_type="supergroup")
        assert "时间格式不对" in api.wait_for("sendMessage", to(GROUP), count=3).params["text"]

        api.message("山海协作", user_id=USER)
        answer = api.wait_for("sendMessage", to(USER))
        api.callback(answer, answer.button("⭐"), user_id=USER)
        api.wait_for("answerCallbackQuery", lambda c: "已收藏" in c.params.get("text", ""))
        saved_text = answer.params["text"].split("①「", 1)[1].split("」", 1)[0].replace("<b>", "").replace("</b>", "")

    api.message("/daily", user_id=OTHER, chat_id=GROUP, chat_type="supergroup")  # arrives while the bot is down
    with bot(searcher, db_path, state, api) as (app, feature):
        shown = api.wait_for("sendMessage", to(GROUP), count=4).params["text"]
        assert "每天 08:30（北京时间）" in shown and "共同富裕" in shown
        jobs = app.job_queue.get_jobs_by_name(f"daily:{GROUP}")
        assert len(jobs) == 1
        eventually(lambda: jobs[0].next_t is not None)
        at = jobs[0].next_t.astimezone(SHANGHAI)
        assert (at.hour, at.minute) == (8, 30)

        api.message("/saved", user_id=USER)
        listing = api.wait_for("sendMessage", to(USER), count=2)
        assert f"「{saved_text}」" in listing.params["text"] and "——《" in listing.params["text"]
        api.callback(listing, listing.button("导出 Word"), user_id=USER)
        paragraphs = docx_paragraphs(api.wait_for("sendDocument", to(USER)))
        i = paragraphs.index(saved_text)
        assert any(p.startswith("《") for p in paragraphs[1:i]) and paragraphs[0] == "我的收藏摘编"  # source above
        api.callback(listing, listing.button("删除"), user_id=USER)
        emptied = api.wait_for("editMessageText", to(USER))
        assert "还没有收藏" in emptied.params["text"]


def run_job_now(app, name: str) -> None:
    """Fire a daily job's callback immediately, through the application's own JobQueue."""
    job = app.job_queue.get_jobs_by_name(name)[0]
    app.job_queue.run_once(job.callback, 0, data=job.data, chat_id=job.chat_id, name=f"{name}:now")


def test_saved_asked_in_a_group_goes_to_the_private_chat(searcher, db_path, tmp_path, api):
    with bot(searcher, db_path, tmp_path / "state.db", api):
        api.message("/s 山海协作", user_id=USER, chat_id=GROUP, chat_type="supergroup")
        answer = api.wait_for("sendMessage", to(GROUP))
        api.callback(answer, answer.button("⭐"), user_id=USER)
        api.wait_for("answerCallbackQuery", lambda c: "已收藏" in c.params.get("text", ""))
        saved_text = answer.params["text"].split("①「", 1)[1].split("」", 1)[0].replace("<b>", "").replace("</b>", "")

        api.message("/saved", user_id=USER, chat_id=GROUP, chat_type="supergroup")
        note = api.wait_for("sendMessage", to(GROUP), count=2).params["text"]
        assert note == SAVED_IN_PRIVATE and saved_text not in note
        listing = api.wait_for("sendMessage", to(USER)).params["text"]
        assert "我的收藏：共 1 条" in listing and f"「{saved_text}」" in listing

        api.gone(OTHER)  # never started the bot: the private send is refused, the group still gets the note
        api.message("/saved", user_id=OTHER, chat_id=GROUP, chat_type="supergroup")
        assert api.wait_for("sendMessage", to(GROUP), count=3).params["text"] == SAVED_IN_PRIVATE
        api.wait_for("sendMessage", to(OTHER), status=403)


def test_daily_job_sends_and_gone_chats_are_unsubscribed(searcher, db_path, tmp_path, api, caplog):
    state = tmp_path / "state.db"
    other_group, new_group = GROUP - 1, GROUP - 2
    api.admins = {GROUP: {ADMIN}, other_group: {ADMIN}}
    with caplog.at_level(logging.INFO), bot(searcher, db_path, state, api) as (app, feature):
        api.message("/daily 07:00", user_id=USER)
        api.message("/daily 07:00", user_id=ADMIN, chat_id=GROUP, chat_type="supergroup")
        api.message("/daily 07:00", user_id=ADMIN, chat_id=other_group, chat_type="group")
        for chat in (USER, GROUP, other_group):
            api.wait_for("sendMessage", to(chat))

        run_job_now(app, f"daily:{USER}")
        quote = api.wait_for("sendMessage", to(USER), count=2)
        assert quote.params["text"].startswith("<b>每日一句 · 2026年3月1日</b>") and "——《" in quote.params["text"]
        assert "⭐" in quote.buttons()[0]["text"]

        api.gone(USER)
        api.gone(GROUP, 400, "Bad Request: chat not found")
        api.migrated(other_group, new_group)
        feature.now = lambda: clock() + timedelta(days=1)  # next day: a same-day rerun is a replica's duplicate
        for chat in (USER, GROUP, other_group):
            run_job_now(app, f"daily:{chat}")
        api.wait_for("sendMessage", to(new_group))
        reader = StateStore(state)
        # (chat_gone unsubscribes, cancels the job, then logs why: wait for the log rows, the last write)
        eventually(lambda: all(reader.subscription(c) is None
                               and [r["status"] for r in reader.send_log(c)][-1:] == ["unsubscribed"] for c in (USER, GROUP)))
        assert reader.subscription(new_group).time == "07:00" and reader.subscription(other_group) is None
        assert app.job_queue.get_jobs_by_name(f"daily:{new_group}")
        eventually(lambda: not app.job_queue.get_jobs_by_name(f"daily:{USER}"))
        statuses = [(r["status"], r["detail"]) for r in reader.send_log(USER)]
        assert statuses == [("sent", ""), ("sent", ""), ("unsubscribed", BLOCKED)]
        assert reader.send_log(GROUP)[-1]["detail"].lower().endswith("chat not found")
        reader.close()
    assert any("unsubscribed" in r.getMessage() and BLOCKED in r.getMessage() for r in caplog.records)


def test_setup_from_settings_uses_the_state_database(searcher, db_path, tmp_path, api):
    """bot.py's path: assistant.study.setup(core, settings) opens settings.state_db_path."""
    core = build_core(searcher)
    settings = replace(api.settings(db_path), state_db_path=tmp_path / "data" / "state.db", rate_limit=False)
    feature = assistant.study.setup(core, settings)
    with running_bot(build_application(settings, core)):
        api.message("/daily 06:15", user_id=USER)
        api.wait_for("sendMessage", to(USER))
    feature.store.close()
    assert StateStore(settings.state_db_path).subscription(USER).time == "06:15"


def test_quiz_limits_are_telegrams():
    from telegram.constants import PollLimit

    assert (QUESTION_MAX, OPTION_MAX, EXPLANATION_MAX) == (
        PollLimit.MAX_QUESTION_LENGTH, PollLimit.MAX_OPTION_LENGTH, PollLimit.MAX_EXPLANATION_LENGTH)
