"""Word (.docx) through python-docx: paragraphs in body order, Title/Heading styles as headings, tables
as one element per row (never silently lost)."""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

from docx import Document
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table
from docx.text.paragraph import Paragraph

from assistant.ingest.formats import TABLE_CELL, Element, FormatError, strip_controls

_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*(\d)$", re.I)


def heading_level(style_name: str) -> int:
    """Heading level of a paragraph style: Title → 1, Heading N / 标题 N → N, anything else 0."""
    name = (style_name or "").strip()
    if name.lower() in ("title", "标题"):
        return 1
    m = _HEADING_STYLE.match(name)
    return int(m.group(1)) if m else 0


def _row(cells: list[str]) -> str:
    kept: list[str] = []
    for cell in cells:  # a merged cell is reported once per grid column it spans
        if not kept or cell != kept[-1]:
            kept.append(cell)
    return TABLE_CELL.join(kept)


def read(path: Path) -> list[Element]:
    try:
        doc = Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise FormatError(f"无法作为 Word 文档读取：{path}（{exc}）") from exc
    out: list[Element] = []
    for block in doc.iter_inner_content():
        if isinstance(block, Paragraph):
            text = strip_controls(block.text)[0]
            if text.strip():
                out.append(Element(text.strip(), heading=heading_level(block.style.name if block.style else "")))
        elif isinstance(block, Table):
            for row in block.rows:
                cells = [" ".join(strip_controls(c.text)[0].split()) for c in row.cells]
                if any(cells):
                    out.append(Element(_row(cells), table=True))
    return out
