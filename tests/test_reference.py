"""References on regulations added with `add`: 《简称》第十二条, XX条例第12条, 第二章, 第十二条第二款, 第31条 alone."""
from __future__ import annotations

import re

import pytest
from regulation_support import REGULATION_MD, REGULATIONS, plan_with_regulations

from assistant.chat import Request, build_core
from assistant.ingest.legal import parse_number
from assistant.search.engine import Searcher
from assistant.search.reference import Outline, parse_reference, single_items

FILES = ["family-education-law.md", "shanghai-dog-keeping.md", "beijing-food-waste.md", "migrant-worker-wages.md"]
PLAN = "某某实施方案\n一、总体要求\n31.打造协作升级版。推进山海协作。\n32.完善机制。健全制度。\n"


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory) -> Searcher:
    root = tmp_path_factory.mktemp("refs")
    river = root / "river.md"
    river.write_text(REGULATION_MD, encoding="utf-8")
    return Searcher.open(plan_with_regulations(root, PLAN, [*(REGULATIONS / f for f in FILES), river]))


def article_text(searcher: Searcher, source_id: str, heading: str) -> list[str]:
    ps = searcher.corpus.passages(source_id)
    return [p.text for p in ps if p.section and p.section[-1] == heading]


@pytest.mark.parametrize(
    "query, source_id, heading",
    [
        ("《家庭教育促进法》第十二条", "family-education-law", "第十二条"),
        ("家庭教育促进法第12条", "family-education-law", "第十二条"),
        ("上海市养犬管理条例第十三条", "shanghai-dog-keeping", "第十三条"),
        ("养犬条例里第十三条是怎么规定的", "shanghai-dog-keeping", "第十三条"),
        ("养狗条例第十三条", "shanghai-dog-keeping", "第十三条"),  # the everyday word for the title's (register: 养狗 → 养犬)
        ("家教法第十二条", "family-education-law", "第十二条"),
        ("第二十条 北京市反食品浪费规定", "beijing-food-waste", "第二十条"),
        ("保障农民工工资支付条例 第64条", "migrant-worker-wages", "第六十四条"),
    ],
)
def test_article_lookup_returns_the_article_whole_and_first(searcher, query, source_id, heading):
    r = searcher.search(query, k=100)
    assert r.kind == "reference" and r.hits[0].passage.section[-1] == heading
    assert {h.source.id for h in r.hits} == {source_id} and not any(h.passage.is_heading for h in r.hits)
    assert [h.passage.text for h in r.hits] == article_text(searcher, source_id, heading)


def test_three_characters_name_a_law_only_as_its_short_name(searcher):
    """家教法 is 家庭教育促进法 cited short (first character, one more, 法); 家政法 is no law here."""
    assert searcher.search("家教法第十二条", k=5).kind == "reference"
    assert searcher.search("家政法第十二条", k=5).kind != "reference"
    # the title's own first two characters and 法 name a broader law: 劳动法 is not 劳动合同法, 家庭法 not 家庭教育促进法
    assert searcher.search("家庭法第十二条", k=5).kind != "reference"


def test_a_kind_and_管理_alone_name_no_document(searcher):
    """网吧管理条例 is no 上海市养犬管理条例: their shared 管理条例 says what kind of document, not which one."""
    assert searcher.search("网吧管理条例第十三条", k=5).kind != "reference"
    assert searcher.search("养犬管理条例第十三条", k=5).hits[0].passage.section[-1] == "第十三条"


def test_every_article_of_every_document_is_found_first(searcher):
    for source in searcher.corpus.sources():
        firsts = {}
        for p in searcher.corpus.passages(source.id):
            if p.section and re.fullmatch(r"第.+条", p.section[-1]):
                firsts.setdefault(p.section[-1], p)
        for label, first in firsts.items():
            n = parse_number(label[1:-1])
            # (typed without 第 too, as on a phone: 某某条例十三条, 某某条例13条)
            for query in (f"{source.title}{label}", f"{source.title}第{n}条", f"{source.title}{label[1:]}", f"{source.title}{n}条"):
                r = searcher.search(query, k=5)
                assert r.kind == "reference" and r.hits[0].passage.id == first.id, query


