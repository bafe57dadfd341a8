"""Legal structure (编/章/节/条, 款 and 项 inside the article) and what a document states about itself."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from regulation_support import REGULATION_MD, WRAPPED_TXT, body, passages

from assistant.records import HEADNOTE

from assistant.ingest import legal, metadata
from assistant.ingest.formats import markdown, txt

REGULATIONS = Path(__file__).parent / "data" / "regulations"


@pytest.fixture
def regulation(tmp_path: Path) -> Path:
    path = tmp_path / "reg.md"
    path.write_text(REGULATION_MD, encoding="utf-8")
    return path


def test_numbers_and_units():
    assert legal.parse_number("三十一") == 31 and legal.parse_number("一百零二") == 102
    assert legal.parse_number("１２") == 12 and legal.parse_number("条") is None
    assert legal.division("第一章总则") == (3, "第一章 总则")
    assert legal.division("第二章规定的事项，依照执行。") is None  # a sentence, not a heading
    assert legal.article("第十条市场准入") == (10, "第十条", "市场准入")
    assert legal.article("第十条之一 补充") == (10, "第十条之一", "补充")


def test_regulation_markdown_structure(regulation: Path):
    facts = metadata.read_facts(markdown.read(regulation))
    ps = passages(regulation, markdown.read, facts.title, "\n".join(facts.history))
    # the header block's dated events lead, as printed, under 题注 (the history a 什么时候通过的 asks for) …
    assert [(p.section, p.text) for p in ps[:1]] == [((HEADNOTE,), facts.history[0])]
    assert "会议通过" in ps[0].text and "会议批准" in ps[0].text and ps[1].section != (HEADNOTE,)
    # … and are no part of the text; Markdown syntax and the comment are never passages
    texts = [p.text for p in body(ps)]
    assert not any(t.startswith(("#", "<!")) or "INFO" in t or "会议通过" in t or "会议批准" in t for t in texts)
    # every body passage sits under its article; the first chapter's heading is lost: its articles are 第一章's
    assert all(p.section and p.section[-1].startswith("第") and p.section[-1].endswith("条") for p in body(ps))
    by_text = {p.text: p for p in ps}
    assert by_text["为了加强河道保护，制定本条例。"].section == ("第一章", "第一条")
    assert by_text["本条例所称河道，包括湖泊、人工水道。"].section == ("第一章", "第二条")  # the article's second 款
    # the three chapter-heading spellings give the same label form
    assert by_text["（一）组织编制河道规划；"].section == ("第二章 管理职责", "第三条")
    assert by_text["河道整治应当符合规划。"].section == ("第三章 河道整治", "第五条")
    # divisions and article numbers are structure only: never a bare passage
    assert not any(p.is_heading for p in ps) and "第五条" not in texts and "第三章河道整治" not in texts
    assert by_text["任何单位和个人不得侵占河道。"].section == ("第四章 行为规范", "第七条")
    # full-width and ASCII items stay body text inside their article; the next article is not filed under them
    for item in ("（一）组织编制河道规划；", "(二)监督河道保护工作；", "（三）法律、法规规定的其他职责。"):
        assert not by_text[item].is_heading and by_text[item].section[-1] == "第三条"
    assert by_text["区人民政府负责本区河道保护工作。"].section == ("第二章 管理职责", "第四条")
    # a reference to another article inside the text is not an article heading
    assert "违反本条例第五条规定的，依法处理。" in texts
    assert by_text["禁止在河道内倾倒垃圾。"].section[-1] == "第六条"


def test_header_dates_are_kept_apart(regulation: Path):
    facts = metadata.read_facts(markdown.read(regulation))
    assert facts.title == "某市河道保护条例" and facts.kind == "条例"
    assert (facts.passed, facts.approved, facts.effective) == ("2019-06-27", "2019-09-27", "2020-01-01")
    assert facts.issuer == "某市人民代表大会常务委员会" and facts.promulgated == "" and facts.revised == ""
    assert len(facts.history) == 1  # two lines without a blank between: one Markdown paragraph


def test_header_forms():
    f = metadata.Facts()
    metadata.read_events(
        "（1994年7月5日第八届全国人民代表大会常务委员会第八次会议通过　根据2009年8月27日第十一届全国人民代表大会"
        "常务委员会第十次会议《关于修改部分法律的决定》第一次修正　根据2018年12月29日第十三届全国人民代表大会常务"
        "委员会第七次会议《关于修改〈中华人民共和国劳动法〉等七部法律的决定》第二次修正）", f)
    assert (f.passed, f.revised, f.issuer) == ("1994-07-05", "2018-12-29", "全国人民代表大会常务委员会")
    g = metadata.Facts()
    metadata.read_events("2018年9月28日浙江省人民政府令第369号公布 自2018年11月1日起施行", g)
    assert (g.promulgated, g.effective, g.issuer) == ("2018-09-28", "2018-11-01", "浙江省人民政府")
    # a city's regulation amended by a decision the province approved: the approval qualifies the decision, 修正
    # is the event (before, 2019-11-29 was read as a second 批准 and the amendment was lost)
    h = metadata.Facts()
    metadata.read_events(
        "（2003年6月27日某市第十届人民代表大会常务委员会第十次会议通过　2003年8月1日某省第十届人民代表大会常务委员会"
        "第五次会议批准　根据2019年9月26日某市第十三届人民代表大会常务委员会第二十一次会议通过、2019年11月29日某省"
        "第十三届人民代表大会常务委员会第十五次会议批准的《某市人民代表大会常务委员会关于修改〈某市市容条例〉等八件"
        "地方性法规的决定》修正）", h)
    assert (h.passed, h.approved, h.revised) == ("2003-06-27", "2003-08-01", "2019-11-29")
    assert metadata.kind_of("某省高质量发展实施方案（2021—2025年）") == "实施方案"
    assert metadata.kind_of("某市物业管理办法（试行）") == "办法"
    assert metadata.kind_of("某省促进家政服务业提质扩容若干措施") == "措施"
    assert metadata.kind_of("关于某事的说明") == ""  # nothing invented


def test_wrapped_text_regulation(tmp_path: Path):
    path = tmp_path / "reg.txt"
    path.write_text(WRAPPED_TXT, encoding="utf-8")
    facts = metadata.read_facts(txt.read(path))
    assert facts.title == "某省数据条例" and facts.passed == "2021-03-01"
    ps = passages(path, txt.read, facts.title, "\n".join(facts.history))
    by_text = {p.text: p for p in ps}
    assert by_text["为了促进数据依法有序流动，保障数据安全，根据有关法律、行政法规，结合本省实际，制定本条例。"].section == (
        "第一章 总则", "第一条")
    assert by_text["（二）最小必要。"].section == ("第二章 数据资源", "第三条")
    assert not any("会议通过" in p.text or p.text == "某省数据条例" for p in body(ps))
    assert [p.section for p in ps if "会议通过" in p.text] == [(HEADNOTE,)]


def test_in_force_on_promulgation_undated_is_a_header_line_and_the_promulgation_date():
    """校车安全管理条例 prints 公布之日施行 under its 公布 line: a line of its header (题注), not a body passage outside
    every article; a closing 本条例自发布之日起施行 dates the effect the same way."""
    facts = metadata.read_facts(markdown.read(REGULATIONS / "school-bus-safety.md"))
    assert (facts.promulgated, facts.effective) == ("2012-04-05", "2012-04-05") and facts.history[-1] == "公布之日施行"
    ps = passages(REGULATIONS / "school-bus-safety.md", markdown.read, facts.title, "\n".join(facts.history))
    assert [p.text for p in ps if p.section == (HEADNOTE,)][-1] == "公布之日施行"
    assert all(p.section[-1].startswith("第") for p in body(ps) if not p.is_heading)
    fund = metadata.read_facts(markdown.read(REGULATIONS / "housing-provident-fund.md"))
    assert (fund.promulgated, fund.effective) == ("1999-04-03", "1999-04-03")
    assert not metadata.is_header("本条例自公布之日起施行。") and metadata.is_header("（自公布之日起施行）")


def test_a_law_amended_nine_times_keeps_every_header_line():
    """Its last two 修正 lines were beyond the eight header lines read: dated 2019 instead of 2021."""
    facts = metadata.read_facts(markdown.read(REGULATIONS / "guangdong-population-family-planning.md"))
    assert (len(facts.history), facts.revised, facts.date) == (10, "2021-12-01", "2021-12-01")


DATED_MEETING = re.compile(r"[（(]?\d{4}年\d{1,2}月\d{1,2}日.{0,40}会议")  # a header line: when a meeting passed it


@pytest.mark.parametrize("name", sorted(p.name for p in REGULATIONS.glob("*.md") if p.name != "README.md"))
def test_published_regulations(name: str):
    path = REGULATIONS / name
    facts = metadata.read_facts(markdown.read(path))
    ps = passages(path, markdown.read, facts.title, "\n".join(facts.history))
    history = [p for p in ps if p.section == (HEADNOTE,)]
    assert ps[: len(history)] == history and all(metadata.is_header(p.text) for p in history)
    ps = body(ps)
    body_text = [p for p in ps if not p.is_heading]
    assert facts.title and not facts.title.startswith("#")
    if facts.kind == "意见":  # the policy opinion (government-new-media-opinion.md): 一、/（一） headings, no 条
        assert sum(1 for p in body_text if p.section) >= 0.9 * len(body_text)
    else:
        assert sum(1 for p in body_text if p.section and legal.article(p.section[-1])) >= 0.9 * len(body_text)
    # a header date line must not reach the body; the last article may name when the text it repeals was passed
    # (河南省物业管理条例, 山东省全民健身条例: "…会议通过的《…》同时废止。"), and an article may name a meeting
    # deciding (村民委员会组织法: 由村民会议通过筹资筹劳解决)
    assert not any(p.text.startswith(("#", "<!", "-->")) or "INFO END" in p.text
                   or (DATED_MEETING.match(p.text) and not p.text.endswith("同时废止。")) for p in ps)
    if facts.kind != "意见":  # in the opinion （一） lines are headings (（一）指导思想。), not items
        assert not any(p.is_heading and legal.ITEM.match(p.text) for p in ps)


def test_table_of_contents_and_plain_word_title(tmp_path: Path):
    from docx import Document

    from assistant.ingest.formats import docx

    doc = Document()
    for text in ["某省物业管理条例", "（2020年9月24日某省第十三届人民代表大会常务委员会第二十三次会议通过）", "目录",
                 "第一章　总则", "第二章　业主", "第一章　总则", "第一条　为了规范物业管理活动，制定本条例。",
                 "第二章　业主", "第二条　业主享有下列权利：", "(一)按照物业服务合同接受服务；", "第三条　业主大会由全体业主组成。"]:
        doc.add_paragraph(text)  # no styles at all: title and structure come from the text
    path = tmp_path / "plain.docx"
    doc.save(str(path))
    facts = metadata.read_facts(docx.read(path))
    assert facts.title == "某省物业管理条例" and facts.passed == "2020-09-24" and facts.kind == "条例"
    ps = passages(path, docx.read, facts.title, "\n".join(facts.history))
    assert [(p.section, p.text) for p in ps] == [
        ((HEADNOTE,), "（2020年9月24日某省第十三届人民代表大会常务委员会第二十三次会议通过）"),
        (("第一章 总则", "第一条"), "为了规范物业管理活动，制定本条例。"),
        (("第二章 业主", "第二条"), "业主享有下列权利："),
        (("第二章 业主", "第二条"), "(一)按照物业服务合同接受服务；"),
        (("第二章 业主", "第三条"), "业主大会由全体业主组成。"),
    ]


def test_a_header_under_a_line_break_in_the_word_title_is_a_header(tmp_path: Path):
    """某省养老服务条例⏎（…会议通过） in one Title paragraph was all title: of no kind, its passing date lost."""
    from docx import Document

    from assistant.ingest.formats import docx

    doc = Document()
    title = doc.add_paragraph("某省养老服务条例", style="Title")
    title.add_run().add_break()
    title.add_run("（2021年3月26日某省第十三届人民代表大会常务委员会第二十八次会议通过）")
    for text in ["第一条　为了发展养老服务，制定本条例。", "第二条　县级以上人民政府负责养老服务工作。", "第三条　本条例自2021年6月1日起施行。"]:
        doc.add_paragraph(text)
    doc.save(str(tmp_path / "care.docx"))
    facts = metadata.read_facts(docx.read(tmp_path / "care.docx"))
    assert (facts.title, facts.kind, facts.passed) == ("某省养老服务条例", "条例", "2021-03-26")
    ps = passages(tmp_path / "care.docx", docx.read, facts.title, "\n".join(facts.history))
    assert [p.text for p in ps if p.section == (HEADNOTE,)] == ["（2021年3月26日某省第十三届人民代表大会常务委员会第二十八次会议通过）"]


def test_a_title_typed_over_two_title_paragraphs_is_one_title(tmp_path: Path):
    """某省人民代表大会常务委员会关于 / 加强养老服务工作的决定: it was titled by its first line, of no kind, undated."""
    from docx import Document

    from assistant.ingest.formats import docx

    doc = Document()
    for text in ["某省人民代表大会常务委员会关于", "加强养老服务工作的决定"]:
        doc.add_paragraph(text, style="Title")
    for text in ["（2021年3月26日某省第十三届人民代表大会常务委员会第二十八次会议通过）", "为了发展养老服务，作如下决定：",
                 "一、县级以上人民政府应当将养老服务纳入规划。", "二、本决定自公布之日起施行。"]:
        doc.add_paragraph(text)
    doc.save(str(tmp_path / "decision.docx"))
    facts = metadata.read_facts(docx.read(tmp_path / "decision.docx"))
    assert (facts.title, facts.kind, facts.passed) == ("某省人民代表大会常务委员会关于加强养老服务工作的决定", "决定", "2021-03-26")
    ps = passages(tmp_path / "decision.docx", docx.read, facts.title, "\n".join(facts.history))
    assert [p.text for p in ps][:2] == [
        "（2021年3月26日某省第十三届人民代表大会常务委员会第二十八次会议通过）", "为了发展养老服务，作如下决定："]
    article = Document()  # a title naming no kind, then a body heading of the same style: not one title
    for text in ["加快发展新质生产力", "一、总体要求"]:
        article.add_paragraph(text, style="Heading 1")
    article.add_paragraph("坚持创新驱动。")
    article.save(str(tmp_path / "article.docx"))
    assert metadata.read_facts(docx.read(tmp_path / "article.docx")).title == "加快发展新质生产力"


def test_the_effective_date_is_read_across_a_wrapped_line():
    """A PDF line may end inside the closing sentence (本意见自2025年3 | 月1日起施行): the date is still read."""
    from assistant.ingest.formats import Element

    lines = ["某省人民政府办公厅关于促进养老服务的实施意见", "各市人民政府：", "一、加强养老服务。",
             "各级民政部门负责统筹规划。本意见自2025年3", "月1日起施行。"]
    facts = metadata.read_facts([Element(t, heading=1 if i == 0 else 0, wrapped=i > 0) for i, t in enumerate(lines)])
    assert facts.effective == "2025-03-01"


def test_markdown_items_and_articles_on_consecutive_lines_are_passages_of_their_own(tmp_path: Path):
    """Regulations shared as Markdown put each item and article on its own line, no blank line between: a Markdown
    paragraph joined them into one passage (…材料：（一）身份证明；（二）居住证明；第三条…)."""
    path = tmp_path / "reg.md"
    path.write_text("# 某市居住登记办法\n\n第一条 为了规范居住登记，制定本办法。\n第二条 申请人应当提交下列材料：\n"
                    "（一）身份证明；\n（二）居住证明；\n1. 租赁合同；\n2、其他材料。\n第三条 登记费用合计\n"
                    "3.5元，由申请人承担。\n", encoding="utf-8")
    facts = metadata.read_facts(markdown.read(path))
    by_text = {p.text: p.section for p in passages(path, markdown.read, facts.title)}
    for item in ("（一）身份证明；", "（二）居住证明；", "1.租赁合同；", "2、其他材料。"):
        assert by_text[item] == ("第二条",)
    assert by_text["为了规范居住登记，制定本办法。"] == ("第一条",)
    assert by_text["登记费用合计3.5元，由申请人承担。"] == ("第三条",)  # a decimal wrapped to a line's start opens nothing


def test_articles_before_a_first_chapter_numbered_two_are_the_lost_first_chapter(tmp_path: Path):
    """开封市河湖保护管理条例 prints 第一章's articles under no heading and then 第二章: they are 第一章's (so a
    reference to 第一章 finds them). A regulation without chapters gets none."""
    facts = metadata.read_facts(markdown.read(REGULATIONS / "kaifeng-rivers-lakes.md"))
    ps = passages(REGULATIONS / "kaifeng-rivers-lakes.md", markdown.read, facts.title, "\n".join(facts.history))
    assert {p.section for p in body(ps) if p.section[-1] in ("第一条", "第八条")} == {("第一章", "第一条"), ("第一章", "第八条")}
    assert next(p.section for p in body(ps) if p.section[-1] == "第九条")[0].startswith("第二章")
    path = tmp_path / "reg.md"
    path.write_text("# 某市河道管理条例\n\n第一条 为了加强河道管理，制定本条例。\n\n第二条 本条例适用于本市。\n\n第三条 禁止侵占河道。\n",
                    encoding="utf-8")
    facts = metadata.read_facts(markdown.read(path))
    assert {p.section for p in passages(path, markdown.read, facts.title)} == {("第一条",), ("第二条",), ("第三条",)}


@pytest.mark.parametrize("name, title, last, first", [
    ("shandong-human-resources-market.md", "法律责任", "第四十一条", "第四十二条"),
    ("henan-property-management.md", "物业管理区域及设施", "第八条", "第九条"),
    ("shandong-rural-roads.md", "养护管理", "第二十一条", "第二十二条"),  # no numbered chapter follows:
    ("shandong-rural-roads.md", "法律责任", "第四十九条", "第五十条"),  # its last four are all bare titles
    ("anyang-secondary-water-supply.md", "规划建设", "第五条", "第六条"),  # after untitled first articles, two bare
    ("anyang-secondary-water-supply.md", "运行管理", "第十五条", "第十六条"),  # titles, then 第四章
])
def test_a_bare_title_after_chapter_n_is_the_lost_chapter(name: str, title: str, last: str, first: str):
    """The source prints a chapter's title alone, without its 第N章: it heads that chapter's articles, not a passage of
    the article before it."""
    facts = metadata.read_facts(markdown.read(REGULATIONS / name))
    ps = body(passages(REGULATIONS / name, markdown.read, facts.title, "\n".join(facts.history)))
    assert not any(p.text == title for p in ps)
    chapter = next(p.section for p in ps if p.section[-1] == first)[0]
    assert chapter.endswith(" " + title) and chapter != next(p.section for p in ps if p.section[-1] == last)[0]


def test_bare_titles_before_the_first_numbered_chapter_count_back_from_it():
    """安阳市城镇居民二次供水条例 numbers only its 第四章: its first articles are 第一章's, its two bare titles 第二章 and
    第三章, counted back from 第四章."""
    name = "anyang-secondary-water-supply.md"
    facts = metadata.read_facts(markdown.read(REGULATIONS / name))
    chapter = {p.section[-1]: p.section[0] for p in body(passages(REGULATIONS / name, markdown.read, facts.title))}
    assert (chapter["第一条"], chapter["第六条"], chapter["第十六条"], chapter["第二十六条"]) == (
        "第一章", "第二章 规划建设", "第三章 运行管理", "第四章 法律责任")


def test_short_lines_that_leave_no_room_before_the_next_chapter_stay_text(tmp_path: Path):
    """Two short lines before articles, then 第三章: only 第二章's number is missing, so the first is text and the
    second, right before 第三章's room runs out, is 第二章's title; with no numbered chapter at all, nothing is."""
    path = tmp_path / "reg.md"
    path.write_text("# 某市河道管理条例\n\n第一条 为了加强河道管理，制定本条例。\n\n河道保护\n\n第二条 本条例适用于本市。\n\n"
                    "河道整治\n\n第三条 禁止侵占河道。\n\n## 第三章 附则\n\n第四条 本条例自公布之日起施行。\n", encoding="utf-8")
    facts = metadata.read_facts(markdown.read(path))
    ps = passages(path, markdown.read, facts.title)
    assert "河道保护" in {p.text for p in ps} and "河道整治" not in {p.text for p in ps}
    assert {p.section[0] for p in ps if p.section[-1] == "第三条"} == {"第二章 河道整治"}
    path.write_text("# 某市河道管理条例\n\n第一条 为了加强河道管理，制定本条例。\n\n河道保护\n\n第二条 本条例适用于本市。\n",
                    encoding="utf-8")
    assert "河道保护" in {p.text for p in passages(path, markdown.read, metadata.read_facts(markdown.read(path)).title)}


def test_a_bare_line_that_is_no_lost_chapter_stays_text(tmp_path: Path):
    """Between 第一章 and 第二章 (no number missing), or not before the next article, a short line is text."""
    path = tmp_path / "reg.md"
    path.write_text("# 某市河道管理条例\n\n## 第一章 总则\n\n第一条 为了加强河道管理，制定本条例。\n\n河道保护\n\n第二条 本条例适用于本市。"
                    "\n\n## 第二章 管理\n\n第三条 禁止侵占河道。\n", encoding="utf-8")
    facts = metadata.read_facts(markdown.read(path))
    ps = passages(path, markdown.read, facts.title)
    assert ("第一章 总则", "第一条") in {p.section for p in ps} and any(p.text == "河道保护" for p in ps)
