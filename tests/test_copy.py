"""The copied text of ① is the verbatim quote plus its standard 出处: a document, a magazine article, and a
regulation added with `add` (a national law from the fixtures, its date read from the document)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.chat import Request, build_core
from assistant.chat.render import keyboard
from assistant.ingest.add import add
from assistant.search.engine import Searcher

ROOT = Path(__file__).resolve().parent.parent
LAW = ROOT / "tests" / "data" / "regulations" / "family-education-law.md"


@pytest.fixture(scope="module")
def core(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpus") / "corpus"
    shutil.copytree(ROOT / "corpus", folder)
    db = folder.parent / "assistant.db"
    add([LAW], folder, db)
    return build_core(Searcher.open(db))


DECISION = ("中共浙江省委关于全面学习贯彻党的二十大精神 忠实践行“八八战略” 坚定捍卫“两个确立” 坚决做到“两个维护” "
            "以“两个先行”打造“重要窗口” 奋力谱写中国式现代化浙江篇章的决定")
STANDARD = {  # written out by hand: the form cadres paste, not computed by the code under test
    DECISION: f"（《{DECISION}》，2022年12月19日）",
    "浙江高质量发展建设共同富裕示范区实施方案（2021—2025年）":
        "（《浙江高质量发展建设共同富裕示范区实施方案（2021—2025年）》，2021年7月）",
    "加快发展新质生产力 扎实推进高质量发展": "（《加快发展新质生产力 扎实推进高质量发展》，《今日浙江》2024年第2期）",
    "中华人民共和国家庭教育促进法": "（《中华人民共和国家庭教育促进法》，2021年10月23日）",
}


def first_quote(core, question: str):
    """(the text the 复制 button under ① copies, ①'s verbatim sentence, its source)."""
    reply = core.handle_message(Request(7, 7, question))
    first = reply.quotes()[0]
    (button,) = [b for b in keyboard(reply)[0] if b.label == "复制"]
    assert button.copy, "the quote fits a copy button"
    passage = core.searcher.corpus.passage(first.passage_id)
    return button.copy, passage.text, core.searcher.corpus.source(passage.source_id)


@pytest.mark.parametrize("question, kind", [
    ("山海协作工程升级版", "document"),
    ("绿色发展是高质量发展的底色", "article"),
    ("家庭教育 立德树人 根本任务", "regulation"),
])
def test_copy_is_the_verbatim_quote_and_its_standard_citation(core, question, kind):
    copied, sentence, source = first_quote(core, question)
    assert kind == ("article" if source.publication else "regulation" if source.title.endswith("法") else "document")
    assert copied == f"“{sentence}”{STANDARD[source.title]}"


def test_a_quote_too_long_for_the_clipboard_button_is_sent_to_copy(core):
    """Past Telegram's 256 characters the 复制 button sends the full text, to copy with a long press."""
    passage = max(core.searcher.corpus.passages("decision-2022"), key=lambda p: len(p.text))
    sent = core.handle_action(Request(7, 7), core.callback_data("cp", passage.id))
    assert sent.blocks[0].text == f"“{passage.text}”{STANDARD[DECISION]}" and sent.notice