def test_chapter_and_clause(searcher):
    chapter = searcher.search("保障农民工工资支付条例第二章", k=200)
    articles = list(dict.fromkeys(h.passage.section[-1] for h in chapter.hits))
    assert articles == ["第十一条", "第十二条", "第十三条", "第十四条", "第十五条"]
    assert all(h.passage.section[0] == "第二章 工资支付形式与周期" for h in chapter.hits)
    clause = searcher.search("某市河道保护条例第二条第二款", k=20)
    assert [h.passage.text for h in clause.hits] == ["本条例所称河道，包括湖泊、人工水道。"]
    with_items = searcher.search("河道保护条例第三条第一款", k=20)
    assert [h.passage.text for h in with_items.hits][-1] == "（三）法律、法规规定的其他职责。"
    # 第X条第Y项: the item after the sentence leading into its list (it returned the whole article)
    item = searcher.search("河道保护条例第三条第二项", k=20)
    assert [h.passage.text for h in item.hits] == ["市水务部门履行下列职责：", "(二)监督河道保护工作；"] and item.answered
    missing = searcher.search("河道保护条例第三条第九项", k=20)  # an item it lacks: the article, not answered
    assert missing.kind == "reference" and not missing.answered and len(missing.hits) == 4


@pytest.mark.parametrize("query", ["河道保护条例第三条（二）", "河道保护条例第三条(2)", "河道保护条例第三条第（二）项",
                                   "河道保护条例第三条第一款（二）"])
def test_an_item_cited_with_its_number_bracketed_is_that_item(searcher, query):
    """Laws cite an item as 第三条（二） or 第三条第（二）项 as often as 第三条第二项: it was searched as words."""
    item = searcher.search(query, k=20)
    assert item.kind == "reference" and item.answered
    assert [h.passage.text for h in item.hits] == ["市水务部门履行下列职责：", "(二)监督河道保护工作；"]


def test_a_bracketed_number_after_a_part_is_no_item():
    """（二） after 第三部分 numbers a plan's subsection, not an item of an article."""
    assert parse_reference("实施方案第三部分（二）").units == ("部分", "")
    assert parse_reference("某条例第三条（二）").units == ("条", "项")


@pytest.mark.parametrize("query", ["农民工工资条例工资支付形式与周期", "保障农民工工资支付条例的工资支付形式与周期那一章",
                                   "《农民工工资条例》工资支付形式与周期讲了什么"])
def test_a_chapter_named_by_its_title_is_looked_up_like_its_number(searcher, query):
    """It was searched: its articles came ranked, not whole and in order."""
    by_title, by_number = searcher.search(query, k=200), searcher.search("保障农民工工资支付条例第二章", k=200)
    assert by_title.kind == "reference" and by_title.answered
    assert [h.passage.id for h in by_title.hits] == [h.passage.id for h in by_number.hits]


def test_a_title_alone_or_asked_about_is_searched(searcher):
    assert searcher.search("家教法附则", k=20).hits[0].passage.section[0] == "第六章 附则"
    assert searcher.search("法律责任", k=5).kind == "search"  # which document's?
    assert searcher.search("家庭教育促进法法律责任里罚款多少", k=5).kind == "search"  # a question on the chapter
    assert searcher.search("河道保护条例附则", k=5).kind == "search"  # it has no such chapter


def test_an_article_never_resolves_to_a_chapter_or_an_item(searcher):
    r = searcher.search("某市河道保护条例第三条", k=20)
    assert r.hits[0].passage.section == ("第二章 管理职责", "第三条")  # not 第三章, not （三）


def test_article_without_a_document_offers_a_choice(searcher):
    r = searcher.search("第十二条", k=10)
    assert r.kind == "choice" and len(r.hits) == 4
    assert all(h.passage.section[-1] == "第十二条" for h in r.hits)
    assert searcher.search("第31条", k=10).hits[-1].source.id == "plan"  # 31. of the plan too, after the 第31条s
    none = searcher.search("第99条", k=10)
    assert none.kind == "reference" and none.hits == []  # no search hit on the number 99
    absent = searcher.search("四川省乡村振兴促进条例第十条", k=10)  # a document the corpus does not hold
    assert absent.kind == "search"
    asked = searcher.search("第十二条是怎么规定的", k=10)  # (规定 the verb, no document's kind)
    assert asked.kind == "choice" and all(h.passage.section[-1] == "第十二条" for h in asked.hits)


