"""Ranking features that read a question's intent and a regulation's structure (made-up regulation text)."""
from __future__ import annotations

import copy
import json
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from assistant.ingest.add import add
from assistant.search.engine import Searcher
from assistant.search.ranking import (AGENT, DEFINES, FEATURES, FIGURE, OVERSEES, PERMITS, PURPOSE, SANCTION, TIME,
                                      WEIGHTS_FILE, QueryRanker, defined_term, passage_flags, section_flags)

CURATED = Path(__file__).resolve().parent.parent / "corpus"
SEED = '[[source]]\nfile = "seed.txt"\nid = "seed"\ntitle = "某某决定"\n'
PARKS_MD = """# 某市公园管理条例

<!-- INFO END -->

第一条 为了加强公园管理，保护公园环境，制定本条例。

第二条 不得在公园里烧烤。

第三条 公园管理机构应当在本条例施行前公示游园须知。

第四条 违反本条例规定，有下列行为之一的，由园林部门责令改正，处五十元以上二百元以下罚款：

（一）在公园内烧烤的；

（二）在公园内露营的。

第五条 本条例自2025年3月1日起施行。

第六条 古树名木应当定期养护。公园内的古树名木由园林部门负责日常养护和巡查，发现病虫害及时处置。

第七条 游客应当将野餐产生的垃圾带离公园。
"""


VENUES_MD = """# 某市公共文化场馆管理条例

<!-- INFO END -->

第一条 为了规范公共文化场馆管理，制定本条例。

第二条 申领场馆年卡，应当向场馆服务台提交本人身份证明材料、近期免冠相片和居住地址等信息，并如实填写申领表格。

第三条 使用虚假证明材料申领场馆年卡的，处一百元以上五百元以下罚款。

第四条 场馆管理单位划定摄影区域，摄影区域以外的展厅不得使用闪光灯拍照，不得使用三脚架。

第五条 场馆拍照服务由场馆管理单位统一提供。
"""


def regulation_searcher(tmp: Path, name: str, text: str) -> Searcher:
    """A searcher over one made-up regulation (added with `add`) and a one-sentence seed document."""
    folder = tmp / "corpus"
    folder.mkdir()
    for curated in ("query_words.toml", "synonyms.toml", "ranking.toml"):  # the repository's query words
        shutil.copy(CURATED / curated, folder)
    (folder / "manifest.toml").write_text(SEED, encoding="utf-8")
    (folder / "seed.txt").write_text("某某决定\n一、总体要求\n全面推进各项工作，确保取得实效。治理野餐垃圾。\n",
                                     encoding="utf-8")
    src = tmp / f"{name}.md"
    src.write_text(text, encoding="utf-8")
    add([src], folder, tmp / f"{name}.db")
    return Searcher.open(tmp / f"{name}.db")


@pytest.fixture(scope="module")
def parks(tmp_path_factory: pytest.TempPathFactory) -> Searcher:
    return regulation_searcher(tmp_path_factory.mktemp("parks"), "parks", PARKS_MD)


@pytest.fixture(scope="module")
def venues(tmp_path_factory: pytest.TempPathFactory) -> Searcher:
    return regulation_searcher(tmp_path_factory.mktemp("venues"), "venues", VENUES_MD)


def top(searcher: Searcher, query: str) -> str:
    return searcher.search(query, k=1).hits[0].passage.text


def score_of(searcher: Searcher, query: str, text: str) -> float:
    return next(h.score for h in searcher.search(query, k=10).hits if h.passage.text == text)


def test_a_list_item_takes_the_penalty_and_figure_of_its_lead_in_within_its_article():
    texts = ["违反本条例规定，有下列行为之一的，处五十元以上二百元以下罚款：", "（一）在公园内烧烤的；",
             "（二）在公园内露营的。", "（一）另一条的第一项。"]
    flags = section_flags(texts, np.array([0, 0, 0, 1]))
    assert all(flags[i] & SANCTION and flags[i] & FIGURE for i in (1, 2))
    assert not flags[3] & SANCTION  # a new article: nothing to inherit
    assert section_flags(["本条例自2025年3月1日起施行。"], np.array([0]))[0] & TIME


