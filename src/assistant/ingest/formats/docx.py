"""Word (.docx): the text a reader of the document sees, in body order.

python-docx opens the package; the body is walked on its XML because python-docx's own text drops what a
reader sees: automatic numbering (第一条, （一） from numbering.xml, rebuilt by `numbering`), tracked
insertions, content controls and text boxes. Title/Heading styles (also through a style's basedOn chain or
its outline level) are headings. A manual line break splits a paragraph where a new sentence or legal unit
begins, and is joined where it only wraps a sentence. A table row is one element, cells joined, the
first row of a table of several naming the columns (TABLE_HEAD); a one-column table (a layout frame around
text) is read as the paragraphs it holds. Footnotes and endnotes come after the body under their own heading
(注释), so they are kept but never filed under the last article or read into a sentence. Deleted text,
field codes and the alternative copy of a text box stay out.
"""
from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from docx import Document
from docx.opc.exceptions import PackageNotFoundError
from lxml import etree

from assistant.ingest.formats import TABLE_CELL, TABLE_HEAD, TABLE_ROW, Element, FormatError, strip_controls
from assistant.ingest.formats.numbering import W, Numbering, Styles, paragraph_numbering

_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*(\d)$", re.I)
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_SKIP = {W + "pPr", W + "rPr", W + "del", W + "moveFrom", W + "txbxContent", W + "instrText", _MC_FALLBACK}
_TEXT = {W + "t": None, W + "tab": "\t", W + "cr": "\n", W + "noBreakHyphen": "-", W + "softHyphen": ""}
_CLAUSE_END = re.compile(r"[；;：:]$")
NOTES_HEADING = "注释"  # footnotes and endnotes follow the body under this heading, apart from the last article


def heading_level(style_name: str) -> int:
    """Heading level of a paragraph style: Title → 1, Heading N / 标题 N → N, anything else 0."""
    name = (style_name or "").strip()
    if name.lower() in ("title", "标题"):
        return 1
    m = _HEADING_STYLE.match(name)
    return int(m.group(1)) if m else 0


def row_text(cells: list[str]) -> str:
    kept: list[str] = []
    for cell in cells:  # a merged cell is reported once per grid column it spans
        if not kept or cell != kept[-1]:
            kept.append(cell)
    return TABLE_CELL.join(kept)


def read(path: Path) -> list[Element]:
    try:
        doc = Document(str(path))
        reader = _Reader(paragraph_numbering(doc))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise FormatError(f"无法作为 Word 文档读取：{path}（{exc}）") from exc
    except etree.XMLSyntaxError as exc:  # a damaged part (document, styles, numbering)
        raise FormatError(f"Word 文档已损坏，无法读取：{path}（{exc}）") from exc
    body = list(reader.blocks(doc.element.body))
    notes = [e for note in _notes(doc) for e in reader.blocks(note) if e.text.strip()]
    return body + ([Element(NOTES_HEADING, heading=1), *notes] if notes else [])


