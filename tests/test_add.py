"""`add`/`remove` and the format readers end to end: Markdown, Word, text PDF, and bad input of every kind."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from regulation_support import REGULATION_MD, SEED, body, seed_corpus, write_docx, write_pdf

from assistant.ingest import formats
from assistant.ingest.formats import pdf
from assistant.ingest.add import AddError, add, remove
from assistant.ingest.manifest import ManifestError, load_manifest
from assistant.ingest.pipeline import RebuildRefused, build
from assistant.records import HEADNOTE
from assistant.storage import Corpus

@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return seed_corpus(tmp_path)


def snapshot(folder: Path, db: Path) -> dict:
    files = {p.name: p.read_bytes() for p in folder.iterdir()}
    return {"files": files, "db": db.read_bytes() if db.exists() else None}


def test_add_markdown_reads_metadata_and_remove_takes_it_out(corpus: Path, tmp_path: Path):
    src = tmp_path / "river.md"
    src.write_text(REGULATION_MD, encoding="utf-8")
    db = tmp_path / "a.db"
    (r,) = add([src], corpus, db)
    s = r.source
    assert (s.title, s.kind, s.passed, s.approved, s.effective) == (
        "某市河道保护条例", "条例", "2019-06-27", "2019-09-27", "2020-01-01")
    assert s.issuer == "某市人民代表大会常务委员会" and s.short == "" and s.date == "2019-06-27"
    assert r.articles == 8 and [c for c, _ in r.outline] == ["第一章", "第二章 管理职责", "第三章 河道整治", "第四章 行为规范"]
    assert (corpus / "river.md").read_bytes() == src.read_bytes()
    stored = Corpus(db).source(s.id)
    assert stored.approved == "2019-09-27" and "会议批准" in stored.history
    assert any(e.id == s.id for e in load_manifest(corpus))
    # flags override what was read
    remove(s.id, corpus, db)
    assert not (corpus / "river.md").exists() and Corpus(db).source(s.id) is None
    (r,) = add([src], corpus, db, {"title": "河道条例", "date": "2019"})
    assert (r.source.title, r.source.date, r.source.passed) == ("河道条例", "2019", "2019-06-27")


def test_add_docx_with_headings_and_table(corpus: Path, tmp_path: Path):
    path = write_docx(tmp_path / "volunteer.docx")
    db = tmp_path / "a.db"
    (r,) = add([path], corpus, db)
    assert (r.source.title, r.source.kind, r.source.promulgated, r.source.effective) == (
        "某县志愿服务办法", "办法", "2022-03-01", "2022-05-01")
    assert r.source.issuer == "某县人民政府"
    ps = Corpus(db).passages(r.source.id)
    row = next(p for p in ps if "应急救援" in p.text)
    # a table row: a passage, under its article and its table's header row
    assert row.section == ("第二章 服务记录", "第三条", "服务类型 | 折算时长") and "每次计四小时" in row.text
    assert not any("公布" in p.text or p.text == "某县志愿服务办法" for p in body(ps))
    assert [p.section for p in ps if "公布" in p.text] == [(HEADNOTE,)]  # the history line, quoted apart


NOTICE = (  # an official notice (公文) issuing a plan, paragraph by paragraph as Word holds it
    "某市人民政府办公室关于印发某市老旧小区改造三年行动方案（2024—2026年）的通知",
    "某政办发〔2024〕12号",
    "各县（市、区）人民政府，市政府直属各单位：",
    "《某市老旧小区改造三年行动方案（2024—2026年）》已经市政府同意，现印发给你们，请认真贯彻执行。",
    "某市人民政府办公室",
    "某市住房和城乡建设局",
    "2024年3月15日",
    "（此件公开发布）",
    "某市老旧小区改造三年行动方案（2024—2026年）",
    "一、总体目标",
    "到2026年底，全市累计改造老旧小区300个，惠及居民10万户。",
    "二、主要任务",
    "对符合条件的多层住宅，每台电梯给予最高20万元财政补助。",
    "本方案自2024年4月1日起施行。",
    "抄送：市委办公室，市人大常委会办公室。",
    "某市人民政府办公室　　2024年3月16日印发",
)


def test_an_official_notice_is_cited_by_the_plan_it_issues(corpus: Path, tmp_path: Path):
    """Issuing number, addressees, the joint signature over its date and the closing block are header lines
    (metadata, never quoted); the signature dates the document; the issued plan names it in citations."""
    from docx import Document

    doc = Document()
    doc.add_paragraph(NOTICE[0], style="Title")
    for text in NOTICE[1:]:
        doc.add_paragraph(text)
    doc.save(tmp_path / "notice.docx")
    (r,) = add([tmp_path / "notice.docx"], corpus, tmp_path / "a.db")
    s = r.source
    assert (s.short, s.kind) == ("某市老旧小区改造三年行动方案（2024—2026年）", "行动方案")
    assert (s.issuer, s.promulgated, s.date, s.effective) == ("某市人民政府办公室", "2024-03-15", "2024-03-15", "2024-04-01")
    texts = [p.text for p in Corpus(tmp_path / "a.db").passages(s.id)]
    assert "对符合条件的多层住宅，每台电梯给予最高20万元财政补助。" in texts
    assert NOTICE[3] in texts  # the notice's own sentence is text
    apparatus = {NOTICE[i] for i in (1, 2, 4, 5, 6, 7, 8, 14)} | {"某市人民政府办公室 2024年3月16日印发"}
    assert not apparatus & set(texts) and not any("印发" in t and "抄送" in t for t in texts)


RULE_ORDER = ["某省人民政府令", "第999号",
              "《某省农村公路养护管理办法》已经2024年3月1日省人民政府第20次常务会议审议通过，现予公布，自2024年5月1日起施行。",
              "省长　某某", "2024年3月10日", "某省农村公路养护管理办法",
              "第一条　为了加强农村公路养护管理，制定本办法。", "第二条　县级人民政府是农村公路养护管理的责任主体。",
              "第三条　本办法自2024年5月1日起施行。"]


def test_a_rule_published_with_its_order_is_titled_and_dated_by_it(corpus: Path, tmp_path: Path):
    """A government rule as published (政府令, its number, the sentence promulgating it, the governor's signature
    and date, then its title) was titled 某省人民政府令第999号, of no kind, issued by 省人民政府第20次常务会议审议, and
    quoted 省长某某 and its own title as text."""
    from docx import Document

    doc = Document()
    for text in RULE_ORDER:  # no styles: as a government website's Word file often is
        doc.add_paragraph(text)
    doc.save(tmp_path / "rule.docx")
    (r,) = add([tmp_path / "rule.docx"], corpus, tmp_path / "a.db")
    s = r.source
    assert (s.title, s.kind, s.issuer) == ("某省农村公路养护管理办法", "办法", "某省人民政府")
    assert (s.passed, s.promulgated, s.effective) == ("2024-03-01", "2024-03-10", "2024-05-01")
    ps = Corpus(tmp_path / "a.db").passages(s.id)
    assert [p.text for p in ps if p.section == (HEADNOTE,)] == ["某省人民政府令 第999号", RULE_ORDER[2], "省长 某某 2024年3月10日"]
    assert [p.text for p in ps if p.section != (HEADNOTE,)] == [
        "为了加强农村公路养护管理，制定本办法。", "县级人民政府是农村公路养护管理的责任主体。", "本办法自2024年5月1日起施行。"]


def test_a_law_published_with_a_presidential_order_is_issued_by_its_legislature(corpus: Path, tmp_path: Path):
    law = ["中华人民共和国主席令", "第十二号",
           "《中华人民共和国某某促进法》已由中华人民共和国第十四届全国人民代表大会常务委员会第六次会议于2023年10月24日通过，"
           "现予公布，自2024年1月1日起施行。", "中华人民共和国主席　某某", "2023年10月24日", "中华人民共和国某某促进法",
           "（2023年10月24日第十四届全国人民代表大会常务委员会第六次会议通过）",
           "第一条　为了促进某某事业，制定本法。", "第二条　国家支持某某事业。", "第三条　本法自2024年1月1日起施行。"]
    (tmp_path / "law.txt").write_text("\n".join(law) + "\n", encoding="utf-8")
    (r,) = add([tmp_path / "law.txt"], corpus, tmp_path / "a.db")
    s = r.source
    assert (s.title, s.kind, s.issuer, s.passed) == ("中华人民共和国某某促进法", "法", "全国人民代表大会常务委员会", "2023-10-24")
    assert [p.text for p in Corpus(tmp_path / "a.db").passages(s.id)][-3:] == [
        "为了促进某某事业，制定本法。", "国家支持某某事业。", "本法自2024年1月1日起施行。"]


def test_a_regulation_published_with_its_legislature_s_announcement_is_titled_by_it(corpus: Path, tmp_path: Path):
    """The 公告 a people's congress standing committee publishes a local regulation with reads as an order does."""
    text = ["某市人民代表大会常务委员会公告", "（第三十号）",
            "《某市河湖保护条例》已经某市第十四届人民代表大会常务委员会第十次会议于2023年6月28日通过，某省第十四届人民代表"
            "大会常务委员会第五次会议于2023年9月28日批准，现予公布，自2024年1月1日起施行。",
            "某市人民代表大会常务委员会", "2023年10月8日", "某市河湖保护条例",
            "第一条　为了保护河湖，制定本条例。", "第二条　市水行政主管部门负责河湖保护工作。", "第三条　本条例自2024年1月1日起施行。"]
    (tmp_path / "rivers.txt").write_text("\n".join(text) + "\n", encoding="utf-8")
    (r,) = add([tmp_path / "rivers.txt"], corpus, tmp_path / "a.db")
    s = r.source
    assert (s.title, s.kind, s.issuer) == ("某市河湖保护条例", "条例", "某市人民代表大会常务委员会")
    assert (s.passed, s.approved, s.promulgated, s.effective) == ("2023-06-28", "2023-09-28", "2023-10-08", "2024-01-01")
    assert [p.text for p in Corpus(tmp_path / "a.db").passages(s.id)] == [
        "某市人民代表大会常务委员会公告 （第三十号）", text[2],
        "为了保护河湖，制定本条例。", "市水行政主管部门负责河湖保护工作。", "本条例自2024年1月1日起施行。"]


