"""每日一句 argument parsing and quote choice; 每日一题 questions on the real corpus."""
from __future__ import annotations

import random
import re
from datetime import time

import pytest
from study_support import clock, open_searcher, topic_forms

from assistant.study import daily
from assistant.study.daily import DailyError, DailyRequest, parse_request
from assistant.study.digest import TopicError
from assistant.study.quiz import BLANK, EXPLANATION_MAX, OPTION_MAX, OPTIONS, QUESTION_MAX, QuizMaker
from assistant.study.quotes import SHANGHAI, Quote
from assistant.study.state import StateStore


@pytest.fixture(scope="module")
def searcher(db_path):
    return open_searcher(db_path)


@pytest.fixture(scope="module")
def maker(searcher):
    return QuizMaker(searcher)


@pytest.mark.parametrize(
    "args, expected",
    [
        ("", DailyRequest("show")),
        ("off", DailyRequest("off")),
        ("取消", DailyRequest("off")),
        ("08:30", DailyRequest("set", "08:30")),
        ("8:05 共同富裕", DailyRequest("set", "08:05", "共同富裕")),
        ("21：00", DailyRequest("set", "21:00")),
    ],
)
def test_daily_arguments(args, expected):
    assert parse_request(args) == expected


@pytest.mark.parametrize("args", ["25:00", "8.30", "0830", "明早", "12:60"])
def test_bad_time_gets_a_chinese_answer(args):
    with pytest.raises(DailyError, match="时间格式不对"):
        parse_request(args)


def test_send_time_is_shanghai_wall_clock():
    assert daily.send_time("08:30") == time(8, 30, tzinfo=SHANGHAI)


def test_pool_is_key_body_sentences(searcher):
    corpus = searcher.corpus
    quotes = daily.pool(searcher)
    assert len(quotes) > 50
    for q in quotes:
        p = corpus.passage(q.passage_id)
        assert p.text == q.text and not p.is_heading and q.text[-1] in "。！？；…”"
    forms = topic_forms(searcher, "共同富裕")
    assert all(any(f in q.text for f in forms) for q in daily.pool(searcher, "共同富裕"))


def test_no_repeats_until_the_pool_is_used_up(tmp_path):
    store = StateStore(tmp_path / "state.db", now=clock)
    quotes = [Quote(text=f"第{i}句要坚持稳中求进。", title="t") for i in range(5)]
    rng = random.Random(1)
    first_round = []
    for _ in range(5):
        q = daily.next_quote(store, 42, quotes, rng)
        daily.mark_sent(store, 42, q)
        first_round.append(q.text)
    assert sorted(first_round) == sorted(q.text for q in quotes)
    assert daily.next_quote(store, 42, quotes, rng) in quotes  # a new round begins
    assert len(store.sent_keys(42)) == 0
    assert daily.next_quote(store, 43, [], rng) is None


def test_quiz_is_a_well_formed_fill_in_the_blank(maker):
    for seed in range(8):
        quiz = maker.make("", random.Random(seed))
        text = quiz.quote.text
        assert len(quiz.options) == OPTIONS == len(set(quiz.options))
        assert quiz.question.count(BLANK) == 1
        assert quiz.question.removeprefix("填空：").replace(BLANK, quiz.answer) == text
        assert all(o not in text for i, o in enumerate(quiz.options) if i != quiz.correct)
        assert len(quiz.question) <= QUESTION_MAX and len(quiz.explanation) <= EXPLANATION_MAX
        assert all(len(o) <= OPTION_MAX for o in quiz.options)
        assert (quiz.quote.title if quiz.quote.publication else quiz.quote.short) in quiz.explanation  # no 简称 as a title


def test_quiz_is_deterministic_for_a_seed_and_on_topic(maker):
    a, b = (maker.make("共同富裕", random.Random(3)) for _ in range(2))
    assert a == b and any(f in a.quote.text for f in topic_forms(maker.searcher, "共同富裕"))


def test_slogans_are_blanked_with_alike_slogans(maker):
    text = "坚定不移沿着“八八战略”指引的路子走下去，推动各项工作走在前列。"
    blanks = maker.blanks(text)
    assert blanks and all(b.kind == "slogan" and b.answer == "八八战略" for b in blanks)
    assert all(re.fullmatch(r"[^“”]{2,12}", d) and d != "八八战略" for d in blanks[0].distractors)
    words = maker.blanks("这是浙江助力重大项目“加速键”的一个缩影。")[0]
    figures = maker.blanks("“315”消费维权活动持续开展。")[0]
    assert words.distractors and not any(re.search(r"[0-9A-Za-z]", d) for d in words.distractors)
    assert figures.distractors and all(re.search(r"[0-9A-Za-z]", d) for d in figures.distractors)


def test_unknown_quiz_topic(maker):
    with pytest.raises(TopicError):
        maker.make("量子引力波", random.Random(0))