def test_question_intents(parks: Searcher):
    parse = parks.parser.parse
    assert parse("在公园烧烤要罚多少钱").wants_sanction and parse("在公园烧烤要罚多少钱").wants_number
    assert parse("公园条例什么时候开始施行").wants_time
    assert parse("法律上公园是怎么定义的").wants_definition
    assert parse("公园管理人员包括谁").wants_definition  # who a term covers: its 是指 sentence
    assert parse("古树名木包括哪些").wants_definition and parse("古树名木包括什么").wants_definition  # what it covers
    assert parse("小区花园算不算公园").wants_definition  # whether a case falls under a term: its 是指 sentence
    assert all(parse(q).wants_definition for q in ("什么叫公园", "啥叫古树名木", "何谓公园"))  # 什么是, worded so
    # what qualifies as a term: its 是指 sentence; not a count (才算数) nor a reckoning (算钱), nor a plan (打算…哪些)
    assert all(parse(q).wants_definition for q in ("什么样的树才算古树名木", "哪些绿地算公园", "怎样才算文明游园"))
    assert not any(parse(q).wants_definition for q in ("公园改造要多少人同意才算数", "公园停车费怎么算钱",
                                                       "市里打算新建哪些公园"))
    assert not parse("公园开放时间").wants_sanction
    # a sanction named by its kind asks for the penalty article as 罚 does (吊销, 没收, 拘留, 坐牢, 判刑)
    assert all(parse(q).wants_sanction for q in ("在公园放火会被拘留吗", "园内商户执照会被吊销吗", "偷挖花木会判刑吗"))
    # a number asked (几个, 多少, 第几), not which ones (哪几个: a list) nor several stated (好几家, 十几年)
    assert all(parse(q).wants_number for q in ("公园有几个大门", "公园排第几", "古树要几年养护一次"))
    assert not any(parse(q).wants_number for q in ("公园里有哪几个湖", "好几家单位共用的绿地谁管", "古树名木活了十几年还算吗",
                                                   "几乎没人去的公园要不要开放"))
    assert parse("公园里有哪几个湖").wants_list


def test_a_yes_no_questions_modal_is_scaffolding_but_a_statements_is_not(parks: Searcher):
    # the answer states the rule in the document's modal (应当/不得), not in the asker's (需要/可以)
    words = lambda q: {w for run in parks.parser.parse(q).runs for w in run}  # noqa: E731
    assert "需要" not in words("在公园烧烤需要审批吗") and "可以" not in words("是否可以在公园露营")
    assert "需要" in words("满足游客需要")
    assert top(parks, "公园需要公示游园须知吗") == "公园管理机构应当在本条例施行前公示游园须知。"


def test_penalty_question_finds_the_item_under_the_article_that_sets_the_fine(parks: Searcher):
    # the obligation (第二条) holds the question's very words, yet the question asks what the penalty is: the item
    # ranks first, shown as its lead-in's clause stating the fine with the item after it (engine._penalty_first)
    hit = parks.search("在公园里烧烤怎么罚", k=1).hits[0]
    assert hit.passage.text.endswith("处五十元以上二百元以下罚款：") and hit.list == "（一）在公园内烧烤的；"


def test_when_question_finds_the_date_of_effect(parks: Searcher):
    # 第三条 holds the same words and is no longer, but states no date
    assert top(parks, "公园管理条例什么时候开始施行") == "本条例自2025年3月1日起施行。"


RIVERS_MD = """# 某市河道保护条例

<!-- INFO END -->

第一条 为了加强河道保护，制定本条例。

第二条 河道整治规划由市水务部门组织实施，区人民政府负责具体实施。

第三条 河道保洁实行网格化管理，具体办法由市水务部门制定并组织执行。

第四条 本条例自2020年1月1日起施行。
"""


def test_a_when_question_names_the_date_of_effect_whatever_verb_it_says(tmp_path: Path):
    """Laws say 本条例自…起施行; users ask 什么时候实施, 哪天起执行, 实施日期: the verb said is expanded by 起施行 (below
    the user's own words), so the sentences that merely hold 实施 or 执行 do not come first."""
    rivers = regulation_searcher(tmp_path, "rivers", RIVERS_MD)
    for query in ("河道保护条例什么时候实施", "河道保护条例哪天起实施", "河道保护条例实施日期", "河道保护条例啥时候开始执行",
                  "河道保护条例是哪一年实行的", "河道保护条例几时施行"):
        assert top(rivers, query) == "本条例自2020年1月1日起施行。", query
        assert "起施行" in rivers.parser.parse(query).highlight and rivers.parser.parse(query).wants_time, query
    # the verb not asked about when it takes effect: no such expansion
    assert not any("起施行" in rivers.parser.parse(q).highlight for q in ("河道整治由谁组织实施", "执行什么时候申请"))