def _notes(doc) -> Iterator[etree._Element]:
    """Footnotes, then endnotes, in the order the parts hold them (Word's separators left out)."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    for reltype, tag in ((RT.FOOTNOTES, "footnote"), (RT.ENDNOTES, "endnote")):
        for rel in doc.part.rels.values():
            if rel.reltype != reltype or rel.is_external:
                continue
            try:
                root = etree.fromstring(rel.target_part.blob)
            except etree.XMLSyntaxError:
                continue  # a damaged notes part: the body is still the document
            for note in root.iter(W + tag):
                if note.get(W + "type", "normal") == "normal":
                    yield note


class _Reader:
    """One walk through a document body; the numbering counters advance in body order."""

    def __init__(self, numbering: Numbering):
        self.numbering = numbering
        self.styles: Styles = numbering.styles

    def blocks(self, container: etree._Element) -> Iterator[Element]:
        for child in container:
            if child.tag == W + "p":
                yield from self.paragraph(child)
            elif child.tag == W + "tbl":
                yield from self.table(child)
            elif child.tag in (W + "sdt", W + "customXml", W + "sdtContent", W + "ins"):
                yield from self.blocks(child.find(W + "sdtContent") if child.tag == W + "sdt" else child)

    def paragraph(self, p: etree._Element) -> Iterator[Element]:
        body = _text(p)
        if not body.strip() and p.find(f"{W}pPr/{W}rPr/{W}del") is not None:
            return  # a paragraph deleted with tracked changes: Word neither shows nor numbers it
        label = self.numbering.label(p)
        yield from paragraph_elements(strip_controls(label + body)[0], self.heading(p))
        for box in _text_boxes(p):  # a text box's paragraphs, after the paragraph that anchors it
            yield from self.blocks(box)

    def heading(self, p: etree._Element) -> int:
        p_pr = p.find(W + "pPr")
        outline = p_pr.find(W + "outlineLvl") if p_pr is not None else None
        style = p_pr.find(W + "pStyle") if p_pr is not None else None
        style_id = style.get(W + "val") if style is not None else self.styles.default
        level = self.styles.heading(style_id, heading_level)
        if not level and outline is not None and (n := outline.get(W + "val", "")).isdigit() and int(n) < 9:
            level = int(n) + 1
        return level

    def table(self, tbl: etree._Element) -> Iterator[Element]:
        rows = [[tc for tc in _cells(tr)] for tr in tbl.iter(W + "tr") if _owner(tr, "tbl") is tbl]
        if all(len(cells) <= 1 for cells in rows):  # a frame around text: its paragraphs are the document's
            for cells in rows:
                for tc in cells:
                    yield from self.blocks(tc)
            return
        above: dict[int, str] = {}  # grid column → text of the cell, for vertically merged cells
        out: list[list[str]] = []
        for cells in rows:
            texts: list[str] = []
            column = 0
            for tc in cells:
                span = int(_prop(tc, "gridSpan") or 1)
                merge = tc.find(f"{W}tcPr/{W}vMerge")
                if merge is not None and merge.get(W + "val") != "restart":
                    text = above.get(column, "")
                else:
                    text = " ".join(e.text for e in self.blocks(tc) if e.text.strip())
                    text = " ".join(text.split())
                for c in range(column, column + span):
                    above[c] = text
                texts.extend([text] * span)
                column += span
            out.append(texts)
        yield from table_elements(out)


def paragraph_elements(text: str, level: int = 0) -> Iterator[Element]:
    """A paragraph's elements: a heading whole (a title's bracketed header on a line of its own, 某省养老服务条例⏎
    （…会议通过）, is text under it), else the paragraph split at its manual line breaks (line_pieces)."""
    if level:
        lines = [line for line in text.split("\n") if line.strip()]
        k = next((n for n, line in enumerate(lines) if n and line.strip()[:1] in "（("), len(lines))
        if lines:
            yield Element(" ".join(" ".join(lines[:k]).split()), heading=level)
        yield from (Element(piece) for piece in line_pieces("\n".join(lines[k:])))
    else:
        yield from (Element(piece) for piece in line_pieces(text))


def table_elements(rows: list[list[str]]) -> list[Element]:
    """A table's rows (each its cells' texts) as elements: one a row, cells joined; the first row of several
    cells names the columns of the rows below it (TABLE_HEAD); a row spanning the table above it is the table's
    title (重点任务分工表). Empty rows are left out."""
    out = [Element(row_text(texts), table=TABLE_ROW) for texts in rows if any(texts)]
    head = next((i for i, e in enumerate(out[:-1]) if TABLE_CELL in e.text), None)
    if head is not None:
        out[head] = replace(out[head], table=TABLE_HEAD)
    return out


def _owner(el: etree._Element, tag: str) -> etree._Element | None:
    parent = el.getparent()
    while parent is not None and parent.tag != W + tag:
        parent = parent.getparent()
    return parent


def _cells(tr: etree._Element) -> Iterator[etree._Element]:
    for child in tr:
        if child.tag == W + "tc":
            yield child
        elif child.tag in (W + "sdt", W + "customXml"):
            yield from (tc for tc in child.iter(W + "tc") if _owner(tc, "tr") is tr)


def _prop(tc: etree._Element, name: str) -> str | None:
    el = tc.find(f"{W}tcPr/{W}{name}")
    return el.get(W + "val") if el is not None else None


def _text(p: etree._Element) -> str:
    """A paragraph's visible text: runs anywhere inside it (hyperlinks, insertions, content controls, fields'
    results), a manual line break as a newline; not deleted or hidden text, field codes or text boxes."""
    out: list[str] = []

    def walk(el: etree._Element) -> None:
        for child in el:
            tag = child.tag
            if tag in _SKIP or not isinstance(tag, str) or (tag == W + "r" and _hidden(child)):
                continue
            if tag in _TEXT:
                out.append((child.text or "") if _TEXT[tag] is None else _TEXT[tag])
            elif tag == W + "br":
                out.append("\n" if child.get(W + "type", "textWrapping") == "textWrapping" else "")
            elif tag == W + "p":
                continue  # a paragraph nested in a drawing: read with the text boxes
            else:
                walk(child)

    walk(p)
    return "".join(out)


def _hidden(run: etree._Element) -> bool:
    """A run formatted as hidden text (w:vanish): Word does not show or print it."""
    vanish = run.find(f"{W}rPr/{W}vanish")
    return vanish is not None and vanish.get(W + "val", "true") not in ("0", "false", "off")


def _text_boxes(p: etree._Element) -> Iterator[etree._Element]:
    """The text boxes anchored in a paragraph (the copy under mc:Fallback repeats the first one's text)."""
    for box in p.iter(W + "txbxContent"):
        if _owner(box, "txbxContent") is None and not any(a.tag == _MC_FALLBACK for a in box.iterancestors()):
            yield box


def line_pieces(text: str) -> list[str]:
    """A paragraph split at its manual line breaks where the next line begins a new sentence or legal unit
    (第一章 总则⏎第一条 …); a break that only wraps a sentence is joined."""
    from assistant.ingest.legal import starts_unit
    from assistant.ingest.structure import ends_sentence, marker_of

    pieces: list[str] = []
    for line in text.split("\n"):
        line = line.strip()
        if not line:
            continue
        squeezed = "".join(line.split())
        if pieces and not (
            ends_sentence(pieces[-1]) or _CLAUSE_END.search(pieces[-1]) or starts_unit(squeezed) or marker_of(squeezed)
        ):
            pieces[-1] += " " + line if pieces[-1][-1:].isascii() and line[:1].isascii() else line
        else:
            pieces.append(line)
    return pieces