def test_an_ordinal_inside_a_sentence_is_no_article(searcher):
    """第一条 is also 'the first' (浙北第一条水上美丽乡村精品线): a sentence around it asks a search, not every document's
    first article."""
    r = searcher.search("河道上第一条示范河道在哪里", k=10)
    assert r.kind == "search"




@pytest.mark.parametrize("query, articles", [
    ("家庭教育促进法第十二条和第十四条", ["第十二条", "第十四条"]),
    ("《家庭教育促进法》第12条、第14条", ["第十二条", "第十四条"]),
    ("家教法第十四条和第十二条", ["第十四条", "第十二条"]),  # in the order asked
    ("家庭教育促进法第十二条至第十四条", ["第十二条", "第十三条", "第十四条"]),
    ("家庭教育促进法第十二、十三条", ["第十二条", "第十三条"]),
    ("家庭教育促进法第十二条和第九十九条", ["第十二条"]),  # those the document has, not answered: 第九十九条 is not
])
def test_several_articles_are_answered_together(searcher, query, articles):
    """消防法第十条和第十二条 was searched (both numbers read as one nested item) and came back not answered."""
    r = searcher.search(query, k=100)
    assert r.kind == "reference" and r.answered == ("九十九" not in query)
    assert list(dict.fromkeys(h.passage.section[-1] for h in r.hits)) == articles
    assert [h.passage.text for h in r.hits] == [t for a in articles for t in article_text(searcher, "family-education-law", a)]


def test_several_chapters_and_several_articles_of_no_named_document(searcher):
    chapters = searcher.search("保障农民工工资支付条例第二章和第三章", k=200)
    assert [s for s in dict.fromkeys(h.passage.section[0] for h in chapters.hits)] == [
        "第二章 工资支付形式与周期", "第三章 工资清偿"]
    choice = searcher.search("第十二条和第十三条", k=10)  # which document? then both articles of the one picked
    assert choice.kind == "choice" and all(h.passage.section[-1] == "第十二条" for h in choice.hits)
    assert searcher.search("第九十八条和第九十九条", k=10).answered is False  # no document has them: not answered
    assert searcher.search("第十条至第九十九条 家庭教育促进法", k=10).kind != "reference"  # past MAX_ITEMS: no list


def long_code() -> str:
    """A made-up law of 120 articles: 第一百一十一条 on, an article's number is five Chinese numerals."""
    from assistant.search.numerals import to_chinese

    return "# 某某法典\n\n" + "\n\n".join(f"第{to_chinese(n)}条 本法第{n}条规定的事项之{n}。" for n in range(1, 121)) + "\n"


@pytest.mark.parametrize("query", ["山东优化营商环境谁是第一责任人", "第一轮土地承包的时候承包期是多少年", "养犬条例第二次修正是哪年",
                                   "商场着火了，店员第一件事该干啥", "捐献人去世以后家属第一步要干什么"])
def test_an_ordinal_before_a_word_is_no_item(query):
    """第N with no unit before more Chinese is an ordinal (第一责任人 is who answers first, not article 1 of the document
    named)."""
    assert parse_reference(query) is None


@pytest.mark.parametrize("query, numbers", [("共同富裕实施方案第31", (31,)), ("省域治理决定 第五 1.", (5, 1)),
                                            ("养犬条例第十二条", (12,))])
def test_a_number_with_no_unit_at_the_end_or_before_punctuation_is_an_item(query, numbers):
    assert parse_reference(query).numbers == numbers


def test_a_document_named_without_the_item_is_not_respelled_into_another(tmp_path):
    """农民工工资条例第七十条: 保障农民工工资支付条例 has 64 articles. The register's wording of the words (工资条 → 工资清单)
    named no document, which offered every other document's 第七十条 as a choice, answered."""
    code = tmp_path / "code.md"
    code.write_text(long_code(), encoding="utf-8")
    engine = Searcher.open(plan_with_regulations(tmp_path, PLAN, [REGULATIONS / "migrant-worker-wages.md", code]))
    r = engine.search("农民工工资条例第七十条", k=10)
    assert r.kind != "choice" and r.answered is False
    assert engine.search("农民工工资条例第六十条", k=10).hits[0].passage.section[-1] == "第六十条"