def test_a_wrapped_pdf_header_is_read_and_quoted_whole(corpus: Path, tmp_path: Path):
    """A PDF wraps the promulgating sentence and the bracketed header over several lines: the order was not
    recognised (the rule was titled 某市人民代表大会常务委员会公告, of kind 公告) and the 题注 were pieces of lines."""
    lines = ["某市人民代表大会常务委员会公告", "（第三十号）",
             "《某市河湖保护条例》已经某市第十四届人民代表大会常务委员会第十次会议于2023年6",
             "月28日通过，某省第十四届人民代表大会常务委员会第五次会议于2023年9月28日批准，现",
             "予公布，自2024年1月1日起施行。", "某市人民代表大会常务委员会", "2023年10月8日", "某市河湖保护条例",
             "（2023年6月28日某市第十四届人民代表大会常务委员会第十次会议通过　2023年9月28日",
             "某省第十四届人民代表大会常务委员会第五次会议批准）", "目　　录", "第一章　总则", "第二章　保护",
             "第一章　总则", "第一条　为了保护河湖，维护河湖健康生命，结合本市实际，制定本条例。",
             "第二条　市水行政主管部门负责河湖保护的监督管理工作。", "第二章　保护",
             "第三条　禁止在河湖管理范围内倾倒垃圾、渣土。", "第四条　本条例自2024年1月1日起施行。"]
    write_pdf(tmp_path / "rivers.pdf", header="", text=[lines])
    (r,) = add([tmp_path / "rivers.pdf"], corpus, tmp_path / "a.db")
    s = r.source
    assert (s.title, s.kind, s.issuer) == ("某市河湖保护条例", "条例", "某市人民代表大会常务委员会")
    assert (s.passed, s.approved, s.promulgated, s.effective) == ("2023-06-28", "2023-09-28", "2023-10-08", "2024-01-01")
    ps = Corpus(tmp_path / "a.db").passages(s.id)
    assert [p.text for p in ps if p.section == (HEADNOTE,)] == [
        "某市人民代表大会常务委员会公告 （第三十号）", "".join(lines[2:5]),
        "（2023年6月28日某市第十四届人民代表大会常务委员会第十次会议通过 2023年9月28日某省第十四届人民代表大会常务委员会第五次会议批准）"]
    assert [p.text for p in ps if p.section != (HEADNOTE,)][0] == "为了保护河湖，维护河湖健康生命，结合本市实际，制定本条例。"


