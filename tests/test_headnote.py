"""A document's history lines (…会议通过, …修正) are quoted like its text, under 题注: asked when a regulation was
passed or amended, the answer is the lines that say so, looked up like an article (made-up regulation)."""
from __future__ import annotations

import pytest

from assistant.chat import Quote, Request, build_core
from assistant.ingest.add import add
from assistant.records import HEADNOTE
from assistant.search.engine import Searcher
from tests.test_ranking import regulation_searcher, top

TREES_MD = """# 某市古树名木保护条例

2015年6月30日某市第十四届人民代表大会常务委员会第二十次会议通过

2015年9月25日某省第十二届人民代表大会常务委员会第二十三次会议批准

2021年10月28日某市第十五届人民代表大会常务委员会第三十五次会议修正

<!-- INFO END -->

第一条 为了加强古树名木保护，制定本条例。

第二条 本条例所称古树，是指树龄在一百年以上的树木。

第三条 禁止砍伐古树名木。

第四条 违反本条例第三条规定的，由园林绿化部门处每株五万元以上十万元以下罚款。

第五条 本条例自2016年1月1日起施行。
"""
PASSED = "2015年6月30日某市第十四届人民代表大会常务委员会第二十次会议通过"
APPROVED = "2015年9月25日某省第十二届人民代表大会常务委员会第二十三次会议批准"
AMENDED = "2021年10月28日某市第十五届人民代表大会常务委员会第三十五次会议修正"


@pytest.fixture(scope="module")
def trees(tmp_path_factory: pytest.TempPathFactory) -> Searcher:
    return regulation_searcher(tmp_path_factory.mktemp("trees"), "trees", TREES_MD)


def test_history_lines_lead_the_document_under_their_own_section(trees: Searcher):
    (source,) = [s for s in trees.corpus.sources() if s.title == "某市古树名木保护条例"]
    ps = trees.corpus.passages(source.id)
    assert [(p.section, p.text) for p in ps[:3]] == [((HEADNOTE,), PASSED), ((HEADNOTE,), APPROVED),
                                                     ((HEADNOTE,), AMENDED)]
    assert ps[3].section == ("第一条",) and (source.passed, source.revised) == ("2015-06-30", "2021-10-28")


@pytest.mark.parametrize("query, first", [
    ("古树名木保护条例是什么时候通过的", PASSED),
    ("古树名木保护条例什么时候开始施行", "本条例自2016年1月1日起施行。"),  # an article says it: not the history
    ("古树是指什么", "本条例所称古树，是指树龄在一百年以上的树木。"),
])
def test_when_it_was_passed_is_answered_by_its_history(trees: Searcher, query: str, first: str):
    assert top(trees, query) == first


def test_the_chat_cites_a_history_line_as_the_headnote(trees: Searcher):
    reply = build_core(trees).handle_message(Request(1, 1, "古树名木保护条例 常务委员会会议通过"))
    quote = next(b for b in reply.blocks if isinstance(b, Quote))
    assert quote.text == PASSED and quote.citation.line.startswith("——《某市古树名木保护条例》题注")


