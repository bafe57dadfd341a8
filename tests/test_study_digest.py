"""摘编 on the real corpus: verbatim, on topic, authoritative documents first, sentences that stand alone,
deduplicated, capped; and its documents, each source cited once in the standard form."""
from __future__ import annotations

import re

import docx
import pytest
from study_support import NOW, open_searcher, topic_forms

from assistant import cli
from assistant.chat.coverage import authority
from assistant.records import Passage
from assistant.study import document
from assistant.study.digest import TopicError, build_digest, pages, stands_alone, topic_terms
from assistant.study.quotes import body_sentences

TOPIC = "共同富裕"


@pytest.fixture(scope="module")
def searcher(db_path):
    return open_searcher(db_path)


@pytest.fixture(scope="module")
def digest(searcher):
    return build_digest(searcher, TOPIC, per_source=3, now=NOW)


def test_quotes_are_verbatim_on_topic_body_sentences(searcher, digest):
    corpus = searcher.corpus
    forms = topic_forms(searcher, TOPIC)
    assert sum(TOPIC in q.text for q in digest.quotes) > len(digest.quotes) / 2
    assert digest.title == "关于“共同富裕”的论述摘编" and digest.date == "2026年3月1日"
    assert len(digest.groups) >= 2
    for q in digest.quotes:
        p = corpus.passage(q.passage_id)
        assert p.text == q.text and not p.is_heading
        assert any(form in q.text for form in forms)
        assert q.section == p.section_path and q.title == corpus.source(p.source_id).title


def test_authoritative_sources_first_then_newest_at_most_n_each_in_document_order(searcher, digest):
    ranks = [authority(g.kind) for g in digest.groups]
    assert ranks == sorted(ranks) and digest.groups[0].kind in ("决定", "实施方案", "报告")
    assert not digest.groups[0].publication and digest.groups[-1].publication  # reporting after the documents
    for rank in set(ranks):
        dates = [g.date for g in digest.groups if authority(g.kind) == rank]
        assert dates == sorted(dates, reverse=True)
    assert len({g.title for g in digest.groups}) == len(digest.groups)
    for g in digest.groups:
        assert 0 < len(g.quotes) <= 3
        assert [q.seq for q in g.quotes] == sorted(q.seq for q in g.quotes)


@pytest.mark.parametrize("text, alone", [
    ("这是全省推进共同富裕的新成效。", False),
    ("其中，山区26县增长较快。", False),
    ("此外，要健全长效机制。", False),
    ("该方案明确了主要目标。", False),
    ("坚持以人民为中心的发展思想，扎实推动共同富裕。", True),
    ("“八八战略”是引领浙江发展的总纲领。", True),
])
def test_sentences_that_point_back_do_not_stand_alone(text, alone):
    assert stands_alone(text) is alone


def test_every_quote_stands_alone(searcher):
    assert all(stands_alone(q.text) for q in build_digest(searcher, TOPIC, per_source=50).quotes)


def test_no_sentence_twice(searcher):
    quotes = build_digest(searcher, TOPIC, per_source=50).quotes
    keys = [re.sub(r"\W", "", q.text) for q in quotes]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize("topic", ["量子引力波", "的", "   ", "关于共同富裕和乡村振兴的一些非常非常长的主题词语"])
def test_bad_topics_get_a_chinese_answer(searcher, topic):
    with pytest.raises(TopicError) as err:
        build_digest(searcher, topic)
    assert re.search(r"[\u4e00-\u9fff]", str(err.value))


def test_topic_phrases_drop_particles_and_keep_words_together():
    assert topic_terms("关于共同富裕的") == ["共同富裕"]
    assert topic_terms("两个先行") == ["两个先行"]
    assert topic_terms("数字化 营商环境") == ["数字化", "营商环境"]
    assert topic_terms("的") == []


def test_pages_keep_every_quote_in_order(digest):
    paged = pages(digest, per_page=4)
    assert all(sum(len(qs) for _, qs in page) <= 4 for page in paged)
    assert [q for page in paged for _, qs in page for q in qs] == digest.quotes


def test_body_sentences_skip_headings_and_wrapped_fragments():
    def p(seq: int, text: str, heading: bool = False) -> Passage:
        return Passage(f"id{seq}", "s", seq, seq, ("一、总体要求",), text, heading)

    passages = [
        p(0, "一、总体要求", heading=True),
        p(1, "坚持以人民为中心的发展思想，扎实推动共同富裕。"),
        p(2, "深化国家数字经济创新发展试验区建设，建成以"),  # a line wrap cut this sentence
        p(3, "“产业大脑+未来工厂”为核心的数字经济系统。"),  # …so this is its tail, not a sentence
        p(4, "短句。"),
        p(5, "加快建设“浙江有礼”省域文明新实践，提升全社会文明程度。"),
    ]
    assert [x.seq for x in body_sentences(passages)] == [1, 5]


def test_docx_cites_each_source_once_in_the_standard_form_and_every_quote_verbatim(digest, tmp_path):
    path = document.write(document.from_digest(digest), tmp_path / "摘编.docx")
    paragraphs = [para.text for para in docx.Document(str(path)).paragraphs]
    assert paragraphs[0] == "关于“共同富裕”的论述摘编"
    assert "2026年3月1日" in paragraphs
    for g in digest.groups:
        heading = document.source_heading(g.title, g.publication, g.date)
        assert paragraphs.count(heading) == 1 and heading.startswith(f"《{g.title}》（")
        assert ("《今日浙江》2024年第2期" in heading) == bool(g.publication)
        assert sum(g.title in p for p in paragraphs) == 1  # the full title once, not on every quote
    for q in digest.quotes:
        i = paragraphs.index(q.text)
        follows = paragraphs[i + 1] if i + 1 < len(paragraphs) else ""
        assert (follows == f"——{q.location}") == bool(q.location)


def test_markdown_holds_every_quote_verbatim_with_its_citation(digest):
    text = document.to_markdown(document.from_digest(digest))
    assert text.startswith("# 关于“共同富裕”的论述摘编\n\n2026年3月1日\n")
    for q in digest.quotes:
        assert f"> {q.text}\n>\n> ——{q.location}\n" in text if q.location else f"> {q.text}\n\n" in text
    headings = re.findall(r"^## 《(.+?)》（", text, flags=re.M)
    assert headings == [g.title for g in digest.groups]


def test_cli_writes_docx_and_markdown(db_path, tmp_path, capsys):
    for name in ("out.docx", "out.md"):
        out = tmp_path / name
        assert cli.main(["digest", TOPIC, "--db", str(db_path), "--out", str(out), "--per-source", "2"]) == 0
        assert out.stat().st_size > 0
    assert "关于“共同富裕”的论述摘编" in capsys.readouterr().out
    body = "\n".join(p.text for p in docx.Document(str(tmp_path / "out.docx")).paragraphs)
    assert all(q.text in body for q in build_digest(open_searcher(db_path), TOPIC, per_source=2).quotes)


@pytest.mark.parametrize("topic, out", [("量子引力波", "x.docx"), (TOPIC, "x.pdf")])
def test_cli_bad_input_is_a_chinese_error_and_no_file(db_path, tmp_path, capsys, topic, out):
    assert cli.main(["digest", topic, "--db", str(db_path), "--out", str(tmp_path / out)]) == 2
    assert "错误：" in capsys.readouterr().err
    assert not (tmp_path / out).exists()