def test_a_pdf_title_wrapped_before_a_short_tail_leaves_no_piece(corpus: Path, tmp_path: Path):
    """某省电动自行车管理 / 条例: the tail 条例 stayed in the text and ran into the table of contents (条例目录)."""
    lines = ["某省电动自行车管理", "条例", "（2020年6月12日某省第十三届人民代表大会常务委员会第二十一次会议通过）", "目　　录",
             "第一章　总　　则", "第二章　附　　则", "第一章　总　　则", "第一条　为了加强电动自行车管理，制定本条例。",
             "第二条　电动自行车应当依法登记。", "第二章　附　　则", "第三条　本条例自2020年10月1日起施行。"]
    write_pdf(tmp_path / "ebike.pdf", header="", text=[lines])
    (r,) = add([tmp_path / "ebike.pdf"], corpus, tmp_path / "a.db")
    assert (r.source.title, r.source.kind) == ("某省电动自行车管理条例", "条例")
    assert [p.text for p in Corpus(tmp_path / "a.db").passages(r.source.id) if p.section != (HEADNOTE,)] == [
        "为了加强电动自行车管理，制定本条例。", "电动自行车应当依法登记。", "本条例自2020年10月1日起施行。"]


def test_a_speech_is_dated_by_the_date_under_its_title(corpus: Path, tmp_path: Path):
    """（2024年2月18日） and the speaker under a speech's title: it was undated, and both were quoted as text."""
    from docx import Document

    doc = Document()
    doc.add_paragraph("在全省优化营商环境大会上的讲话", style="Title")
    for text in ["（2024年2月18日）", "某某", "同志们：", "今天召开全省优化营商环境大会，动员全省上下优化营商环境。",
                 "营商环境就是生产力。"]:
        doc.add_paragraph(text)
    doc.save(tmp_path / "speech.docx")
    (r,) = add([tmp_path / "speech.docx"], corpus, tmp_path / "a.db")
    assert (r.source.kind, r.source.date, r.source.issuer) == ("讲话", "2024-02-18", "某某")
    assert [p.text for p in Corpus(tmp_path / "a.db").passages(r.source.id)] == [  # 同志们： is no quote
        "今天召开全省优化营商环境大会，动员全省上下优化营商环境。", "营商环境就是生产力。"]