@pytest.mark.parametrize("query, order", [
    ("古树名木保护条例是什么时候通过的", [PASSED, AMENDED]),  # as printed: the passing first
    ("古树名木保护条例哪年修正的", [AMENDED, PASSED]),  # an amendment asked, by any verb: the amendment first
    ("古树名木保护条例修改过吗", [AMENDED, PASSED]),
    ("古树名木保护条例是哪年改过的", [AMENDED, PASSED]),
    ("古树名木保护条例经过谁批准的", [APPROVED, AMENDED]),  # the passing asked by its verb: the province approved it
    ("古树名木保护条例省人大是哪天批准的", [APPROVED, AMENDED]),  # (省人大 names the body, not the document)
    ("古树名木保护条例是哪天公布的", [PASSED, AMENDED]),  # (no line says 公布: as printed)
    ("古树名木保护条例是哪个机关制定的", [PASSED, AMENDED]),
    ("古树名木保护条例最早是哪年通过的", [PASSED, AMENDED]),
    ("古树名木保护条例修改过几次", [AMENDED, PASSED]),  # a count or the latest event: the latest first
    ("古树名木保护条例一共修正了几次", [AMENDED, PASSED]),
    ("古树名木保护条例一共改了几次", [AMENDED, PASSED]),  # (改了, as 改过, asks an amendment)
    ("古树名木保护条例改过几回", [AMENDED, PASSED]),  # (几回, as 几次)
    ("古树名木保护条例最近一次是哪年改的", [AMENDED, PASSED]),
    ("古树名木保护条例是哪年发布的", [PASSED, AMENDED]),
    ("古树名木保护条例最近一次修正是哪年", [AMENDED, PASSED]),
    ("古树名木保护条例第一次修正是什么时候", [AMENDED, PASSED]),  # (no line says 第一次修正: its one amendment)
])
def test_a_history_question_naming_the_document_gets_all_its_history_lines(trees: Searcher, query: str,
                                                                         order: list[str]):
    results = trees.search(query, k=5)
    assert results.kind == "reference" and results.answered and results.total == 3
    assert [h.passage.text for h in results.hits][::2] == order


def test_a_history_question_names_a_document_exactly_though_another_title_holds_that_name(
        tmp_path_factory: pytest.TempPathFactory):
    """物业管理条例修改过吗, with 某省物业管理条例 beside 物业管理条例: the regulation so titled, as an article asked by
    number is looked up (the two were an ambiguous name, and the question was searched)."""
    national = "# 物业管理条例\n\n2003年6月8日国务院令第379号公布\n\n2016年2月6日国务院令第666号第二次修订\n\n" \
               "<!-- INFO END -->\n\n第一条 为了规范物业管理活动，制定本条例。\n\n" \
               "第二条 业主可以委托物业服务企业提供物业服务。\n\n第三条 本条例自2003年9月1日起施行。\n"
    local = "# 某省物业管理条例\n\n2001年1月13日某省第九届人民代表大会常务委员会第二十次会议通过\n\n" \
            "2016年3月31日某省第十二届人民代表大会常务委员会第二十次会议修订\n\n" \
            "<!-- INFO END -->\n\n第一条 为了规范本省物业管理活动，制定本条例。\n\n" \
            "第二条 物业服务收费应当公开透明。\n\n第三条 本条例自2018年1月1日起施行。\n"
    tmp = tmp_path_factory.mktemp("two")
    regulation_searcher(tmp, "national", national)  # (its corpus folder, then the second regulation added to it)
    (tmp / "local.md").write_text(local, encoding="utf-8")
    add([tmp / "local.md"], tmp / "corpus", tmp / "national.db")
    searcher = Searcher.open(tmp / "national.db")
    for query, first in (("物业管理条例2016年修订过吗", "2016年2月6日国务院令第666号第二次修订"),
                         ("物业管理条例什么时候施行", "本条例自2003年9月1日起施行。")):
        results = searcher.search(query, k=3)
        assert results.kind == "reference" and results.hits[0].passage.text == first
    assert top(searcher, "某省物业管理条例是哪年通过的").startswith("2001年1月13日")


def test_a_year_named_in_a_history_question_picks_its_line_or_leaves_it_unanswered(trees: Searcher):
    """消费者权益保护法2009年那次修正是在哪次会议上 was searched (the year was more than the name) and put 2013's line
    first; a year no line holds (修改过吗 of a year it was not) is no answer."""
    amended = trees.search("古树名木保护条例2021年那次修正是在哪次会议上", k=5)
    assert amended.kind == "reference" and amended.answered and amended.hits[0].passage.text == AMENDED
    passed = trees.search("古树名木保护条例2015年是哪个会议通过的", k=5)
    assert passed.answered and passed.hits[0].passage.text == PASSED
    never = trees.search("古树名木保护条例2024年修改过吗", k=5)
    assert never.kind == "reference" and not never.answered


