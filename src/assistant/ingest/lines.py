"""Reading extracted text into lines: the unit every layout rule works on.

PDF and newspaper extraction leaves layout cues in the whitespace: a single leading space marks the
start of a new column or page, a full-width (ideographic or em) indent a new paragraph, and spaces between letters are
letter-spacing. A Line keeps the cues as flags and its text without any whitespace (except a single
space between two Latin letters, where it separates words).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.ingest.formats import Element
from assistant.ingest.removals import Removals

_INNER_SPACE = re.compile(r"\s+")
# A paragraph's first-line indent as extractions show it: ideographic spaces, or the em spaces a PDF printed
# from a browser or an office suite holds for them.
_INDENT = re.compile("[\u3000\u2003]")


@dataclass(frozen=True)
class Line:
    text: str  # whitespace-free content (single spaces kept between Latin words)
    number: int  # 1-based line number in the file, for messages only
    column_start: bool = False  # began with a single half-width space: first line of a new column/page
    indent: bool = False  # began with a full-width space: first line of a paragraph
    spaced: str = ""  # the line with each whitespace run shown as one space, for heading labels
    whole: bool = False  # a whole paragraph as the format states it (Markdown, Word): never joined to others
    heading: int = 0  # heading level the format states (Markdown #, Word heading style); 0 = none
    page: int = 0  # page it was printed on (PDF), 0 when the format has no pages
    table: str = ""  # a table row as the format states it: TABLE_HEAD or TABLE_ROW (formats), "" for text

    @property
    def width(self) -> int:
        return display_width(self.text)


_NARROW_PUNCT = re.compile(r"[\u2010-\u206f\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65]")


def display_width(text: str) -> int:
    """Printed width in half-width units: CJK characters count 2; Latin letters, digits and punctuation
    (which Chinese typesetting compresses) count 1."""
    return sum(1 if ch.isascii() or _NARROW_PUNCT.match(ch) else 2 for ch in text)


def squeeze(text: str) -> tuple[str, int]:
    """Remove whitespace inside a line except one space between Latin words; returns (text, removed count)."""
    text = text.strip()

    def gap(m: re.Match) -> str:
        before, after = text[m.start() - 1 : m.start()], text[m.end() : m.end() + 1]
        return " " if _is_latin(before) and _is_latin(after) else ""

    out = _INNER_SPACE.sub(gap, text)
    return out, len(text) - len(out)


def _is_latin(ch: str) -> bool:
    return ch.isascii() and ch.isalpha()


def read_lines(raw: str, removals: Removals) -> list[Line]:
    """Non-empty lines with their layout cues; blank lines carry no information in these extractions."""
    return element_lines([Element(line, wrapped=True) for line in raw.splitlines()], removals)


def element_lines(elements: list[Element], removals: Removals) -> list[Line]:
    """Lines of a document's elements: a wrapped line keeps its layout cues, a stated paragraph is whole."""
    lines = []
    page = 0
    for number, el in enumerate(elements, 1):
        raw_line = el.text
        page += el.page_start
        if not raw_line.strip():
            continue
        text, spacing = squeeze(raw_line)
        removals.add("letter_spacing", spacing)
        lead = raw_line[: len(raw_line) - len(raw_line.lstrip())]
        removals.add("layout_whitespace", len(lead) + len(raw_line) - len(raw_line.rstrip()))
        spaced = _INNER_SPACE.sub(" ", raw_line.strip())
        lines.append(
            Line(text, number, column_start=el.wrapped and lead == " ", indent=el.wrapped and bool(_INDENT.search(lead)),
                 spaced=spaced, whole=not el.wrapped, heading=el.heading, page=page, table=el.table)
        )
    return lines
