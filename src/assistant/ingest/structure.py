"""Structure: hard-wrapped lines → paragraphs → headings and body, each body piece under a section path.

Paragraph ends are not marked in these extractions, so they are inferred from layout: a line that
ends a sentence and stops short of the column width ends a paragraph; an indent, a heading marker, a
dash list item, or a first line that stops short (print indents it) after a full sentence starts one. Headings are numbered (一、 （一） 1. 第一，), bulleted (● 关键词), or subheads without a
marker: a short unpunctuated line after a finished sentence (`顶层设计“立柱架梁”`, `全面系统“深学”——`),
possibly followed by a second such line. A line is never cut from the next where a word runs across
the line break (`…目标任务和重` / `点工作`): that is a wrapped line, not a short one.
"""
from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Callable

from assistant import import_jieba
from assistant.ingest.formats import TABLE_HEAD, TABLE_ROW
from assistant.ingest.lines import Line
from assistant.ingest.sentences import ADDRESS

jieba = import_jieba()

_NUM = "一二三四五六七八九十"
# (level, marker pattern, separator shown between marker and heading text in a section label)
MARKERS: tuple[tuple[int, re.Pattern, str], ...] = (
    (1, re.compile(rf"^[{_NUM}]+、"), ""),
    (2, re.compile(rf"^（[{_NUM}]+）"), ""),
    (3, re.compile(r"^\d{1,2}[.．](?![\d%])"), " "),
    (4, re.compile(rf"^第[{_NUM}]+[，、]"), ""),
    (5, re.compile(r"^●"), ""),
    (5, re.compile(r"^关键词(?=\S)"), " "),
)
ATTACHMENT_TITLE_MAX = 30  # the line after 附件2 that is its title (a short line without punctuation)
ATTACHMENT = re.compile(rf"^附件\s*(?:[0-9０-９]{{1,2}}|[{_NUM}]{{1,3}})?$")  # 附件, 附件2, 附件一: alone on a line
BULLET = "●"
BULLET_LEVEL = 5
SUBHEAD_LEVEL = 6  # an unmarked subhead sits below every marked level
TABLE_LEVEL = 9  # a table's header row: below every heading of a plan or a regulation, above its rows only
NUMBERED_LEVELS = (1, 2, 3, 4)
LEAD_MAX = 80  # a numbered item's lead sentence longer than this is body text, not a heading
SHORT_LINE = 0.8  # a line narrower than this share of the column stops before the column's edge
SUBHEAD_WIDTH = 0.9  # a subhead line is narrower than this share of the column
INDENTED_LINE = 0.93  # a paragraph's indented first line is at most this share of the column
SUBHEAD_MAX_CHARS = 10  # second line of a bulleted subhead: `“循迹溯源”学思践悟`
PARAGRAPH_PER_LINE_WIDTH = 140  # lines wider than any printed column are whole paragraphs
WIDTH_WINDOW = 6
PRINTED_ROW_CELLS = 3  # a printed table row: this many cells of two or more characters (one ideograph), set apart
PRINTED_ROW_REACH = 2  # by spaces, with another such row at most this many lines away (a wrapped cell between)

_ENDS_SENTENCE = re.compile(r"[。！？!?…]+[”’」』）)】]*$")
_SENTENCE_END = re.compile(r"[。！？!?…]+[”’」』）)】]*")
_HAS_SENTENCE_END = re.compile(r"[。！？!?…]")
_INNER_PUNCT = re.compile(r"[，、；：。！？,;:!?]")
_CONTINUES = "，、；：,;:“‘《（("
_IDEOGRAPH = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class Paragraph:
    lines: tuple[Line, ...]
    subhead: bool = False  # an unmarked subhead line (or the second line of a bulleted one)

    @property
    def text(self) -> str:
        return "".join(ln.text for ln in self.lines)

    @property
    def heading(self) -> int:
        """The heading level the format states for this paragraph (0: none stated)."""
        return self.lines[0].heading


@dataclass(frozen=True)
class Block:
    """A paragraph's worth of text, or a heading."""

    text: str
    para: int
    level: int = 0  # 0 for body text; heading level otherwise
    label: str = ""  # the heading as shown in a section path
    table_row: bool = False  # a row of a table, under its header row (which is a heading at TABLE_LEVEL)

    @property
    def is_heading(self) -> bool:
        return self.level > 0


