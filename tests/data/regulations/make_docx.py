"""Build a Word copy of a regulation fixture, so .docx ingestion is tested on the same text as the Markdown.

The Markdown shape is the one law collections share: `# title`, header lines (通过/施行 dates), an
`<!-- INFO END -->` comment, `## 第X章` headings (`### 第X节` inside them) and one paragraph per article or item. In the Word copy the
title takes the Title style, chapters take Heading 1, sections Heading 2, the comment is dropped and every other line is a
normal paragraph, as a document typed in Word would have it.

With `--numbered` the copy is typed as drafting offices often type a regulation: the numbers are Word's
automatic numbering, not text. One list (numbering.xml) has three levels: 第%1章 (bound to a chapter
heading style based on Heading 1, so chapters are numbered through the style), 第%1条 (never restarted by a
chapter) and （%1） (restarted by each article; (%1) where the source's items use ASCII brackets); a
paragraph's text is what follows the number. Where the source's number is not the one the list would give
next (a second item list in one article, a gap, a chapter after one whose heading the source lacks), a new
numbering instance restarts that level with w:startOverride, as Word's "restart numbering" does.

    python tests/data/regulations/make_docx.py [--numbered] [SOURCE.md [TARGET.docx]]
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import parse_xml

HERE = Path(__file__).resolve().parent
DEFAULT_SOURCE = HERE / "patriotic-education-law.md"
W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
CN = r"[一二三四五六七八九十百千零〇]+"
CHAPTER = re.compile(rf"^第({CN})章\s*(.*)$")
ARTICLE = re.compile(rf"^第({CN})条[\s　]*(.*)$")
ITEM = re.compile(rf"^[（(]({CN})[)）]\s*(.*)$")
ABSTRACT_ID = 90
LIST_ID = 900
CHAPTER_STYLE = "法规章标题"


def markdown_to_docx(source: Path, target: Path) -> Path:
    """Write `target` from the Markdown regulation `source`; return `target`."""
    document = Document()
    for line in source.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("<!--"):
            continue
        if line.startswith("### "):
            document.add_heading(line[4:].strip(), level=2)
        elif line.startswith("## "):
            document.add_heading(line[3:].strip(), level=1)
        elif line.startswith("# "):
            document.add_heading(line[2:].strip(), level=0)
        else:
            document.add_paragraph(line)
    document.save(target)
    return target


def abstract_list(levels: list[tuple[str, str, int | None]], abstract_id: int = ABSTRACT_ID, style: str = "") -> str:
    """An abstractNum: one (numFmt, lvlText, lvlRestart) per level; `style` bound to level 0 (w:pStyle)."""
    body = []
    for n, (fmt, text, restart) in enumerate(levels):
        body.append(
            f'<w:lvl w:ilvl="{n}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>'
            + (f'<w:lvlRestart w:val="{restart}"/>' if restart is not None else "")
            + (f'<w:pStyle w:val="{style}"/>' if style and n == 0 else "")
            + f'<w:suff w:val="space"/><w:lvlText w:val="{text}"/><w:lvlJc w:val="left"/></w:lvl>'
        )
    return f'<w:abstractNum {W_NS} w:abstractNumId="{abstract_id}">{"".join(body)}</w:abstractNum>'


def add_list(document, abstract_xml: str, num_ids: list[tuple[int, dict[int, int]]]) -> None:
    """Add an abstractNum and its numbering instances (numId, {ilvl: startOverride}) to the document."""
    root = document.part.numbering_part.element
    first_num = root.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}num")
    abstract = parse_xml(abstract_xml)
    if first_num is not None:
        first_num.addprevious(abstract)
    else:
        root.append(abstract)
    abstract_id = abstract.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}abstractNumId")
    for num_id, starts in num_ids:
        overrides = "".join(
            f'<w:lvlOverride w:ilvl="{lvl}"><w:startOverride w:val="{start}"/></w:lvlOverride>'
            for lvl, start in starts.items()
        )
        root.append(parse_xml(f'<w:num {W_NS} w:numId="{num_id}"><w:abstractNumId w:val="{abstract_id}"/>{overrides}</w:num>'))


def number(paragraph, num_id: int, ilvl: int) -> None:
    """Give a paragraph direct numbering (w:numPr)."""
    paragraph._p.get_or_add_pPr().append(
        parse_xml(f'<w:numPr {W_NS}><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num_id}"/></w:numPr>'))


def item_format(lines: list[str]) -> str:
    """The items' number as the source prints it: （%3）, or (%3) where its items use ASCII brackets."""
    return "(%3)" if any(re.match(rf"^\(({CN})\)", line.strip()) for line in lines) else "（%3）"