def test_a_speech_titled_by_its_theme_is_a_speech_by_its_occasion_line(corpus: Path, tmp_path: Path):
    path = tmp_path / "speech.txt"
    path.write_text("奋力推进数字经济高质量发展\n——在全省数字经济发展大会上的讲话\n（2024年3月5日）\n某某\n\n同志们：\n\n"
                    "数字经济是浙江的金名片。\n", encoding="utf-8")
    (r,) = add([path], corpus, tmp_path / "a.db")
    assert (r.source.title, r.source.kind, r.source.date, r.source.issuer) == (
        "奋力推进数字经济高质量发展", "讲话", "2024-03-05", "某某")
    assert [p.text for p in Corpus(tmp_path / "a.db").passages(r.source.id)] == ["数字经济是浙江的金名片。"]


def test_a_report_is_dated_and_named_by_the_congress_it_was_delivered_to(corpus: Path, tmp_path: Path):
    """——2024年1月18日在某市…会议上, the mayor and 各位代表： under 政府工作报告 were one undated passage; every city's
    report has that title, so its 简称 says whose and which year's."""
    path = tmp_path / "report.txt"
    path.write_text("政府工作报告\n——2024年1月18日在某市第十四届人民代表大会第四次会议上\n某市市长　某某\n\n各位代表：\n\n"
                    "现在，我代表市人民政府，向大会报告工作，请予审议。\n\n一、2023年工作回顾\n\n全市生产总值增长6.1%。\n",
                    encoding="utf-8")
    (r,) = add([path], corpus, tmp_path / "a.db")
    s = r.source
    assert (s.title, s.short, s.kind, s.date, s.issuer) == (
        "政府工作报告", "2024年某市政府工作报告", "政府工作报告", "2024-01-18", "某市市长 某某")
    assert [p.text for p in Corpus(tmp_path / "a.db").passages(s.id)][0] == "现在，我代表市人民政府，向大会报告工作，请予审议。"


def test_an_attachment_is_a_section_of_its_own_and_its_listing_no_text(corpus: Path, tmp_path: Path):
    """附件：… above the signature lists what is attached (apparatus); 附件 / its title starts a section: its rows were
    cited as the last item of the document's text (二、重点任务 › （一）…)."""
    from docx import Document

    doc = Document()
    for text in ["某省人民政府办公厅关于加快发展银发经济的实施意见", "某政办发〔2024〕8号", "各市、县（市、区）人民政府：",
                 "为加快发展银发经济，现提出如下实施意见。", "一、发展目标", "到2027年，全省银发经济规模达到1万亿元。",
                 "二、重点任务", "（一）扩大老年助餐服务。每个乡镇（街道）至少建成1个老年食堂。", "附件：重点任务分工表",
                 "某省人民政府办公厅", "2024年6月5日", "附件", "重点任务分工表", "扩大老年助餐服务　牵头单位：省民政厅"]:
        doc.add_paragraph(text)
    doc.save(tmp_path / "silver.docx")
    (r,) = add([tmp_path / "silver.docx"], corpus, tmp_path / "a.db")
    ps = Corpus(tmp_path / "a.db").passages(r.source.id)
    assert not any(p.text.startswith("附件：") for p in ps)
    assert [(p.section, p.text) for p in ps][-2:] == [
        (("附件 重点任务分工表",), "附件 重点任务分工表"), (("附件 重点任务分工表",), "扩大老年助餐服务牵头单位：省民政厅")]


def test_attachments_in_a_pdf_are_sections_of_their_own(corpus: Path, tmp_path: Path):
    """In a PDF the lines of 附件1 / its title / its text / 附件2 … ran into one paragraph."""
    lines = ["某省人民政府办公厅关于加快发展银发经济的实施意见", "某政办发〔2024〕8号", "各市、县（市、区）人民政府：",
             "　　为加快发展银发经济，现提出如下实施意见。", "　　一、发展目标", "　　到2027年，全省银发经济规模达到1万亿元。",
             "　　附件：1.重点任务分工表", "　　　　　2.老年食堂建设标准", "某省人民政府办公厅", "2024年6月5日",
             "附件1", "重点任务分工表", "扩大老年助餐服务　牵头单位：省民政厅", "附件2", "老年食堂建设标准",
             "　　老年食堂就餐面积不少于50平方米。"]
    write_pdf(tmp_path / "silver.pdf", header="", text=[lines])
    (r,) = add([tmp_path / "silver.pdf"], corpus, tmp_path / "a.db")
    ps = Corpus(tmp_path / "a.db").passages(r.source.id)
    assert [(p.section[0], p.text) for p in ps if p.section and p.section[0].startswith("附件")] == [
        ("附件1 重点任务分工表", "附件1 重点任务分工表"), ("附件1 重点任务分工表", "扩大老年助餐服务牵头单位：省民政厅"),
        ("附件2 老年食堂建设标准", "附件2 老年食堂建设标准"), ("附件2 老年食堂建设标准", "老年食堂就餐面积不少于50平方米。")]
    assert not any("重点任务分工表" in p.text and p.text.startswith(("1.", "附件：")) for p in ps)


