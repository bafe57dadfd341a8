"""Reference lookup: 「实施方案第31条」 returns item 31 of that source, heading first, in document order.

Like a scripture bot looking up a verse, a query naming a source and a numbered item is answered
by the item itself rather than by a ranking. Item numbers are matched against numbered headings
(一、 / （一） / 1. / 第X条 / 第X章 / 第X部分); a second number narrows inside the first
(「省域治理决定 第五部分 1.」).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.records import Passage, Source
from assistant.search.normalize import normalize

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_NUM = r"[0-9]{1,3}|[一二三四五六七八九十百零〇两]{1,4}"
# 第五部分 / 第31条 / 第三章 / 31. / （五） / 五、 in a query
_ITEM = re.compile(
    rf"第\s*({_NUM})\s*(部分|条|章|节|项|点)?|[(（]\s*({_NUM})\s*[)）]|(?<![0-9.])({_NUM})\s*[.、](?![0-9])|(?<![0-9.])([0-9]{{1,3}})\s*$"
)
# Numbering at the start of a heading.
_HEADING_NUM = re.compile(rf"^(?:第({_NUM})(?:部分|条|章|节)|[(（]({_NUM})[)）]|({_NUM})[.、])")


def parse_number(text: str) -> int | None:
    """'31' → 31, '三十一' → 31, '十' → 10, '一百零二' → 102."""
    if text.isdigit():
        return int(text)
    total, current = 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return None
    return total + current


@dataclass(frozen=True)
class ReferenceQuery:
    source_text: str  # the words naming the source
    numbers: tuple[int, ...]  # outermost item first
    arabic: tuple[bool, ...] = ()  # per number: written 31 (an item) rather than 五/第五部分 (a part)


def parse_reference(query: str) -> ReferenceQuery | None:
    """Split 「共同富裕实施方案 31」 into the source words and the item numbers, or None."""
    numbers, arabic = [], []
    for m in _ITEM.finditer(query):
        raw = next(g for g in (m.group(1), m.group(3), m.group(4), m.group(5)) if g)
        n = parse_number(raw)
        if n is None or n == 0:
            return None
        numbers.append(n)
        arabic.append(raw.isdigit() and m.group(2) not in ("部分", "章"))
    if not numbers:
        return None
    source_text = re.sub(r"[\s,，:：]+", "", _ITEM.sub(" ", query))
    if len(source_text) < 2:
        return None
    return ReferenceQuery(source_text, tuple(numbers), tuple(arabic))


def heading_number(text: str) -> int | None:
    m = _HEADING_NUM.match(normalize(text))
    return parse_number(next(g for g in m.groups() if g)) if m else None


def _arabic_heading(text: str) -> bool:
    return normalize(text)[:1].isdigit()


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


def source_match(words: str, source: Source) -> float:
    """How well `words` name `source`: 1.0 when contained in its 简称/title/id, else bigram overlap."""
    names = [n for n in (source.short, source.title, source.id) if n]
    if any(words in n or n in words for n in names):
        return 1.0
    grams = _bigrams(words)
    if not grams:
        return 0.0
    return max(len(grams & _bigrams(n)) / len(grams) for n in names)


def item_passages(headings: list[Passage], ref: ReferenceQuery) -> Passage | None:
    """The heading reached by following the numbers down a source's numbered headings: at each step a
    heading numbered in the same style (31. for 31, 五、 for 第五部分) and, among those, the outermost."""
    scope = headings
    found: Passage | None = None
    for n, arabic in zip(ref.numbers, ref.arabic):
        matches = [h for h in scope if heading_number(h.text) == n]
        if not matches:
            return None
        found = min(matches, key=lambda h: (_arabic_heading(h.text) != arabic, len(heading_path(h)), h.seq))
        path = heading_path(found)
        scope = [h for h in scope if h.seq > found.seq and h.section[: len(path)] == path]
    return found


def heading_path(heading: Passage) -> tuple[str, ...]:
    """The section path that the passages under `heading` start with (the heading's own section, when
    that already ends with the heading's title, which ingest may have tidied: 「31.打造…。」 → 「31. 打造…」)."""
    if heading.section and _title_key(heading.section[-1]) == _title_key(heading.text):
        return heading.section
    return (*heading.section, heading.text)


def _title_key(text: str) -> str:
    return re.sub(r"[\s。．.、:：]", "", normalize(text))


def under(heading: Passage, passages: list[Passage]) -> list[Passage]:
    """`heading` and the passages that follow it inside its section, in document order."""
    path = heading_path(heading)
    out = [heading]
    for p in passages:
        if p.seq <= heading.seq:
            continue
        if p.section[: len(path)] != path:
            break
        out.append(p)
    return out