def test_articles_numbered_past_four_numerals_are_found(tmp_path):
    """道交法第一百一十九条 returned 第一百一十条, cited as answering it: five Chinese numerals were read as four (一百一十),
    and 道交法第119条 found no heading at all."""
    from tests.test_ranking import regulation_searcher

    code = regulation_searcher(tmp_path, "code", long_code())
    for query, n in (("某某法典第一百一十九条", 119), ("某某法典第119条", 119), ("某某法典第一百一十条", 110),
                     ("某某法典第一百零一条", 101), ("某某法典第一百二十条", 120)):
        r = code.search(query, k=3)
        assert r.kind == "reference" and r.answered and [h.passage.text for h in r.hits] == [f"本法第{n}条规定的事项之{n}。"]
    both = code.search("某某法典第一百一十九条和第一百二十条", k=5)
    assert [h.passage.section[-1] for h in both.hits] == ["第一百一十九条", "第一百二十条"]


def test_seed_style_items_keep_working(searcher):
    r = searcher.search("某某方案第31条", k=10)
    assert r.kind == "reference" and r.hits[0].passage.text.startswith("31.")
    items = searcher.search("某某方案第31条和第32条", k=10)  # a plan's items 31. and 32., as 第31条 alone finds
    assert [h.passage.text for h in items.hits if h.passage.text[:2].isdigit()] == ["31.打造协作升级版。", "32.完善机制。"]
    # each item written as typed: 第3条 of a plan is its item 3., 第三条 may be its part 三、
    assert single_items("方案第3条和第5条") == ["方案第3条", "方案第5条"]
    assert single_items("方案第三条至第五条") == ["方案第三条", "方案第四条", "方案第五条"]
    parts = searcher.search("某某方案第一部分和第二部分", k=10)  # the plan has one part: not all asked, not answered
    assert parts.kind == "reference" and not parts.answered and parts.hits[0].passage.text == "一、总体要求"
    # a part of a named document that it lacks: the nearest quotes are not it, and the chat says which part
    absent = searcher.search("某某实施方案第五部分讲什么", k=10)
    assert not absent.answered and absent.untouched == ("某某实施方案第五部分",)
    assert parse_reference("2023年全省一共给市场主体减了多少负担") is None


def test_chat_turns_a_choice_into_buttons(searcher):
    core = build_core(searcher)
    me = Request(7, 7, "")
    reply = core.handle_message(Request(7, 7, "第十二条"))
    buttons = [b for row in reply.buttons for b in row]
    assert not reply.quotes() and len(buttons) == 4 and "请选择" in reply.blocks[0].text
    picked = core.handle_action(me, buttons[0].data)
    first = searcher.corpus.passage(picked.quotes()[0].passage_id)
    assert first.section[-1] == "第十二条" and first.source_id == searcher.search("第十二条").hits[0].source.id


def test_the_chat_cites_each_article_of_a_reference_where_it_ends(searcher):
    """消防法第十条至第十二条 quoted three articles under one citation, 第十条's; a chapter cited its first article only."""
    core = build_core(searcher)
    for query, articles in (("家庭教育促进法第十二条至第十四条", ["第十二条", "第十三条", "第十四条"]),
                            ("保障农民工工资支付条例第二章", ["第十一条", "第十二条", "第十三条", "第十四条", "第十五条"])):
        reply = core.handle_message(Request(7, 7, query))
        cited = [re.search(r"》(.*?)（", b.text).group(1) for b in reply.blocks
                 if not hasattr(b, "citation") and b.text.startswith("——《")]
        assert [c.split()[-1] for c in cited] == articles, query
        quoted = [searcher.corpus.passage(q.passage_id).section[-1] for q in reply.quotes()]
        assert quoted == sorted(quoted, key=articles.index)  # each article's quotes come before its citation


def test_source_card_shows_the_dates_apart(searcher):
    core = build_core(searcher)
    reply = core.handle_message(Request(7, 7, "北京市反食品浪费规定第二条"))
    source_button = next(b for row in reply.buttons for b in row if b.label == "来源")
    card = core.handle_action(Request(7, 7, ""), source_button.data).blocks[0].text
    assert "通过：2021年5月27日" in card and "《北京市反食品浪费规定》" in card