GARDENS_MD = """# 某市园林条例

<!-- INFO END -->

第一条 为了加强园林管理，制定本条例。

第二条 游客应当遵守园林游览秩序。

第三条 违反本条例规定，在园林内烧烤的，处五十元罚款。

第四条 本市行政区域内园林的管理活动，适用本条例。

第五条 园林管理机构应当在服务范围内公示游园须知。

第六条 园林的日常养护按照谁使用、谁负责的原则，由使用单位负责。

第七条 游客不得攀折花木、损坏园林设施等行为。

第八条 游客有权对园林管理提出意见和建议。

第九条 园林对老年人实行免费开放。

第十条 园林管理机构应当为老年人游览园林提供休息座椅等便利。
"""


def test_questions_every_regulation_is_asked_find_the_article_that_answers(tmp_path: Path):
    """Asked of any regulation (template questions over every fixture law found these worded so): 不遵守…有什么后果
    is its penalty (违反本条例规定), 在什么范围内适用 its scope article, not a sentence sharing 遵守 or 范围."""
    gardens = regulation_searcher(tmp_path, "gardens", GARDENS_MD)
    assert top(gardens, "不遵守某市园林条例有什么后果") == "违反本条例规定，在园林内烧烤的，处五十元罚款。"
    # the liability a breach brings (违反…要担什么责任) is its penalty, not a duty (责任) or a sentence sharing 违反
    for query in ("违反某市园林条例要担什么责任", "不遵守某市园林条例要承担什么责任"):
        assert gardens.parser.parse(query).wants_sanction, query
    assert not gardens.parser.parse("园林管理机构要负什么责任").wants_sanction
    assert top(gardens, "某市园林条例在什么范围内适用") == "本市行政区域内园林的管理活动，适用本条例。"
    # 适用于谁 asks whom it applies to (its scope), not who is in charge (由使用单位负责)
    # 哪些人要遵守/谁要遵守 asks the same (and the 管 of a title's 管理条例 asks no one in charge)
    for query in ("某市园林条例适用于谁", "某市园林条例对谁适用", "哪些人要遵守某市园林条例", "谁要遵守某市园林管理条例"):
        assert top(gardens, query) == "本市行政区域内园林的管理活动，适用本条例。", query
        assert not gardens.parser.parse(query).wants_agent
    # what it forbids: it writes 不得, not the 禁止 asked (nor 不让/不能), and 能不能 asks whether one may
    for query in ("某市园林条例禁止哪些行为", "某市园林条例里有哪些禁止性规定", "园林里哪些事不能做", "在园林里不让干什么",
                  "某市园林条例严禁哪些行为"):
        assert top(gardens, query) == "游客不得攀折花木、损坏园林设施等行为。", query
    assert "不得" not in gardens.parser.parse("园林里能不能做烧烤").highlight
    # the rights it gives: 有权…, not the word 权利 asked
    for query in ("某市园林条例规定了哪些权利", "游客在园林里有什么权利"):
        assert top(gardens, query) == "游客有权对园林管理提出意见和建议。", query
    # whether it costs the asker money: laws say 免费/收取…费用/无偿, not 要钱; money in an act asked about is no fee question
    for query in ("老年人逛园林要花钱吗", "老人进园林要不要自己掏钱"):
        assert top(gardens, query) == "园林对老年人实行免费开放。", query
        assert {"免费", "收取"} <= set(gardens.parser.parse(query).highlight), query
    assert "免费" not in gardens.parser.parse("有人花钱买园林门票转卖违法吗").highlight


AID_MD = """# 某市急救条例

<!-- INFO END -->

第一条 为了规范急救服务，制定本条例。

第二条 本条例所称急救服务，是指急救机构按照统一指挥调度，在患者送达医疗机构救治前，在医疗机构外开展的以现场抢救、转运途中紧急救治以及监护为主的医疗活动。

第三条 本条例所称急救机构，是指急救中心和急救站。

第四条 （一）调度机构，是指受理急救呼叫并调派急救机构的单位。
"""


def test_a_term_asked_gets_the_passage_defining_it_not_one_defining_a_term_that_mentions_it(tmp_path: Path):
    """急救机构是什么意思: both definitions hold its words, the longer one (of 急救服务) more of them; the one defining
    急救机构 answers (a term the question names, the longest such, among the shortlist's definitions)."""
    aid = regulation_searcher(tmp_path, "aid", AID_MD)
    for query in ("急救机构是什么意思", "什么叫急救机构", "某市急救条例里说的急救机构是指什么", "急救机构包括哪些"):
        assert top(aid, query) == "本条例所称急救机构，是指急救中心和急救站。", query
    assert top(aid, "急救服务是什么意思").startswith("本条例所称急救服务")
    assert top(aid, "调度机构指什么").startswith("（一）调度机构")
    assert [defined_term(t) for t in ("本条例所称急救机构，是指急救中心。", "（一）调度机构，是指受理呼叫的单位。",
                                      "“民呼我为”是指…", "急救机构应当配备急救人员。")] == ["急救机构", "调度机构", "民呼我为", ""]


