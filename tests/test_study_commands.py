"""The study features through the chat core (no messenger): commands, buttons, state, bad input."""
from __future__ import annotations

import io
import os
import random
import re
import shutil
from datetime import time

import docx
import pytest
from study_support import RecordingScheduler, clock, open_searcher

from assistant.chat import Document, Request, Text, build_core
from assistant.search.engine import Searcher
from assistant.study.commands import CACHED_TOPICS, GROUP_ADMIN_ONLY, StudyFeature
from assistant.study.quotes import SHANGHAI
from assistant.study.state import StateStore

USER, OTHER, GROUP = 7, 8, -100


def make(db_path, state_path, seed=1):
    core = build_core(open_searcher(db_path))
    feature = StudyFeature(core, StateStore(state_path, now=clock), rng=random.Random(seed), now=clock)
    feature.setup()
    scheduler = RecordingScheduler()
    core.start(scheduler)
    return core, feature, scheduler


@pytest.fixture
def bot(db_path, tmp_path):
    return make(db_path, tmp_path / "state.db")


def say(core, text, user=USER, chat=None, kind="private", admin=False):
    return core.handle_message(Request(chat if chat is not None else user, user, text, kind, f"用户{user}", admin))


def press(core, button_data, user=USER, chat=None, kind="private"):
    return core.handle_action(Request(chat if chat is not None else user, user, "", kind, f"用户{user}"), button_data)


def buttons(reply):
    return {b.label: b.data for row in reply.buttons for b in row}


def texts(reply):
    return [b.text for b in reply.blocks if isinstance(b, Text)]


def test_digest_pages_and_documents(bot):
    core, feature, _ = bot
    reply = say(core, "/digest 共同富裕")
    assert texts(reply)[0].startswith("关于“共同富裕”的论述摘编（2026年3月1日）")
    quotes = reply.quotes()
    assert quotes and all(q.citation and q.buttons[0].label == "⭐" for q in quotes)
    page2 = press(core, buttons(reply)["下一页"])
    assert page2.edit and not {q.text for q in page2.quotes()} & {q.text for q in quotes}
    doc = press(core, buttons(reply)["下载 Word"]).documents[0]
    assert isinstance(doc, Document) and doc.filename == "关于共同富裕的论述摘编.docx"
    body = [p.text for p in docx.Document(io.BytesIO(doc.data)).paragraphs]
    assert all(q.text in body for q in quotes)
    md = press(core, buttons(reply)["下载 Markdown"]).documents[0]
    assert md.filename.endswith(".md") and quotes[0].text in md.data.decode()


def test_digest_button_under_search_answers(bot):
    core, _, _ = bot
    answer = say(core, "共同富裕")
    digest = press(core, buttons(answer)["摘编"])
    assert not digest.edit and texts(digest)[0].startswith("关于“共同富裕”的论述摘编")
    question = say(core, "如何优化营商环境")
    assert texts(press(core, buttons(question)["摘编"]))[0].startswith("关于“营商环境”的论述摘编")
    assert not [label for label in buttons(say(core, "量子引力波")) if label.startswith("摘编")]


@pytest.mark.parametrize("query, topic", [
    ("丽水去年经济增速在全省排第几", "经济增速"),  # not 全省: a context word
    ("今年省里数字化改革有什么部署", "数字化改革"),
    ("“两个先行”是什么", "两个先行"),  # a quoted slogan
    ("共富示范区", "共富"),  # the user's own word; the digest finds 共同富裕 for it
    ("浙江要在中国式现代化里当什么样的省域角色", "中国式现代化"),  # not 中国式: the hits hold the longer name
    ("如何优化营商环境", "营商环境"),  # 优化 widened to 优化营商环境 does not outrank 营商环境
    ("实施方案第31条", None),  # a numbered item quoted in full: no topic
    ("加快建设", None),  # words in a fifth of all sentences
    ("增长", None), ("强度", None), ("目标", None),  # measures, not topics
])
def test_digest_button_offers_a_word_the_user_typed(bot, query, topic):
    core, _, _ = bot
    data = buttons(say(core, query)).get("摘编")  # the label stays short: four buttons share the row
    offered = re.match(r"关于“(.+?)”的论述摘编", texts(press(core, data))[0]).group(1) if data else None
    assert offered == topic