def test_longest_abbreviation_bound_keeps_every_long_enough_match():
    """The cheap bound only skips names that cannot hold an abbreviation of `shortest` characters."""
    import random

    from assistant.search.reference import _longest_abbreviation

    rng = random.Random(5)
    alphabet = "上海市养犬管理条例浙江省共同富裕示范区实施方案第十条"
    for _ in range(3000):
        words = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12)))
        name = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 16)))
        full = _longest_abbreviation(words, name)
        bounded = _longest_abbreviation(words, name, 4)
        assert bounded == full if full >= 4 else bounded < 4, (words, name)
    assert _longest_abbreviation("养犬条例第十条", "上海市养犬管理条例", 4) == 4


def test_an_abbreviation_must_hold_what_the_title_is_about(searcher):
    """管理条例 abbreviates every 某某管理条例: a regulation the corpus lacks is searched, not read as 上海市养犬管理条例."""
    from assistant.search.reference import _longest_abbreviation

    assert _longest_abbreviation("江苏省电动自行车管理条例", "上海市养犬管理条例") == 0
    assert _longest_abbreviation("养犬条例", "上海市养犬管理条例") == 4
    assert searcher.search("江苏省电动自行车管理条例第十条", k=5).kind == "search"
    assert searcher.search("养犬管理条例第十条", k=5).kind == "reference"


def test_a_name_abbreviating_two_titles_alike_names_the_one_holding_more_of_it(tmp_path):
    """河南物业条例 abbreviates 物业管理条例 as well as 河南省物业管理条例 (4 of 6 and 6 of 9 characters): the one whose
    title also holds its 河南 is named. The national regulation was, its article then not answered for 河南."""
    searcher = Searcher.open(plan_with_regulations(tmp_path, PLAN, [REGULATIONS / "property-management.md",
                                                                    REGULATIONS / "henan-property-management.md"]))
    provincial = searcher.search("河南物业条例第三十六条")
    assert provincial.kind == "reference" and provincial.answered
    assert {h.source.id for h in provincial.hits} == {"henan-property-management"}
    assert {h.source.id for h in searcher.search("物业条例第三十六条").hits} == {"property-management"}
    assert searcher.resolve_source("河南物业条例") == "henan-property-management"
    # the national title held whole, 河南 said besides: the provincial one accounts for all of it
    assert {h.source.id for h in searcher.search("河南物业管理条例第三十六条").hits} == {"henan-property-management"}


def test_named_sources_equals_scoring_every_source():
    """named_sources works out the longest abbreviation (its tie-break) only for the sources that match: the same
    ids as taking it for every source and keeping the best that reach the threshold."""
    from assistant.records import Source
    from assistant.search.reference import MATCH_THRESHOLD, _longest_abbreviation, named_sources, source_match

    sources = [Source(id="shanghai-dog", title="上海市养犬管理条例", short="上海养犬条例"),
               Source(id="hangzhou-dog", title="杭州市养犬管理条例"),
               Source(id="property", title="物业管理条例"),
               Source(id="henan-property", title="河南省物业管理条例"),
               Source(id="traffic", title="中华人民共和国道路交通安全法", short="道交法"),
               Source(id="plan", title="某某实施方案")]

    def every(words: str, threshold: float) -> list[str]:
        scored = [(source_match(words, s), words in (s.short, s.title),
                   max(_longest_abbreviation(words, n) for n in (s.short, s.title, s.id) if n), s.id) for s in sources]
        best = max(((m, e, k) for m, e, k, _ in scored if m >= threshold), default=None)
        return [sid for m, e, k, sid in scored if (m, e, k) == best]

    for words in ("河南物业条例", "物业条例", "物业管理条例", "养犬条例", "上海养犬条例", "杭州养犬", "道交法", "实施方案",
                  "安全法", "条例", "食品浪费", "property", ""):
        for threshold in (MATCH_THRESHOLD, 0.0, 1.0):
            assert named_sources(words, sources, threshold) == every(words, threshold), (words, threshold)
    # a title named exactly is that document, not another holding it (物业管理条例第七十条: the national text has 67)
    assert named_sources("物业管理条例", sources, MATCH_THRESHOLD) == ["property"]
    assert named_sources("河南省物业管理条例", sources, MATCH_THRESHOLD) == ["henan-property"]