def without(searcher: Searcher, feature: str) -> Searcher:
    """The searcher with one feature's weight held at 0 (its ranking then shows what the feature decides)."""
    other = copy.copy(searcher)
    other.weights = searcher.weights.copy()
    other.weights[FEATURES.index(feature)] = 0.0
    return other


def test_who_question_finds_the_sentence_naming_who_is_in_charge(parks: Searcher):
    assert parks.parser.parse("古树名木谁来养护").wants_agent and parks.parser.parse("物业这块归哪个部门管").wants_agent
    assert not parks.parser.parse("古树名木怎么养护").wants_agent
    assert passage_flags("专项维修资金属于业主所有。") & AGENT and not passage_flags("古树名木应当定期养护。") & AGENT
    # the shorter sentence holds the same words; the question asks who
    assert top(parks, "古树名木谁来养护") == "公园内的古树名木由园林部门负责日常养护和巡查，发现病虫害及时处置。"
    assert top(without(parks, "no_agent"), "古树名木谁来养护") == "古树名木应当定期养护。"


MARKETS_MD = """# 某市农贸市场管理条例

<!-- INFO END -->

第一条 为了规范农贸市场管理，制定本条例。

第二条 农贸市场的摊位费标准应当向市场监督管理部门备案，由农贸市场开办者负责收取。

第三条 县级以上人民政府商务主管部门负责本行政区域内农贸市场的监督管理工作。
"""


def test_who_oversees_question_finds_the_article_assigning_the_duty(tmp_path: Path):
    markets = regulation_searcher(tmp_path, "markets", MARKETS_MD)
    parse = markets.parser.parse
    assert parse("农贸市场归哪个部门管").wants_overseer and parse("菜场由谁监督").wants_overseer
    assert parse("农贸市场归商务局管吗").wants_overseer and parse("农贸市场归商务局管吗").wants_agent  # yes/no, same answer
    assert not parse("摊位费由谁收").wants_overseer and parse("摊位费由谁收").wants_agent
    assert parse("农贸市场管理条例的执法部门是谁").wants_overseer  # (who enforces it: the body overseeing it)
    duty = "县级以上人民政府商务主管部门负责本行政区域内农贸市场的监督管理工作。"
    fee = "农贸市场的摊位费标准应当向市场监督管理部门备案，由农贸市场开办者负责收取。"
    # both name someone in charge (AGENT); only the article giving a department the field's oversight answers
    assert passage_flags(duty) & OVERSEES and passage_flags(fee) & AGENT and not passage_flags(fee) & OVERSEES
    assert not passage_flags("占用城市道路的，应当向市政工程行政主管部门交纳占用费。") & OVERSEES
    # a list of departments ending in one whose name holds 监督 is no department given the field's oversight
    assert not passage_flags("发展改革、财政、市场监督管理等部门应当在各自职责范围内，配合做好农贸市场工作。") & OVERSEES
    assert top(markets, "农贸市场归哪个部门管") == duty
    assert top(without(markets, "no_agent"), "农贸市场归哪个部门管") == fee


def test_why_question_finds_the_purpose_clause(tmp_path: Path):
    markets = regulation_searcher(tmp_path, "markets", MARKETS_MD)
    parse = markets.parser.parse
    assert all(parse(q).wants_purpose for q in ("为什么要专门管农贸市场", "农贸市场条例的立法目的是什么", "这个条例是为了啥定的"))
    assert not parse("农贸市场为什么要收摊位费").wants_purpose  # why a rule says something: not why it was made
    assert passage_flags("为了规范农贸市场管理，制定本条例。") & PURPOSE and not passage_flags("为了方便群众，农贸市场应当延长营业时间。") & PURPOSE
    assert top(markets, "为什么要专门管农贸市场") == "为了规范农贸市场管理，制定本条例。"
    # (为什么要管…: no word of the question's wording to gain 制定本条例, the no_purpose feature alone finds it)
    assert top(markets, "为什么要管农贸市场") == "为了规范农贸市场管理，制定本条例。"
    assert top(without(markets, "no_purpose"), "为什么要管农贸市场") != "为了规范农贸市场管理，制定本条例。"
    # its purpose asked by a noun, the document named by its title (set aside, engine._titled): not a definition
    for query in ("某市农贸市场管理条例的目的是什么", "某市农贸市场管理条例的宗旨是什么", "某市农贸市场管理条例出台的意义",
                  # asked by the verb alone, which the purpose clause does not say (制定本条例): the verb gains it
                  "为什么要出台某市农贸市场管理条例", "国家为什么要专门出一个某市农贸市场管理条例",
                  "出台某市农贸市场管理条例主要想解决什么问题"):
        assert top(markets, query) == "为了规范农贸市场管理，制定本条例。", query
    assert parse("出这个条例想干什么").wants_purpose and not parse("农贸市场开办者想干什么").wants_purpose
    assert not parse("农贸市场管理条例的目的是什么").wants_definition and parse("什么是农贸市场").wants_definition