def test_a_state_council_opinion_keeps_its_addressees_out_of_the_text(corpus: Path, tmp_path: Path):
    """国务院各部委、各直属机构： ends in an organ (机构) like other addressee lines: a header line, so the
    preamble's first sentence is quoted alone (a PDF had glued the addressees to it)."""
    path = Path(__file__).parent / "data" / "regulations" / "government-new-media-opinion.md"
    (r,) = add([path], corpus, tmp_path / "a.db")
    texts = [p.text for p in Corpus(tmp_path / "a.db").passages(r.source.id)]
    assert not any("各直属机构" in t for t in texts)
    assert any(t.startswith("政务新媒体是移动互联网时代党和政府联系群众") for t in texts)
    assert (r.source.kind, r.source.issuer, r.source.promulgated) == ("意见", "国务院办公厅", "2018-12-07")


def test_add_text_pdf_drops_running_heads_and_page_numbers(corpus: Path, tmp_path: Path):
    path = write_pdf(tmp_path / "data.pdf", pages=4)
    db = tmp_path / "a.db"
    (r,) = add([path], corpus, db)
    assert r.source.title == "某省公共数据条例" and r.source.passed == "2021-03-01"
    ps = Corpus(db).passages(r.source.id)
    texts = [p.text for p in body(ps)]
    assert not any(t.startswith("-") or t == "某省公共数据条例" or "会议通过" in t for t in texts)
    first = [p for p in ps if p.section == ("第一章 数据收集", "第一条")]
    assert [p.text for p in first] == [  # each wrapped paragraph is whole again, and both stay in their article
        "县级以上人民政府应当加强数据共享工作，建立健全数据共享协调机制，所需经费列入本级财政预算。",
        "前款规定的数据共享工作情况，应当按年度向社会公开，接受社会监督，具体办法由省人民政府另行制定。",
    ]
    assert r.articles > 25 and not [w for w in r.warnings if "不连续" in w]


def test_a_two_page_pdf_loses_its_running_header_too(corpus: Path, tmp_path: Path):
    """A short PDF (a gazette's two pages) repeats its header on every page: it is no part of the title."""
    path = write_pdf(tmp_path / "short.pdf", pages=2, header="某省人民代表大会常务委员会公报")
    (r,) = add([path], corpus, tmp_path / "a.db")
    assert r.source.title == "某省公共数据条例"
    assert not any("公报" in p.text for p in Corpus(tmp_path / "a.db").passages(r.source.id))


def test_radical_code_points_read_as_the_ideographs_they_draw(corpus: Path, tmp_path: Path):
    """Text from a PDF whose font mapped ideographs to radicals (⽤ U+2F64, ⺠ U+2EA0, ⼆ U+2F06): articles,
    search and quotes see 用, 民, 二; everything else of the text (full-width brackets) stays as written."""
    src = tmp_path / "water.txt"
    src.write_text("某省农村饮⽤⽔安全管理办法\n第⼀条　为了保障农村居⺠饮⽤⽔安全，制定本办法。\n"
                   "第⼆条　县级⼈⺠政府（含开发区管委会）对农村饮⽤⽔安全负总责。\n"
                   "第三条　供⽔单位应当每季度检测⽔质。\n第四条　本办法⾃2024年9⽉1⽇起施⾏。\n", encoding="utf-8")
    (r,) = add([src], corpus, tmp_path / "a.db")
    assert r.source.title == "某省农村饮用水安全管理办法" and r.articles == 4
    ps = Corpus(tmp_path / "a.db").passages(r.source.id)
    second = next(p for p in ps if p.section == ("第二条",))
    assert second.text == "县级人民政府（含开发区管委会）对农村饮用水安全负总责。"


def test_scanned_pdf_is_a_clear_error(tmp_path: Path):
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(tmp_path / "scan.pdf"))
    c.rect(72, 72, 400, 600, fill=1)  # a page with a picture and no text layer
    c.showPage()
    c.save()
    with pytest.raises(formats.FormatError, match="扫描件"):
        formats.read(tmp_path / "scan.pdf")


def _damaged_docx() -> bytes:
    """A Word file whose numbering part is not XML."""
    import io
    import zipfile

    from docx import Document

    doc = Document()
    doc.add_paragraph("第一条　为了规范管理，制定本办法。")
    good, out = io.BytesIO(), io.BytesIO()
    doc.save(good)
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(out, "w") as zout:
        for item in zin.infolist():
            zout.writestr(item, b"<w:numbering broken" if item.filename == "word/numbering.xml" else zin.read(item))
    return out.getvalue()


