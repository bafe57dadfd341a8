"""Printable compilations (.docx and Markdown): a title, the date, and every quote verbatim, cited the way
材料 cite: each source once in the standard form (《full title》（date）), each quote with where it sits in it."""
from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

from assistant.chat.citation import heading
from assistant.records import Source
from assistant.study.digest import Digest
from assistant.study.quotes import Quote

FORMATS = {".docx": "docx", ".md": "md"}
_FONT = "宋体"


@dataclass(frozen=True)
class Section:
    heading: str
    quotes: tuple[Quote, ...]


@dataclass(frozen=True)
class Compilation:
    title: str
    date: str  # Chinese date line, e.g. 2026年11月23日
    sections: tuple[Section, ...]

    @property
    def basename(self) -> str:
        """A file name without extension, safe on phones and Windows."""
        return "".join(c for c in self.title if c not in '\\/:*?"<>|“”「」 ')


def from_digest(digest: Digest) -> Compilation:
    return Compilation(
        f"关于“{digest.topic}”的论述摘编",
        digest.date,
        tuple(Section(source_heading(g.title, g.publication, g.date), g.quotes) for g in digest.groups),
    )


def from_quotes(title: str, date: str, quotes: Sequence[Quote]) -> Compilation:
    """A compilation of loose quotes (saved quotes), one section per source in first-seen order."""
    sections: dict[str, list[Quote]] = {}
    for q in quotes:
        sections.setdefault(source_heading(q.title, q.publication, q.date), []).append(q)
    return Compilation(title, date, tuple(Section(h, tuple(qs)) for h, qs in sections.items()))


def source_heading(title: str, publication: str, date: str) -> str:
    """《title》（2021年7月）, or for an article 《title》（《今日浙江》2024年第2期）: the standard 出处, once."""
    return heading(Source("", title, date=date, publication=publication))


# Characters Markdown (and the HTML it allows) would read as markup: a topic `<b>` or `*重点*` must show as typed.
_MARKUP = re.compile(r"([\\`*_\[\]<>&#|~])")


def md_text(text: str) -> str:
    """`text` as Markdown that renders to exactly `text` (CommonMark backslash escapes)."""
    return _MARKUP.sub(r"\\\1", text)


def to_markdown(c: Compilation) -> str:
    lines = [f"# {md_text(c.title)}", "", md_text(c.date), ""]
    for section in c.sections:
        lines += [f"## {md_text(section.heading)}", ""]
        for q in section.quotes:
            lines += [f"> {md_text(q.text)}", *([">", f"> ——{md_text(q.location)}"] if q.location else []), ""]
    return "\n".join(lines) + "\n"


def to_docx(c: Compilation) -> bytes:
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = _FONT
    normal.font.size = Pt(12)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), _FONT)  # python-docx sets only the Latin font by default
    title = doc.add_heading(c.title, level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    date = doc.add_paragraph(c.date)
    date.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for section in c.sections:
        doc.add_heading(section.heading, level=1)
        for q in section.quotes:
            doc.add_paragraph(q.text)
            if q.location:
                cite = doc.add_paragraph(f"——{q.location}")
                cite.alignment = WD_ALIGN_PARAGRAPH.RIGHT
                cite.runs[0].font.size = Pt(10.5)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def render(c: Compilation, fmt: str) -> bytes:
    """The compilation as file content; `fmt` is "docx" or "md"."""
    if fmt == "docx":
        return to_docx(c)
    if fmt == "md":
        return to_markdown(c).encode("utf-8")
    raise ValueError(f"不支持的格式：{fmt}（可选 .docx 或 .md）")


def write(c: Compilation, path: Path) -> Path:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(f"输出文件须以 .docx 或 .md 结尾：{path}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(render(c, fmt))
    return path
