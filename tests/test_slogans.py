"""Numbered slogans (两个先行, 三服务): their parts mined from the documents that coin them, and a question asking
what one is answered by the sentence spelling the parts out (made-up texts and regulation)."""
from __future__ import annotations

import pytest

from assistant.search.engine import Searcher
from assistant.search.normalize import normalize
from assistant.search.slogans import count_and_word, mine_slogans, parts_of
from assistant.search.tokenizer import new_jieba
from tests.test_ranking import regulation_searcher

_JIEBA = new_jieba()


def mine(*passages: tuple[str, str]) -> dict[str, tuple[str, ...]]:
    return mine_slogans([(doc, normalize(text)) for doc, text in passages], _JIEBA.lcut)


def test_a_slogan_states_its_number_and_the_word_its_parts_share():
    assert count_and_word("两个先行") == (2, "先行")
    assert count_and_word("三大差距") == (3, "差距")
    assert count_and_word("三服务") == (3, "服务")
    assert count_and_word("共同富裕") is None


def test_parts_ending_with_the_word_the_first_cut_at_whole_words():
    found = mine(("d", "推进“两个先行”。"), ("d", "在高质量发展中实现共同富裕先行和省域现代化先行，作出贡献。"))
    assert found == {"两个先行": ("共同富裕先行", "省域现代化先行")}


def test_the_last_part_is_cut_where_the_clause_runs_on():
    found = mine(("d", "提升“三个地”资源。"), ("d", "扛起红船起航地、改革开放先行地、重要萌发地的使命担当。"))
    assert found == {"三个地": ("红船起航地", "改革开放先行地", "重要萌发地")}


@pytest.mark.parametrize("listed", ["构建服务企业服务群众服务基层长效机制。", "坚持服务企业、服务群众和服务基层长效化。"])
def test_parts_starting_with_the_word_apart_or_written_together(listed: str):
    assert mine(("d", "深化“三服务”。"), ("d", listed)) == {"三服务": ("服务企业", "服务群众", "服务基层")}


def test_parts_may_share_a_leading_part_of_what_follows_the_number_beside_the_quoted_slogan():
    found = mine(("d", "完善自治、法治、德治、智治“四治融合”模式。"), ("d", "深化“四治融合”。"))
    assert found == {"四治融合": ("自治", "法治", "德治", "智治")}
    # away from the quoted slogan, a list sharing its 全 is chance: 安全 is no 全覆盖
    assert mine(("d", "推进“三个全覆盖”。"), ("d", "维护政权安全、制度安全、意识形态安全。")) == {}


def test_a_list_of_another_length_or_in_another_document_is_not_the_slogans():
    assert mine(("d", "推进“两个先行”。"), ("d", "甲先行、乙先行、丙先行。")) == {}  # three, not two
    assert mine(("d", "推进“两个健康”。"), ("e", "人人知健康、享健康。")) == {}  # not the coining document's


def test_a_one_character_word_does_not_start_parts():
    assert mine(("d", "实现“两高”。"), ("d", "高水平建设、高等教育发展。")) == {}


def test_a_curated_entry_is_a_slogans_parts_only_with_as_many_values_as_its_number():
    assert parts_of("两个先行", ["共同富裕先行", "省域现代化先行"]) == ("共同富裕先行", "省域现代化先行")
    assert parts_of("两山", ["绿水青山就是金山银山"]) == ()
    assert parts_of("三服务", ["服务企业", "服务群众"]) == ()


SLOGAN_MD = """# 某市基层治理促进条例

第一条 为了落实“三个优先”，推进基层治理现代化，制定本条例。

第二条 “三个优先”是本市基层治理的工作重点，“三个优先”工作纳入年度考核。

第三条 各级人民政府应当坚持教育优先、就业优先、医疗优先，统筹安排基层公共服务资金，加强财政、人事、编制、场地、设备、信息化等方面的保障，建立健全督促检查、考核评价和责任追究制度。

第四条 “三个优先”落实情况应当向社会公开，接受“三个优先”监督。

第五条 区人民政府每年报告“三个优先”推进情况。

第六条 本条例自2025年1月1日起施行。
"""
SPELLED = ("各级人民政府应当坚持教育优先、就业优先、医疗优先，统筹安排基层公共服务资金，加强财政、人事、编制、场地、设备、"
           "信息化等方面的保障，建立健全督促检查、考核评价和责任追究制度。")


@pytest.fixture(scope="module")
def slogan(tmp_path_factory: pytest.TempPathFactory) -> Searcher:
    return regulation_searcher(tmp_path_factory.mktemp("slogan"), "slogan", SLOGAN_MD)


@pytest.mark.parametrize("query", ["三个优先是什么", "三个优先指的是哪三个", "“三个优先”包括哪些", "三个优先是哪三个优先"])
def test_what_a_slogan_is_is_answered_by_the_sentence_spelling_it_out(slogan: Searcher, query: str):
    results = slogan.search(query, k=3)
    assert results.hits[0].passage.text == SPELLED
    assert results.answered
    assert SPELLED not in [h.passage.text for h in results.hits[1:]]  # each passage once


def test_other_searches_for_the_slogan_are_ranked_as_before(slogan: Searcher):
    assert slogan.parser.parse("三个优先").parts == ()
    assert slogan.parser.parse("三个优先怎么考核").parts == ()
