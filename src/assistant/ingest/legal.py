"""Legal structure, one general layer for every format: 编 › 分编 › 章 › 节 › 条, with 款 and 项 inside the article.

A regulation numbers its articles 第一条, 第二条 … in order. Divisions (编/章/节) are short unpunctuated
headings, however they are spaced (`第一章　总则`, `第一章  总则`, `第五章行政行为规范`: all labelled
`第一章 总则`). Divisions and article numbers are structure, not passages: `第十条 市场准入…` puts
`市场准入…` under the section `… › 第十条`, so a search never returns a bare `第十条` or `第二章 总则`, and a
reference (search/reference.py) finds the article by its section. The paragraphs that follow (款) and its items `（一）`/`(一)` (项) stay inside the article, never
headings, so every passage of an article has the article in its section path. An article number that does
not follow the previous one (a paragraph opening with a reference to 第三条) is body text. A table of
contents (目录 followed by the division headings) is not text.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from assistant.search.numerals import to_chinese

if TYPE_CHECKING:  # search reads item numbers here (reference.py) without loading the ingest pipeline
    from assistant.ingest.removals import Removals
    from assistant.ingest.structure import Block, Paragraph

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
NUMBER = r"[0-9０-９]{1,4}|[一二三四五六七八九十百千零〇两]{1,8}"
DIVISION = re.compile(rf"^第({NUMBER})(编|分编|章|节)(.*)$")
ARTICLE = re.compile(rf"^第({NUMBER})条(?:之([一二三四五六七八九十]{{1,3}}))?")
ITEM = re.compile(r"^[（(][一二三四五六七八九十]{1,3}[)）]")
LEVELS = {"编": 1, "分编": 2, "章": 3, "节": 4, "条": 5}
OTHER_HEADING_LEVEL = LEVELS["章"]  # a heading the format states without a number (附则, 附件, 序言)
DIVISION_TITLE_MAX = 30
MIN_ARTICLES = 3
_SENTENCE_PUNCT = re.compile(r"[。；：！？，,;:!?]")


def parse_number(text: str) -> int | None:
    """'31' → 31, '三十一' → 31, '十' → 10, '一百零二' → 102; None when `text` is not a number."""
    text = text.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    if text.isdigit():
        return int(text)
    total, current = 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            total += (current or 1) * _CN_UNITS[ch]
            current = 0
        else:
            return None
    return total + current if text else None


def division(text: str) -> tuple[int, str] | None:
    """(level, label) when `text` (whitespace removed) is a 编/章/节 heading: `第一章 总则`."""
    m = DIVISION.match(text)
    if not m or parse_number(m.group(1)) is None:
        return None
    title = m.group(3)
    if len(title) > DIVISION_TITLE_MAX or _SENTENCE_PUNCT.search(title):
        return None
    head = f"第{m.group(1)}{m.group(2)}"
    return LEVELS[m.group(2)], f"{head} {title}" if title else head


def article(text: str) -> tuple[int, str, str] | None:
    """(number, heading, rest) when `text` opens with an article number: `第十条市场准入…`."""
    m = ARTICLE.match(text)
    if not m:
        return None
    n = parse_number(m.group(1))
    if n is None:
        return None
    return n, m.group(), text[m.end():].lstrip("　 ：:.．、")


def starts_unit(text: str) -> bool:
    """A line that starts a legal unit (division, article or item): a new paragraph in wrapped text."""
    return bool(DIVISION.match(text) and division(text) or ARTICLE.match(text) or ITEM.match(text))


def is_legal(texts: list[str]) -> bool:
    """A document numbered in articles: at least MIN_ARTICLES lines open with 第X条, one of them 第一条."""
    numbers = [a[0] for t in texts if (a := article(t))]
    return len(numbers) >= MIN_ARTICLES and 1 in numbers


def _toc_end(paras: list[Paragraph], start: int) -> int:
    """Index after a table of contents that starts at `start` (the 目录 line): the division headings up to
    the first one printed again."""
    seen: set[str] = set()
    i = start + 1
    while i < len(paras):
        d = division(paras[i].text)
        if d is None or d[1] in seen:
            break
        seen.add(d[1])
        i += 1
    return i if seen else start


def blocks(paras: list[Paragraph], removals: Removals) -> list[Block]:
    """Headings (divisions, articles) and body blocks of a regulation, in order."""
    from assistant.ingest.structure import Block, table_block

    out: list[Block] = []
    last_article = last_chapter = 0
    skip_to = 0
    for n, para in enumerate(paras):
        text = para.text
        if not text or n < skip_to:
            if text:
                removals.drop("table_of_contents", text)
            continue
        if text == "目录":
            end = _toc_end(paras, n)
            if end > n:
                removals.drop("table_of_contents", text)
                skip_to = end
                continue
        d = division(text)
        a = article(text)
        if row := table_block(para, n):
            out.append(row)
        elif d:
            out.append(Block("", n, *d))
            last_chapter = _chapter_number(text) or last_chapter
        elif lost := _lost_chapter(paras, n, last_chapter, last_article):
            out.append(Block("", n, LEVELS["章"], lost))
            last_chapter = _chapter_number(lost) or last_chapter
        elif a and (a[0] > last_article or (a[0] == last_article and "之" in a[1])):
            number, head, rest = a
            last_article = number
            out.append(Block("", n, LEVELS["条"], head))
            if rest:
                out.append(Block(rest, n))
        elif para.heading:
            out.append(Block(text, n, OTHER_HEADING_LEVEL, " ".join(para.lines[0].spaced.split())))
        else:
            out.append(Block(text, n))
    return _with_first_chapter(out)


def _chapter_number(text: str) -> int | None:
    """N of a 第N章 heading, None for any other line."""
    m = DIVISION.match(text)
    return parse_number(m.group(1)) if m and m.group(2) == "章" else None


def _lost_chapter(paras: list[Paragraph], n: int, last_chapter: int, last_article: int) -> str | None:
    """The label of a chapter whose number the source lost, when paragraph n is its bare title (_bare_title): the
    chapter after the last one numbered — or after an untitled first chapter, when articles came before any — as
    long as the next numbered chapter, if any, leaves room for exactly the bare titles before it (山东省人力资源市场条例
    prints `法律责任` alone where 第六章 should be; 河南省物业管理条例 `物业管理区域及设施` for 第二章; 山东省农村公路条例
    numbers only its 第二章, then prints its last four chapters' titles alone; 安阳市城镇居民二次供水条例 prints
    `规划建设` and `运行管理` alone after its untitled first articles, then 第四章). Otherwise it was a passage of the
    article before it, and the chapter's articles were filed under the chapter before (cited in the wrong chapter)."""
    after = last_chapter or (1 if last_article else 0)
    if not after or not _bare_title(paras, n, last_article):
        return None
    ahead = [(i, c) for i in range(n + 1, len(paras)) if (c := _chapter_number(paras[i].text)) is not None]
    if ahead:
        stop, number = ahead[0]
        titles = sum(_bare_title(paras, i) for i in range(n, stop))
        if number != after + titles + 1:
            return None
    elif not last_chapter:
        return None  # no numbered chapter at all: nothing says a short line before an article is a chapter's title
    return f"第{to_chinese(after + 1)}章 {paras[n].text}"


