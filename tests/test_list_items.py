"""A list item is quoted after the sentence introducing its list: (二)出借居住证 alone says nothing of the fine."""
from __future__ import annotations

import json

import numpy as np
import pytest
from regulation_support import plan_with_regulations

from assistant.chat import Request, build_core
from assistant.chat.reply import Quote
from assistant.ingest.lists import list_after
from assistant.search.engine import Searcher
from assistant.search.output import results_json, results_text
from assistant.search.ranking import FIGURE, SANCTION, passage_flags, section_flags

PERMITS = """# 某市居住登记办法

2020年5月1日某市人民政府公布

第一条 为了规范居住登记，制定本办法。

第二条 有下列行为之一的，由公安机关给予警告，处二百元以下罚款：

（一）冒用他人居住证；

（二）出租、出借、转让居住证；

（三）非法扣押他人居住证。

第三条 居住证持有人享有下列便利。

（一）办理出入境证件；

（二）申领机动车驾驶证。

第四条 （一）本条只有一项，前无引语。

第五条 经营者有下列情形之一，除承担相应的民事责任外，其他有关法律、法规对处罚机关和处罚方式有规定的，依照法律、法规的规定执行；法律、法规未作规定的，由市场监督管理部门责令改正，可以根据情节单处或者并处警告、没收违法所得、处以违法所得一倍以上十倍以下的罚款，没有违法所得的，处以五十万元以下的罚款；情节严重的，责令停业整顿、吊销营业执照：

（一）伪造居住证的；

（二）骗领居住证的。
"""
LONG_LEAD = ("经营者有下列情形之一，除承担相应的民事责任外，其他有关法律、法规对处罚机关和处罚方式有规定的，依照法律、法规的规定执行；"
             "法律、法规未作规定的，由市场监督管理部门责令改正，可以根据情节单处或者并处警告、没收违法所得、处以违法所得一倍以上十倍以下的罚款，"
             "没有违法所得的，处以五十万元以下的罚款；情节严重的，责令停业整顿、吊销营业执照：")


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory) -> Searcher:
    root = tmp_path_factory.mktemp("items")
    rules = root / "permits.md"
    rules.write_text(PERMITS, encoding="utf-8")
    return Searcher.open(plan_with_regulations(root, "某某实施方案\n一、总体要求\n推进居住登记。\n", [rules]))


def lead(searcher: Searcher, start: str) -> str:
    """Hit.lead of the passage starting with `start`, as search gives it."""
    passage = next(p for p in searcher.corpus.passages("permits") if p.text.startswith(start))
    return searcher._hit(passage, 1.0, ()).lead


def test_an_item_is_quoted_after_its_lead_in_the_items_between_elided(searcher):
    assert lead(searcher, "（一）冒用") == "有下列行为之一的，由公安机关给予警告，处二百元以下罚款："
    assert lead(searcher, "（三）非法") == "有下列行为之一的，由公安机关给予警告，处二百元以下罚款：……"
    found = searcher.search("非法扣押居住证", k=3).hits
    assert found[0].passage.text == "（三）非法扣押他人居住证。" and found[0].lead.endswith("罚款：……")


def test_a_lead_in_cut_at_semicolons_is_the_whole_sentence(searcher):
    """消保法第五十六条's lead-in is too long for one passage: its last clause alone (情节严重的，…吊销营业执照：) said the
    items are punished by a revoked licence, not by the fines the clauses before it state."""
    texts = [p.text for p in searcher.corpus.passages("permits") if p.section and p.section[-1] == "第五条"]
    assert len(texts) > 3 and texts[-3].startswith("情节严重的")  # the sentence was cut at ；
    assert lead(searcher, "（一）伪造") == LONG_LEAD and lead(searcher, "（二）骗领") == LONG_LEAD + "……"
    flags = section_flags(texts, np.zeros(len(texts), dtype=np.int64))
    assert flags[-1] & FIGURE and flags[-1] & SANCTION  # the fine is the items' too
    assert not passage_flags(texts[-3]) & FIGURE


def test_an_item_without_a_colon_lead_in_of_its_own_article_is_quoted_alone(searcher):
    # 第三条's sentence ends with 。, not a colon; 第四条's item follows 第三条's items (another article)
    assert lead(searcher, "（二）申领") == ""
    assert lead(searcher, "（一）本条只有一项") == ""
    assert lead(searcher, "为了规范") == ""