def test_a_policy_documents_preamble_states_its_purpose(db_path: Path):
    """A decision, plan or opinion says why it was made in its preamble, ending with what follows (作出如下决定,
    特制定…实施方案如下, 现提出如下意见), not 制定本条例: 为什么要出台共同富裕实施方案 quoted a sentence with 出台 in it."""
    for preamble in ("全会就推进省域治理现代化问题，作出如下决定。", "为实现共同富裕提供浙江示范，特制定“十四五”时期实施方案如下。",
                     "为推动政务新媒体健康有序发展，经国务院同意，现提出如下意见。"):
        assert passage_flags(preamble) & PURPOSE, preamble
    assert not passage_flags("下列人员在同等条件下，按照如下顺序对出租的房屋有优先承租权：") & PURPOSE
    seeds = Searcher.open(db_path)
    assert top(seeds, "为什么要出台共同富裕实施方案").endswith("特制定“十四五”时期实施方案如下。")


def test_a_question_prefers_the_document_that_holds_all_of_it(parks: Searcher):
    # both sentences hold 野餐 and 垃圾; only the parks regulation also speaks of 露营 (in another article)
    query = "露营野餐垃圾"
    q = parks.parser.parse(query)
    ranker = QueryRanker(q, parks.table, parks.weights, parks.term_lists(q)[1])
    seed, regulation = (parks.index.source_ids.index(sid) for sid in ("seed", parks.search(query).hits[0].source.id))
    assert ranker.off_document[regulation] == 0 and 0 < ranker.off_document[seed] < 1
    assert top(parks, query) == "游客应当将野餐产生的垃圾带离公园。"
    assert top(without(parks, "off_document"), query) == "治理野餐垃圾。"


def test_a_place_written_with_its_suffix_is_also_found_by_its_bare_name(parks: Searcher):
    q = parks.parser.parse("浙江省的公园怎么管")
    lists, gram_bits = parks.term_lists(q)
    concepts = dict((vs[0], vs) for vs, _ in QueryRanker(q, parks.table, parks.weights, gram_bits).concepts)
    assert concepts["浙江省"] == ("浙江省", "浙江")  # titles say 今日浙江, texts say 浙江
    assert concepts["公园"] == ("公园",)


def test_the_weights_file_has_a_weight_for_every_feature_and_no_other():
    # a stale file (e.g. kept in a merge) would silently score the missing features at weight 0
    data = json.loads(WEIGHTS_FILE.read_text(encoding="utf-8"))
    assert set(data["weights"]) == set(FEATURES)
    assert all(w <= 0 for w in data["weights"].values())  # each feature marks what a passage lacks: bound = s
    # without sentence vectors there is no meaning to weigh
    assert data["weights"]["dissimilar"] == data["weights"]["dissimilar_sentence"] == 0
    semantic = data["semantic"]  # the weights of an embedded corpus (fit_ranking.py --semantic)
    assert set(semantic["weights"]) == set(FEATURES)
    assert semantic["weights"]["dissimilar"] < 0 and semantic["weights"]["dissimilar_sentence"] < 0
    for scale in ("cosine", "sentence_cosine"):
        low, high = semantic[scale]
        assert 0 < low < high < 1


def test_a_kind_the_table_does_not_list_is_ranked_and_grouped_as_the_kind_it_ends_with():
    """实施意见, 行动方案, 政府工作报告 are an 意见, a 方案, a 报告: they had the default prior and were outside @文件."""
    from assistant.search.ranking import load_config

    config = load_config(CURATED / "ranking.toml")
    assert [config.prior(k) for k in ("实施意见", "行动方案", "政府工作报告", "实施办法")] == [
        config.prior("意见"), config.prior("方案"), config.prior("报告"), config.prior("办法")]
    assert config.prior("实施意见") > config.prior("") == config.prior("纪要") > config.prior("期刊文章")
    assert config.in_group("实施意见", config.groups["文件"]) and config.in_group("实施办法", config.groups["法规"])
    assert not config.in_group("期刊文章", config.groups["文件"]) and not config.in_group("", config.groups["文件"])


