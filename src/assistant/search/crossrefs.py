"""Cross-references inside a regulation: a sentence that names a provision by its number instead of restating it.

A local regulation's penalties read `违反本条例第二十二条第六项规定的，由城管执法部门责令改正…`: what was breached
(携犬出户时…即时清除犬只粪便) is only in 第二十二条（六）. Someone asking 遛狗不清理狗粪怎么罚 shares no word with the
penalty. At index time each such sentence is given the text of the provisions it names as part of its context
(index.py), beside its title and section, so the query's words count as covered there as they do for a title; and
it is embedded followed by that text (vectors.missing_texts), so its meaning is the penalty for that breach. (Adding
the provision's words to the sentence's own searchable words did worse on held-out batches.) Those words are a field
of their own (index.py, "cited"), searched only by a question on a penalty (楼道停电瓶车罚多少: the penalty 违反本办法
第四条规定的… shares no word with it, 罚 not being 罚款), at half a word's weight (engine.CITED_WEIGHT).

A reference is `本条例/本法/本办法/本规定… 第N条[第M款][第K项]`, numbers listed with 、/和/或者 or ranged with 至
(第二十二条第一、二、三项, 第二十六条第一款、第二十七条第一款, 第十条至第十二条). It covers the sentence that
states it, the rest of that paragraph and the list items that follow it (they state the acts the penalty is for).
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.ingest.legal import ARTICLE, ITEM, NUMBER, parse_number
from assistant.search.numerals import to_chinese

MAX_CHARS = 300  # of referenced text per passage: a whole long article would drown its title/section words
_OWN = r"本(?:条例|法|办法|规定|细则|规则|决定|实施办法|准则)"
# the run of numbers after 本条例: 第二十二条第一、二、三项 / 第十条、第十一条 / 第十条至第十二条
_JOINT = r"、|和|或者|或|及|以及|至|到"
_RUN = re.compile(rf"{_OWN}((?:(?:{_JOINT})?第?(?:{NUMBER})(?:条|款|项)?)+)")
_PART = re.compile(rf"({_JOINT})?第?({NUMBER})(条|款|项)?")
# Paragraphs (款) of the sentence's own article named by position: 前款, 前两款, 本条第一款
_BEFORE = re.compile(r"前([两二三四])?款(?:第((?:[（(]?[一二三四五六七八九十]+[)）]?[、和或及]*)+)项)?")  # 前款第(二)、(三)项
_THIS_ARTICLE = re.compile(rf"本条第({NUMBER})款")


@dataclass(frozen=True)
class Provision:
    """One provision a sentence names: an article, optionally one paragraph (款) of it and some items (项)."""

    article: int
    paragraph: int | None = None
    items: tuple[int, ...] = ()


@dataclass(frozen=True)
class Row:
    """What resolving needs of a passage (in document order within its source)."""

    source: str
    section: tuple[str, ...]
    para: int
    text: str


def provisions(text: str) -> list[Provision]:
    """The provisions of the same document a sentence names (none when it names another law's)."""
    out: list[Provision] = []
    for m in _RUN.finditer(text):
        out.extend(_parse_run(m.group(1)))
    return list(dict.fromkeys(out))


def _parse_run(run: str) -> list[Provision]:
    """第二十二条第一、二、三项 → [22 (1, 2, 3)]: numbers wait for the unit that follows them; 至 makes a range."""
    found: list[Provision] = []
    pending: list[int] = []
    article: int | None = None
    paragraph: int | None = None
    last = 0
    for joint, number, unit in _PART.findall(run):
        n = parse_number(number)
        if n is None:
            break
        pending.extend(range(last + 1, n + 1) if joint in ("至", "到") and 0 < last < n else (n,))
        last = n
        if not unit:
            continue
        numbers, pending = sorted(set(pending)), []
        if unit == "条":
            found.extend(Provision(a) for a in numbers)
            article, paragraph = numbers[-1], None
        elif unit == "款" and article is not None:
            if found and found[-1].article == article and found[-1].paragraph is None and not found[-1].items:
                found.pop()
            found.extend(Provision(article, p) for p in numbers)
            paragraph = numbers[-1]
        elif unit == "项" and article is not None:
            if found and found[-1].article == article and not found[-1].items:
                found.pop()
            found.append(Provision(article, paragraph, tuple(numbers)))
    return found


def referenced_texts(rows: Sequence[Row]) -> list[str]:
    """For each passage, the text of the provisions its sentence (or the sentence leading its paragraph or list)
    names, "" for most. Each source's rows must come in document order (sources may interleave)."""
    out = [""] * len(rows)
    by_source: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        by_source.setdefault(row.source, []).append(i)
    for positions in by_source.values():
        _resolve_source([rows[i] for i in positions], positions, out)
    return out


@dataclass(frozen=True)
class Document:
    """One source's rows in document order and the positions of each article's (kept by a searcher: finding
    the articles reads every row)."""

    rows: Sequence[Row]
    articles: dict[int, list[int]]

    @classmethod
    def of(cls, rows: Sequence[Row]) -> "Document":
        return cls(rows, _articles(rows))


def cited(doc: Document, row: Row) -> list[tuple[str, str]]:
    """The provisions of its own document `row`'s sentence names, as (第二十二条第六项, their text), to be shown
    beside it: a penalty quoted alone does not say what it is for, nor 出现前款情形之一的 which cases it means.
    `doc` is its source's."""
    rows, articles = doc.rows, doc.articles
    own = _article(row)
    named = [p for p in provisions(row.text) if p.article in articles and p.article != own]
    if own in articles and (at := next((j for j in articles[own] if rows[j] == row), None)) is not None:
        named += _earlier_paragraphs(rows, own, articles[own], at)
    return [(label(p), "".join(rows[j].text for j in _provision_rows(rows, articles[p.article], p))) for p in named]


def names_provisions(text: str) -> bool:
    """Whether a sentence names provisions of its document, by number or by position (前款): `cited` has work."""
    return bool(provisions(text)) or _BEFORE.search(text) is not None or _THIS_ARTICLE.search(text) is not None


def label(p: Provision) -> str:
    """第二十二条, 第二十六条第一款, 第二十二条第一、二、三项"""
    return (f"第{to_chinese(p.article)}条" + (f"第{to_chinese(p.paragraph)}款" if p.paragraph else "")
            + (f"第{'、'.join(to_chinese(k) for k in p.items)}项" if p.items else ""))


def _article(row: Row) -> int | None:
    """The number of the article a passage is in (None outside articles)."""
    m = ARTICLE.match(row.section[-1]) if row.section else None
    return parse_number(m.group(1)) if m and not m.group(2) else None


def _articles(rows: Sequence[Row]) -> dict[int, list[int]]:
    """Each article number of a source → its passages' positions in `rows`."""
    articles: dict[int, list[int]] = {}
    for i, row in enumerate(rows):
        if (n := _article(row)) is not None:
            articles.setdefault(n, []).append(i)
    return articles


def _resolve_source(rows: Sequence[Row], positions: list[int], out: list[str]) -> None:
    """Fill `out` at `positions` (where each of one source's `rows` sits in it)."""
    articles = _articles(rows)
    if not articles:
        return
    for i, row in enumerate(rows):
        named = [p for p in provisions(row.text) if p.article in articles]
        if not named or all(rows[articles[p.article][0]].section == row.section for p in named):
            continue  # a sentence naming only its own article adds nothing
        text = "".join(rows[j].text for p in named for j in _provision_rows(rows, articles[p.article], p))
        for j in _scope(rows, i):
            if text not in out[positions[j]]:
                out[positions[j]] = f"{out[positions[j]]} {text}".strip()[:MAX_CHARS]


def _earlier_paragraphs(rows: Sequence[Row], own: int, article: list[int], at: int) -> list[Provision]:
    """The paragraphs of its own article (number `own`, passages at `article`) that the sentence at `at` names by position: 前款 the one before its
    own (前款第(二)、(三)项: some of its items), 前两款 the two before, 本条第一款 the first."""
    text = rows[at].text
    asked = {k: () for k in map(parse_number, _THIS_ARTICLE.findall(text)) if k is not None}
    before = _BEFORE.search(text)
    if before is None and not asked:
        return []
    mine = len(_paragraphs(rows, [j for j in article if j <= at]))
    if before is not None:
        back = parse_number(before.group(1)) if before.group(1) else 1
        items = tuple(n for n in map(parse_number, re.findall("[一二三四五六七八九十]+", before.group(2) or "")) if n)
        asked.update((k, items if back == 1 else ()) for k in range(mine - (back or 1), mine))
    return [Provision(own, k, items) for k, items in sorted(asked.items()) if 0 < k < mine]


def _paragraphs(rows: Sequence[Row], article: list[int]) -> list[list[int]]:
    """The article's passages by paragraph (款), each with its list items."""
    paragraphs: list[list[int]] = []
    para = None
    for j in article:
        if rows[j].para != para and not (paragraphs and ITEM.match(rows[j].text)):
            paragraphs.append([])
        para = rows[j].para
        paragraphs[-1].append(j)
    return paragraphs


def _provision_rows(rows: Sequence[Row], article: list[int], p: Provision) -> list[int]:
    """The passages of the provision: the article, its paragraph (款: counted with its items), its items (项)."""
    chosen = article
    if p.paragraph is not None:
        paragraphs = _paragraphs(rows, article)
        if 0 < p.paragraph <= len(paragraphs):
            chosen = paragraphs[p.paragraph - 1]
    if p.items:
        items = [j for j in chosen if (m := ITEM.match(rows[j].text)) and parse_number(m.group()[1:-1]) in p.items]
        chosen = items or chosen
    return chosen


def _scope(rows: Sequence[Row], i: int) -> range:
    """The referencing passage, the rest of its paragraph and the list items right after it, in its section."""
    j = i + 1
    while j < len(rows) and rows[j].section == rows[i].section and (rows[j].para == rows[i].para
                                                                   or ITEM.match(rows[j].text)):
        j += 1
    return range(i, j)
