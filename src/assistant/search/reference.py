"""Reference lookup: 「实施方案第31条」, 「《养犬条例》第十二条」, 「XX条例第二章」, 「第十二条第二款」.

Like a scripture bot looking up a verse, a query naming a source and a numbered item is answered by the
item itself, whole and in document order, rather than by a ranking. Item numbers are matched against
numbered headings (一、 / （一） / 1. / 第X条 / 第X章 / 第X部分); a second number narrows inside the first
(「省域治理决定 第五部分 1.」). A unit the query names (条/章/节/编) matches only headings of that unit when
the document has them (a regulation's 第十二条, never its 第十二章 or an item （十二）); 第X款 is the X-th
paragraph of the article with its items. The document may be named anywhere in the query, by its
简称, its title or an abbreviation of it (养犬条例 for 上海市养犬管理条例). With no document named
(「第31条」), the answer is a choice of the documents that have that item. Several items of one unit (「消防法第十条和
第十二条」, 「第三、第五章」, 「第十条至第十二条」) are looked up one by one and answered together, in the order asked
(a range at most MAX_ITEMS long). A question on a document's history
naming nothing but the document (道交法修改过几次) is answered by its history lines (题注, history_source).
"""
from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Iterable

from assistant.ingest.kinds import KINDS
from assistant.ingest.lists import sentence_start
from assistant.ingest.legal import ITEM, parse_number
from assistant.records import Passage, Source
from assistant.search.normalize import normalize
from assistant.search.query import PASTED, TAKES_EFFECT
from assistant.search.numerals import to_chinese

__all__ = ["parse_number", "parse_reference", "item_named", "lookup", "Lookup", "Outline", "under", "source_match",
           "holds_divisions", "history_source", "history_order", "history_answers", "division_names", "division_titles",
           "titled_division"]

# A number in a query or heading: digits (not four: a year), or Chinese numerals as long as ingest reads them (一百一十九)
_NUM = r"[0-9]{1,3}|[一二三四五六七八九十百千零〇两]{1,8}"
# 第五部分 / 第31条 / 第三章 / 第二款 / 31. / （五） / 五、 in a query; not an ordinal before a word (第一责任人, 第一轮,
# 第二次修正: 第N with no unit is an item only before no further Chinese)
_ITEM = re.compile(
    rf"第\s*({_NUM})\s*(?:(部分|条|章|节|编|款|项|点)|(?![\u4e00-\u9fff]))|[(（]\s*({_NUM})\s*[)）]|(?<![0-9.])({_NUM})\s*[.、](?![0-9])|(?<![0-9.])([0-9]{{1,3}})\s*$"
)
# Numbering at the start of a heading, with its unit.
_HEADING_NUM = re.compile(rf"^(?:第({_NUM})(部分|条|章|节|编)|[(（]({_NUM})[)）]|({_NUM})[.、])")
# 第（二）项 / 第(2)项: an item cited with its number bracketed, read as 第二项
_BRACKETED_ITEM = re.compile(rf"第\s*[(（]\s*({_NUM})\s*[)）]\s*项")
# 家庭教育促进法13条 / 养犬条例十条 / 道交法 五章: an article or chapter of a law named right before it, typed without 第
_BARE_ITEM = re.compile(rf"(法|条例|规定|办法|细则|规则)\s*({_NUM})\s*(条|章)")
LEGAL_UNITS = ("条", "章", "节", "编")
DIVISIONS = ("章", "节", "编")  # the units that group articles
ITEM_UNITS = (*LEGAL_UNITS, "部分")  # an item of these asked and found nowhere: a search's nearest quotes are not it
NAME_MIN_CHARS = 4  # an abbreviation of a title names it when it has at least this many of its characters …
NAME_MIN_SHARE = 0.3  # … and this share of them
_KIND_TAIL = re.compile(rf"(?:管理|暂行)?(?:{'|'.join(KINDS)})$")  # 管理条例, 暂行办法, 法: the kind a title ends with
ABBREVIATION_FLOOR = 0.6  # an abbreviation that qualifies names the document (the lookup's threshold) …
# … and a longer one names it better
MATCH_THRESHOLD = 0.6
MAX_CHOICES = 8
MAX_ITEMS = 10  # items one reference query may list or span (第一条至第十条)
_JOINED = rf"\s*(和|、|及|与|以及|跟|,|，|至|到|—|–|-|~)\s*第?\s*({_NUM})\s*(条|章|节|款|部分)?"
# 第三条和第九条 / 第三、第五章 / 第十条至第十二条 / 第五部分和第六部分: one unit (named once at least), listed or spanned
_SEVERAL = re.compile(rf"第\s*({_NUM})\s*(条|章|节|款|部分)?((?:{_JOINED})+)")
_RANGE = frozenset("至到—–-~")