YEARS_MANIFEST = """[[source]]
file = "decision.txt"
id = "decision"
title = "某某省委决定"
date = "2022-06-01"
kind = "决定"

[[source]]
file = "report.txt"
id = "report"
title = "某某省政府工作报告"
date = "2024-01-20"
kind = "报告"

[[source]]
file = "rule.txt"
id = "rule"
title = "某某省电动自行车管理条例"
date = "2025-06-01"
kind = "条例"
"""


def test_this_year_asked_prefers_the_newest_document_over_a_closer_wording(tmp_path):
    # the 2022 decision's sentence is shorter and its kind ranks higher; the user saying 今年 means 2024's report
    folder = tmp_path / "corpus"
    folder.mkdir()
    for curated in ("query_words.toml", "synonyms.toml", "ranking.toml"):
        shutil.copy(CURATED / curated, folder)
    (folder / "manifest.toml").write_text(YEARS_MANIFEST, encoding="utf-8")
    filler = "加快建设现代化产业体系。推进城乡区域协调发展。深化重点领域改革。加强生态环境保护。\n"
    (folder / "decision.txt").write_text(f"某某省委决定\n\n一、总体要求\n\n{filler}办好民生实事。\n", encoding="utf-8")
    (folder / "report.txt").write_text(f"某某省政府工作报告\n\n一、重点工作\n\n{filler}今年要继续集中力量高质量办好一批民生实事项目。\n",
                                       encoding="utf-8")
    # a regulation of a later year, which never speaks of 今年, does not move it from the report's year
    (folder / "rule.txt").write_text("某某省电动自行车管理条例\n第一条 为了加强电动自行车管理，制定本条例。\n"
                                     "第二条 电动自行车应当登记。\n第三条 本条例自2025年10月1日起施行。\n", encoding="utf-8")
    from assistant.ingest.pipeline import ingest

    ingest(folder, tmp_path / "years.db")
    searcher = Searcher.open(tmp_path / "years.db")
    q = searcher.parser.parse("今年有哪些民生实事")
    assert (q.year, q.year_relative) == (2024, True)
    assert not searcher.parser.parse("2024年有哪些民生实事").year_relative
    assert top(searcher, "今年有哪些民生实事") == "今年要继续集中力量高质量办好一批民生实事项目。"
    assert top(searcher, "有哪些民生实事") == "办好民生实事。"  # without a year, the closer wording leads


def test_contexts_holding_a_text_are_exactly_those_that_contain_it(parks: Searcher):
    """in_contexts tests only the contexts holding the text's rarest character pair: never one fewer, nor more
    (texts such as ABC of two pairs AB, BC that contexts hold apart)."""
    table = parks.table
    rng = np.random.default_rng(5)
    pairs_from: dict[str, list[str]] = {}
    for c in table.contexts:
        for i in range(len(c) - 1):
            pairs_from.setdefault(c[i], []).append(c[i : i + 2])
    texts = ["", "省", "条例", "不存在的说法", "\x00", "例\x00", "2024", "第十条"]
    for c in table.contexts:
        for _ in range(3):
            start = int(rng.integers(0, max(len(c), 1)))
            fragment = c[start : start + int(rng.integers(1, 8))]
            following = pairs_from.get(fragment[-1:], [])
            texts += [fragment, fragment + following[int(rng.integers(len(following)))][1:] if following else ""]
    for text in texts:
        assert table.in_contexts(text).tolist() == [text in c for c in table.contexts], text


def test_a_rankers_set_up_from_the_tables_caches_equals_a_fresh_one(parks: Searcher):
    """What QueryRanker reads from PassageTable caches (character pairs, contexts) is what a fresh table gives."""
    queries = ["公园里能烧烤吗", "在公园内露营会被怎么罚", "公园管理机构 游园须知", "条例什么时候施行", "公园 露营 烧烤 罚款"]

    def set_up(table) -> list[tuple]:
        out = []
        for query in queries:
            q = parks.parser.parse(query)
            ranker = QueryRanker(q, table, parks.weights, parks.term_lists(q)[1])
            out.append((ranker.concepts, ranker.variants, ranker.pairs, ranker.concept_ctx.tolist()))
        return out

    first = set_up(parks.table)
    assert set_up(parks.table) == first  # from the caches the first filled
    assert set_up(replace(parks.table, _context_cache={}, _pairs=None, _pairs_of={})) == first
    assert any(ranker_pairs for _, _, ranker_pairs, _ in first)