def markdown_to_numbered_docx(source: Path, target: Path) -> Path:
    """Write `target` from the Markdown regulation `source` with chapters, articles and items numbered by
    Word's automatic numbering; return `target`."""
    from assistant.ingest.legal import parse_number

    document = Document()
    style = document.styles.add_style(CHAPTER_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = document.styles["Heading 1"]
    style_id = style.style_id
    style.element.get_or_add_pPr().append(
        parse_xml(f'<w:numPr {W_NS}><w:numId w:val="{LIST_ID}"/></w:numPr>'))  # its level: the w:pStyle
    nums: list[tuple[int, dict[int, int]]] = [(LIST_ID, {})]
    current = LIST_ID
    counts = [0, 0, 0]  # what the list would show next, per level, minus one

    def numbered(text: str, ilvl: int, shown: int):
        nonlocal current
        if shown != counts[ilvl] + 1:  # Word's "restart numbering" / "set numbering value"
            current = LIST_ID + len(nums)
            nums.append((current, {ilvl: shown}))
        counts[ilvl] = shown
        if ilvl < 2:
            counts[2] = 0  # items restart with each article; articles run on through chapters
        p = document.add_paragraph(text)
        number(p, current, ilvl)
        return p

    lines = source.read_text(encoding="utf-8").splitlines()
    shape = item_format(lines).replace("%3", "")  # the items' brackets: "（）" or "()"
    filled = [line.strip() for line in lines if line.strip()]
    contents = {i for i, line in enumerate(filled[:-1])  # a table of contents: chapter titles with nothing under them
                if all(x.startswith("## ") and CHAPTER.match(x[3:].strip()) for x in (line, filled[i + 1]))}
    if (start := next((i + 1 for i, line in enumerate(filled) if line.startswith("<!--")), None)) is not None:
        run = start  # a table of contents that lists sections too (北京市节水条例): the headings right after the
        while run < len(filled) and filled[run].startswith(("## ", "### ")):  # comment, but the last, which
            run += 1  # opens the text
        if any(filled[j].startswith("### ") for j in range(start, run - 1)):
            contents |= set(range(start, run - 1))
    for i, line in enumerate(filled):
        if line.startswith("<!--"):
            continue
        if line.startswith("# "):
            document.add_paragraph(line[2:].strip(), style="Title")
        elif i in contents:  # typed as plain lines, as a printed 目录 is, not as numbered chapter headings
            document.add_paragraph(line[3:].strip())
        elif line.startswith("## ") and (m := CHAPTER.match(line[3:].strip())):
            shown = parse_number(m.group(1))
            if shown <= counts[0]:
                raise ValueError(f"chapter numbers out of order in {source}: {line}")
            p = document.add_paragraph(" ".join(m.group(2).split()), style=style)  # numbered through its style
            if shown != counts[0] + 1:  # a chapter whose predecessor has no heading (河南省物业管理条例 has no
                current = LIST_ID + len(nums)  # 第二章 line): "set numbering value" on this heading
                nums.append((current, {0: shown}))
                number(p, current, 0)
            counts[0], counts[2] = shown, 0
        elif line.startswith("## "):
            document.add_heading(line[3:].strip(), level=1)
        elif line.startswith("### "):  # a section (节) inside a chapter: typed as Heading 2, not numbered
            document.add_heading(line[4:].strip(), level=2)
        elif m := ARTICLE.match(line):
            numbered(m.group(2), 1, parse_number(m.group(1)))
        elif (m := ITEM.match(line)) and line.startswith(shape[0]) and line[len(m.group(1)) + 1] == shape[1]:
            numbered(m.group(2), 2, parse_number(m.group(1)))
        else:  # (an item whose brackets differ from the others' is typed by hand: 义务教育法 mixes （四） and （一) with (一))
            document.add_paragraph(line)
    add_list(document, abstract_list(
        [("chineseCounting", "第%1章", None), ("chineseCounting", "第%2条", 0),
         ("chineseCounting", item_format(lines), None)],
        style=style_id), nums)
    document.save(target)
    return target


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Build a Word copy of a Markdown regulation fixture.")
    parser.add_argument("source", nargs="?", type=Path, default=DEFAULT_SOURCE, help="the .md regulation")
    parser.add_argument("target", nargs="?", type=Path, help="the .docx to write (default: beside the source)")
    parser.add_argument("--numbered", action="store_true", help="Word's automatic numbering for 章/条/项")
    args = parser.parse_args(argv[1:])
    target = args.target or args.source.with_suffix(".docx")
    print((markdown_to_numbered_docx if args.numbered else markdown_to_docx)(args.source, target))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