def test_a_lead_in_is_quoted_before_the_start_of_its_list(searcher):
    hit = searcher._hit(next(p for p in searcher.corpus.passages("permits") if p.text.startswith("有下列行为")), 1.0, ())
    assert hit.lead == "" and hit.list == "（一）冒用他人居住证；（二）出租、出借、转让居住证；（三）非法扣押他人居住证。"
    sentence = next(p for p in searcher.corpus.passages("permits") if p.text.startswith("居住证持有人享有"))
    assert searcher._hit(sentence, 1.0, ()).list == ""  # ends with 。: no list introduced
    # a long list: whole items up to LIST_SHOWN characters, then ……
    assert list_after("应当提供下列材料：", ["（一）" + "甲" * 70 + "；", "（二）" + "乙" * 70 + "；", "不是条目。"]) == \
        "（一）" + "甲" * 70 + "；……"
    assert list_after("应当提供下列材料：", ["（一）" + "甲" * 200 + "。"]) == "（一）" + "甲" * 200 + "。"  # at least one
    assert list_after("应当提供下列材料：", ["紧接着的不是条目。"]) == ""


def test_the_json_of_search_and_the_api_carry_the_lead_in_and_copy_it(searcher):
    hit = results_json("出借居住证", searcher.search("出借居住证", k=1))["results"][0]
    assert hit["text"] == "（二）出租、出借、转让居住证；"  # the passage itself, verbatim
    assert hit["lead"] == "有下列行为之一的，由公安机关给予警告，处二百元以下罚款：……"
    assert hit["quote"] == f"“{hit['lead']}{hit['text']}”{hit['citation']}" and hit["list"] == ""


def test_a_penalty_question_finding_an_item_quotes_the_clause_stating_the_penalty_as_its_text(searcher):
    """出借居住证罚多少 asks the fine: the lead-in's …处二百元以下罚款 answers it, the item says what it is for. The
    quote is the same; its text is the answering clause."""
    hit = results_json("", searcher.search("出借居住证罚多少", k=3))["results"][0]
    assert hit["text"] == "有下列行为之一的，由公安机关给予警告，处二百元以下罚款："
    assert hit["lead"] == "" and hit["list"] == "……（二）出租、出借、转让居住证；"
    assert hit["quote"].startswith("“有下列行为之一的，由公安机关给予警告，处二百元以下罚款：……（二）出租、出借")
    # a lead-in cut at ；: the passage stating the fine (not the one stating only 吊销营业执照), the rest after it
    hit = results_json("", searcher.search("骗领居住证怎么罚", k=3))["results"][0]
    assert hit["text"].startswith("经营者有下列情形之一") and hit["text"].endswith("处以五十万元以下的罚款；")
    assert hit["lead"] == "" and hit["list"] == "情节严重的，责令停业整顿、吊销营业执照：……（二）骗领居住证的。"
    assert hit["text"] + hit["list"] == LONG_LEAD + "……（二）骗领居住证的。"
    # not asked the penalty: the item itself
    assert searcher.search("出借居住证", k=1).hits[0].passage.text == "（二）出租、出借、转让居住证；"


def test_the_chat_quote_and_its_copy_carry_the_lead_in_and_the_items_citation(searcher):
    core = build_core(searcher)
    reply = core.handle_message(Request(7, 7, "出借居住证罚多少"))
    quotes = [b for b in reply.blocks if isinstance(b, Quote)]
    first = next(q for q in quotes if "出借" in q.text)
    # (the other two items, found on the same page, join it: items of one list, test below)
    assert first.text == "有下列行为之一的，由公安机关给予警告，处二百元以下罚款：（一）冒用他人居住证；（二）出租、出借、转让居住证；（三）非法扣押他人居住证。"
    assert "第二条" in first.citation.line
    copy = next(b for b in first.buttons if b.label == "复制")
    assert copy.copy.startswith(f"“{first.text}”")  # the whole quote
    inline = core.handle_inline(Request(7, 7, "出借居住证"), "")
    assert any(i.quote.text.startswith("有下列行为之一的") for i in inline.items)


def test_an_item_is_found_by_the_words_of_its_lead_in_with_its_own(searcher):
    """（一）冒用他人居住证 is what 公安机关警告 冒用居住证 asks about: the item, its lead-in's words (公安机关, 警告)
    lent it as a heading's, comes before the lead-in, which names no 冒用."""
    assert [h.passage.text[:4] for h in searcher.search("公安机关警告 冒用居住证", k=2).hits] == ["（一）冒", "有下列行"]


