"""Word documents as a reader sees them: automatic numbering (第%1章, 第%1条, （%1）) rebuilt from numbering.xml,
headings by style, tables, text boxes, tracked changes and manual line breaks."""
from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import parse_xml
from lxml import etree
from regulation_support import body, passages

from assistant.ingest import legal, metadata
from assistant.ingest.add import add
from assistant.ingest.formats import docx
from assistant.ingest.formats.numbering import Numbering, chinese_counting, format_number
from assistant.storage import Corpus

REGULATIONS = Path(__file__).parent / "data" / "regulations"
_spec = importlib.util.spec_from_file_location("make_docx", REGULATIONS / "make_docx.py")
make_docx = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_docx)
W_NS = make_docx.W_NS
LAW_LEVELS = [("chineseCounting", "第%1章", None), ("chineseCounting", "第%2条", 0), ("chineseCounting", "（%3）", None)]


def test_chinese_counting_as_word_shows_it():
    shown = {1: "一", 10: "十", 11: "十一", 20: "二十", 21: "二十一", 99: "九十九", 100: "一百", 101: "一百零一",
             110: "一百一十", 115: "一百一十五", 1001: "一千零一", 1260: "一千二百六十"}
    assert {n: chinese_counting(n) for n in shown} == shown
    assert {n: legal.parse_number(chinese_counting(n)) for n in range(1, 1300)} == {n: n for n in range(1, 1300)}
    assert [format_number(n, "ideographTraditional") for n in (1, 2, 3, 10)] == ["甲", "乙", "丙", "癸"]
    assert format_number(12, "chineseLegalSimplified") == "壹拾贰" and format_number(7, "decimal") == "7"
    assert format_number(3, "decimalEnclosedCircle") == "③" and format_number(4, "upperRoman") == "IV"
    assert format_number(5, "someFutureFormat") == "5"  # Word shows an unknown format as decimal


def _numbering(abstract: str, nums: str, styles: str = "") -> Numbering:
    root = etree.fromstring(f"<w:numbering {W_NS}>{abstract}{nums}</w:numbering>")
    return Numbering(root, etree.fromstring(f"<w:styles {W_NS}>{styles}</w:styles>"))


def _p(num_id: str | None = None, ilvl: int | None = None, style: str = "") -> etree._Element:
    num = "" if num_id is None else (
        "<w:numPr>" + ("" if ilvl is None else f'<w:ilvl w:val="{ilvl}"/>') + f'<w:numId w:val="{num_id}"/></w:numPr>')
    sty = f'<w:pStyle w:val="{style}"/>' if style else ""
    return etree.fromstring(f"<w:p {W_NS}><w:pPr>{sty}{num}</w:pPr></w:p>")


def test_counters_restart_deeper_levels_and_honour_lvl_restart_and_start_override():
    n = _numbering(make_docx.abstract_list(LAW_LEVELS, abstract_id=1),
                   f'<w:num {W_NS} w:numId="1"><w:abstractNumId w:val="1"/></w:num>'
                   f'<w:num {W_NS} w:numId="2"><w:abstractNumId w:val="1"/>'
                   '<w:lvlOverride w:ilvl="2"><w:startOverride w:val="1"/></w:lvlOverride></w:num>'
                   f'<w:num {W_NS} w:numId="3"><w:abstractNumId w:val="1"/>'
                   '<w:lvlOverride w:ilvl="1"><w:startOverride w:val="20"/></w:lvlOverride></w:num>')
    walk = [("1", 0), ("1", 1), ("1", 2), ("1", 2), ("1", 1), ("1", 2), ("1", 0), ("1", 1), ("1", 2), ("1", 2),
            ("2", 2), ("1", 2), ("3", 1), ("1", 1), ("0", 1), ("9", 1)]
    assert [n.label(_p(*step)).strip() for step in walk] == [
        "第一章", "第一条", "（一）", "（二）", "第二条", "（一）",  # an article restarts the items
        "第二章", "第三条", "（一）", "（二）",  # a chapter does not restart the articles (w:lvlRestart 0)
        "（一）", "（二）",  # a second list in one article: a new instance restarting the items, then continued
        "第二十条", "第二十一条",  # w:startOverride sets the value; the list runs on from it
        "", "",  # numId 0 (numbering switched off) and an unknown numId show nothing
    ]