def test_an_abbreviation_leaves_out_who_issued_the_document():
    """政务新媒体意见 abbreviates 国务院办公厅关于推进政务新媒体健康有序发展的意见: 7 of its 25 characters, but 7 of the 17
    after 关于, the way such titles are cut short."""
    from assistant.records import Source
    from assistant.search.reference import MATCH_THRESHOLD, named_sources

    sources = [Source(id="opinion", title="国务院办公厅关于推进政务新媒体健康有序发展的意见"),
               Source(id="property", title="物业管理条例")]
    for words in ("政务新媒体意见", "政务新媒体意见讲的什么"):  # (the second shares too few bigrams with the title)
        assert named_sources(words, sources, MATCH_THRESHOLD) == ["opinion"], words


@pytest.fixture(scope="module")
def titled(tmp_path_factory: pytest.TempPathFactory) -> Searcher:
    names = ["internet-cafe-management.md", "housing-provident-fund.md", "property-management.md",
             "henan-property-management.md"]
    return Searcher.open(plan_with_regulations(tmp_path_factory.mktemp("titled"), PLAN, [REGULATIONS / n for n in names]))


def test_a_question_naming_a_document_by_its_title_is_searched_in_it(titled):
    """互联网上网服务营业场所管理条例从哪天开始施行: every passage of that regulation repeats its title's words, so it is
    searched within it, as @简称 is; a title that is part of another's (物业管理条例, 河南省物业管理条例) says neither."""
    named = titled.search("互联网上网服务营业场所管理条例 罚款", k=100)
    scoped = titled.search("罚款", k=100, source_id="internet-cafe-management")
    assert [h.passage.id for h in named.hits] == [h.passage.id for h in scoped.hits] and named.total == scoped.total
    assert {h.source.id for h in titled.search("罚款", k=30).hits} > {"internet-cafe-management"}
    either = titled.search("物业管理条例 罚款", k=30)
    assert {"property-management", "henan-property-management"} <= {h.source.id for h in either.hits}


OPINION = """某某实施方案
一、总体要求
（一）基本原则。
1.坚持正确导向。弘扬主旋律。
2.坚持需求引领。优化用户体验。
（二）工作目标。
1.到2025年，建成平台。
二、明确工作职责
三、加强功能建设
四、强化保障措施
五、附则
"""


def test_a_part_named_by_its_title_scopes_the_number_after_it(tmp_path):
    """A plan numbers its items anew in each part: 基本原则第2条 is the 2. under （一）基本原则, and 基本原则第5条 (of
    two) is no part 五 — it is searched and not answered."""
    searcher = Searcher.open(plan_with_regulations(tmp_path, OPINION, []))
    second = searcher.search("某某方案基本原则第2条", k=5)
    assert second.kind == "reference" and second.hits[0].passage.text == "2.坚持需求引领。"
    assert searcher.search("某某方案工作目标第1条", k=5).hits[0].passage.text == "1.到2025年，建成平台。"
    fifth = searcher.search("某某方案基本原则第5条是什么", k=5)
    assert fifth.kind == "search" and not fifth.answered
    assert searcher.search("某某方案第五部分", k=5).hits[0].passage.text == "五、附则"  # no title named: part 五


def _brute_force_find(anchors, ref, words, source):
    """Outline.find and Outline.part as a plain scan of every place (the way they were written before the outline
    indexed them): the oracle the index must agree with."""
    from assistant.search.reference import LEGAL_UNITS, _arabic_heading, _candidates, _heading_unit

    outline = Outline.of(anchors)
    lo, hi = outline.part(words, source)
    scope = outline.entries[lo:hi]
    found = None
    for n, arabic, unit in zip(ref.numbers, ref.arabic, ref.units):
        if unit in ("款", "项"):
            break
        numbered = [(c, _heading_unit(c[2])) for c in scope]
        if unit in LEGAL_UNITS and any(u and u[1] == unit for _, u in numbered):
            matches = [c for c, u in numbered if u == (n, unit)]
        else:
            matches = [c for c, u in numbered if u and u[0] == n]
        if not matches:
            return None
        p, path, _ = min(matches, key=lambda c: (_arabic_heading(c[2]) != arabic, len(c[1]), c[0].seq))
        found = (p, path)
        scope = [c for c in _candidates(anchors) if c[0].seq >= p.seq and c[1][: len(path)] == path and c[1] != path]
    return found