def test_when_it_takes_effect_is_answered_by_its_effect_article(trees: Searcher):
    """什么时候实施/哪天起施行/实施日期 of a document named: its 施行 article, whichever verb is said (the sentence vectors
    ranked passages on its topic above it), as its history lines answer when it was passed."""
    for query in ("古树名木保护条例什么时候实施", "古树名木保护条例哪天起施行", "古树名木保护条例实施日期", "古树名木保护条例几时生效"):
        results = trees.search(query, k=3)
        assert results.kind == "reference" and results.answered, query
        assert [h.passage.text for h in results.hits] == ["本条例自2016年1月1日起施行。"], query
    assert trees.search("古树名木保护条例规定的养护措施什么时候实施", k=3).kind == "search"  # more than its name


def test_an_article_of_a_version_by_year_is_answered_only_when_that_version_is_held(trees: Searcher):
    """2018年版…第三条 asks the text before the 2021 amendment: the article held is shown, not as an answer."""
    for query, held in (("古树名木保护条例第三条", True), ("2021年版古树名木保护条例第三条", True),
                        ("2018年版古树名木保护条例第三条", False), ("2010年的古树名木保护条例第三条", False),
                        ("古树名木保护条例2021年修正以前第三条是怎么规定的", False),  # (the text held is 2021's)
                        ("古树名木保护条例2022年修改之前的第三条", True)):
        results = trees.search(query, k=3)
        assert results.kind == "reference" and results.hits[0].passage.text == "禁止砍伐古树名木。"
        assert results.answered is held, query


@pytest.mark.parametrize("query", [
    "古树名木保护条例规定砍伐古树名木要经过批准吗",  # asks about its text: more than the document's name
    "某省湿地保护条例什么时候通过的",  # a document the corpus does not hold
    "条例什么时候通过的",  # names no one document
    "古树名木保护条例由哪个部门负责",  # who is in charge of what it regulates: its text
])
def test_other_questions_with_such_words_are_searched(trees: Searcher, query: str):
    assert trees.search(query, k=5).kind == "search"


def test_the_chat_shows_the_history_as_one_excerpt_under_the_headnote(trees: Searcher):
    reply = build_core(trees).handle_message(Request(1, 1, "古树名木保护条例修改过几次"))
    text = "\n".join(getattr(b, "text", "") for b in reply.blocks)
    assert PASSED in text and AMENDED in text and "题注" in text


def test_history_printed_at_the_top_of_a_text_is_history_too(db_path):
    """A 决定 prints its 通过 line under its title, in the text itself (the seed corpus): quoted under 题注 and
    looked up like a regulation's. An article's first sentence reporting a meeting is text."""
    from assistant.ingest.metadata import leading_history

    searcher = Searcher.open(db_path, semantic=False)
    results = searcher.search("省域治理现代化决定是哪次全会通过的", k=3)
    assert results.kind == "reference" and [(h.passage.section, h.passage.text) for h in results.hits] == [
        ((HEADNOTE,), "（2019年11月22日中国共产党浙江省第十四届委员会第六次全体会议通过）")]
    assert leading_history(["（2019年11月22日…第六次全体会议通过）", "2020年1月1日起施行", "一、总体要求"]) == 2
    assert leading_history(["2024年1月20日，省委常委会审议通过《某某方案》。"]) == 0


PARKS_MD = """# 某某公园管理条例

2019年3月1日 国务院第40次常务会议通过

2019年4月2日 中华人民共和国国务院令第710号公布

2020年5月6日 《国务院关于修改〈某某公园管理条例〉的决定》第一次修订

2022年7月8日 《国务院关于修改部分行政法规的决定》第二次修订

2024年3月10日 《国务院关于修改和废止部分行政法规的决定》修正

<!-- INFO END -->

第一条 为了加强公园管理，制定本条例。

第二条 本条例自2019年6月1日起施行。
"""