def _bare_title(paras: list[Paragraph], n: int, last_article: int | None = None) -> bool:
    """Whether paragraph n reads as a chapter's title printed alone: a short unpunctuated line right before an
    article (the next one, when `last_article` is given)."""
    text = paras[n].text
    if not text or len(text) > DIVISION_TITLE_MAX or _SENTENCE_PUNCT.search(text) or starts_unit(text):
        return False
    following = next((p.text for p in paras[n + 1 :] if p.text), None)
    a = article(following) if following else None
    return a is not None and (last_article is None or a[0] == last_article + 1)


def _with_first_chapter(out: list["Block"]) -> list["Block"]:
    """The blocks with a 第一章 heading before the first article when the source lost it: its first division is
    第二章 and articles come before it (开封市河湖保护管理条例 prints 第一章's articles under no heading), so
    `第一章` still finds them."""
    from assistant.ingest.structure import Block

    first = next((i for i, b in enumerate(out) if b.level and b.level < LEVELS["条"] and b.label), None)
    if first is None or not out[first].label.startswith("第二章"):
        return out
    start = next((i for i, b in enumerate(out[:first]) if b.level == LEVELS["条"]), None)
    if start is None:
        return out
    return [*out[:start], Block("", out[start].para, LEVELS["章"], "第一章"), *out[start:]]