@dataclass(frozen=True)
class ReferenceQuery:
    source_text: str  # the words naming the source (everything but the item numbers)
    numbers: tuple[int, ...]  # outermost item first
    arabic: tuple[bool, ...] = ()  # per number: written 31 (an item) rather than 五/第五部分 (a part)
    units: tuple[str, ...] = ()  # per number: 条 / 章 / 款 / 部分 … or "" when the query names none


def item_named(ref: ReferenceQuery, text: str) -> str:
    """The numbered item a reference query asks for, as written and with the words naming its document (物业管理条例第七十条,
    爱国主义教育法第50条): what the nearest quotes of a search do not concern when no document named so has it."""
    items = [m for m in _ITEM.finditer(text) if m.group(2) in ITEM_UNITS]
    if not items:
        return ""
    end = items[0].end()  # and the items right after it, each narrowing the one before (第二章第三节)
    for m in items[1:]:
        if text[end : m.start()].strip():
            break
        end = m.end()
    # the words before the number, as typed, else those after it naming a document (第十条 北京市反食品浪费规定); a
    # question after it is no part of the name (第五部分讲什么)
    named = text[: items[0].start()].strip() or ("" if _BARE_TAIL.fullmatch(ref.source_text) else ref.source_text.strip())
    return named + re.sub(r"\s+", "", text[items[0].start() : end])


def item_asked(ref: ReferenceQuery, sources: Iterable[Source]) -> bool:
    """Whether a reference's words ask for its numbered item: they name a document or a kind of one (四川省…条例第十条,
    held or not), or they ask for the item alone (第十条讲什么). A sentence around an ordinal asks something else
    (浙北第一条水上美丽乡村精品线在哪个村: the first such line, no article)."""
    return (_BARE_TAIL.fullmatch(ref.source_text) is not None or any(kind in ref.source_text for kind in KINDS)
            or bool(named_sources(ref.source_text, sources, MATCH_THRESHOLD)))


@dataclass
class Lookup:
    """The answer to a reference: the item's passages, or a choice of documents when none was named."""

    passages: list[Passage] = field(default_factory=list)
    choices: list[Passage] = field(default_factory=list)  # the item's heading in each document that has it
    asked: ReferenceQuery | None = None  # the reference looked up (the first, when several items were asked)
    complete: bool = True  # every item asked was found (第十条和第十二条 of a ten-article regulation: not)


@lru_cache(maxsize=256)
def parse_reference(query: str) -> ReferenceQuery | None:
    """Split 「共同富裕实施方案 31」 into the source words and the item numbers, or None (cached: a search
    asks twice, for the lookup and for whether a numbered item was asked at all)."""
    if len(query) > PASTED:
        return None  # a pasted text's numbers (1., 第三) are its own: no reference asks with so many words
    numbers, arabic, units = [], [], []
    query = _BARE_ITEM.sub(r"\1第\2\3", _BRACKETED_ITEM.sub(r"第\1项", query))
    for m in _ITEM.finditer(query):
        raw = next(g for g in (m.group(1), m.group(3), m.group(4), m.group(5)) if g)
        n = parse_number(raw)
        if n is None or n == 0:
            return None
        numbers.append(n)
        arabic.append(raw.isdigit() and m.group(2) not in ("部分", "章"))
        # a bracketed number after an article or paragraph is its item, as laws cite one: 第十四条（二）, 第二款(3)
        units.append(m.group(2) or ("项" if m.group(3) and units and units[-1] in ("条", "款") else ""))
    if not numbers:
        return None
    source_text = re.sub(r"[\s,，:：《》〈〉“”\"'?？。!！]+", "", _ITEM.sub(" ", query))
    if len(source_text) < 2 and not (units[0] in LEGAL_UNITS):
        return None
    return ReferenceQuery(source_text, tuple(numbers), tuple(arabic), tuple(units))


def heading_number(text: str) -> int | None:
    found = _heading_unit(text)
    return found[0] if found else None


@lru_cache(maxsize=16384)
def _heading_unit(text: str) -> tuple[int, str] | None:
    """A heading's number and unit (cached: every reference reads those of all its document's headings)."""
    m = _HEADING_NUM.match(normalize(text))
    if not m:
        return None
    n = parse_number(next(g for g in (m.group(1), m.group(3), m.group(4)) if g))
    return (n, m.group(2) or "") if n is not None else None


def holds_divisions(ref: ReferenceQuery, path: tuple[str, ...]) -> bool:
    """Whether a section path holds each division (章/节/编) the query numbers: 第二章 of a regulation without
    chapters finds its 第二条, shown but not what was asked. (A 条 may be a plan's numbered item: 实施方案第31条.)"""
    found = {_heading_unit(h) for h in path}
    return all((n, u) in found for n, u in zip(ref.numbers, ref.units) if u in DIVISIONS)


def _arabic_heading(text: str) -> bool:
    return normalize(text)[:1].isdigit()