def test_the_unmatched_tables_follow_the_concepts_forms(parks: Searcher):
    """QueryRanker's (pair × form) shares and each concept's first form, against their definition."""
    for query in ["公园里能烧烤吗", "在公园内露营会被怎么罚", "公园管理机构 游园须知", "公园 露营 烧烤 罚款"]:
        q = parks.parser.parse(query)
        ranker = QueryRanker(q, parks.table, parks.weights, parks.term_lists(q)[1])
        forms = [(j, f) for j, fs in enumerate(ranker.variant_pairs) for f in fs]
        pairs = ranker._pair_masks.tolist()
        expected = np.zeros((len(pairs), len(forms)))
        for k, (_, f) in enumerate(forms):
            for p in f:
                expected[pairs.index(p), k] = 1 / len(f)
        assert np.array_equal(ranker._form_share, expected), query
        owners = [j for j, _ in forms]
        assert ranker._has_forms.tolist() == sorted(set(owners)), query
        assert ranker._form_starts.tolist() == [owners.index(j) for j in sorted(set(owners))], query
        assert len(forms) > 1, query


def test_a_passage_holding_part_of_a_word_is_unmatched_by_the_part_it_lacks(db_path):
    """亚运 is half of 亚运会's character pairs: such a passage is uncovered for the word yet half matched."""
    from assistant.search.candidates import score_all
    from assistant.search.normalize import fold

    searcher = Searcher.open(db_path)
    q = searcher.parser.parse("亚运会")
    lists, gram_bits = searcher.term_lists(q)
    ranker = QueryRanker(q, searcher.table, searcher.weights, gram_bits)
    s, bits = score_all(lists, searcher.index.size)
    cand = np.flatnonzero(s > 0)
    x = ranker.features(cand, bits[cand])
    texts = {r[0]: fold(r[1]) for r in searcher.corpus.db.execute("select rowid, text from passages")}
    text = [texts[r] for r in searcher.index.passage_rows[cand].tolist()]
    in_ctx = ranker.concept_ctx[0, searcher.table.context_of[cand]]
    part = [i for i, t in enumerate(text) if "亚运" in t and "亚运会" not in t and not in_ctx[i]]
    whole = [i for i, t in enumerate(text) if "亚运会" in t]
    assert part and whole
    unmatched, uncovered = FEATURES.index("unmatched"), FEATURES.index("uncovered")
    assert np.allclose(x[part, uncovered], 1) and np.allclose(x[part, unmatched], 0.5)
    assert np.allclose(x[whole, unmatched], 0) and np.allclose(x[whole, uncovered], 0)


def test_may_i_question_finds_the_clause_that_permits_or_forbids(venues: Searcher):
    parse = venues.parser.parse
    assert parse("场馆里能不能拍照").wants_permission and parse("展厅可以用三脚架吗").wants_permission
    assert not parse("场馆拍照服务谁提供").wants_permission
    # whether an act is lawful asks the same; a question on the penalty for it does not
    assert parse("场馆扣押证件合法吗").wants_permission and parse("场馆拍照违不违法").wants_permission
    assert not parse("场馆违法拍照怎么罚").wants_permission and parse("场馆违法拍照怎么罚").wants_sanction
    assert not parse("场馆扣押证件合法吗").wants_sanction and not parse("场馆拍照算违法吗").wants_sanction
    assert passage_flags("同一参观者只能申领一张年卡。") & PERMITS  # a restriction answers whether one may
    assert passage_flags("不得使用闪光灯拍照。") & PERMITS and not passage_flags("场馆拍照服务由场馆管理单位统一提供。") & PERMITS
    # a list item under “不得有下列行为：” forbids what it names
    assert section_flags(["场馆工作人员不得有下列行为：", "（一）扣押参观者证件；"], np.array([0, 0]))[1] & PERMITS
    # the shorter sentence holds the same words; the question asks whether one may
    assert top(venues, "场馆里能不能拍照") == "场馆管理单位划定摄影区域，摄影区域以外的展厅不得使用闪光灯拍照，不得使用三脚架。"
    assert top(without(venues, "no_permission"), "场馆里能不能拍照") == "场馆拍照服务由场馆管理单位统一提供。"