def marker_of(text: str) -> tuple[int, str, str] | None:
    """(level, marker, label separator) when `text` starts with a heading marker."""
    for level, pattern, sep in MARKERS:
        m = pattern.match(text)
        if m:
            return level, m.group(), sep
    return None


def ends_sentence(text: str) -> bool:
    return bool(_ENDS_SENTENCE.search(text))


@lru_cache(maxsize=4096)
def word_continues(before: str, after: str) -> bool:
    """True when a word runs across the break between two lines (`…和重` + `点工作…` → 重点)."""
    left, right = before[-4:], after[:4]
    if not left or not right:
        return False
    pos = 0
    for token in jieba.lcut(left + right):
        if pos < len(left) < pos + len(token):
            return True
        pos += len(token)
    return False


def _quotes_balanced(text: str) -> bool:
    return text.count("“") == text.count("”") and text.count("‘") == text.count("’")


def _column_widths(lines: list[Line]) -> list[float]:
    """The column width around each line: the upper quartile of its neighbours' widths, as most lines
    of a column are full but first and last lines of paragraphs are not."""
    widths = [ln.width for ln in lines]
    return [_upper_quartile(widths[max(0, i - WIDTH_WINDOW) : i + WIDTH_WINDOW + 1]) for i in range(len(lines))]