def test_the_outline_finds_what_scanning_every_heading_finds(searcher, db_path):
    """Random references (numbers, units, two levels, a part's title) on regulations, a plan and the seeds: the
    indexed lookup lands where a scan of all the document's places lands."""
    import random

    from assistant.search.numerals import to_chinese

    rng = random.Random(7)
    forms = ["第{n}条", "第{n}章", "第{n}部分", "{n}.", "第{n}章第{m}节", "第{n}部分{m}.", "第{n}部分第{m}条", "（{n}）",
             "第{n}部分（{m}）", "第{n}条第{m}款"]
    compared = found = 0
    for engine in (searcher, Searcher.open(db_path)):
        sources = {s.id: s for s in engine._names.values()}
        for sid in sources:
            anchors = engine._outline(sid).anchors
            titles = [t for t, _ in Outline.of(anchors).parts] or ["无"]
            for _ in range(150):
                n, m = rng.randint(1, 40), rng.randint(1, 10)
                text = rng.choice(["", rng.choice(titles)]) + "文件" + rng.choice(forms).format(
                    n=to_chinese(n) if rng.random() < 0.5 else n, m=m)
                ref = parse_reference(text)
                if ref is None:
                    continue
                outline = Outline.of(anchors)
                got = outline.find(ref, *outline.part(ref.source_text, sources.get(sid)))
                want = _brute_force_find(anchors, ref, ref.source_text, sources.get(sid))
                assert (got and (got[0].id, got[1])) == (want and (want[0].id, want[1])), text
                compared += 1
                found += want is not None
    assert compared > 1000 and found > 300


def test_an_ordinal_in_a_sentence_asks_no_item_the_documents_lack(searcher):
    """浙北第一条水上美丽乡村精品线在哪个村 was searched, then flagged as asking an article no document has (未涉及“浙北第一条”),
    its right answer shown as no answer. Words naming a document, or asking the item alone, still ask for it."""
    from assistant.search.reference import item_asked

    sources = list(searcher._names.values())
    assert not item_asked(parse_reference("河道上第一条示范河道在哪里"), sources)
    assert item_asked(parse_reference("四川省乡村振兴促进条例第十条"), sources)  # a document not held: still an item
    assert item_asked(parse_reference("第九十九条讲什么"), sources)
    assert item_asked(parse_reference("养犬条例第九十九条"), sources)
    assert searcher.search("河道上第一条示范河道在哪里", k=3).untouched == ()


def test_a_served_corpus_reads_every_outline_before_the_first_question(db_path, tmp_path):
    """The bot, `serve` and a corpus switched to after a re-ingest have read each source's numbered places at
    start: no user's first reference waits for them."""
    from channel_support import settings_for

    from assistant.runtime import open_core

    core = open_core(settings_for(db_path, tmp_path))
    try:
        for engine in (core.searcher, core.reopen()):
            assert engine._names and set(engine._outlines) == set(engine._names)
        assert not Searcher.open(db_path)._outlines  # a one-off search (the CLI) reads none it does not need
    finally:
        if core.querylog is not None:
            core.querylog.close()


def test_an_item_a_named_document_lacks_shows_that_document_without_vectors_too(tmp_path):
    """爱国主义教育法第五十条 (a law of forty articles) searched by words alone found nothing at all, though every
    passage of the law is of the document named; with vectors it showed the law's nearest passages. Both show the
    law now, never as an answer."""
    engine = Searcher.open(plan_with_regulations(tmp_path, PLAN, [REGULATIONS / "migrant-worker-wages.md"]),
                           semantic=False)
    r = engine.search("保障农民工工资支付条例第七十条", k=5)
    assert len(r.hits) == 5 and r.answered is False and r.missing
    assert {h.passage.source_id for h in r.hits} == {"migrant-worker-wages"}
    assert r.held == "共六十四条"  # how many it has, said beside what it lacks


def test_a_chapter_asked_of_a_regulation_without_chapters_is_said_to_have_none(tmp_path):
    engine = Searcher.open(plan_with_regulations(tmp_path, PLAN, [REGULATIONS / "residence-permit.md"]), semantic=False)
    r = engine.search("居住证暂行条例第三章", k=3)
    assert r.answered is False and r.held == "不分章"
    lead = build_core(engine).handle_message(Request(7, 7, "居住证暂行条例第三章")).blocks[0].text
    assert lead.endswith("未涉及“居住证暂行条例第三章”（《居住证暂行条例》不分章）：")