def test_a_penalty_the_question_does_not_ask_about_ranks_below_the_rule(venues: Searcher):
    query = "申领场馆年卡要带什么证明材料"
    assert not venues.parser.parse(query).wants_sanction
    assert top(venues, query) == "申领场馆年卡，应当向场馆服务台提交本人身份证明材料、近期免冠相片和居住地址等信息，并如实填写申领表格。"
    assert top(without(venues, "unasked_sanction"), query) == "使用虚假证明材料申领场馆年卡的，处一百元以上五百元以下罚款。"
    # asked about, the penalty comes first
    assert top(venues, "用虚假证明材料申领场馆年卡怎么罚") == "使用虚假证明材料申领场馆年卡的，处一百元以上五百元以下罚款。"


def test_passage_cues_read_periods_and_rights_but_not_item_numbers():
    # a numbered item the text refers to states no figure and no period
    assert not passage_flags("被领养的犬只按照本条例第十条规定接受免疫接种。") & (FIGURE | TIME)
    assert not passage_flags("违反本规定第十八条第二款规定的，依法处理。") & (FIGURE | TIME)
    # 满三个月, 半年以上, 十个工作日: periods and figures
    for text in ("犬只出生满三个月的，应当接受免疫接种。", "到其他城市居住半年以上的，可以申领居住证。"):
        assert passage_flags(text) & (TIME | FIGURE) == TIME | FIGURE
    assert passage_flags("应当自收到材料之日起十个工作日内审核。") & TIME
    # a right held (有…权利) answers whether one may, as 有权 does
    assert passage_flags("老年人有要求赡养人付给赡养费等权利。") & PERMITS
    assert not passage_flags("赡养人应当履行赡养义务。") & PERMITS


def test_a_definition_cue_is_a_defining_wording_not_any_quotation_or_即():
    """本意见所称X，是指 / “X”是 / X即 define; a quoted slogan standing alone, 立即, 即可 and 随即 do not."""
    for text in ("本意见所称政务新媒体，是指各级行政机关开设的政务账号。", "“最多跑一次”是指群众办事最多跑一次。",
                 "共同富裕即全体人民共同富裕。", "本条例所称物业，包括房屋及配套设施。"):
        assert passage_flags(text) & DEFINES, text
    for text in ("按照“谁开设、谁主办”的原则确定主办单位。", "对假冒账号要求平台立即关停。",
                 "符合条件的即可申请。", "收到举报后随即处理。"):
        assert not passage_flags(text) & DEFINES, text


REPAIRS_MD = """# 某市住宅装修管理规定

<!-- INFO END -->

第一条 为了规范住宅装修活动，制定本规定。

第二条 装修人应当在装修前告知物业服务企业，并遵守装修时间的规定。

第三条 装修人不告知物业服务企业擅自装修的，由街道办事处责令改正。
"""


def test_a_what_to_do_question_does_not_hold_a_penalty_against_a_passage(tmp_path):
    repairs = regulation_searcher(tmp_path, "repairs", REPAIRS_MD)
    parse = repairs.parser.parse
    for asks in ("单位不给开证明怎么办", "邻居装修扰民怎么处理", "大胃王吃播管不管", "这种情况咋办"):
        assert parse(asks).wants_recourse and not parse(asks).wants_sanction, asks
    assert not parse("居住证怎么办理").wants_recourse and not parse("场馆几点开门").wants_recourse
    unasked = FEATURES.index("unasked_sanction")
    assert not QueryRanker(parse("邻居装修不告知物业怎么办"), repairs.table, repairs.weights, {}).active[unasked]
    assert QueryRanker(parse("装修要告知物业吗"), repairs.table, repairs.weights, {}).active[unasked]
    fined, rule = "装修人不告知物业服务企业擅自装修的，由街道办事处责令改正。", "装修人应当在装修前告知物业服务企业，并遵守装修时间的规定。"
    # what to do about a neighbour who did not tell: the clause ordering it corrected answers; read as a question not
    # about a wrong, its penalty counts against it (by the fitted unasked_sanction weight) and the rule's score stays
    assert top(repairs, "邻居装修不告知物业怎么办") == fined
    assert top(repairs, "装修要告知物业吗") == rule
    unread = copy.copy(repairs)
    unread.parser = copy.copy(repairs.parser)
    unread.parser.parse = lambda raw: replace(parse(raw), wants_recourse=False)
    asked = "邻居装修不告知物业怎么办"
    assert score_of(unread, asked, fined) < score_of(repairs, asked, fined)
    assert score_of(unread, asked, rule) == pytest.approx(score_of(repairs, asked, rule))