@lru_cache(maxsize=4096)
def _bigrams(text: str) -> frozenset[str]:
    """Character pairs of a text (cached: a reference query compares its words with every source's names)."""
    return frozenset(text[i : i + 2] for i in range(len(text) - 1))


@lru_cache(maxsize=4096)
def _characters(text: str) -> frozenset[str]:
    return frozenset(text)


def _longest_abbreviation(words: str, name: str, shortest: int = 0) -> int:
    """Length of the longest run of `words` whose characters appear in `name` in order (养犬条例 in
    上海市养犬管理条例: 4), the way titles are abbreviated, holding a character of the name's topic: 管理条例 alone
    abbreviates every 某某管理条例 (江苏省电动自行车管理条例 is not 物业管理条例). A length below `shortest` may come back
    as 0: a cheap bound (how many characters of `words` `name` holds at all) skips most names first."""
    if sum(map(_characters(name).__contains__, words)) < shortest:
        return 0
    topic = _topic(name)
    best = 0
    for start in range(len(words)):
        if len(words) - start <= best:
            break  # no run from here on can be longer
        pos, end = 0, start
        while end < len(words):
            found = name.find(words[end], pos)
            if found < 0:
                break
            pos, end = found + 1, end + 1
        if any(c in topic for c in words[start:end]):
            best = max(best, end - start)
    return best


# 国务院办公厅关于…, 中共浙江省委关于…: who issued a document, which nobody says when abbreviating it (政务新媒体意见), so
# an abbreviation's share is of the rest of the title
_ISSUER = re.compile(r"^.{2,12}?关于")
_PLACE_PREFIX = re.compile(r"^(?:中华人民共和国|[^省市县]{1,7}?(?:省|自治区|市|县))")
_KIND_SUFFIX = re.compile(r"(?:管理|促进|保护|保障|实施|暂行|服务)*(?:条例|规定|办法|法|决定|意见|细则|方案|规则)$")


@lru_cache(maxsize=4096)
def _topic(name: str) -> str:
    """What a title is about: without its issuer (国务院办公厅关于), its place (上海市, 中华人民共和国) and its generic kind
    (管理条例, 服务条例, 法)."""
    return _KIND_SUFFIX.sub("", _PLACE_PREFIX.sub("", _ISSUER.sub("", name))) or name


def _law_short_name(words: str, name: str) -> bool:
    """Whether `words` hold a law's three-character short name: its first character, one more of it in order
    and its closing 法 (道交法 for 道路交通安全法, 个保法 for 个人信息保护法), the way laws are cited.
    Too short for the general rule (a run of NAME_MIN_CHARS), so it asks for both ends of the name. The title's
    own first two characters and 法 name a broader law, not this one (劳动法 is not 劳动合同法)."""
    if len(name) < 4 or not name.endswith("法"):
        return False
    return any(words[i] == name[0] and words[i + 2] == "法" and words[i + 1] in name[1:-1] and words[i + 1] != name[1]
               for i in range(len(words) - 2))


def source_match(words: str, source: Source) -> float:
    """How well `words` name `source`: 1.0 when they contain or are contained in its 简称/title/id; else
    the share of a name covered by an abbreviation in them, or their bigram overlap with it."""
    names = [n for n in (source.short, source.title, source.id) if n]
    if any(words in n or n in words for n in names):
        return 1.0
    grams = _bigrams(words)
    if not grams:
        return 0.0
    shares = [3 / len(n) for n in names if _law_short_name(words, n)]
    # what the words say beyond the kind must be in the name: 网吧管理条例 names no 停车管理和服务条例 by its 管理条例
    said = _bigrams(_KIND_TAIL.sub("", words))
    names = [n for n in names if said & _bigrams(n)]
    overlap = max((len(grams & _bigrams(n)) / len(grams) for n in names), default=0.0)
    shares += [k / len(_ISSUER.sub("", n)) for n in names
               if (k := _longest_abbreviation(words, n, NAME_MIN_CHARS)) >= NAME_MIN_CHARS]
    abbreviated = max((ABBREVIATION_FLOOR + (1 - ABBREVIATION_FLOOR) * share for share in shares if share >= NAME_MIN_SHARE), default=0.0)
    return max(overlap, abbreviated)


def named_sources(words: str, sources: Iterable[Source], threshold: float) -> list[str]:
    """The ids of the sources `words` name best (source_match at least `threshold`): the one named exactly
    (物业管理条例 is the national regulation's title, which 河南省物业管理条例 only holds), else the ones whose names
    hold more of the words, whatever else matches (河南物业管理条例 holds the national title whole, but only
    河南省物业管理条例 accounts for its 河南), then the best matching."""
    matched = [(m, s) for s in sources if (m := source_match(words, s)) >= threshold]
    # (the words' longest abbreviation of each name, for those matching only: it costs ~20 µs a name)
    scored = [(words in (s.short, s.title), max(_longest_abbreviation(words, n) for n in (s.short, s.title, s.id) if n),
               m, s.id) for m, s in matched]
    best = max(((exact, k, m) for exact, k, m, _ in scored), default=None)
    return [sid for exact, k, m, sid in scored if (exact, k, m) == best]


