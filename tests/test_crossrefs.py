"""Cross-references inside a regulation (违反本条例第N条第K项规定的…): parsing, resolving, and search through them
(made-up regulation text)."""
from __future__ import annotations

import json
import sqlite3

import pytest

from assistant.chat import Quote, Request, Text, build_core
from assistant.search import vectors
from assistant.search.crossrefs import Provision, Row, names_provisions, provisions, referenced_texts
from assistant.search.output import results_json, results_text
from assistant.search.engine import Searcher
from tests.test_ranking import regulation_searcher, top

PETS_MD = """# 某市宠物饲养管理条例

<!-- INFO END -->

第一条 为了规范宠物饲养，制定本条例。

第二条 饲养宠物应当办理登记。

第三条 携带宠物外出，应当遵守下列规定：

（一）为宠物佩戴身份标识；

（二）即时清除宠物排泄的粪便；

（三）避让老年人和儿童。

第四条 宠物诊所应当建立诊疗档案。

宠物诊所应当公示收费标准。

前两款规定的档案和收费标准应当接受畜牧兽医部门检查。

本条第一款规定的档案不得泄露宠物饲养人信息。

第五条 违反本条例第三条第二项规定的，由城市管理部门责令宠物饲养人改正，处五十元以上二百元以下罚款。拒不改正的，暂扣宠物。

违反本条例第二条规定的，由公安部门责令限期办理；逾期不办理的，处一百元罚款。

第六条 依照《中华人民共和国动物防疫法》第三十条的规定，宠物应当接种疫苗。

第七条 下列宠物可以免收登记费：

（一）伴侣犬；

（二）导盲犬。

依照前款第二项规定办理登记的导盲犬，应当佩戴专用标识。
"""


@pytest.mark.parametrize("text, named", [
    ("违反本条例第二十二条第一、二、三项规定的，由公安部门责令改正", [Provision(22, None, (1, 2, 3))]),
    ("违反本条例第二十六条第一款、第二十七条第一款规定", [Provision(26, 1), Provision(27, 1)]),
    ("违反本法第十条至第十二条规定", [Provision(10), Provision(11), Provision(12)]),
    ("违反本办法第5条第2款第3项规定", [Provision(5, 2, (3,))]),
    ("依照本法第四十七条规定的经济补偿标准", [Provision(47)]),
    ("依照《中华人民共和国劳动法》第十条规定", []),  # another law's article
    ("违反本条例规定的", []),
])
def test_the_provisions_a_sentence_names(text: str, named: list[Provision]):
    assert provisions(text) == named


@pytest.fixture(scope="module")
def pets(tmp_path_factory: pytest.TempPathFactory) -> Searcher:
    return regulation_searcher(tmp_path_factory.mktemp("pets"), "pets", PETS_MD)


def test_a_penalty_sentence_and_the_rest_of_its_paragraph_take_the_text_of_the_provision_they_name(pets: Searcher):
    conn = sqlite3.connect(pets.corpus.path)
    rows = conn.execute("select source_id, section, para, text from passages order by source_id, seq").fetchall()
    named = dict(zip((r[3] for r in rows), referenced_texts([Row(s, tuple(json.loads(sec)), p, t)
                                                             for s, sec, p, t in rows])))
    item = "（二）即时清除宠物排泄的粪便；"
    assert named["违反本条例第三条第二项规定的，由城市管理部门责令宠物饲养人改正，处五十元以上二百元以下罚款。"] == item
    assert named["拒不改正的，暂扣宠物。"] == item  # same paragraph: the same breach
    assert named["违反本条例第二条规定的，由公安部门责令限期办理；逾期不办理的，处一百元罚款。"] == "饲养宠物应当办理登记。"
    assert named["（二）即时清除宠物排泄的粪便；"] == ""
    assert named["依照《中华人民共和国动物防疫法》第三十条的规定，宠物应当接种疫苗。"] == ""  # another law's article


def test_a_penalty_embedded_with_its_provision_is_nearer_a_question_about_the_breach():
    # the penalty says nothing of the breach (粪便) but 第三条第二项: the item's words carry its meaning
    model = vectors.Encoder()
    question = model.query("遛宠物不清理粪便怎么罚")
    penalty = "某市宠物饲养管理条例：违反本条例第三条第二项规定的，由城市管理部门责令宠物饲养人改正，处五十元以上二百元以下罚款。"
    alone, named = model.passages([penalty, penalty + "（二）即时清除宠物排泄的粪便；"])
    assert float(named @ question) > float(alone @ question) + 0.02


def test_a_penalty_sentence_is_embedded_with_the_provision_it_names(pets: Searcher):
    with sqlite3.connect(pets.corpus.path) as conn:
        embedded = dict(vectors.missing_texts(conn))
    penalty = "违反本条例第三条第二项规定的，由城市管理部门责令宠物饲养人改正，处五十元以上二百元以下罚款。"
    assert embedded[penalty] == f"某市宠物饲养管理条例：{penalty}（二）即时清除宠物排泄的粪便；"
    assert embedded["饲养宠物应当办理登记。"] == "某市宠物饲养管理条例：饲养宠物应当办理登记。"