def test_style_linked_numbering_legal_decimal_bullets_and_suffixes():
    abstract = (
        f'<w:abstractNum {W_NS} w:abstractNumId="5">'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:pStyle w:val="Chapter"/>'
        '<w:lvlText w:val="%1"/><w:suff w:val="nothing"/></w:lvl>'
        '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:isLgl/>'
        '<w:lvlText w:val="%1.%2"/></w:lvl>'
        '<w:lvl w:ilvl="2"><w:numFmt w:val="bullet"/><w:lvlText w:val="•"/></w:lvl></w:abstractNum>'
        f'<w:abstractNum {W_NS} w:abstractNumId="6"><w:numStyleLink w:val="LawList"/></w:abstractNum>'
    )
    nums = (f'<w:num {W_NS} w:numId="5"><w:abstractNumId w:val="5"/></w:num>'
            f'<w:num {W_NS} w:numId="6"><w:abstractNumId w:val="6"/></w:num>')
    styles = (
        f'<w:style {W_NS} w:type="paragraph" w:styleId="Chapter"><w:name w:val="chapter"/>'
        '<w:pPr><w:numPr><w:numId w:val="5"/></w:numPr></w:pPr></w:style>'
        f'<w:style {W_NS} w:type="paragraph" w:styleId="SubChapter"><w:name w:val="sub"/><w:basedOn w:val="Chapter"/>'
        '<w:pPr><w:numPr><w:ilvl w:val="1"/></w:numPr></w:pPr></w:style>'
        f'<w:style {W_NS} w:type="numbering" w:styleId="LawList"><w:name w:val="law list"/>'
        '<w:pPr><w:numPr><w:numId w:val="5"/></w:numPr></w:pPr></w:style>'
    )
    n = _numbering(abstract, nums, styles)
    shown = [n.label(p) for p in (_p(style="Chapter"), _p(style="SubChapter"), _p(style="SubChapter"),
                                  _p("5", 2), _p("6", 0), _p(style="SubChapter"))]
    # level by the style's w:pStyle binding, numId inherited through basedOn, isLgl shows 1.1 not 1.一,
    # a bullet is not text, and a list defined by a numbering style (numStyleLink) counts in that list
    assert shown == ["1", "1.1 ", "1.2 ", "", "2", "2.1 "]


def numbered_law(tmp_path: Path, name: str = "patriotic-education-law") -> Path:
    return make_docx.markdown_to_numbered_docx(REGULATIONS / f"{name}.md", tmp_path / f"{name}.docx")


def _passages(path: Path):
    facts = metadata.read_facts(docx.read(path))
    return facts, passages(path, docx.read, facts.title, "\n".join(facts.history))


def test_a_numbered_national_law_reads_like_its_printed_text(tmp_path: Path):
    path = numbered_law(tmp_path, "family-education-law")
    plain = [p.text for p in Document(str(path)).paragraphs]
    assert "第一条" not in "".join(plain) and "（一）" not in "".join(plain)  # the numbers are not in the text
    facts, ps = _passages(path)
    assert facts.title == "中华人民共和国家庭教育促进法" and facts.passed == "2021-10-23"
    by_text = {p.text: p for p in ps}
    assert by_text["家庭教育应当符合以下要求："].section == ("第一章 总则", "第五条")
    assert by_text["（一）尊重未成年人身心发展规律和个体差异；"].section == ("第一章 总则", "第五条")
    assert by_text["国家和社会为家庭教育提供指导、支持和服务。"].section == ("第一章 总则", "第四条")  # 第二款
    chapters = [p.section[0] for p in ps]
    assert chapters[-1] == "第六章 附则" and "第二章 家庭责任" in chapters
    assert not any(p.is_heading and legal.ITEM.match(p.text) for p in ps)