def _candidates(anchors: list[Passage]) -> list[tuple[Passage, tuple[str, ...], str]]:
    """(passage, path, label) for each place a reference can land: a heading passage (its own text), or
    the first passage under a section that has no heading passage, once for each level of its section
    path that starts there (第二章 › 第十一条 starts both the chapter and the article)."""
    out = []
    started: set[tuple[str, ...]] = set()
    for p in anchors:
        if p.is_heading:
            path = heading_path(p)
            out.append((p, path, p.text))
            started.add(path)
            continue
        for depth in range(1, len(p.section) + 1):
            prefix = p.section[:depth]
            if prefix not in started:
                started.add(prefix)
                out.append((p, prefix, prefix[-1]))
    return out


@dataclass
class Outline:
    """A source's places a reference can land on (_candidates), their numbers indexed once: a reference reads the
    entries of the number it asks, not every heading of the document (第十条 with no document named asks them all).
    Each entry's `end` is the index after the last entry inside it, so a second number narrows to a slice."""

    anchors: list[Passage]  # the passages it was built from, in order
    entries: list[tuple[Passage, tuple[str, ...], str]]
    units: list[tuple[int, str] | None]
    ends: list[int]
    by_number: dict[int, list[int]]
    by_unit: dict[str, list[int]]
    parts: list[tuple[str, int]]  # (title, entry) of each titled part of a plan or opinion (see part)

    @classmethod
    def of(cls, anchors: list[Passage]) -> Outline:
        entries = _candidates(anchors)
        units = [_heading_unit(label) for _, _, label in entries]
        by_number: dict[int, list[int]] = {}
        by_unit: dict[str, list[int]] = {}
        for i, unit in enumerate(units):
            if unit:
                by_number.setdefault(unit[0], []).append(i)
                by_unit.setdefault(unit[1], []).append(i)
        ends = [len(entries)] * len(entries)
        open_: list[int] = []  # the entries whose section the current one is inside, outermost first
        for i, (_, path, _) in enumerate(entries):
            while open_ and path[: len(entries[open_[-1]][1])] != entries[open_[-1]][1]:
                ends[open_.pop()] = i
            open_.append(i)
        parts = [(title, i) for i, ((p, _, label), unit) in enumerate(zip(entries, units))
                 if p.is_heading and unit and unit[1] not in LEGAL_UNITS
                 and len(title := _title_key(_HEADING_NUM.sub("", normalize(label)))) >= 2]
        return cls(anchors, entries, units, ends, by_number, by_unit, parts)

    def last(self, unit: str) -> int:
        """The highest number of the unit (条, 章) among the source's places: 0 when it has none so numbered."""
        return max((self.units[i][0] for i in self.by_unit.get(unit, [])), default=0)

    def part(self, words: str, source: Source | None) -> tuple[int, int]:
        """The slice of entries under the part of a plan or opinion that `words` name by its title besides the
        document (政务新媒体意见基本原则第5条: the 5. of （三）基本原则, not part 五): such a text numbers its items anew in
        each part. The longest title named counts; a chapter's or an article's narrows nothing (a regulation numbers
        its articles through), nor a title the document's own name holds, nor one with nothing under it."""
        names = [n for n in (source.title, source.short) if n] if source else []
        titled = [(len(title), -i, i) for title, i in self.parts if title in words and not any(title in n for n in names)]
        if titled:
            i = max(titled)[2]
            if self.ends[i] > i + 1:
                return i + 1, self.ends[i]
        return 0, len(self.entries)

    def find(self, ref: ReferenceQuery, lo: int = 0, hi: int | None = None) -> tuple[Passage, tuple[str, ...]] | None:
        """The place reached by following the numbers down the source's numbered sections (inside entries lo:hi): at
        each step one of the unit asked for (when the slice has such), else one numbered in the same style (31. for 31,
        五、 for 第五部分) and, among those, the outermost. Returns its first passage and its section path."""
        hi = len(self.entries) if hi is None else hi
        found: tuple[Passage, tuple[str, ...]] | None = None
        depth = -1  # the entries inside the one found have longer paths than its own
        units = ref.units or ("",) * len(ref.numbers)
        for n, arabic, unit in zip(ref.numbers, ref.arabic, units):
            if unit in ("款", "项"):
                break  # inside an article: paragraphs and items, not sections (see clause())
            matches = self._within(self.by_number.get(n, []), lo, hi, depth)
            if unit in LEGAL_UNITS and any(True for _ in self._within(self.by_unit.get(unit, []), lo, hi, depth)):
                matches = [i for i in matches if self.units[i][1] == unit]
            if not matches:
                return None
            i = min(matches, key=lambda i: (_arabic_heading(self.entries[i][2]) != arabic, len(self.entries[i][1]),
                                            self.entries[i][0].seq))
            p, path, _ = self.entries[i]
            found, lo, hi, depth = (p, path), i + 1, self.ends[i], len(path)
        return found

    def _within(self, indexes: list[int], lo: int, hi: int, depth: int) -> list[int]:
        """The entries of `indexes` (ascending) inside lo:hi and deeper than `depth`."""
        return [i for i in indexes[bisect_left(indexes, lo) : bisect_left(indexes, hi)]
                if len(self.entries[i][1]) > depth]