BAD_INPUTS = {
    "missing.md": None,
    "notes.rtf": "某某条例".encode(),
    "empty.md": b"",
    "junk.txt": bytes(range(256)) * 8,
    "notes.doc": b"\xd0\xcf\x11\xe0 a Word 97 file",
    "english.md": b"# Rules\n\nNo Chinese here.\n",
    "old.docx": b"\xd0\xcf\x11\xe0 a Word 97 file renamed",
    "broken.pdf": b"%PDF-1.4\n garbage without objects",
    "damaged.docx": _damaged_docx(),
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_exits_2_and_changes_nothing(corpus: Path, tmp_path: Path, name: str):
    db = tmp_path / "a.db"
    add([_write(tmp_path / "ok.md", REGULATION_MD)], corpus, db)
    before = snapshot(corpus, db)
    path = tmp_path / name
    if BAD_INPUTS[name] is not None:
        path.write_bytes(BAD_INPUTS[name])
    proc = _cli("add", str(path), "--corpus", str(corpus), "--db", str(db))
    assert proc.returncode == 2 and proc.stderr.splitlines()[-1].startswith("错误：") and "Traceback" not in proc.stderr
    assert snapshot(corpus, db) == before
    if name.endswith((".doc", ".rtf")):
        assert "另存为 .docx" in proc.stderr  # the way out, for files Word or WPS opens


def test_duplicates_are_refused(corpus: Path, tmp_path: Path):
    db = tmp_path / "a.db"
    first = _write(tmp_path / "a.md", REGULATION_MD)
    add([first], corpus, db)
    before = snapshot(corpus, db)
    copy = _write(tmp_path / "b.md", REGULATION_MD)
    with pytest.raises(AddError, match="内容相同"):
        add([copy], corpus, db)
    with pytest.raises(AddError, match="同名同日期"):
        add([_write(tmp_path / "c.md", REGULATION_MD + "\n补充说明。\n")], corpus, db)
    assert snapshot(corpus, db) == before


def test_a_database_of_another_corpus_folder_is_not_rebuilt_without_its_documents(corpus: Path, tmp_path: Path):
    db = tmp_path / "a.db"
    add([_write(tmp_path / "river.md", REGULATION_MD)], corpus, db)
    other = seed_corpus(tmp_path / "other")  # e.g. the default corpus/ when --corpus is forgotten
    _write(other / "extra.txt", "某某通知\n一、工作要求\n认真抓好落实。\n")
    with open(other / "manifest.toml", "a", encoding="utf-8") as f:
        f.write('\n[[source]]\nfile = "extra.txt"\nid = "extra"\ntitle = "某某通知"\n')
    before, before_other = snapshot(corpus, db), snapshot(other, db)
    lake = _write(tmp_path / "lake.md", REGULATION_MD.replace("某市河道保护条例", "某市湖泊保护条例"))
    proc = _cli("add", str(lake), "--corpus", str(other), "--db", str(db))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "river.md" in proc.stderr and "--corpus" in proc.stderr.splitlines()[-1]
    with pytest.raises(RebuildRefused, match="river.md"):
        remove("seed", other, db)
    assert snapshot(corpus, db) == before and snapshot(other, db) == before_other
    river = next(s for s in Corpus(db).sources() if s.file == "river.md")
    remove(river.id, corpus, db)  # from its own folder, only the document removed goes
    assert [s.file for s in Corpus(db).sources()] == ["seed.txt"]


def test_ingest_from_another_folder_keeps_the_databases_documents_unless_told_to_drop_them(corpus: Path, tmp_path: Path):
    # a database with a document added from its own folder, rebuilt by `ingest` from the default corpus/ (as an
    # upgrade's "index out of date: run ingest" invites): refused, nothing changed, the way out named
    db = tmp_path / "a.db"
    add([_write(tmp_path / "river.md", REGULATION_MD)], corpus, db)
    other = seed_corpus(tmp_path / "other")
    before = snapshot(corpus, db)
    proc = _cli("ingest", str(other), "--db", str(db), "--lexical")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "river.md" in proc.stderr and "--drop-missing" in proc.stderr.splitlines()[-1]
    assert snapshot(corpus, db) == before
    assert _cli("ingest", str(corpus), "--db", str(db), "--lexical").returncode == 0  # its own folder: kept
    assert {s.file for s in Corpus(db).sources()} == {"seed.txt", "river.md"}
    proc = _cli("ingest", str(other), "--db", str(db), "--lexical", "--drop-missing")  # taken out on purpose
    assert proc.returncode == 0 and [s.file for s in Corpus(db).sources()] == ["seed.txt"]


def test_ingest_names_unlisted_and_empty_files(corpus: Path, tmp_path: Path):
    _write(corpus / "new.md", REGULATION_MD)
    (corpus / "blank.txt").write_bytes(b"")
    with open(corpus / "manifest.toml", "a", encoding="utf-8") as f:
        f.write('\n[[source]]\nfile = "blank.txt"\nid = "blank"\ntitle = "空文件"\n')
    _sources, _passages, summary = build(corpus)
    assert summary.unlisted == ["new.md"] and any("blank.txt" in w for w in summary.warnings)
    proc = _cli("ingest", str(corpus), "--db", str(tmp_path / "i.db"))
    assert proc.returncode == 0 and "new.md" in proc.stderr and "blank.txt" in proc.stderr
    # the named file is then added from where it lies, without a copy
    (r,) = add([corpus / "new.md"], corpus, tmp_path / "i.db")
    assert r.file == "new.md" and not (corpus / "new-2.md").exists()


def test_bom_and_control_characters_never_reach_a_passage(corpus: Path, tmp_path: Path):
    text = "\ufeff某某决定\n一、总体要求\n全面推进\x00各项工作，\x07确保取得实效。\n"
    (corpus / "seed.txt").write_text(text, encoding="utf-8")
    _sources, passages, _summary = build(corpus)
    assert passages and not any(ch in p.text for p in passages for ch in "\ufeff\x00\x07")
    assert any("全面推进各项工作，确保取得实效。" in p.text for p in passages)


def test_manifest_paths_outside_the_corpus_are_refused(corpus: Path, tmp_path: Path):
    _write(tmp_path / "outside.txt", "外部文件。\n")
    for bad in ("../outside.txt", str(tmp_path / "outside.txt")):
        (corpus / "manifest.toml").write_text(SEED.replace("seed.txt", bad), encoding="utf-8")
        with pytest.raises(ManifestError, match="不在语料目录内"):
            load_manifest(corpus)


def test_stale_building_files_are_cleaned(corpus: Path, tmp_path: Path):
    from assistant.ingest.pipeline import ingest

    db = tmp_path / "a.db"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / f".a.db.building-{dead.stdout.strip()}"
    stale.write_bytes(b"x" * 1024)
    live = tmp_path / f".a.db.building-{os.getppid()}"  # a running process's build is left alone
    live.write_bytes(b"x")
    ingest(corpus, db)
    assert not stale.exists() and live.exists()


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("pages, footer, header", [
    (2, "— {n} —", "某省公共数据条例"), (2, "- {n} -", ""), (4, "第 {n} 页", "某省公共数据条例"),
    (4, "第{n}页 共{total}页", ""), (3, "{n}", ""),
])
def test_pdf_page_numbers_and_heads_never_become_text_or_split_a_sentence(tmp_path: Path, pages, footer, header):
    from regulation_support import passages, pdf_pages

    from assistant.ingest import legal, metadata

    path = write_pdf(tmp_path / "p.pdf", pages=pages, footer=footer, header=header)
    facts = metadata.read_facts(pdf.read(path))
    got = [p.text for p in body(passages(path, pdf.read, facts.title, "\n".join(facts.history)))]
    expected, current = [], ""
    for line in [ln for page in pdf_pages(pages) for ln in page][2:]:  # the body: the text the pages print
        if legal.division(line):
            continue
        current += line
        if line.endswith("。"):
            expected.append(a[2] if (a := legal.article(current)) else current)
            current = ""
    assert got[:len(expected)] == expected  # every paragraph whole, also across a page break
    assert got[len(expected):] == ([current.split("　", 1)[-1]] if current else [])  # the page cut off mid-sentence


def test_add_new_starts_a_corpus_and_never_takes_over_an_existing_one(tmp_path: Path):
    src = tmp_path / "river.md"
    src.write_text(REGULATION_MD, encoding="utf-8")
    fresh, db = tmp_path / "county", tmp_path / "county.db"
    with pytest.raises(AddError, match="--new"):  # a folder without a manifest: say how to start one
        add([src], fresh, db)
    (r,) = add([src], fresh, db, new=True)
    assert r.source.title == "某市河道保护条例" and [e.id for e in load_manifest(fresh)] == [r.source.id]
    assert {s.id for s in Corpus(db).sources()} == {r.source.id}
    with pytest.raises(AddError, match="去掉 --new"):  # already a corpus
        add([src], fresh, tmp_path / "other.db", new=True)
    served = db.read_bytes()
    with pytest.raises(AddError, match="已存在"):  # a mistyped --corpus must not replace the database served
        add([src], tmp_path / "typo", db, new=True)
    assert db.read_bytes() == served and not (tmp_path / "typo" / "manifest.toml").exists()


def test_a_rule_implementing_a_law_is_cited_by_the_laws_implementing_rule(corpus: Path, tmp_path: Path):
    """《某省实施〈中华人民共和国河湖保洁法〉办法》 is said 某省河湖保洁法实施办法: that is its 简称 (phones show it)."""
    src = tmp_path / "impl.md"
    src.write_text("# 某省实施《中华人民共和国河湖保洁法》办法\n\n第一条 根据《中华人民共和国河湖保洁法》，制定本办法。\n\n"
                   "第二条 本办法自2022年1月1日起施行。\n", encoding="utf-8")
    (r,) = add([src], corpus, tmp_path / "a.db")
    assert (r.source.title, r.source.short, r.source.kind) == (
        "某省实施《中华人民共和国河湖保洁法》办法", "某省河湖保洁法实施办法", "办法")
    law = tmp_path / "law.md"
    law.write_text("# 中华人民共和国河湖保洁法\n\n第一条 为了保洁河湖，制定本法。\n", encoding="utf-8")
    assert add([law], corpus, tmp_path / "a.db")[0].source.short == "河湖保洁法"


RED_HEADER = ["某省人民政府文件", "某政发〔2024〕5号", "某省人民政府关于加快推进农村供水保障的实施意见",
              "各市、县（市、区）人民政府，省政府直属各单位：", "为加快推进农村供水保障，提出如下实施意见。", "一、总体要求",
              "到2027年，全省农村自来水普及率达到99%以上。", "某省人民政府", "2024年3月1日",
              "（此件公开发布）", "（联系人：某某，联系电话：0571-12345678）", "抄送：省委各部门。", "某省人民政府办公厅",
              "2024年3月2日印发"]  # a PDF may print the 印发 line's organ and date apart


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_an_official_documents_masthead_and_number_above_its_title_are_header_lines(corpus: Path, tmp_path: Path,
                                                                                    fmt: str):
    """A 红头文件 (GB/T 9704) opens with its masthead and issuing number: they were read as the title's first lines
    (某省人民政府文件某政发〔2024〕5号某省人民政府关于…), and the number was quoted as text."""
    if fmt == "docx":
        from docx import Document

        doc = Document()
        for line in RED_HEADER:
            doc.add_paragraph(line)
        path = tmp_path / "red.docx"
        doc.save(path)
    else:
        path = write_pdf(tmp_path / "red.pdf", pages=1, header="", text=[RED_HEADER])
    (r,) = add([path], corpus, tmp_path / "a.db")
    s = r.source
    assert (s.title, s.kind, s.issuer, s.promulgated) == (
        "某省人民政府关于加快推进农村供水保障的实施意见", "实施意见", "某省人民政府", "2024-03-01")
    assert s.history.splitlines()[:2] == ["某省人民政府文件", "某政发〔2024〕5号"]
    texts = [p.text for p in Corpus(tmp_path / "a.db").passages() if p.source_id == s.id]
    assert texts[0] == "为加快推进农村供水保障，提出如下实施意见。" and texts[-1] == "到2027年，全省农村自来水普及率达到99%以上。"


@pytest.mark.parametrize("text, title, issuer, head", [
    # a joint masthead: each organ on a line, 文件 beside them
    ("中共某省委办公厅\n某省人民政府办公厅\n文件\n某委办发〔2024〕3号\n\n中共某省委办公厅　某省人民政府办公厅关于加强基层治理的意见\n\n"
     "一、总体要求\n\n加强基层治理体系建设。\n", "中共某省委办公厅某省人民政府办公厅关于加强基层治理的意见", "中共某省委办公厅",
     ["中共某省委办公厅", "某省人民政府办公厅", "文件", "某委办发〔2024〕3号"]),
    # a letter: the organ's name as masthead, the signer under the number, the addressee line under the title
    ("某省人民政府办公厅\n某政办函〔2024〕12号\n签发人：某某\n\n某省人民政府办公厅关于同意设立某某示范区的函\n\n某市人民政府：\n\n"
     "你市报来的请示收悉。经研究，同意设立某某示范区。\n\n某省人民政府办公厅\n2024年5月6日\n",
     "某省人民政府办公厅关于同意设立某某示范区的函", "某省人民政府办公厅", ["某省人民政府办公厅", "某政办函〔2024〕12号", "签发人：某某"]),
])
def test_other_mastheads_are_header_lines(corpus: Path, tmp_path: Path, text: str, title: str, issuer: str,
                                          head: list[str]):
    path = tmp_path / "official.txt"
    path.write_text(text, encoding="utf-8")
    (r,) = add([path], corpus, tmp_path / "a.db")
    assert (r.source.title, r.source.issuer) == (title, issuer)
    assert r.source.history.splitlines()[: len(head)] == head


def test_a_gazettes_name_above_a_one_page_rule_is_no_title(corpus: Path, tmp_path: Path):
    """One page of a gazette: its name heads the page once (no running head to recognise) above the rule's title."""
    lines = ["某省人民代表大会常务委员会公报", "某省河湖保洁办法", "（2021年9月29日某省第十三届人民代表大会常务委员会第三十二次会议通过）",
             "第一条 为了河湖保洁，制定本办法。", "第二条 本办法自2022年1月1日起施行。"]
    (r,) = add([write_pdf(tmp_path / "gazette.pdf", pages=1, header="", text=[lines])], corpus, tmp_path / "a.db")
    assert (r.source.title, r.source.kind, r.source.passed) == ("某省河湖保洁办法", "办法", "2021-09-29")
    bulletin = tmp_path / "bulletin.txt"  # a 公报 that is the document itself keeps its title
    bulletin.write_text("某省2023年国民经济和社会发展统计公报\n\n全年全省生产总值增长6.0%。\n", encoding="utf-8")
    assert add([bulletin], corpus, tmp_path / "a.db")[0].source.title == "某省2023年国民经济和社会发展统计公报"
