"""Build the Word 97-2003 (.doc) fixtures: a .docx written with python-docx, converted by LibreOffice.

The text is made up (no real regulation). `regulation` is a county rule with a title, a header date line,
chapters, articles, （一） items and a table; `tables` one with a one-column table framing two
articles and a table with merged cells; `fields` a notice with a hyperlink (a field in .doc: its
instruction HYPERLINK "…" and its result, the link text), a page-number field, and manual line breaks, one
between two articles and one wrapping a sentence; `numbered` a rule whose 第X条, （X） and 1./① are Word's
automatic numbering (list tables in the .doc). Both .docx and .doc are kept: the tests compare what the
two readers give. Needs LibreOffice (`soffice`); the tests do not.

    python tests/data/doc/make_doc.py
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from docx import Document
from docx.oxml import parse_xml
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml.ns import qn

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "regulations"))
from make_docx import abstract_list, add_list, number  # noqa: E402  (the numbered .docx fixtures' list builders)

W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
R_NS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'


def filled(doc, rows: list[tuple[str, ...]]):
    """A table of `rows` added to the document (an empty string leaves its cell empty, to be merged)."""
    table = doc.add_table(rows=len(rows), cols=len(rows[0]))
    for r, cells in enumerate(rows):
        for c, text in enumerate(cells):
            if text:
                table.cell(r, c).text = text
    return table


def regulation(path: Path) -> Path:
    doc = Document()
    doc.add_paragraph("某县社区居家养老服务办法", style="Title")
    doc.add_paragraph("2023年4月10日某县人民政府第十二次常务会议通过　自2023年6月1日起施行")
    doc.add_paragraph("第一章　总则", style="Heading 1")
    doc.add_paragraph("第一条　为了规范社区居家养老服务，提高老年人生活质量，根据有关法律、法规，结合本县实际，制定本办法。")
    doc.add_paragraph("第二条　本办法适用于本县行政区域内的社区居家养老服务及其监督管理。")
    doc.add_paragraph("第三条　县民政部门履行下列职责：")
    doc.add_paragraph("（一）编制社区居家养老服务设施布局规划；")
    doc.add_paragraph("（二）指导乡镇人民政府开展助餐、助浴、助洁服务；")
    doc.add_paragraph("（三）法律、法规规定的其他职责。")
    doc.add_paragraph("第二章　服务补贴", style="Heading 1")
    doc.add_paragraph("第四条　对经济困难的失能老年人，按照下表发放服务补贴：")
    filled(doc, [("失能等级", "每月补贴", "发放方式"), ("轻度失能", "二百元", "服务券"), ("重度失能", "六百元", "直接结算")])
    doc.add_paragraph("补贴资金由县财政列入年度预算，专款专用。")
    doc.add_paragraph("第五条　任何单位和个人不得骗取、挪用服务补贴。违反前款规定的，由县民政部门责令退回。")
    doc.add_paragraph("第三章　附则", style="Heading 1")
    doc.add_paragraph("第六条　本办法自2023年6月1日起施行。")
    doc.save(str(path))
    return path


def fields(path: Path) -> Path:
    doc = Document()
    doc.add_paragraph("某县图书馆读者服务规定", style="Title")
    p = doc.add_paragraph("第一条　读者可以登录")
    rid = doc.part.relate_to("https://library.example.org/readers",
                             "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink",
                             is_external=True)
    p._p.append(parse_xml(f'<w:hyperlink {W_NS} {R_NS} r:id="{rid}"><w:r><w:t>县图书馆读者服务平台</w:t></w:r>'
                          '</w:hyperlink>'))
    p.add_run("办理借阅证。")
    p = doc.add_paragraph("第二条　每位读者同时借阅图书不超过十册，")
    p.add_run().add_break()
    p.add_run("借期为三十日。")
    p.add_run().add_break()
    p.add_run("第三条　逾期归还的，暂停借阅资格七日。")
    p = doc.add_paragraph("第四条　本规定共")
    for xml in ('<w:r><w:fldChar w:fldCharType="begin"/></w:r>',
                '<w:r><w:instrText xml:space="preserve"> NUMPAGES </w:instrText></w:r>',
                '<w:r><w:fldChar w:fldCharType="separate"/></w:r>', '<w:r><w:t>1</w:t></w:r>',
                '<w:r><w:fldChar w:fldCharType="end"/></w:r>'):
        p._p.append(parse_xml(xml.replace("<w:r>", f"<w:r {W_NS}>", 1)))
    p.add_run("页，自发布之日起施行。")
    doc.save(str(path))
    return path


def tables(path: Path) -> Path:
    doc = Document()
    doc.add_paragraph("某县农村公路养护办法", style="Title")
    frame = doc.add_table(rows=1, cols=1)  # a one-column table framing text: its paragraphs are the document's
    frame.cell(0, 0).text = "第一条　为了加强农村公路养护，制定本办法。"
    frame.cell(0, 0).add_paragraph("第二条　本办法适用于本县行政区域内的县道、乡道和村道。")
    doc.add_paragraph("第三条　农村公路养护资金标准如下：")
    table = filled(doc, [("公路类别", "养护资金标准", "资金来源"), ("县道", "每公里每年不低于一万元", "省级补助和县级财政"),
                         ("乡道", "每公里每年不低于五千元", ""), ("村道", "每公里每年不低于三千元，由县级财政安排", "")])
    table.cell(1, 2).merge(table.cell(2, 2))  # a vertical merge: 乡道's source is 县道's
    table.cell(3, 1).merge(table.cell(3, 2))  # a horizontal one
    doc.add_paragraph("第四条　本办法自2024年1月1日起施行。")
    doc.save(str(path))
    return path


def numbered(path: Path) -> Path:
    """A rule typed with Word's automatic numbering: articles 第%1条 numbered through a paragraph style and
    running on through the (typed) chapters, items （%2） restarted by each article, and a second list (%1.)
    with a circled level (①) under it. The numbered paragraphs' text holds no number. (LibreOffice keeps these
    in a .doc; it loses w:lvlRestart 0 and a restarting instance, so the fixture has neither.)"""
    doc = Document()
    article = doc.styles.add_style("法规条文", WD_STYLE_TYPE.PARAGRAPH)
    article.base_style = doc.styles["Normal"]
    article.element.get_or_add_pPr().append(parse_xml(f'<w:numPr {W_NS}><w:numId w:val="31"/></w:numPr>'))
    add_list(doc, abstract_list([("chineseCounting", "第%1条", None), ("chineseCounting", "（%2）", None)],
                                abstract_id=30, style=article.style_id), [(31, {})])
    add_list(doc, abstract_list([("decimal", "%1.", None), ("decimalEnclosedCircle", "%2", None)], abstract_id=40),
             [(41, {})])

    def para(text: str, num_id: int | None = None, ilvl: int = 0, style=None):
        p = doc.add_paragraph(text, style=style)
        if num_id is not None:
            number(p, num_id, ilvl)
        return p

    para("某县河道保洁管理办法", style="Title")
    para("2024年3月5日某县人民政府第二十次常务会议通过　自2024年5月1日起施行")
    para("第一章　总则", style="Heading 1")
    para("为了加强河道保洁管理，改善水环境，根据有关法律、法规，结合本县实际，制定本办法。", style=article)
    para("本办法适用于本县行政区域内河道的保洁及其监督管理。", style=article)
    para("县水利部门履行下列职责：", style=article)
    para("编制河道保洁规划；", 31, 1)
    para("组织河道保洁考核；", 31, 1)
    para("法律、法规规定的其他职责。", 31, 1)
    para("第二章　保洁责任", style="Heading 1")
    para("河道保洁实行分段负责，责任单位应当做到：", style=article)
    para("水面无漂浮垃圾；", 31, 1)
    para("岸坡无堆放杂物。", 31, 1)
    para("保洁人员应当遵守下列作业要求：", style=article)
    para("穿戴救生衣。", 41, 0)
    para("雨天暂停水上作业。", 41, 0)
    para("汛期作业前报告乡镇人民政府：", 41, 0)
    para("作业河段；", 41, 1)
    para("作业人数。", 41, 1)
    para("第三章　附则", style="Heading 1")
    para("本办法自2024年5月1日起施行。", style=article)
    doc.save(str(path))
    return path


def to_doc(docx: Path) -> Path:
    soffice = shutil.which("soffice") or sys.exit("LibreOffice (soffice) is needed to make the .doc fixtures")
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "doc",
                        "--outdir", str(docx.parent), str(docx)], check=True, capture_output=True, timeout=300)
    return docx.with_suffix(".doc")


if __name__ == "__main__":
    for make in (regulation, fields, tables, numbered):
        print(to_doc(make(HERE / f"{make.__name__}.docx")))
    law = HERE.parent / "regulations" / "patriotic-education-law.docx"
    copy = HERE / law.name
    shutil.copyfile(law, copy)
    print(to_doc(copy))
    copy.unlink()  # the .docx stays where it is (tests/data/regulations)