@pytest.mark.parametrize("name", sorted(p.stem for p in REGULATIONS.glob("*.md") if p.name != "README.md"))
def test_numbered_word_copies_give_the_markdown_passages(tmp_path: Path, name: str):
    """Each fixture typed with automatic numbering: the same passages in the same sections as its Markdown."""
    from assistant.ingest.formats import markdown

    md = REGULATIONS / f"{name}.md"
    facts = metadata.read_facts(markdown.read(md))
    expected = passages(md, markdown.read, facts.title, "\n".join(facts.history))
    word_facts, got = _passages(numbered_law(tmp_path, name))
    assert (word_facts.title, word_facts.passed) == (facts.title, facts.passed)
    assert [(p.section, p.text) for p in got] == [(p.section, p.text) for p in expected]
    if facts.kind != "意见":  # the policy opinion has 一、/（一） headings, not articles
        assert all(p.section and legal.article(p.section[-1]) for p in body(got) if not p.is_heading)


def test_add_a_numbered_word_regulation_end_to_end(tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "manifest.toml").write_text('[[source]]\nfile = "seed.txt"\nid = "seed"\ntitle = "某某决定"\n', encoding="utf-8")
    (corpus / "seed.txt").write_text("某某决定\n全面推进各项工作，确保取得实效。\n", encoding="utf-8")
    path = numbered_law(tmp_path)
    db = tmp_path / "a.db"
    proc = subprocess.run([sys.executable, "-m", "assistant", "add", str(path), "--corpus", str(corpus), "--db", str(db)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "中华人民共和国爱国主义教育法" in proc.stdout and "不连续" not in proc.stdout
    assert proc.stderr.startswith(f"读取 {path.name} …")  # the progress, from the first, slowest step
    source = next(s for s in Corpus(db).sources() if s.id != "seed")
    ps = Corpus(db).passages(source.id)
    third = [p.text for p in ps if p.section == ("第一章 总则", "第三条")]
    assert third and third[0].startswith("爱国主义教育应当高举中国特色社会主义伟大旗帜")
    assert [p.section[-1] for p in ps if not p.is_heading][-1] == "第四十条"


def _document_with(body_xml: str) -> Document:
    doc = Document()
    body = doc.element.body
    for el in parse_xml(f"<w:body {W_NS} {_MC_NS}>{body_xml}</w:body>"):
        body.insert(len(body) - 1, el)  # before the section properties
    return doc


_MC_NS = ('xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
          'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
          'xmlns:v="urn:schemas-microsoft-com:vml"')


def _read(doc: Document, tmp_path: Path) -> list[tuple[int, str]]:
    path = tmp_path / "t.docx"
    doc.save(str(path))
    return [(e.heading, e.text) for e in docx.read(path)]


def test_line_breaks_split_at_a_new_unit_and_join_inside_a_sentence(tmp_path: Path):
    doc = _document_with(
        "<w:p><w:r><w:t>第一章　总则</w:t><w:br/><w:t>第一条　为了加强</w:t><w:br/><w:t>管理，制定本条例。</w:t>"
        "<w:br/><w:t>本条例适用于本市。</w:t></w:r></w:p>"
        '<w:p><w:r><w:t>第二条　下一页</w:t><w:br w:type="page"/><w:t>继续。</w:t></w:r></w:p>'
    )
    assert _read(doc, tmp_path) == [(0, "第一章　总则"), (0, "第一条　为了加强管理，制定本条例。"), (0, "本条例适用于本市。"),
                                    (0, "第二条　下一页继续。")]


def test_headings_by_style_chain_and_outline_level(tmp_path: Path):
    doc = Document()
    custom = doc.styles.add_style("章名", WD_STYLE_TYPE.PARAGRAPH)
    custom.base_style = doc.styles["Heading 2"]
    doc.add_paragraph("总体要求", style=custom)
    outlined = doc.add_paragraph("附件")
    outlined._p.get_or_add_pPr().append(parse_xml(f'<w:outlineLvl {W_NS} w:val="0"/>'))
    doc.add_paragraph("正文。")
    assert _read(doc, tmp_path) == [(2, "总体要求"), (1, "附件"), (0, "正文。")]


def test_text_boxes_tracked_changes_fields_and_hidden_text(tmp_path: Path):
    box = "<w:txbxContent><w:p><w:r><w:t>框内说明文字。</w:t></w:r></w:p></w:txbxContent>"
    doc = _document_with(
        "<w:p><w:r><w:t>正文第一段，</w:t></w:r>"
        f"<w:r><mc:AlternateContent><mc:Choice Requires=\"wps\"><w:drawing><wps:txbx>{box}</wps:txbx></w:drawing>"
        f"</mc:Choice><mc:Fallback><w:pict><v:textbox>{box}</v:textbox></w:pict></mc:Fallback></mc:AlternateContent></w:r>"
        "<w:ins><w:r><w:t>修订时插入的文字</w:t></w:r></w:ins><w:del><w:r><w:delText>删除的文字</w:delText></w:r></w:del>"
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> PAGE </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="end"/></w:r><w:r><w:rPr><w:vanish/></w:rPr><w:t>隐藏的批注</w:t></w:r>'
        '<w:r><w:t>。</w:t></w:r></w:p>'
    )
    assert _read(doc, tmp_path) == [(0, "正文第一段，修订时插入的文字。"), (0, "框内说明文字。")]


def test_tables_rows_merged_cells_and_layout_frames(tmp_path: Path):
    doc = Document()
    frame = doc.add_table(rows=2, cols=1)  # a one-column frame around the text: read as its paragraphs
    frame.cell(0, 0).text = "某县文明行为促进办法"
    frame.cell(1, 0).paragraphs[0].text = "第一条　为了促进文明行为，制定本办法。"
    frame.cell(1, 0).add_paragraph("第二条　本办法适用于本县。")
    data = doc.add_table(rows=3, cols=3)
    for r, row in enumerate([("类别", "事项", "标准"), ("公共场所", "禁烟", "罚款五十元"), ("", "禁止喧哗", "警告")]):
        for c, text in enumerate(row):
            if text:
                data.cell(r, c).text = text
    data.cell(1, 0).merge(data.cell(2, 0))  # a category over two rows
    assert _read(doc, tmp_path) == [
        (0, "某县文明行为促进办法"), (0, "第一条　为了促进文明行为，制定本办法。"), (0, "第二条　本办法适用于本县。"),
        (0, "类别 | 事项 | 标准"), (0, "公共场所 | 禁烟 | 罚款五十元"), (0, "公共场所 | 禁止喧哗 | 警告"),
    ]


def test_numbering_inside_a_frame_table_counts_in_body_order(tmp_path: Path):
    doc = Document()
    frame = doc.add_table(rows=1, cols=1)
    cell = frame.cell(0, 0)
    cell.paragraphs[0].text = "为了规范管理，制定本规定。"
    make_docx.number(cell.paragraphs[0], 700, 1)
    second = doc.add_paragraph("本规定自公布之日起施行。")
    make_docx.number(second, 700, 1)
    make_docx.add_list(doc, make_docx.abstract_list(LAW_LEVELS, abstract_id=70), [(700, {})])
    deleted = doc.add_paragraph()  # an article deleted with tracked changes is not counted
    deleted._p.append(parse_xml(f'<w:del {W_NS} w:id="1" w:author="a"><w:r><w:delText>删去的条文。</w:delText></w:r></w:del>'))
    make_docx.number(deleted, 700, 1)
    deleted._p.get_or_add_pPr().append(parse_xml(f'<w:rPr {W_NS}><w:del w:id="2" w:author="a"/></w:rPr>'))
    make_docx.number(doc.add_paragraph("本规定由县人民政府负责解释。"), 700, 1)
    assert _read(doc, tmp_path) == [(0, "第一条 为了规范管理，制定本规定。"), (0, "第二条 本规定自公布之日起施行。"),
                                    (0, "第三条 本规定由县人民政府负责解释。")]


def test_broken_numbering_definitions_never_stop_the_reader(tmp_path: Path):
    doc = Document()
    p = doc.add_paragraph("养犬人应当文明养犬。")
    make_docx.number(p, 42, 7)  # a numbering instance the document does not define
    q = doc.add_paragraph("犬只应当登记。")
    make_docx.number(q, 43, 0)
    make_docx.add_list(doc, f'<w:abstractNum {W_NS} w:abstractNumId="77"><w:lvl w:ilvl="0"><w:start w:val="x"/>'
                            '<w:numFmt w:val="decimal"/><w:lvlText w:val="%1、"/></w:lvl></w:abstractNum>', [(43, {})])
    assert _read(doc, tmp_path) == [(0, "养犬人应当文明养犬。"), (0, "1、犬只应当登记。")]


def test_footnotes_follow_the_body_under_their_own_heading(tmp_path: Path):
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    doc = Document()
    doc.add_paragraph("某县文明行为促进办法", style="Title")
    p = doc.add_paragraph("第一条　为了促进文明行为，制定本办法。")
    p._p.append(parse_xml(f'<w:r {W_NS}><w:footnoteReference w:id="1"/></w:r>'))
    doc.add_paragraph("第二条　本办法适用于本县。")
    doc.add_paragraph("第三条　本办法自公布之日起施行。")
    notes = (f'<w:footnotes {W_NS}><w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p>'
             '</w:footnote><w:footnote w:id="1"><w:p><w:r><w:footnoteRef/></w:r>'
             '<w:r><w:t>参见《某省文明行为促进条例》。</w:t></w:r></w:p></w:footnote></w:footnotes>')
    part = Part(PackURI("/word/footnotes.xml"),
                "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml", notes.encode(),
                doc.part.package)
    doc.part.relate_to(part, RT.FOOTNOTES)
    path = tmp_path / "notes.docx"
    doc.save(str(path))
    assert docx.read(path)[-2:] == [docx.Element("注释", heading=1), docx.Element("参见《某省文明行为促进条例》。")]
    facts = metadata.read_facts(docx.read(path))
    ps = passages(path, docx.read, facts.title, "\n".join(facts.history))
    assert [p.text for p in ps if p.section == ("第三条",)] == ["本办法自公布之日起施行。"]
    assert [p.section for p in ps if "参见" in p.text] == [("注释",)]
    assert "为了促进文明行为，制定本办法。" in [p.text for p in ps]  # the reference mark is not text


def test_a_policy_document_with_numbered_headings(tmp_path: Path):
    """Outside regulations: Heading 1 numbered 一、二、 and Heading 2 （一）（二）, restarted under each heading."""
    from assistant.ingest.formats import markdown

    doc = Document()
    doc.add_paragraph("关于推进某项工作的实施意见", style="Title")
    outline = [("Heading 1", "总体要求"), ("Normal", "坚持问题导向，确保取得实效。"), ("Heading 2", "工作目标"),
               ("Normal", "到2025年基本建成。"), ("Heading 1", "重点任务"), ("Heading 2", "完善机制"),
               ("Normal", "建立健全协调机制。")]
    for style, text in outline:
        p = doc.add_paragraph(text, style=style)
        if style != "Normal":
            make_docx.number(p, 800, int(style[-1]) - 1)
    make_docx.add_list(doc, make_docx.abstract_list(
        [("chineseCounting", "%1、", None), ("chineseCounting", "（%2）", None)], abstract_id=80), [(800, {})])
    path = tmp_path / "policy.docx"
    doc.save(str(path))
    md = tmp_path / "policy.md"
    md.write_text("# 关于推进某项工作的实施意见\n\n# 一、总体要求\n\n坚持问题导向，确保取得实效。\n\n## （一）工作目标\n\n"
                  "到2025年基本建成。\n\n# 二、重点任务\n\n## （一）完善机制\n\n建立健全协调机制。\n", encoding="utf-8")
    word = passages(path, docx.read, "关于推进某项工作的实施意见")
    assert [(p.section, p.text) for p in word] == [
        (p.section, p.text) for p in passages(md, markdown.read, "关于推进某项工作的实施意见")]
    assert ("二、重点任务", "（一）完善机制") in [p.section for p in word]
