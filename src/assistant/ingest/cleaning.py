"""Cleaning rules: each removes one kind of layout artifact by a general rule, and records what it removed.

Line rules take the lines of one document (or one magazine article) and return the lines to keep;
text rules remove an artifact printed inside a line. Every rule is a small pure function named for
the artifact, so the ingest summary can say how many characters each one removed.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import replace
from typing import Callable, Iterable

from assistant.ingest.lines import Line
from assistant.ingest.removals import Removals

LineRule = Callable[[list[Line], Removals], list[Line]]

BULLET = "■"
_CJK = re.compile(r"[\u3400-\u9fff]")
_SENTENCE_PUNCT = re.compile(r"[，。；：！？、,;:!?]")
_TOC_ENTRY = re.compile(r"^\d{1,3}[^\d.．%％,，。；、:：]")  # "26湖州市：…/张志炜" (page number, then a title)
_ORG_NAME = re.compile(r"(?:委|政府|公司|集团|委员会|银行|中心|管委会)$")
_NOTICE_TITLES = frozenset({"公示", "启事", "声明", "公告"})
_SENTENCE_END = re.compile(r"[。！？!?]+[”’」』）)】]*")
_PAGE_NUMBER = re.compile(r"^\d{1,3}$")
_GLYPH_NOISE = re.compile(r"^[?？\ufffd□]+$")
BYLINE_MAX = 12  # "■今哲李祖祥项炳池" — names only, no punctuation
TOC_MIN_ENTRIES = 3
TOC_MAX_GAP = 4  # non-entry lines (column names, subtitles, authors) allowed between two ToC entries
NOTICE_MAX_LINES = 40


def drop_vertical_text(lines: list[Line], removals: Removals) -> list[Line]:
    """A title printed vertically, or a logo glyph, extracts as lines of a single character."""
    return _drop_where(lines, removals, "vertical_text", lambda ln: len(ln.text) == 1 and bool(_CJK.match(ln.text)))


def is_doubled(text: str, min_length: int = 6, min_cover: float = 0.8) -> bool:
    """True when the line reads as runs each printed twice (`杭州市开展杭州市开展““…`), as captions extract."""
    s = text.replace(" ", "")
    if len(s) < min_length:
        return False
    covered, i, uncovered = 0, 0, 0
    allowed = (1 - min_cover) * len(s)  # more characters than this left single: not doubled (stop early)
    while i < len(s):
        k = _longest_doubled_run(s, i)
        if k:
            covered += 2 * k
            i += 2 * k
        else:
            i += 1
            uncovered += 1
            if uncovered > allowed:
                return False
    return covered >= min_cover * len(s)


def _longest_doubled_run(s: str, i: int) -> int:
    for k in range((len(s) - i) // 2, 0, -1):
        if s[i : i + k] == s[i + k : i + 2 * k]:
            return k
    return 0


def undouble(text: str) -> str:
    """The text with every doubled run printed once (`让让文学之花绽放之江大地绽放之江大地` → `让文学之花绽放之江大地`)."""
    out, i = [], 0
    while i < len(text):
        k = _longest_doubled_run(text, i)
        out.append(text[i : i + (k or 1)])
        i += 2 * k if k else 1
    return "".join(out)


def drop_doubled_tails(lines: list[Line], removals: Removals) -> list[Line]:
    """A doubled caption can be glued to the end of a body line, after the sentence it interrupts ended."""
    out = []
    for ln in lines:
        ends = (m.end() for m in _SENTENCE_END.finditer(ln.text))
        cut = next((p for p in ends if is_doubled(ln.text[p:], min_length=8)), None)
        if cut is None:
            out.append(ln)
        else:
            removals.drop("doubled_caption", ln.text[cut:])
            out.append(replace(ln, text=ln.text[:cut]))
    return out


def drop_doubled_lines(lines: list[Line], removals: Removals) -> list[Line]:
    """Photo captions and some titles extract with every run doubled; real text never does."""
    return _drop_where(lines, removals, "doubled_caption", lambda ln: is_doubled(ln.text))


def is_toc_entry(text: str) -> bool:
    return bool(_TOC_ENTRY.match(text)) and not re.search(r"[，。；！？]", text)


def toc_blocks(lines: list[Line]) -> list[list[int]]:
    """Indices of ToC entries, grouped into blocks of at least TOC_MIN_ENTRIES close-together entries.

    A lone line that happens to start with a number (`33名“身边榜样”…`) is body text, not a ToC, and so are
    the numbered rows of a table the format states (序号|重点任务|牵头单位: a plan's division of tasks).
    """
    blocks: list[list[int]] = []
    for i, ln in enumerate(lines):
        if ln.table or not is_toc_entry(ln.text):
            continue
        if blocks and i - blocks[-1][-1] <= TOC_MAX_GAP + 1:
            blocks[-1].append(i)
        else:
            blocks.append([i])
    return [b for b in blocks if len(b) >= TOC_MIN_ENTRIES]


def drop_table_of_contents(lines: list[Line], removals: Removals) -> list[Line]:
    """A run of page-numbered title lines (with the column names and authors between them) is a ToC."""
    doomed: set[int] = set()
    for block in toc_blocks(lines):
        end = block[-1]
        while end + 1 < len(lines) and lines[end + 1].text.startswith("/"):  # author wrapped onto its own line
            end += 1
        doomed.update(range(block[0], end + 1))
    return _drop_indices(lines, doomed, removals, "table_of_contents")


def drop_sponsor_lists(lines: list[Line], removals: Removals, min_run: int = 3) -> list[Line]:
    """A run of bare organisation names (中共XX县委 XX县人民政府, …公司) is a sponsor list."""
    is_org = [bool(_ORG_NAME.search(ln.text)) and not _SENTENCE_PUNCT.search(ln.text) for ln in lines]
    doomed: set[int] = set()
    i = 0
    while i < len(lines):
        j = i
        while j < len(lines) and is_org[j]:
            j += 1
        if j - i >= min_run:
            doomed.update(range(i, j))
        i = max(j, i + 1)
    return _drop_indices(lines, doomed, removals, "sponsor_list")


def drop_notices(lines: list[Line], removals: Removals) -> list[Line]:
    """A boxed notice (公示, 启事 …) printed into a column: from the box's first line to its title at the end.

    The box starts at the nearest line that opens a new column; the text around it is one sentence.
    """
    doomed: set[int] = set()
    for i, ln in enumerate(lines):
        if ln.text not in _NOTICE_TITLES:
            continue
        start = next((j for j in range(i, max(-1, i - NOTICE_MAX_LINES), -1) if lines[j].column_start), i)
        doomed.update(range(start, i + 1))
    return _drop_indices(lines, doomed, removals, "notice")


def is_byline(text: str) -> bool:
    return text == "本刊记者" or (
        text.startswith(BULLET) and len(text) <= BYLINE_MAX and not _SENTENCE_PUNCT.search(text)
    )


def drop_bylines(lines: list[Line], removals: Removals) -> list[Line]:
    """`■ 张三 李四` and `本刊记者` lines name the authors (kept as metadata in the manifest)."""
    return _drop_where(lines, removals, "byline", lambda ln: is_byline(ln.text))


def drop_pull_quotes(lines: list[Line], removals: Removals) -> list[Line]:
    """■-bulleted blocks set wider than the body repeat or summarise it (pull-quotes, decks).

    A block runs from its ■ line over the wrapped lines of the same width; a shorter line is its last.
    """
    doomed: set[int] = set()
    i = 0
    while i < len(lines):
        ln = lines[i]
        if not (ln.text.startswith(BULLET) and not is_byline(ln.text)):
            i += 1
            continue
        width = ln.width
        j = i
        while (
            j + 1 < len(lines)
            and lines[j].width >= 0.8 * width
            and not lines[j + 1].text.startswith(BULLET)
            and not lines[j + 1].column_start
        ):
            j += 1
        doomed.update(range(i, j + 1))
        i = j + 1
    return _drop_indices(lines, doomed, removals, "pull_quote")


def column_label_rule(labels: Iterable[str]) -> LineRule:
    """Page headers and column names (领导要论, 本期关注, 经济 …) printed as lines of their own."""
    names = {re.sub(r"\s+", "", label) for label in labels}

    def drop_column_labels(lines: list[Line], removals: Removals) -> list[Line]:
        return _drop_where(lines, removals, "column_label", lambda ln: ln.text.lstrip(">") in names)

    return drop_column_labels


def title_pieces(title_block: Iterable[str]) -> frozenset[str]:
    """The ways a printed title can appear as a line: each element of the title block, its parts split at
    "：" and spaces (`衢州市` / `在主题教育中谱写…`), and runs of consecutive parts; whitespace removed."""
    pieces: set[str] = set()
    for element in title_block:
        parts = [p for p in re.split(r"[：:\s]+", element) if p]
        for i in range(len(parts)):
            for j in range(i + 1, len(parts) + 1):
                pieces.add("".join(parts[i:j]))
        pieces.add(re.sub(r"\s+", "", element))
    return frozenset(pieces)


def title_repeat_rule(title_block: Iterable[str], head_lines: int = 12, min_length: int = 3) -> LineRule:
    """Lines that print the document's own title block again: the title (also after the first page),
    kicker, subtitle, author line, or the label beside it. A title broken over lines leaves a prefix
    and a suffix of a piece; a body line that merely shares words with the title matches neither.
    Pieces under `min_length` characters count only near the start, where the title is printed.
    """
    pieces = title_pieces(title_block)

    def matches(text: str) -> bool:
        return any(text == p or (len(text) >= min_length and (p.startswith(text) or p.endswith(text))) for p in pieces)

    def is_title_piece(i: int, ln: Line) -> bool:
        text = ln.text.replace(" ", "")
        if not text or re.search(r"[。；！？]", text) or (len(text) < min_length and i >= head_lines):
            return False
        return matches(text) or matches(undouble(text))

    def drop_title_repeats(lines: list[Line], removals: Removals) -> list[Line]:
        doomed = {i for i, ln in enumerate(lines) if is_title_piece(i, ln)}
        # a title wrapped before a short tail (某省电动自行车管理 / 条例): the tail ends what the line above began
        flat = [ln.text.replace(" ", "") for ln in lines]
        doomed |= {i for i in range(1, min(len(lines), head_lines)) if i - 1 in doomed and 0 < len(flat[i]) < min_length
                   and any(p.startswith(flat[i - 1] + flat[i]) for p in pieces)}
        return _drop_indices(lines, doomed, removals, "title_repeat")

    return drop_title_repeats


def header_rule(header_lines: Iterable[str]) -> LineRule:
    """The document's header lines (dates passed/published, order numbers): metadata in the manifest
    (`history`), shown in the 来源 card, no part of the text (its dated events are quoted apart, under 题注:
    metadata.history_events)."""
    header = {re.sub(r"\s+", "", h) for h in header_lines}

    def drop_header_lines(lines: list[Line], removals: Removals) -> list[Line]:
        """Each line that is a header line, or with the lines after it spells one (a PDF wraps a header line)."""
        flat = [ln.text.replace(" ", "") for ln in lines]
        doomed: set[int] = set()
        for i in range(len(lines)):
            end = next((j for j in range(i + 1, min(i + HEADER_WRAP, len(lines)) + 1) if "".join(flat[i:j]) in header), 0)
            doomed.update(range(i, end))
        return _drop_indices(lines, doomed, removals, "header")

    return drop_header_lines


HEADER_WRAP = 4  # printed lines one header line may be wrapped over (header_rule)
_DIGITS = re.compile(r"[0-9０-９]+")
_CLAUSE_MARK = re.compile(r"[，。；！？]")
RUNNING_MIN_PAGES = 3
RUNNING_EDGE = 2  # lines from the top or the bottom of a page where running heads and page numbers sit


# A page number as printed at a page's edge: `— 3 —`, `- 3 -`, `第3页`, `第3页 共10页`, `3/10`, `Page 3 of 10`.
_PAGE_MARK = re.compile(
    r"^(?:[-—–－~～·]*\d{1,4}[-—–－~～·]*|第\d{1,4}页(?:[,，/]?共\d{1,4}页)?|\d{1,4}/\d{1,4}|[Pp]age\d{1,4}(?:of\d{1,4})?)$"
)


def running_heads(paged: list[tuple[int, str]]) -> set[int]:
    """Which of a paged document's lines, given as (page, text) with page 0 for unpaged, are running headers
    and footers: a line at the top or bottom of its page that recurs, numbers aside (`- 3 -`, `第3页 共100页`,
    the document's short title), on RUNNING_MIN_PAGES pages (on both pages of a two-page document); and a page
    number by its shape (`— 3 —`, `第 3 页`) at a page's edge, however few pages there are. A head is a title
    or a mark, never a clause: a recurring line holding ，。；！？ is text that page breaks cut alike (articles
    of one pattern: `依法处理。违反本条规定的，由…处#百元以` at the top of 25 pages)."""
    pages: dict[int, list[int]] = {}
    for i, (page, _text) in enumerate(paged):
        if page:
            pages.setdefault(page, []).append(i)
    edges = {i for idx in pages.values() for i in idx[:RUNNING_EDGE] + idx[-RUNNING_EDGE:]}
    doomed = {i for i in edges if _PAGE_MARK.match(paged[i][1].replace(" ", ""))}
    if len(pages) >= 2:
        needed = min(RUNNING_MIN_PAGES, len(pages))
        seen: dict[str, set[int]] = {}
        for i in edges:
            seen.setdefault(_DIGITS.sub("#", paged[i][1]), set()).add(paged[i][0])
        running = {key for key, on in seen.items() if len(on) >= needed and not _CLAUSE_MARK.search(key)}
        doomed |= {i for i in edges if _DIGITS.sub("#", paged[i][1]) in running}
    return {i for idx in pages.values() for i in _outermost(idx, doomed)}


def _outermost(page: list[int], heads: set[int]) -> list[int]:
    """The heads that sit at the page's edge or behind other heads: a line recurring second from the top under
    a body line (二百元以下罚款。 ending a sentence the page break cut, on several pages) is text, not a head."""
    top = list(itertools.takewhile(heads.__contains__, page[:RUNNING_EDGE]))
    bottom = list(itertools.takewhile(heads.__contains__, reversed(page[-RUNNING_EDGE:])))
    return top + bottom


def drop_running_heads(lines: list[Line], removals: Removals) -> list[Line]:
    """Running headers, footers and page numbers (running_heads)."""
    return _drop_indices(lines, running_heads([(ln.page, ln.text) for ln in lines]), removals, "running_head")


_SOURCE_NOTE = re.compile(r"^[（(](?:摘自|选自|原载|来源[:：])")
SOURCE_NOTE_MAX_LINES = 3


def drop_source_notes(lines: list[Line], removals: Removals) -> list[Line]:
    """`（摘自省委十四届九次全会报告和结束时的讲话）`: where the text was excerpted from is metadata (the
    manifest's title), not a sentence to quote. The note runs to the line that closes its bracket."""
    doomed: set[int] = set()
    for i, ln in enumerate(lines):
        if not _SOURCE_NOTE.match(ln.text):
            continue
        end = next((j for j in range(i, min(i + SOURCE_NOTE_MAX_LINES, len(lines))) if lines[j].text.endswith(("）", ")"))), None)
        if end is not None:
            doomed.update(range(i, end + 1))
    return _drop_indices(lines, doomed, removals, "source_note")


def drop_page_numbers(lines: list[Line], removals: Removals) -> list[Line]:
    """A line holding nothing but a number is a page number (`47` between two halves of a word)."""
    return _drop_where(lines, removals, "page_number", lambda ln: bool(_PAGE_NUMBER.match(ln.text)))


def drop_glyph_noise(lines: list[Line], removals: Removals) -> list[Line]:
    """Lines of nothing but replacement marks (`？？`) are glyphs the extractor could not read."""
    return _drop_where(lines, removals, "glyph_noise", lambda ln: bool(_GLYPH_NOISE.match(ln.text)))


# --- text rules: artifacts inside a line ------------------------------------------------

_CONTINUATION = re.compile(r"[（(](?:紧接|接|上接|下转|转)第?\d+版[）)]")
_SCRAPED_NOTICE = re.compile(r"本文来自网络[^！!。]*[！!。]")
_DATELINE = re.compile(r"^[\u4e00-\u9fff]{2,6}(?:日报|晚报|新闻网)讯")

TextRule = Callable[[str, Removals], str]


def _sub_counted(pattern: re.Pattern, rule: str) -> TextRule:
    def apply(text: str, removals: Removals) -> str:
        for m in pattern.finditer(text):
            removals.drop(rule, m.group())
        return pattern.sub("", text)

    apply.__name__ = f"drop_{rule}"
    return apply


drop_continuation_markers = _sub_counted(_CONTINUATION, "continuation_marker")
drop_scraped_notices = _sub_counted(_SCRAPED_NOTICE, "scraped_notice")
drop_datelines = _sub_counted(_DATELINE, "dateline")

TEXT_RULES: tuple[TextRule, ...] = (drop_continuation_markers, drop_scraped_notices, drop_datelines)


def drop_inline_artifacts(lines: list[Line], removals: Removals) -> list[Line]:
    """Apply the text rules inside each line; a line left empty goes."""
    out = []
    for ln in lines:
        text = ln.text
        for rule in TEXT_RULES:
            text = rule(text, removals)
        if text:
            out.append(ln if text == ln.text else replace(ln, text=text))
    return out


LINE_RULES: tuple[LineRule, ...] = (
    drop_running_heads,
    drop_inline_artifacts,
    drop_vertical_text,
    drop_page_numbers,
    drop_glyph_noise,
    drop_source_notes,
    drop_doubled_tails,
    drop_doubled_lines,
    drop_table_of_contents,
    drop_sponsor_lists,
    drop_notices,
    drop_pull_quotes,
    drop_bylines,
)


def clean_lines(lines: list[Line], removals: Removals, extra: Iterable[LineRule] = ()) -> list[Line]:
    for rule in (*LINE_RULES, *extra):
        lines = rule(lines, removals)
    return lines


# --- helpers ------------------------------------------------------------------------------------------


def _drop_where(lines: list[Line], removals: Removals, rule: str, doomed: Callable[[Line], bool]) -> list[Line]:
    return _drop_indices(lines, {i for i, ln in enumerate(lines) if doomed(ln)}, removals, rule)


def _drop_indices(lines: list[Line], doomed: set[int], removals: Removals, rule: str) -> list[Line]:
    kept = []
    for i, ln in enumerate(lines):
        if i in doomed:
            removals.drop(rule, ln.text)
        else:
            kept.append(ln)
    return kept