def test_an_item_its_lead_in_already_quoted_with_the_whole_list_is_not_quoted_again(searcher):
    core = build_core(searcher)
    assert [h.passage.text[:4] for h in searcher.search("公安机关给予警告 冒用", k=2).hits] == ["有下列行", "（一）冒"]
    quotes = [b for b in core.handle_message(Request(7, 7, "公安机关给予警告 冒用")).blocks if isinstance(b, Quote)]
    assert quotes[0].text.endswith("（三）非法扣押他人居住证。")
    assert not any(q.text.startswith("有下列行为之一的") for q in quotes[1:])  # （一）冒用… is read in the first
    assert [q.number for q in quotes] == list(range(1, len(quotes) + 1))
    # the lead-in's clause stating the fine with the item, then the other items: one quote, the whole list
    quotes = [b for b in core.handle_message(Request(7, 7, "罚款 居住证 冒用")).blocks if isinstance(b, Quote)]
    assert quotes[0].text.endswith("（一）冒用他人居住证；（二）出租、出借、转让居住证；（三）非法扣押他人居住证。")
    assert not any(q.text.startswith("有下列行为之一的") for q in quotes[1:])


def test_items_of_one_list_found_on_a_page_are_quoted_once_under_their_lead_in(searcher):
    """The lead-in of a penalty article is often longer than its items: two items found, it is read once, the items
    in the list's order ("……" where items lie between), in the first item's quote."""
    core = build_core(searcher)
    assert [h.passage.text[:4] for h in searcher.search("冒用和扣押居住证会被怎么罚", k=2).hits] == ["有下列行", "（一）冒"]
    quotes = [b for b in core.handle_message(Request(7, 7, "冒用和扣押居住证会被怎么罚")).blocks if isinstance(b, Quote)]
    assert quotes[0].text == "有下列行为之一的，由公安机关给予警告，处二百元以下罚款：（一）冒用他人居住证；……（三）非法扣押他人居住证。"
    assert sum(q.text.startswith("有下列行为之一的") for q in quotes) == 1
    copy = next(b for b in quotes[0].buttons if b.label == "复制")
    assert "（一）冒用他人居住证；……（三）非法扣押他人居住证。”" in copy.copy
    quotes = [b for b in core.handle_message(Request(7, 8, "出借居住证 扣押居住证 冒用居住证")).blocks if isinstance(b, Quote)]
    assert [q.text for q in quotes] == ["有下列行为之一的，由公安机关给予警告，处二百元以下罚款：（一）冒用他人居住证；"
                                        "（二）出租、出借、转让居住证；（三）非法扣押他人居住证。"]


def test_the_json_tells_how_the_page_quotes_items_of_one_list(searcher):
    """The search page quotes as the chat does (search.page): the API says which results a quote before them reads
    already (`shown`) and gives the joined quote of a list's items (`joined`); each result stays one passage."""
    query = "冒用和扣押居住证会被怎么罚"
    page = results_json(query, searcher.search(query, k=10))["results"]
    first = page[0]
    assert first["text"] == "有下列行为之一的，由公安机关给予警告，处二百元以下罚款：" and first["shown"]
    joined = first["joined"]
    assert joined["lead"] + first["text"] + joined["list"] == (
        "有下列行为之一的，由公安机关给予警告，处二百元以下罚款：（一）冒用他人居住证；（二）出租、出借、转让居住证；（三）非法扣押他人居住证。")
    assert joined["quote"] == f"“{joined['lead']}{first['text']}{joined['list']}”{first['citation']}"
    items = [r for r in page if r["text"].startswith(("（一）冒用", "（二）出租"))]
    assert items and not any(r["shown"] for r in items) and not any("joined" in r for r in items)
    assert all(r["shown"] for r in page if not r["text"].startswith("（")  # no list item: nothing joins or repeats it
               and "经营者" not in r["text"])
    assert json.loads(results_text(query, searcher.search(query, k=10))) == results_json(query, searcher.search(query, k=10))
    # one item alone on its page: shown, nothing joined
    alone = results_json("", searcher.search("出借居住证", k=1))["results"]
    assert alone[0]["shown"] and "joined" not in alone[0]