def heading_path(heading: Passage) -> tuple[str, ...]:
    """The section path that the passages under `heading` start with (the heading's own section, when
    that already ends with the heading's title, which ingest may have tidied: 「31.打造…。」 → 「31. 打造…」)."""
    if not heading.is_heading or (heading.section and (heading.section[-1] == heading.text  # (the usual: no normalising)
                                                       or _title_key(heading.section[-1]) == _title_key(heading.text))):
        return heading.section
    return (*heading.section, heading.text)


def _title_key(text: str) -> str:
    return re.sub(r"[\s。．.、:：]", "", normalize(text))


def under(heading: Passage, passages: Iterable[Passage], path: tuple[str, ...] | None = None) -> list[Passage]:
    """`heading` and the passages that follow it inside its section (`path`), in document order."""
    path = path or heading_path(heading)
    out = [heading]
    for p in passages:
        if p.seq <= heading.seq:
            continue
        if p.section[: len(path)] != path:
            break
        out.append(p)
    return out


def clause(article: list[Passage], n: int) -> list[Passage]:
    """The article's n-th paragraph (款) with the items (项) that belong to it (after the article's heading,
    if it has a heading passage); the whole article when it has fewer paragraphs."""
    heading, body = (article[:1], article[1:]) if article[0].is_heading else ([], article)
    groups: list[list[Passage]] = []
    para = None
    for p in body:
        if p.para != para and not (groups and ITEM.match(p.text)):
            groups.append([])
        para = p.para
        groups[-1].append(p)
    return [*heading, *groups[n - 1]] if 0 < n <= len(groups) else article


def list_item(passages: list[Passage], n: int) -> list[Passage]:
    """The n-th item (项) of an article or paragraph after the sentence leading into its list (第五十六条第三项:
    经营者有下列情形之一…：（三）…), and its heading passage if it has one; all of them when it has no such item."""
    first = next((i for i, p in enumerate(passages) if ITEM.match(p.text)), None)
    found = [p for p in passages if _item_number(p) == n]
    if first is None or not found:
        return passages
    heading = passages[:1] if passages[0].is_heading else []
    lead = passages[sentence_start([p.text for p in passages], first - 1) : first] if first else []
    return [*heading, *(p for p in lead if not p.is_heading), *found]


def _item_number(p: Passage) -> int | None:
    """The number of a list item passage (（三）… → 3), None for any other passage."""
    m = ITEM.match(p.text)
    return parse_number(m.group()[1:-1]) if m else None


# A question about a document's history: an event of its life and when, how often or by whom (某某条例什么时候通过的,
# 道交法一共修正了几次, 最早哪年公布的, 第一次修正是哪年, 经过谁批准的, 哪个机关制定的), or the order it was published
# by (国务院第几号令). Answered by the document's history lines (题注), which date each event and name the body and the
# order, as a numbered item by its text.
_EVENT = r"通过|批准|修正|修订|修改|改过|改了|改的|颁布|公布|发布|出台|制定"
_WHEN = (r"什么时候|什么时间|啥时候|啥时|何时|哪年|哪一年|哪天|哪一天|几时|时间|日期|几次|多少次|几回|哪次|哪一次|哪届|哪个会|吗|没有|过没"
         r"|谁|哪个机关|什么机关|哪个部门|哪级")
_ORDER = r"第几号令|几号令|哪号令"
_LATEST = re.compile(r"最近|最新|上一次|后来|几次|多少次|几回|一共|总共|至今")
_HISTORY_ASKED = re.compile(rf"(?:{_EVENT}).*?(?:{_WHEN})|(?:{_WHEN}).*?(?:{_EVENT})|{_ORDER}")
_YEAR_ASKED = re.compile(r"(?:19|20)[0-9]{2}(?=年|$|[^0-9])")  # 2009年那次修正: the line of that year answers
_AMENDMENT_ASKED = re.compile(r"修正|修订|修改|改过|改了|改的|改动")  # (an amendment asked, whatever the verb: the lines say 修正/修订)
_AMENDMENT = re.compile(r"修正|修订")
# The event of a passing asked by its verb, and how history lines state it: 通过 by the congress that made it, 批准 by
# the one approving it (a city's regulation: …省人民代表大会常务委员会…批准), 公布 by the order publishing it
_PASSING_ASKED = re.compile(r"批准|通过|公布|颁布")
_PASSING = {"批准": "批准", "通过": "通过", "公布": "公布", "颁布": "公布"}
_HISTORY_WORDS = re.compile(rf"(?:{_EVENT}|{_WHEN}|{_ORDER}|施行|实施|执行|实行|生效|开始|正式|起|从|全体会议|全会|常委会|会议上|会议|国务院|全国人大|(?:省|市|县|区)?人大|是|在|的|了|过|由|"
                            r"经过|经|最近|最新|最早|最初|首次|后来|一共|总共|先后|至今|目前|现在|上一次|那一次|那次|一次|"
                            r"第[几一二三四五六七八九十]+次|(?:19|20)[0-9]{2}年?|这部|这个|[\s?？。!！,，、])+")