def test_a_quoted_penalty_is_followed_by_what_the_provision_it_names_says(pets: Searcher):
    core = build_core(pets)
    reply = core.handle_message(Request(7, 7, "城市管理部门责令宠物饲养人改正"))
    blocks = [b for b in reply.blocks if isinstance(b, (Quote, Text))]
    first = next(i for i, b in enumerate(blocks) if isinstance(b, Quote))
    assert blocks[first].text.startswith("违反本条例第三条第二项规定的")
    assert blocks[first + 1] == Text("所引条款：第三条第二项「（二）即时清除宠物排泄的粪便；」")
    assert sum(isinstance(b, Text) and b.text.startswith("所引条款") for b in blocks) == 1  # the open quote's only


def test_a_pasted_clause_naming_its_own_documents_article_is_a_search_that_can_be_answered(pets: Searcher):
    # not a reference lookup of 第三条 (the user names no document): the clause itself is found, as an answer
    found = pets.search("违反本条例第三条第二项规定的", k=1)
    assert found.kind == "search" and found.answered
    assert found.hits[0].passage.text.startswith("违反本条例第三条第二项规定的")
    assert not pets.search("宠物条例第五十条", k=1).answered  # an article no document has is still not answered


def test_a_sentence_naming_paragraphs_of_its_own_article_by_position_is_shown_with_them(pets: Searcher):
    # 前两款/本条第一款 quoted alone do not say what is inspected or kept secret: the paragraphs are named by number
    inspected = pets.search("畜牧兽医部门检查", k=1).hits[0]
    assert inspected.passage.text == "前两款规定的档案和收费标准应当接受畜牧兽医部门检查。"
    assert inspected.cited == (("第四条第一款", "宠物诊所应当建立诊疗档案。"), ("第四条第二款", "宠物诊所应当公示收费标准。"))
    secret = pets.search("不得泄露宠物饲养人信息", k=1).hits[0]
    assert secret.cited == (("第四条第一款", "宠物诊所应当建立诊疗档案。"),)
    assert pets.search("宠物诊所应当公示收费标准", k=1).hits[0].cited == ()  # names nothing
    # 前款第二项: that item of the paragraph before
    exempt = pets.search("依照前款第二项规定办理登记的导盲犬", k=1).hits[0]
    assert exempt.cited == (("第七条第一款第二项", "（二）导盲犬。"),)


def test_the_json_of_a_hit_carries_the_provisions_it_names(pets: Searcher):
    found = results_json("q", pets.search("城市管理部门责令宠物饲养人改正", k=3))
    first = found["results"][0]
    assert first["text"].startswith("违反本条例第三条第二项规定的")
    assert first["cited"] == [{"provision": "第三条第二项", "text": "（二）即时清除宠物排泄的粪便；"}]
    assert all(r["cited"] == [] for r in found["results"][1:] if not names_provisions(r["text"]))
    assert json.loads(results_text("q", pets.search("城市管理部门责令宠物饲养人改正", k=3))) == found


EBIKES_MD = """# 某市住宅小区电动自行车停放充电管理办法

<!-- INFO END -->

第一条 为了预防火灾，制定本办法。

第二条 禁止在楼道、楼梯间等公共区域停放电动自行车。

第三条 禁止将电动自行车带入电梯轿厢。

第四条 违反本办法第二条规定的，由消防救援机构责令改正，处五十元以上二百元以下罚款。

第五条 违反本办法第三条规定的，由消防救援机构责令改正，处二百元以上五百元以下罚款。
"""


@pytest.fixture(scope="module")
def ebikes(tmp_path_factory: pytest.TempPathFactory) -> Searcher:
    return regulation_searcher(tmp_path_factory.mktemp("ebikes"), "ebikes", EBIKES_MD)


def test_a_question_on_a_penalty_finds_the_penalty_naming_the_breached_rule_only_by_number(ebikes: Searcher):
    # 第四条 shares no word with the question (罚 is not 罚款): the words of the 第二条 it names bring it in
    assert top(ebikes, "楼道停电动自行车罚多少") == "违反本办法第二条规定的，由消防救援机构责令改正，处五十元以上二百元以下罚款。"
    assert top(ebikes, "电动自行车进电梯罚多少") == "违反本办法第三条规定的，由消防救援机构责令改正，处二百元以上五百元以下罚款。"
    # a question on the rule itself is answered by the rule, not by the penalties naming it
    assert top(ebikes, "楼道能停电动自行车吗") == "禁止在楼道、楼梯间等公共区域停放电动自行车。"


def test_a_penalty_asked_of_an_article_by_number_quotes_the_penalty_citing_it_then_the_article(pets):
    """违反…第二条怎么罚 asks what breaching article 2 costs: the sentence stating it (违反本条例第二条规定的，…处一百元罚款),
    then article 2 itself (what it requires); asked without 罚, the article alone, as before."""
    for query in ("违反宠物饲养管理条例第二条怎么罚", "宠物饲养管理条例第二条的罚则"):
        results = pets.search(query, k=5)
        assert results.kind == "reference" and results.answered, query
        assert [h.passage.text for h in results.hits] == [
            "违反本条例第二条规定的，由公安部门责令限期办理；逾期不办理的，处一百元罚款。", "饲养宠物应当办理登记。"], query
    assert [h.passage.text for h in pets.search("宠物饲养管理条例第二条", k=5).hits] == ["饲养宠物应当办理登记。"]
    # a penalty naming the article's item: 第三条第二项 is breached by not clearing the droppings
    penalty = pets.search("违反宠物饲养管理条例第三条会被怎么处罚", k=5).hits[0].passage.text
    assert penalty.startswith("违反本条例第三条第二项规定的") and "罚款" in penalty
