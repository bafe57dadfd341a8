"""The study state store: everything survives closing and reopening the file, and users stay apart."""
from __future__ import annotations

import pytest
from study_support import clock

from assistant.study.quotes import Quote
from assistant.study.state import StateStore

QUOTE = Quote(
    text="坚持以数字化改革为统领，撬动各领域各方面改革。",
    title="浙江高质量发展建设共同富裕示范区实施方案（2021—2025年）",
    short="共同富裕实施方案",
    section="四、… › 48.强化政策制度创新。",
    date="2021-07",
    passage_id="abc123",
    source_id="common-prosperity-plan",
    seq=7,
)


@pytest.fixture
def path(state_target):
    """Every test here runs against SQLite and PostgreSQL (conftest.state_target)."""
    return state_target


def test_everything_survives_a_reopen(path):
    store = StateStore(path, now=clock)
    store.subscribe(-100, "08:30", "共同富裕", created_by=7)
    store.mark_sent(-100, "k1")
    saved, new = store.save_quote(7, QUOTE)
    quiz = store.add_quiz(-100, "填空：____", ("甲", "乙", "丙", "丁"), 2, QUOTE)
    store.set_poll_id(quiz.id, "poll-1")
    store.record_answer("poll-1", 7, "张三", 2)
    store.close()

    again = StateStore(path, now=clock)
    assert again.subscription(-100).time == "08:30"
    assert again.subscription(-100).topic == "共同富裕"
    assert again.sent_keys(-100) == {"k1"}
    assert [s.quote for s in again.saved_quotes(7)] == [QUOTE]
    assert again.quiz_by_poll("poll-1").quote == QUOTE
    assert again.scores(-100)[0].correct == 1


def test_subscribe_replaces_and_unsubscribe_reports(path):
    store = StateStore(path, now=clock)
    store.subscribe(5, "08:30")
    store.subscribe(5, "21:00", "乡村振兴")
    assert [(s.chat_id, s.time, s.topic) for s in store.subscriptions()] == [(5, "21:00", "乡村振兴")]
    assert store.unsubscribe(5) is True
    assert store.unsubscribe(5) is False
    assert store.subscriptions() == []


def test_saving_twice_keeps_one_and_only_the_owner_can_remove(path):
    store = StateStore(path, now=clock)
    first, new = store.save_quote(1, QUOTE)
    second, again = store.save_quote(1, QUOTE)
    assert new and not again and first.id == second.id
    store.save_quote(2, QUOTE)
    assert store.remove_saved(2, first.id) is False  # user 2 has their own copy, not this one
    assert len(store.saved_quotes(1)) == 1
    assert store.remove_saved(1, first.id) is True
    assert store.saved_quotes(1) == [] and len(store.saved_quotes(2)) == 1


def test_scores_count_right_answers_per_chat_and_a_retracted_vote_drops_out(path):
    store = StateStore(path, now=clock)
    for n, chat in enumerate((10, 10, 20)):
        quiz = store.add_quiz(chat, f"q{n}", ("a", "b", "c", "d"), 1, QUOTE)
        store.set_poll_id(quiz.id, f"p{n}")
    assert store.record_answer("p0", 1, "甲", 1) is True
    assert store.record_answer("p1", 1, "甲", 3) is False
    assert store.record_answer("p0", 2, "乙", 1) is True
    assert store.record_answer("p2", 1, "甲", 1) is True  # another chat
    assert store.record_answer("unknown", 1, "甲", 1) is None
    assert [(s.user_name, s.correct, s.answered) for s in store.scores(10)] == [("乙", 1, 1), ("甲", 1, 2)]
    store.record_answer("p0", 2, "乙", None)
    assert [(s.user_name, s.correct) for s in store.scores(10)] == [("甲", 1)]


def test_a_migrated_group_keeps_its_subscription_and_history(path):
    store = StateStore(path, now=clock)
    store.subscribe(-1, "07:00")
    store.mark_sent(-1, "k")
    store.move_chat(-1, -1001)
    assert store.subscription(-1) is None
    assert store.subscription(-1001).time == "07:00"
    assert store.sent_keys(-1001) == {"k"}


def test_send_log_and_tokens(path):
    store = StateStore(path, now=clock)
    store.log_send(3, "daily", "sent", text="……")
    store.log_send(3, "daily", "unsubscribed", detail="Forbidden: bot was blocked by the user")
    assert [(r["status"], r["at"]) for r in store.send_log(3)] == [
        ("sent", "2026-03-01T08:30:00+08:00"), ("unsubscribed", "2026-03-01T08:30:00+08:00")
    ]
    token = store.remember("digest", {"topic": "共同富裕"})
    assert len(token.encode()) <= 16
    assert store.recall("digest", token) == {"topic": "共同富裕"}
    assert store.recall("other", token) is None


def test_threads_write_side_by_side(path):
    """The Telegram adapter calls slow handlers from worker threads while the loop thread writes too."""
    from concurrent.futures import ThreadPoolExecutor
    from dataclasses import replace

    store = StateStore(path, now=clock)

    def work(user: int) -> None:
        for i in range(20):
            store.subscribe(-user, "08:30")
            store.save_quote(user, replace(QUOTE, text=f"{QUOTE.text}{i}"))
            assert store.unsubscribe(-user)
            store.log_send(-user, "daily", "sent")

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(work, range(1, 9)))
    assert [len(store.saved_quotes(u)) for u in range(1, 9)] == [20] * 8
    assert store.subscriptions() == [] and len(store.send_log()) == 160
    store.close()
