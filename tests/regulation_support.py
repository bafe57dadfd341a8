"""Generated regulation fixtures for the structural edge cases (made-up text in the shape of real ones)."""
from __future__ import annotations

from pathlib import Path

from assistant.ingest.add import add
from assistant.ingest.lines import element_lines
from assistant.ingest.manifest import Entry
from assistant.ingest.pipeline import document_passages, documents
from assistant.records import HEADNOTE
from assistant.ingest.removals import Removals

REGULATIONS = Path(__file__).parent / "data" / "regulations"
CURATED = Path(__file__).resolve().parent.parent / "corpus"  # the repository's query words, synonyms, ranking
PLAN_SEED = '[[source]]\nfile = "plan.txt"\nid = "plan"\ntitle = "某某实施方案"\nshort = "某某方案"\n'


SEED = '[[source]]\nfile = "seed.txt"\nid = "seed"\ntitle = "某某决定"\n'


def seed_corpus(root: Path) -> Path:
    """A corpus folder under `root` holding a one-line made-up decision, for `add` to add documents to."""
    folder = root / "corpus"
    folder.mkdir(parents=True)
    (folder / "manifest.toml").write_text(SEED, encoding="utf-8")
    (folder / "seed.txt").write_text("某某决定\n一、总体要求\n全面推进各项工作，确保取得实效。\n", encoding="utf-8")
    return folder


def plan_with_regulations(root: Path, plan: str, regulations: list[Path], curated: tuple[str, ...] = ()) -> Path:
    """A corpus folder under `root` holding a made-up plan (its text `plan`) and the repository's `curated`
    files, with `regulations` added; returns the database."""
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "manifest.toml").write_text(PLAN_SEED, encoding="utf-8")
    (corpus / "plan.txt").write_text(plan, encoding="utf-8")
    for name in curated:
        (corpus / name).write_text((CURATED / name).read_text(encoding="utf-8"), encoding="utf-8")
    add(regulations, corpus, root / "a.db")
    return root / "a.db"


# Three chapter-heading spellings, the first chapter without a heading, ASCII and full-width items,
# multi-paragraph articles, a header block with separate 通过 / 批准 / 施行 dates.
REGULATION_MD = """# 某市河道保护条例

2019年6月27日某市第十五届人民代表大会常务委员会第二十次会议通过
2019年9月27日某省第十三届人民代表大会常务委员会第十四次会议批准

<!-- INFO END -->

第一条 为了加强河道保护，制定本条例。

第二条 本条例适用于本市行政区域内的河道。

本条例所称河道，包括湖泊、人工水道。

## 第二章　管理职责

第三条 市水务部门履行下列职责：

（一）组织编制河道规划；

(二)监督河道保护工作；

（三）法律、法规规定的其他职责。

第四条 区人民政府负责本区河道保护工作。

## 第三章  河道整治

第五条 河道整治应当符合规划。

第六条 禁止在河道内倾倒垃圾。违反本条例第五条规定的，依法处理。

## 第四章行为规范

第七条 任何单位和个人不得侵占河道。

第八条 本条例自2020年1月1日起施行。
"""

WRAPPED_TXT = """某省数据条例
（2021年3月1日某省第十三届人民代表大会常务委员会第二十八次会议通过）
第一章　总则
第一条　为了促进数据依法有序流动，保障数据安全，
根据有关法律、行政法规，结合本省实际，制定本条例。
第二条　本条例适用于本省行政区域内数据的收集、存储和使用。
第二章　数据资源
第三条　公共数据应当按照下列要求收集：
（一）依法收集；
（二）最小必要。
"""


def body(ps: list) -> list:
    """The passages of a document's text: without its history lines (section 题注)."""
    return [p for p in ps if p.section[:1] != (HEADNOTE,)]


def passages(path: Path, reader, title: str, history: str = ""):
    """The passages of one file read by `reader`, as ingest makes them (no database)."""
    removals = Removals()
    lines = element_lines(reader(path), removals)
    (doc,) = documents(Entry(file=path.name, id="reg", title=title, history=history), lines, 0, removals)
    return document_passages(doc, removals)


def write_docx(path: Path) -> Path:
    """A Word regulation: Title and Heading styles, one paragraph per article, and a table."""
    from docx import Document

    doc = Document()
    doc.add_paragraph("某县志愿服务办法", style="Title")
    doc.add_paragraph("2022年3月1日某县人民政府公布　自2022年5月1日起施行")
    doc.add_paragraph("第一章　总则", style="Heading 1")
    doc.add_paragraph("第一条　为了规范志愿服务，制定本办法。")
    doc.add_paragraph("第二条　志愿服务遵循自愿、无偿原则。")
    doc.add_paragraph("第二章　服务记录", style="Heading 1")
    doc.add_paragraph("第三条　志愿服务时长按下表记录：")
    table = doc.add_table(rows=2, cols=2)
    for r, (a, b) in enumerate([("服务类型", "折算时长"), ("应急救援", "每次计四小时")]):
        table.cell(r, 0).text, table.cell(r, 1).text = a, b
    doc.add_paragraph("第四条　本办法自2022年5月1日起施行。")
    doc.save(str(path))
    return path


def pdf_pages(pages: int = 3, lines_per_page: int = 30) -> list[list[str]]:
    """The body lines of write_pdf's pages: a title, a header line, chapters and numbered articles of two
    paragraphs, each wrapped over two lines (the text a PDF reader should give back)."""
    body = ["某省公共数据条例", "（2021年3月1日某省第十三届人民代表大会常务委员会第二十八次会议通过）"]
    topics = ["数据收集", "数据共享", "数据开放", "安全管理", "监督检查", "应急处置", "人才培养", "标准建设"]
    article = 1
    while len(body) < pages * lines_per_page:
        if article % 25 == 1:
            body.append(f"第{_cn(article // 25 + 1)}章　{topics[(article // 25) % len(topics)]}")
        topic = topics[article % len(topics)]
        body.append(f"第{_cn(article)}条　县级以上人民政府应当加强{topic}工作，建立健全{topic}协调机制，")
        body.append("所需经费列入本级财政预算。")
        body.append(f"前款规定的{topic}工作情况，应当按年度向社会公开，接受社会监督，具体")
        body.append("办法由省人民政府另行制定。")
        article += 1
    return [body[p * lines_per_page:(p + 1) * lines_per_page] for p in range(pages)]


def write_pdf(path: Path, pages: int = 3, lines_per_page: int = 30, footer: str = "- {n} -",
              header: str = "某省公共数据条例", text: list[list[str]] | None = None) -> Path:
    """A text PDF in Chinese (`text`, its lines page by page; pdf_pages by default) with a running header and a page
    number (`footer`, {n} the page, {total} the count) on every page (reportlab's built-in Adobe CID font
    STSong-Light: no font file needed)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path))
    for n, lines in enumerate(text or pdf_pages(pages, lines_per_page), 1):
        c.setFont("STSong-Light", 9)
        if header:
            c.drawString(72, 810, header)
        c.setFont("STSong-Light", 11)
        y = 780
        for line in lines:
            c.drawString(72, y, line)
            y -= 24
        c.setFont("STSong-Light", 9)
        c.drawString(290, 40, footer.format(n=n, total=pages))
        c.showPage()
    c.save()
    return path


def _cn(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return (digits[tens] if tens > 1 else "") + "十" + (digits[ones] if ones else "")
    hundreds, rest = divmod(n, 100)
    return digits[hundreds] + "百" + ("" if rest == 0 else ("零" + digits[rest] if rest < 10 else _cn(rest) if rest >= 20 else "一" + _cn(rest)))