# What a query says when a document's history lines may answer it: an event of its life, a session, an order, a date
_MENTIONS_HISTORY = re.compile(rf"{_EVENT}|施行|实施|生效|执行|会议|会上|号令|几回|版|[0-9]{{4}}年[0-9]{{1,2}}月")


def mentions_history(query: str) -> bool:
    """Whether a document's history lines (…会议通过, …第一次修正, 2016年1月1日 施行) may answer the query (normalised):
    it names such an event, a session, an order or a date. Other searches leave them out: they state when a document
    was passed, which a question on what it says never asks, though they name its place and years."""
    return _MENTIONS_HISTORY.search(query) is not None


def asks_history(query: str) -> bool:
    """Whether the query asks when or how often a document was passed or amended, by which order, or when it takes
    effect (normalised)."""
    return _HISTORY_ASKED.search(query) is not None or asks_effect(query)


def asks_effect(query: str) -> bool:
    """Whether the query asks when a document takes effect (什么时候施行, 哪天起实施, 实施日期; normalised): its 施行
    article (本条例自…起施行) answers, and the 施行 line of its history when it prints one."""
    return TAKES_EFFECT.search(query) is not None


# The article (本条例自2016年1月1日起施行, 本法自公布之日起施行) or history line (2018年10月1日 施行) stating it; not a
# transitional rule counted from that day (自本条例施行之日起三个月内…)
_EFFECT_LINE = re.compile(r"^本(?:条例|法|办法|规定|细则|决定|意见|方案)自[^。]{0,40}?(?:施行|实施|执行)"
                          r"|^\d{4}年\d{1,2}月\d{1,2}日\s*(?:起)?(?:施行|实施)")


def history_source(query: str, sources: list[Source]) -> str | None:
    """The source a history question names, or None: the query must ask when or how often it was passed or
    amended, and its other words must be nothing but a name of one source (道交法, 电动车管理条例 for 某市电动自行车
    管理条例): 物业管理条例规定业主大会可以通过哪些事项吗 asks about its text, not its history."""
    q = normalize(query)
    if not asks_history(q):
        return None
    words = _HISTORY_WORDS.sub("", q)
    if len(words) < 2 or words in KINDS:  # 条例什么时候通过的: which one?
        return None
    named = [s for s in sources if _is_name_of(words, s)]
    if len(named) > 1:  # the one named exactly (物业管理条例, which 河南省物业管理条例 only holds), as named_sources
        named = [s for s in named if words in (s.short, s.title)]
    return named[0].id if len(named) == 1 else None


def history_order(query: str, lines: list[str]) -> list[int]:
    """The order to show a document's history lines in, the line that answers first: the one naming the order that
    published it for 第几号令 (…国务院令第685号公布), the one of the amendment asked for 第二次修正, the latest for the
    latest event or a count (最近一次修订, 一共修正了几次: …第三次修正 says it), the latest amendment for an amendment
    asked (修改过吗, 哪年修改的: not the passing), the one of the year asked (2009年那次修正是在哪次会议上), else as printed
    (the first is the passing)."""
    q = normalize(query)
    order = list(range(len(lines)))
    amended = _AMENDMENT_ASKED.search(q)
    if _LATEST.search(q) or amended:
        order.reverse()
    if amended:  # (修订, a revision of the whole, and 修正, an amendment, are told apart when one is asked by name)
        said = amended.group() if amended.group() in ("修正", "修订") else "修正|修订"
        order.sort(key=lambda i: (_AMENDMENT.search(lines[i]) is None, re.search(said, lines[i]) is None))
    event = _PASSING_ASKED.search(q)
    if event and not amended:  # (a city's regulation is passed by its congress, approved by the province's: 批准 asked)
        order.sort(key=lambda i: re.search(_PASSING[event.group()], lines[i]) is None)
    years = _YEAR_ASKED.findall(q)
    if years:
        order.sort(key=lambda i: not any(y in lines[i] for y in years))
    nth = re.search(r"第[一二三四五六七八九十]+次(?=修正|修订|修改)", q)  # (not 第二次会议: a session)
    if re.search(_ORDER, q):
        order.sort(key=lambda i: "令第" not in lines[i])
    elif nth:
        order.sort(key=lambda i: re.search(nth.group(0) + "(?:修正|修订)", lines[i]) is None)
    return order