def _upper_quartile(values: list[int]) -> float:
    ordered = sorted(values)
    return ordered[(3 * (len(ordered) - 1)) // 4]


def _is_subhead(lines: list[Line], columns: list[float], i: int, prev_subhead: bool) -> bool:
    """An unmarked subhead: short, unpunctuated, after a finished sentence (or a first subhead line).

    Print indents a paragraph's first line, so that line is short too; but it runs on into a full
    line, while a subhead is followed by the (short, indented) first line of its paragraph.
    """
    if not 0 < i < len(lines) - 1:
        return False
    text, prev = lines[i].text, lines[i - 1].text
    core = text.rstrip("—")
    return (
        len(core) >= 2
        and not marker_of(text)
        and not _INNER_PUNCT.search(core)
        and not ends_sentence(text)
        and core[-1] not in _CONTINUES
        and not text.startswith(("（", "("))
        and _quotes_balanced(text)
        and lines[i].width < SUBHEAD_WIDTH * columns[i]
        and (text.endswith("——") or lines[i + 1].width < SUBHEAD_WIDTH * columns[i + 1])
        and (ends_sentence(prev) or prev_subhead)
        and not word_continues(text, lines[i + 1].text)
    )


def _is_bullet_second_line(first: Line, line: Line) -> bool:
    """`●政治铸魂` / `“循迹溯源”学思践悟`: a short unpunctuated line under a one-part bulleted subhead.

    A bulleted subhead printed on one line already has both parts (`●领导带头 以上率下`).
    """
    chars = len(re.sub(r"[“”‘’]", "", line.text))
    return (
        first.text.startswith(BULLET)
        and " " not in first.spaced
        and not _INNER_PUNCT.search(first.text + line.text)
        and not ends_sentence(line.text)
        and _quotes_balanced(line.text)
        and chars <= SUBHEAD_MAX_CHARS
    )


def paragraphs(lines: list[Line], opens: Callable[[str], bool] | None = None) -> list[Paragraph]:
    """Group lines into paragraphs: a paragraph the format states is one; hard-wrapped lines are grouped by
    layout (see module doc), and a line for which `opens` is true (a legal unit: 第X条) starts a new one."""
    out: list[Paragraph] = []
    run: list[Line] = []
    for ln in lines:
        if ln.whole:
            out.extend(_wrapped_paragraphs(run, opens))
            run = []
            out.append(Paragraph((ln,)))
        else:
            run.append(ln)
    return out + _wrapped_paragraphs(run, opens)


def _wrapped_paragraphs(lines: list[Line], opens: Callable[[str], bool] | None) -> list[Paragraph]:
    if not lines:
        return []
    if statistics.median(ln.width for ln in lines) > PARAGRAPH_PER_LINE_WIDTH:
        return [Paragraph((ln,)) for ln in lines]
    columns = _column_widths(lines)
    lines = _printed_table_rows(lines)
    out: list[list[Line]] = [[lines[0]]]
    subhead = [False]
    for i in range(1, len(lines)):
        current = out[-1]
        if lines[i].table:
            out.append([lines[i]])  # a row starts its own paragraph; a wrapped cell's next line joins it
            subhead.append(False)
        elif len(current) == 1 and _is_bullet_second_line(current[0], lines[i]):
            out.append([lines[i]])
            subhead.append(True)
        elif _is_subhead(lines, columns, i, prev_subhead=subhead[-1] and len(current) == 1):
            out.append([lines[i]])
            subhead.append(True)
        elif subhead[-1] or _breaks_before(lines, columns, i, current) or (opens and opens(lines[i].text)):
            out.append([lines[i]])
            subhead.append(False)
        else:
            current.append(lines[i])
    return [Paragraph(tuple(p), s) for p, s in zip(out, subhead)]


def _printed_table_rows(lines: list[Line]) -> list[Line]:
    """The rows of a table printed in a PDF, marked as the formats mark a stated table's: a line of several
    space-separated cells next to another such line (a single one is body text whose figures the extraction spaced
    out: `量超 13.2 亿吨、3530 万标箱`). The first row of a run names the columns."""
    cells = [
        not ends_sentence(ln.text)
        and sum(1 for c in ln.spaced.split(" ") if len(c) >= 2 and _IDEOGRAPH.search(c)) >= PRINTED_ROW_CELLS
        for ln in lines
    ]
    out = list(lines)
    previous = -PRINTED_ROW_REACH - 1
    for i, row in enumerate(cells):
        near = cells[max(0, i - PRINTED_ROW_REACH) : i] + cells[i + 1 : i + 1 + PRINTED_ROW_REACH]
        if row and not lines[i].table and any(near):
            first = i - previous > PRINTED_ROW_REACH
            out[i] = replace(lines[i], table=TABLE_HEAD if first else TABLE_ROW)
            previous = i
    return out


def _breaks_before(lines: list[Line], columns: list[float], i: int, current: list[Line]) -> bool:
    prev, line = lines[i - 1], lines[i]
    if ATTACHMENT.match(line.text) or ATTACHMENT.match(prev.text):
        return True  # 附件2 alone on its line, its title on the next: never run into the text around them
    if i > 1 and ATTACHMENT.match(lines[i - 2].text) and len(prev.text) <= ATTACHMENT_TITLE_MAX and not _INNER_PUNCT.search(prev.text):
        return True
    short = prev.width < SHORT_LINE * columns[i - 1] and not word_continues(prev.text, line.text)
    heading_so_far = bool(marker_of(current[0].text)) and not any(_HAS_SENTENCE_END.search(ln.text) for ln in current)
    if short and (ends_sentence(prev.text) or prev.text.endswith("——") or heading_so_far):
        return True
    if len(current) == 1 and _is_bullet_heading(prev.text) and not _heading_tail(line, columns[i]):
        return True  # a bulleted subhead fills its line as often as not
    if _is_note(prev.text):
        return True
    if ends_sentence(prev.text) and _indented_first_line(lines, columns, i):
        return True
    if line.text.startswith("——") and ends_sentence(prev.text):
        return True  # a dash list item (——率先基本建立…) starts its own paragraph
    if ADDRESS.match(line.text) and ends_sentence(prev.text):
        return True  # a speech turning to its audience (各位代表，…) starts a paragraph
    if line.indent and marker_of(line.text):
        return True  # an indented numbered heading: a wrapped line neither indents nor numbers itself
    if line.indent or marker_of(line.text):
        return ends_sentence(prev.text) or short or heading_so_far
    return False


def _is_bullet_heading(text: str) -> bool:
    return text.startswith(BULLET) and not _INNER_PUNCT.search(text)


def _indented_first_line(lines: list[Line], columns: list[float], i: int) -> bool:
    """Print indents a paragraph's first line: after a sentence that filled its line, a line that stops
    short while the next one is full again starts a new paragraph."""
    return (
        i + 1 < len(lines)
        and lines[i].width <= INDENTED_LINE * columns[i]
        and lines[i + 1].width > INDENTED_LINE * columns[i + 1]
    )


def _heading_tail(line: Line, column: float) -> bool:
    """The wrapped end of a heading: a short line without punctuation."""
    return line.width < SHORT_LINE * column and not _INNER_PUNCT.search(line.text) and not ends_sentence(line.text)


def _is_note(text: str) -> bool:
    """A line that is one parenthetical (`（2022年12月19日…通过）`): an editorial note of its own."""
    return text.startswith("（") and text.endswith("）") and text.count("（") == text.count("）")


def table_block(para: Paragraph, n: int) -> Block | None:
    """A table row as a block, None for text. Cells are never headings or list items (a row may open with
    一、 or 1.); the header row is a heading whose label, the column names, stands in the section path of the
    rows below it, so a row (3|推进数字化改革|省发展改革委) is found and shown with what its cells are (牵头单位)."""
    kind = para.lines[0].table
    if kind == TABLE_HEAD:
        return Block(para.text, n, TABLE_LEVEL, " ".join(para.lines[0].spaced.split()))
    return Block(para.text, n, table_row=True) if kind == TABLE_ROW else None


def blocks(paras: list[Paragraph]) -> list[Block]:
    """Headings and body text, in order. A numbered paragraph's lead sentence is its heading. An attachment (附件,
    附件2) starts a section of its own at the top level, labelled with its title when a short line gives one: its
    text is cited as 附件 …, not as the last part of the document's text."""
    out: list[Block] = []
    for n, para in enumerate(paras):
        text = para.text
        if not text:
            continue
        if row := table_block(para, n):
            out.append(row)
            continue
        if ATTACHMENT.match(text):
            out.append(Block(text, n, 1, text))
            continue
        prev = out[-1] if out else None
        if prev and ATTACHMENT.match(prev.text) and prev.para == n - 1 and len(text) <= LEAD_MAX and not _INNER_PUNCT.search(text):
            out[-1] = Block(f"{prev.text} {text}", n, 1, f"{prev.label} {text}")  # 附件 / 重点任务分工表
            continue
        if para.heading:
            marker = marker_of(text)
            out.append(Block(text, n, marker[0] if marker else 1, " ".join(para.lines[0].spaced.split())))
            continue
        if para.subhead:
            label = para.lines[0].spaced.rstrip("—").strip()
            prev = out[-1] if out else None
            if prev and prev.para == n - 1 and prev.level in (SUBHEAD_LEVEL, BULLET_LEVEL) and not _HAS_SENTENCE_END.search(prev.text):
                out.pop()  # the second line of a two-line subhead
                out.append(Block(prev.text + text, n, prev.level, f"{prev.label} {label}"))
            else:
                out.append(Block(text, n, SUBHEAD_LEVEL, label))
            continue
        marker = marker_of(text)
        if marker:
            level, mark, sep = marker
            head, rest = _lead(text, level)
            if head:
                out.append(Block(head, n, level, _label(head, mark, sep, para.lines[0].spaced)))
            if rest:
                out.append(Block(rest, n))
        else:
            out.append(Block(text, n))
    return out


def _lead(text: str, level: int) -> tuple[str, str]:
    """Split a marked paragraph into (heading, body)."""
    m = _SENTENCE_END.search(text)
    if not m:
        return (text, "") if len(text) <= LEAD_MAX else ("", text)
    head = text[: m.end()]
    if level in NUMBERED_LEVELS and len(head) <= LEAD_MAX:
        return head, text[m.end() :]
    return "", text


def _label(head: str, marker: str, sep: str, spaced_first_line: str) -> str:
    """The heading as a section label: no bullet, no final stop, a space where the print has one."""
    if marker == BULLET:
        return spaced_first_line.lstrip(BULLET).strip()
    return f"{marker}{sep}{head[len(marker):].rstrip('。！？!?…')}"


def section_paths(items: list[Block]) -> list[tuple[str, ...]]:
    """Each block's section path: the labels of the headings above it (a heading includes itself).

    A speech turns back to its audience (`各位代表，…`) between parts: such a paragraph closes every
    sub-section, so it and what follows (the 民生实事 list after （十）) sit under the current part. A table's
    header row heads its rows only.
    """
    stack: dict[int, str] = {}
    out = []
    for b in items:
        if not b.table_row and b.level != TABLE_LEVEL:
            stack.pop(TABLE_LEVEL, None)
        if b.is_heading:
            stack = {lvl: lab for lvl, lab in stack.items() if lvl < b.level}
            stack[b.level] = b.label
        elif stack and ADDRESS.match(b.text):
            top = min(stack)
            stack = {top: stack[top]}
        out.append(tuple(stack[lvl] for lvl in sorted(stack)))
    return out