@pytest.mark.parametrize("text", ["/digest 量子引力波", "/digest", "/digest 的"])
def test_digest_bad_topics(bot, text):
    core, _, _ = bot
    reply = say(core, text)
    assert not reply.quotes() and not reply.documents and texts(reply)[0]


def test_daily_in_private_subscribe_show_off(bot):
    core, feature, scheduler = bot
    reply = say(core, "/daily 8:30 共同富裕")
    assert "已订阅" in texts(reply)[0] and "08:30" in texts(reply)[0]
    at, chat, _ = scheduler.jobs[f"daily:{USER}"]
    assert at == time(8, 30, tzinfo=SHANGHAI) and chat == USER
    assert "共同富裕" in texts(say(core, "/daily"))[0]
    assert "已取消" in texts(say(core, "/daily off"))[0]
    assert feature.store.subscription(USER) is None and not scheduler.jobs


@pytest.mark.parametrize("text", ["/daily 25:00", "/daily 明早八点", "/daily 08:30 量子引力波", "/daily 08:30 的"])
def test_daily_bad_input_changes_nothing(bot, text):
    core, feature, scheduler = bot
    reply = say(core, text)
    assert texts(reply)[0] and feature.store.subscriptions() == [] and not scheduler.jobs


def test_daily_in_a_group_is_for_admins(bot):
    core, feature, scheduler = bot
    refused = say(core, "/daily 08:30", chat=GROUP, kind="group", admin=False)
    assert texts(refused) == [GROUP_ADMIN_ONLY] and feature.store.subscriptions() == []
    say(core, "/daily 07:45", chat=GROUP, kind="group", admin=True)
    assert feature.store.subscription(GROUP).time == "07:45"
    assert texts(say(core, "/daily off", chat=GROUP, kind="group", admin=False)) == [GROUP_ADMIN_ONLY]
    assert "07:45" in texts(say(core, "/daily", chat=GROUP, kind="group"))[0]  # anyone may look


def test_daily_job_sends_logs_and_stops_for_a_gone_chat(bot):
    core, feature, scheduler = bot
    say(core, "/daily 08:30")
    make_reply = scheduler.jobs[f"daily:{USER}"][2]
    first, second = make_reply(), make_reply()
    assert texts(first)[0] == "每日一句 · 2026年3月1日"
    assert first.quotes()[0].text != second.quotes()[0].text
    log = feature.store.send_log(USER)
    assert [r["status"] for r in log] == ["sent", "sent"] and log[0]["text"] == first.quotes()[0].text
    core.emit("chat_gone", USER, "Forbidden: bot was blocked by the user")
    assert feature.store.subscription(USER) is None and not scheduler.jobs
    assert feature.store.send_log(USER)[-1]["detail"] == "Forbidden: bot was blocked by the user"
    assert make_reply() is None


def test_subscriptions_are_rescheduled_after_a_restart(db_path, tmp_path):
    core, feature, _ = make(db_path, tmp_path / "state.db")
    say(core, "/daily 21:05", chat=GROUP, kind="group", admin=True)
    feature.store.close()
    _, _, scheduler = make(db_path, tmp_path / "state.db")
    assert scheduler.jobs[f"daily:{GROUP}"][:2] == (time(21, 5, tzinfo=SHANGHAI), GROUP)