def test_the_line_that_answers_comes_first(tmp_path):
    parks = regulation_searcher(tmp_path, "parks", PARKS_MD)
    assert [h.passage.text for h in parks.search("公园管理条例是国务院第几号令", k=2).hits] == [
        "2019年4月2日 中华人民共和国国务院令第710号公布", "2019年3月1日 国务院第40次常务会议通过"]
    assert top(parks, "公园管理条例是什么时候通过的") == "2019年3月1日 国务院第40次常务会议通过"  # in printed order
    assert top(parks, "公园管理条例第一次修订是哪年") == "2020年5月6日 《国务院关于修改〈某某公园管理条例〉的决定》第一次修订"
    assert top(parks, "公园管理条例最近一次修订是哪年") == "2022年7月8日 《国务院关于修改部分行政法规的决定》第二次修订"
    # an amendment asked by any verb: the latest first; a revision (修订) or an amendment (修正) asked by name: that kind
    latest = "2024年3月10日 《国务院关于修改和废止部分行政法规的决定》修正"
    assert top(parks, "公园管理条例修改过吗") == top(parks, "公园管理条例哪年修正的") == latest
    assert top(parks, "公园管理条例什么时候修订过") == "2022年7月8日 《国务院关于修改部分行政法规的决定》第二次修订"



def test_the_source_card_calls_the_latest_change_a_modification(trees: Searcher):
    """The regulation was amended (修正), not revised whole (修订): the card names the date by what covers both."""
    core = build_core(trees)
    reply = core.handle_message(Request(7, 7, "古树名木保护条例第三条"))
    source_button = next(b for row in reply.buttons for b in row if b.label == "来源")
    card = core.handle_action(Request(7, 7, ""), source_button.data).blocks[0].text
    assert "修改：2021年10月28日" in card and "修订" not in card and "通过：2015年6月30日" in card


ARCADE_MD = """# 某市电子游艺场所管理条例

2019年3月1日某市第十五届人民代表大会常务委员会第十次会议通过

2023年5月1日某市第十六届人民代表大会常务委员会第八次会议修正

<!-- INFO END -->

第一条 为了加强电子游艺场所管理，制定本条例。

第二条 本条例所称电子游艺场所，是指设置游戏机等设备向公众提供游艺服务的游戏厅、电玩城等营业性场所。

第三条 电子游艺场所不得接纳未成年人。

第四条 本条例自2019年6月1日起施行。
"""


@pytest.fixture(scope="module")
def arcades(tmp_path_factory: pytest.TempPathFactory) -> Searcher:
    return regulation_searcher(tmp_path_factory.mktemp("arcades"), "arcades", ARCADE_MD)


@pytest.mark.parametrize("query, first", [
    # 游戏厅 is a kind its definition lists: people name the regulation by it (as 网吧条例 for 互联网上网服务营业场所管理条例)
    ("游戏厅条例第三条", "电子游艺场所不得接纳未成年人。"),
    ("游戏厅条例最近一次修正是啥时候", "2023年5月1日某市第十六届人民代表大会常务委员会第八次会议修正"),
    ("电子游艺场所管理条例啥时候通过的", "2019年3月1日某市第十五届人民代表大会常务委员会第十次会议通过"),
])
def test_a_regulation_is_named_by_a_kind_its_definition_lists(arcades: Searcher, query: str, first: str):
    results = arcades.search(query, k=5)
    assert results.kind == "reference" and results.hits[0].passage.text == first


def test_history_lines_answer_only_queries_mentioning_such_an_event(trees: Searcher):
    """A search naming only the place or a year of a history line (某省 2015年 人民代表大会) found the line first: it says
    when the regulation was passed, which a question on anything else never asks. A question naming such an event, a
    session or a date still finds them."""
    for query in ("某省人民代表大会常务委员会有哪些", "2015年某市古树有多少"):
        assert all(h.passage.section != (HEADNOTE,) for h in trees.search(query, k=10).hits), query
    for query in ("某省常委会哪次会议批准", "2015年9月25日", "2021年的修正"):
        assert trees.search(query, k=3).hits[0].passage.section == (HEADNOTE,), query