# the version before a year's change (2021年修正以前, 2018年修订之前的): older than that year's text
_BEFORE_YEAR = re.compile(r"((?:19|20)[0-9]{2})年?(?:的)?(?:修正|修订|修改|改动?)?(?:以前|之前|前)")


def version_held(query: str, source: Source) -> bool:
    """Whether the text held is the version a query names by year (2001年版河南物业管理条例第十条): not when the
    document was passed or last changed after that year, as its text then differs (or did not exist); nor, for the
    version before a year's change (2021年修正以前), when it was last changed that year or later."""
    q = normalize(query)
    years = _YEAR_ASKED.findall(q)
    held = source.revised or source.promulgated or source.passed or source.effective
    if not years or not held:
        return True
    before = _BEFORE_YEAR.search(q)
    return int(held[:4]) < int(before.group(1)) if before else max(map(int, years)) >= int(held[:4])


def effect_lines(texts: list[str]) -> list[int]:
    """Of a document's passages (its articles, then its history lines), those stating when it takes effect."""
    return [i for i, text in enumerate(texts) if _EFFECT_LINE.search(text)]


def history_answers(query: str, lines: list[str]) -> bool:
    """Whether a document's history lines answer the question: of a year it names (消保法2025年修改过吗), one must be."""
    years = _YEAR_ASKED.findall(normalize(query))
    return not years or any(y in line for y in years for line in lines)


def _is_name_of(words: str, source: Source) -> bool:
    """Whether `words` are a name of `source` and nothing more: part of its 简称/title, all of them in order in
    it as an abbreviation (NAME_MIN_CHARS and NAME_MIN_SHARE as for references), or a law's short name."""
    for name in (n for n in (source.short, source.title) if n):
        if words in name or _law_short_name(words, name) and len(words) == 3:
            return True
        if len(words) >= NAME_MIN_CHARS and _longest_abbreviation(words, name) == len(words) >= NAME_MIN_SHARE * len(name):
            return True
    return False


# What may follow a division's title when it is asked for by name: 道交法法律责任那一章, 劳动合同法的特别规定讲了什么
# What a bare reference (第十条, no document named) may say besides the number: it asks for the item, nothing more
_BARE_TAIL = re.compile(r"(?:请问|帮我|我想|看看|查一?下|查|的|里|这|那|一|内容|规定|全文|原文|条文|讲|说|写|是|有|了|哪些|什么|啥"
                        r"|怎么|怎样|如何|呢|吗|吧)*")
_DIVISION_TAIL = re.compile(r"(?:的|那一?|这一?|一|章|节|编|部分|内容|规定|全文|原文|条文|讲了?|说了?|写了?|是|有|哪些|什么|些|呢|吗"
                            r"|[\s?？。!！,，:：》“”\"])*")


@dataclass(frozen=True)
class Division:
    """A chapter, 节 or 编 of a source as found by its title (第七章 法律责任 → 法律责任)."""

    source_id: str
    heading: Passage  # its first passage
    path: tuple[str, ...]
    number: int
    unit: str


_DIVISION_LABEL = re.compile(rf"第(?:{_NUM})(?:章|节|编) (\S+)")


def division_names(contexts: Iterable[str]) -> frozenset[str]:
    """The titles of the chapters, 节 and 编 that the documents' section paths name (第七章 法律责任 → 法律责任): read from
    the index's contexts, so that a query naming none never makes the search read every heading of the corpus."""
    return frozenset(t for c in contexts for t in _DIVISION_LABEL.findall(c) if len(t) >= 2)


def division_titles(outlines: dict[str, Outline]) -> dict[str, list[Division]]:
    """Every source's chapters, 节 and 编 by their title without number and spacing (built once per index: a
    query is checked against the titles, not the headings)."""
    out: dict[str, list[Division]] = {}
    for sid, outline in outlines.items():
        for (p, path, label), found in zip(outline.entries, outline.units):
            m = _HEADING_NUM.match(normalize(label))
            title = _title_key(normalize(label)[m.end():]) if m else ""
            if found and found[1] in DIVISIONS and len(title) >= 2:
                out.setdefault(title, []).append(Division(sid, p, path, *found))
    return out


