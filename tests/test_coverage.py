"""What /start and the "no direct answer" line say the bot holds, and the example questions, on the real corpus."""
from __future__ import annotations

import pytest

from assistant.chat import Request, build_core
from fake_bot_api import searcher  # noqa: F401 (fixture)
from assistant.chat.coverage import coverage, example_questions
from assistant.chat.render import plain_text
from assistant.records import Source


def test_coverage_is_counted_from_the_sources():
    sources = [
        Source("a", "某某决定", kind="决定", date="2019-11-22"),
        Source("b", "某某条例", kind="条例", date="2021-05"),
        Source("m-1", "文章一", publication="今日浙江 2024年2月", date="2024-01-23"),
        Source("m-2", "文章二", publication="今日浙江 2024年2月"),
    ]
    known = coverage(sources)
    assert known.brief() == "收录2份文件、《今日浙江》2024年第2期2篇文章，2019年11月—2024年2月"
    assert known.kinds == [("决定", 1), ("条例", 1)]
    assert "决定1份、条例1份" in known.detail()


@pytest.fixture(scope="module")
def examples(searcher):
    return example_questions(searcher)


def test_three_examples_each_get_a_good_first_answer(searcher, examples):
    """The first sentence the answer quotes for each example (the item heading itself may come first) lies under
    the item heading the question names."""
    core = build_core(searcher)
    assert len(examples) == 3
    sources = set()
    for question in examples:
        shown = [searcher.corpus.passage(q.passage_id) for q in core.handle_message(Request(7, 7, question)).quotes()]
        passage = next(p for p in shown if not p.is_heading)
        assert searcher.search(question, k=3).answered
        assert question.removeprefix("如何") in passage.section[-1].replace(" ", "")
        sources.add(passage.source_id)
    assert len(sources) >= 2


def test_start_states_coverage_and_offers_the_examples(searcher, examples):
    core = build_core(searcher)
    reply = core.handle_message(Request(7, 7, "/start"))
    text = plain_text(reply)
    known = coverage(searcher.corpus.sources())
    assert f"收录{len(known.documents)}份文件" in text and known.span in text
    assert [row[0].label for row in reply.buttons[:3]] == examples
    assert "点下面的例子试一试" in text


def test_start_on_a_corpus_of_regulations_promises_no_examples(tmp_path):
    """Examples are made from a plan's numbered item headings; a corpus of articles (第X条) has none."""
    from assistant.ingest.add import add
    from assistant.search.engine import Searcher

    law = tmp_path / "law.md"
    law.write_text("# 某市养犬管理条例\n\n第一条 为了规范养犬行为，制定本条例。\n\n第二条 养犬人应当依法办理养犬登记。\n\n"
                   "第三条 本条例自2020年1月1日起施行。\n", encoding="utf-8")
    db = tmp_path / "own.db"
    add([law], tmp_path / "own", db, new=True)
    reply = build_core(Searcher.open(db)).handle_message(Request(7, 7, "/start"))
    text = plain_text(reply)
    assert "收录1份文件" in text and "点下面的例子" not in text and "发送一个问题或关键词试一试" in text
    assert [row[0].label for row in reply.buttons] == ["在其他聊天中搜索"]


def test_help_names_the_bot(searcher):
    core = build_core(searcher)
    core.bot_username = "policy_quote_bot"
    assert "@policy_quote_bot 关键词" in plain_text(core.handle_message(Request(7, 7, "/help")))


def test_no_direct_answer_leads_with_what_the_corpus_covers(searcher):
    core = build_core(searcher)
    question = next(q for q in ("丽水去年经济增速在全省排第几", "火星探测工程进展如何", "台风天气预报")
                    if searcher.search(q, k=3).hits and not searcher.search(q, k=3).answered)
    first = core.handle_message(Request(7, 7, question)).blocks[0].text
    assert first.startswith("资料库中没有直接回答这个问题（收录") and first.endswith("以下是最接近的原文：")
    assert coverage(searcher.corpus.sources()).span in first