def test_quiz_poll_answers_and_scores(bot):
    core, feature, _ = bot
    reply = say(core, "/quiz", chat=GROUP, kind="group")
    poll = reply.poll
    assert poll and len(poll.options) == 4 and poll.correct is not None and not poll.anonymous and poll.key
    core.emit("poll_sent", poll.key, "P1")
    core.emit("poll_answer", "P1", USER, "张三", poll.correct)
    core.emit("poll_answer", "P1", OTHER, "李四", (poll.correct + 1) % 4)
    board = texts(say(core, "/score", chat=GROUP, kind="group"))[0]
    assert board.index("张三：1/1") < board.index("李四：0/1")
    full = press(core, buttons(reply)["查看原文和出处"], chat=GROUP, kind="group")
    quote = full.quotes()[0]
    assert quote.citation and poll.question.replace("____", poll.options[poll.correct]).endswith(quote.text)
    assert "还没有答题记录" in texts(say(core, "/score"))[0]


def test_quiz_unknown_topic(bot):
    core, _, _ = bot
    reply = say(core, "/quiz 量子引力波")
    assert reply.poll is None and "没有找到" in texts(reply)[0]


def test_save_list_remove_export(bot):
    core, feature, _ = bot
    answer = say(core, "山海协作")
    stars = [b.data for q in answer.quotes() for b in q.buttons if b.label == "⭐"]
    assert len(stars) == len(answer.quotes())
    assert press(core, stars[0]).notice.startswith("已收藏")
    assert press(core, stars[0]).notice == "已在收藏中。"
    press(core, stars[1])
    listing = say(core, "/saved")
    saved = listing.quotes()
    assert [q.text for q in saved] == [q.text for q in answer.quotes()[:2]]
    assert all(q.citation.standard.startswith("（《") for q in saved)
    delete = saved[0].buttons[0].data
    assert press(core, delete, user=OTHER).notice.startswith("这是别人的收藏")
    after = press(core, delete)
    assert after.edit and after.notice == "已删除" and [q.text for q in after.quotes()] == [saved[1].text]
    doc = press(core, buttons(listing)["导出 Word"]).documents[0]
    body = [p.text for p in docx.Document(io.BytesIO(doc.data)).paragraphs]
    assert saved[1].text in body and saved[0].text not in body
    assert "还没有收藏" in texts(say(core, "/saved", user=OTHER))[0]


def test_saving_a_passage_that_no_longer_exists(bot):
    core, feature, _ = bot
    assert press(core, "save:000000000000").notice.startswith("原文已更新")
    assert feature.store.saved_quotes(USER) == []


def test_a_reingest_loses_no_saved_quote_or_subscription(db_path, tmp_path):
    """Re-ingest atomically replaces the corpus file; the state file is another file and is untouched."""
    corpus = tmp_path / "assistant.db"
    shutil.copy(db_path, corpus)
    core = build_core(Searcher.open(corpus), reopen=lambda: Searcher.open(corpus))
    feature = StudyFeature(core, StateStore(tmp_path / "state.db", now=clock), rng=random.Random(2), now=clock)
    feature.setup()
    core.start(RecordingScheduler())
    answer = say(core, "数字化改革")
    press(core, next(b.data for b in answer.quotes()[0].buttons if b.label == "⭐"))
    say(core, "/daily 08:30 数字化改革")
    old_digest = say(core, "/digest 数字化改革")

    rebuilt = tmp_path / ".assistant.db.building"
    shutil.copy(db_path, rebuilt)
    os.replace(rebuilt, corpus)  # what storage.atomic_database does at the end of an ingest
    core.reload()

    assert [q.text for q in say(core, "/saved").quotes()] == [answer.quotes()[0].text]
    assert feature.store.subscription(USER).topic == "数字化改革"
    assert say(core, "/digest 数字化改革").quotes() == old_digest.quotes()
    assert texts(feature.daily_quote(USER))[0].startswith("每日一句")


def test_per_corpus_caches_stay_bounded_whatever_topics_users_send(bot):
    core, feature, _ = bot
    for i in range(CACHED_TOPICS + 8):  # each topic a user names gets a quote pool
        say(core, f"/daily 08:30 第{i}个主题")
    assert len(feature._pools) == CACHED_TOPICS