def titled_division(query: str, titles: dict[str, list[Division]], sources: list[Source],
                    source_id: str | None = None) -> Division | None:
    """The division a query asks for by its title after its document's name (消保法附则, 道交法法律责任那一章, 劳动合同法
    的特别规定讲了什么), or None: the words before the title must name one source (its title or 简称, or nothing when
    the search is inside one), and the words after it only ask for the division (那一章, 讲了什么). 法律责任 alone, or
    社会救助暂行办法 最低生活保障标准是多少, is a search."""
    q = normalize(query)
    asked = [(t, d) for t, ds in titles.items() if t in q for d in ds]
    for title, division in sorted(asked, key=lambda a: -len(a[0])):
        start = q.find(title)
        if _DIVISION_TAIL.fullmatch(q[start + len(title):]) is None:
            continue
        words = re.sub(r"[\s《》〈〉“”\"]+|的$", "", q[:start])
        if source_id is not None:
            if division.source_id == source_id and (not words or any(s.id == source_id and _is_name_of(words, s)
                                                                     for s in sources)):
                return division
            continue
        named = [s.id for s in sources if len(words) >= 2 and _is_name_of(words, s)]
        if named == [division.source_id]:
            return division
    return None


def single_items(query: str) -> list[str]:
    """The query once per item when it lists or spans several of one unit (第三条和第九条 → …第三条, …第九条;
    第十条至第十二条 → three), else []. A unit named by none of them, or by two differently, is no such list."""
    m = _SEVERAL.search(query)
    if m is None:
        return []
    joined = [(j, n, u) for j, n, u in re.findall(_JOINED, m.group(3))]
    units = {u for u in (m.group(2), *(u for _, _, u in joined)) if u}
    if len(units) != 1:
        return []
    numbers = [parse_number(m.group(1))]
    for joiner, raw, _ in joined:
        n = parse_number(raw)
        if n is None or numbers[-1] is None:
            return []
        numbers += list(range(numbers[-1] + 1, n + 1)) if joiner in _RANGE and n > numbers[-1] else [n]
    numbers = list(dict.fromkeys(n for n in numbers if n))
    if len(numbers) < 2 or len(numbers) > MAX_ITEMS:
        return []
    unit = units.pop()
    # written as typed: 第3条 of a plan is its item 3., 第三条 may be its part 三、 (Outline.find reads the style)
    spell = str if m.group(1).isdigit() else to_chinese
    return [f"{query[: m.start()]}第{spell(n)}{unit}{query[m.end():]}" for n in numbers]


def lookup(
    query: str, sources: list[Source], outline: Callable[[str], Outline],
    following: Callable[[Passage], Iterable[Passage]], source_id: str | None = None,
) -> Lookup | None:
    """Answer a reference query, or None when it is not one (or names an item no document has).

    `sources` hold normalized names; `outline(source id)` gives a source's numbered places (Outline);
    `following(heading)` the passages from a heading on, in order.
    """
    items = single_items(normalize(query))
    if items:  # several items of one document, each looked up; those found are answered together
        looked = [f for f in (lookup(q, sources, outline, following, source_id) for q in items) if f]
        found = [f for f in looked if f.passages]
        if found:
            seen: set[str] = set()
            passages = [p for f in found for p in f.passages if not (p.id in seen or seen.add(p.id))]
            return Lookup(passages=passages, asked=found[0].asked, complete=len(found) == len(items))
        if looked and looked[0].choices:  # no document named: the documents holding the first; each then answers all
            return looked[0]
    ref = parse_reference(normalize(query))
    if ref is None:
        return None
    if source_id is not None:
        candidates = [source_id]
    else:
        candidates = named_sources(ref.source_text, sources, MATCH_THRESHOLD) if len(ref.source_text) >= 2 else []
    named = bool(candidates)
    if not named:
        if ref.units[0] not in LEGAL_UNITS or _BARE_TAIL.fullmatch(ref.source_text) is None:
            # no item of a regulation, a document the corpus does not hold (XX条例第十条), or an ordinal inside a
            # sentence (浙北第一条水上美丽乡村精品线在哪个村): a search
            return None
        candidates = [s.id for s in sources]  # 「第31条」 alone: every document that has one
    by_id = {s.id: s for s in sources}
    found = [(sid, f) for sid in candidates
             if (f := (o := outline(sid)).find(ref, *o.part(ref.source_text, by_id.get(sid)))) is not None]
    if not found:
        # 「第70条」 that no document has: say so, rather than search for the number 70
        return Lookup() if not named and len(ref.source_text) < 2 else None
    if len(found) > 1 and not named:
        exact = sorted(found, key=lambda f: (_heading_unit(f[1][1][-1]) or (0, ""))[1] != ref.units[0])  # 第31条 before 31.
        return Lookup(choices=[p for _, (p, _path) in exact[:MAX_CHOICES]], asked=ref)
    heading, path = found[0][1]
    passages = under(heading, following(heading), path)
    paragraph = [n for n, u in zip(ref.numbers, ref.units) if u == "款"]
    passages = clause(passages, paragraph[0]) if paragraph else passages
    item = [n for n, u in zip(ref.numbers, ref.units) if u == "项"]
    if not item:
        return Lookup(passages=passages, asked=ref)
    # an item the article lacks (第五十六条第十一项 of ten): the article, not answered
    return Lookup(passages=list_item(passages, item[0]), asked=ref,
                  complete=any(_item_number(p) == item[0] for p in passages))
