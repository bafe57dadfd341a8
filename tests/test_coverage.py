"""What /start and the "no direct answer" line say the bot holds, and the example questions, on the real corpus."""
from __future__ import annotations

import pytest

import re

from assistant.chat import Request, build_core
from fake_bot_api import searcher  # noqa: F401 (fixture)
from regulation_support import REGULATIONS
from assistant.chat.answers import SEED_EXAMPLES, syntax_examples
from assistant.chat.coverage import authority, corpus_examples, coverage, example_questions
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
    # one month is said once: 2025年2月, not 2025年2月—2025年2月
    assert coverage([Source("c", "某某意见", date="2025-02-10")]).brief() == "收录1份文件，2025年2月"


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
    # too small for keyword examples: /help describes the forms without one, and names a real article
    core = build_core(Searcher.open(db))
    text = plain_text(core.handle_message(Request(7, 7, "/help")))
    assert "共同富裕" not in text and "实施方案第31条" not in text and "如 某市养犬管理条例第一条，" in text
    assert "原文" in plain_text(core.handle_message(Request(7, 7, "某市养犬管理条例第一条")))
    assert not core.handle_inline(Request(7, 7, ""), "").items
    assert plain_text(core.handle_message(Request(7, 7, ""))) == "请发送想查找的问题或关键词。发送 /help 查看用法。"


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


def test_a_law_outranks_a_regulation_and_a_measure_is_no_law():
    assert authority("决定") < authority("实施方案") < authority("法") < authority("条例") < authority("报告")
    assert authority("办法") == authority("规定") == authority("")


@pytest.fixture(scope="module")
def regulations(tmp_path_factory):
    """A corpus of one's own (add --new) of two regulations: none of the seed corpus's documents or terms."""
    from assistant.ingest.add import add
    from assistant.search.engine import Searcher

    root = tmp_path_factory.mktemp("own")
    files = [REGULATIONS / "fire-protection-law.md", REGULATIONS / "shanghai-smoking-control.md"]
    add(files, root / "own", root / "own.db", new=True)
    return Searcher.open(root / "own.db")


def help_examples(core) -> tuple[str, str, str]:
    """The pair, @ and numbered-item examples as /help writes them."""
    text = plain_text(core.handle_message(Request(7, 7, "/help")))
    pair = re.search(r"多个关键词用空格分开：(.+)", text)[1]
    scoped = re.search(r"只在一份文件中查，如 (@\S+ \S+?)（", text)[1]
    reference = re.search(r"引用条目：如 (\S+?)，返回该条全文", text)[1]
    return pair, scoped, reference


def assert_examples_work(core, searcher):
    """Each example the bot offers is one the search answers: what a user copies works."""
    pair, scoped, reference = help_examples(core)
    first = core.handle_message(Request(7, 7, pair)).quotes()[0]
    assert all(word in first.text for word in pair.split()), (pair, first.text)
    name, word = scoped[1:].split(" ")
    quotes = core.handle_message(Request(7, 7, scoped)).quotes()
    assert quotes and word in quotes[0].text and {q.source_id for q in quotes} == {searcher.resolve_source(name)}
    results = searcher.search(reference, k=3)
    assert results.kind == "reference" and results.hits and results.answered
    assert "原文" in plain_text(core.handle_message(Request(7, 7, reference)))

    showcase = core.handle_inline(Request(7, 7, ""), "").items
    keywords = syntax_examples(searcher).keywords
    assert len(keywords) >= 3 and len(showcase) >= 3
    for keyword in keywords:
        assert keyword in core.handle_message(Request(7, 7, keyword)).quotes()[0].text
    button = core.handle_message(Request(7, 7, "/start")).buttons[-1][0]
    assert button.label == "在其他聊天中搜索" and button.switch_inline == keywords[0]
    inline = core.handle_inline(Request(7, 7, button.switch_inline), "").items
    assert inline and keywords[0] in inline[0].quote.text
    assert f"例如：{keywords[0]}" in plain_text(core.handle_message(Request(7, 7, "")))
    return pair, scoped, reference, keywords


def test_a_corpus_of_regulations_gets_examples_of_its_own(regulations):
    """Nothing of the seed corpus's examples (共同富裕, @共同富裕实施方案, 实施方案第31条) is offered where the
    corpus does not hold it; each example is computed from the corpus and answered by the search."""
    core = build_core(regulations)
    pair, scoped, reference, keywords = assert_examples_work(core, regulations)
    offered = " ".join((pair, scoped, reference, *keywords))
    assert not any(seed in offered for seed in (*SEED_EXAMPLES.keywords, "共同富裕实施方案", "实施方案第31条"))
    assert scoped.startswith("@消防法 ") and reference.startswith("消防法第")  # the law, before the regulation
    assert {regulations.search(k, k=1).hits[0].source.id for k in keywords} == {
        "fire-protection-law", "shanghai-smoking-control"}  # the showcase spans the documents


def test_the_seed_corpus_keeps_its_hand_written_examples(searcher):
    core = build_core(searcher)
    assert syntax_examples(searcher) == SEED_EXAMPLES
    assert help_examples(core) == (SEED_EXAMPLES.pair, SEED_EXAMPLES.scoped, SEED_EXAMPLES.reference)
    assert_examples_work(core, searcher)


def test_computed_examples_on_the_seed_corpus_work_too(searcher):
    """Without the hand-written ones the rule still finds working examples on the seed corpus."""
    found = corpus_examples(searcher)
    assert len(found.keywords) == 5 and found.pair and found.scoped and found.reference
    assert all(searcher.search(k, k=1).hits for k in found.keywords)
    assert searcher.search(found.reference, k=1).kind == "reference"
