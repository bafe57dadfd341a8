"""Markdown as policy texts are commonly shared: `# title`, header lines, `<!-- … -->`, `## 第X章`, paragraphs.

Markdown syntax is structure, never text: heading marks give heading levels, HTML comments, rules and
images go, emphasis/link/code marks are removed, list bullets and quote marks are dropped, a table
becomes one element per row (the row above the `---|---` line names the columns). Consecutive lines form one paragraph (soft wraps join without a space
between Chinese characters), but a line opening a list item or an article (（一）, 1., 第五条) opens a paragraph of its own.
"""
from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from assistant.ingest.formats import TABLE_CELL, TABLE_HEAD, TABLE_ROW, Element, decode_text
from assistant.ingest.legal import ARTICLE, DIVISION
from assistant.ingest.lists import LIST_ITEM

_COMMENT = re.compile(r"<!--.*?-->", re.S)
_HEADING = re.compile(r"^(#{1,6})\s*(.*?)\s*#*\s*$")
_RULE = re.compile(r"^\s*(?:[-*_]\s*){3,}$")
_BULLET = re.compile(r"^\s*(?:[-*+]\s+|>\s?)")
_TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$")
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*{1,3}|_{2,3}|`+|~~)(?=\S)(.+?)(?<=\S)\1")
_HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def inline(text: str) -> str:
    """Text without inline Markdown: images, link targets, emphasis/code/strike marks, HTML tags."""
    text = _IMAGE.sub("", text)
    text = _LINK.sub(r"\1", text)
    text = _EMPHASIS.sub(r"\2", text)
    return _HTML_TAG.sub("", text).replace("\\", "")


def _opens_block(line: str) -> bool:
    """Whether a line opens a list item, an article or a chapter: policy texts shared as Markdown put each （一）,
    1. and 第五条 on a line of its own with no blank line between, and a Markdown paragraph would join them into
    one passage. A decimal (3.5亿元 wrapped to the line's start) opens none."""
    line = line.lstrip()
    item = LIST_ITEM.match(line)
    return bool(item and not line[item.end() : item.end() + 1].isdigit()) or bool(ARTICLE.match(line)
                                                                                  or DIVISION.match(line))


def _join(lines: list[str]) -> str:
    out = ""
    for line in lines:
        line = line.strip()
        if out and out[-1].isascii() and out[-1].isalnum() and line[:1].isascii() and line[:1].isalnum():
            out += " "
        out += line
    return out


def read(path: Path) -> list[Element]:
    text = _COMMENT.sub("\n", decode_text(path, Path(path).read_bytes()))
    out: list[Element] = []
    para: list[str] = []

    def flush() -> None:
        if para:
            joined = inline(_join(para))
            if joined.strip():
                out.append(Element(joined))
            para.clear()

    for line in text.splitlines():
        if _TABLE_SEPARATOR.match(line) and out and out[-1].table and not para:
            out[-1] = replace(out[-1], table=TABLE_HEAD)
            continue
        if not line.strip() or _RULE.match(line) or _TABLE_SEPARATOR.match(line):
            flush()
            continue
        heading = _HEADING.match(line)
        if heading:
            flush()
            if heading.group(2):
                out.append(Element(inline(heading.group(2)), heading=len(heading.group(1))))
            continue
        if line.lstrip().startswith("|"):
            flush()
            cells = [inline(c).strip() for c in line.strip().strip("|").split("|")]
            if any(cells):
                out.append(Element(TABLE_CELL.join(cells), table=TABLE_ROW))
            continue
        if _BULLET.match(line):
            flush()
            line = _BULLET.sub("", line)
        elif _opens_block(line):
            flush()
        para.append(line)
    flush()
    return out
