"""What the bot knows, computed from the corpus: the documents and articles it holds, their kinds and
dates (for /start and the "no direct answer" line), and example questions that get a good first answer.

Nothing here is written for one corpus: adding a regulation with `add` changes the counts, the kinds,
the date span and possibly the examples.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Sequence

from assistant.chat.citation import format_date, issue_label, publication_name
from assistant.records import Source

# the kinds cadres cite first, by how their titles end; a law (法, not a 办法) outranks the regulations under it
AUTHORITY = ("决定", "方案", "意见", "法", "条例", "报告")
EXAMPLES = 3
_ITEM_HEADING = re.compile(r"^[0-9０-９]+\s*[.．、]\s*(\S+?)。?$")  # "12. 完善创新要素参与分配机制"
QUESTION_WORDS = (6, 16)  # a heading clause this long makes a question one would type


@dataclass(frozen=True)
class Coverage:
    documents: tuple[Source, ...]
    articles: tuple[Source, ...]
    first: str  # ISO date (or year-month) of the oldest source
    last: str

    @property
    def span(self) -> str:
        """2019年11月—2024年2月: month precision is what a reader needs to know what is missing."""
        if not self.first:
            return ""
        first, last = format_date(self.first[:7]), format_date(self.last[:7])
        return first if first == last else f"{first}—{last}"

    @property
    def kinds(self) -> list[tuple[str, int]]:
        """Document kinds with counts, the authoritative kinds first."""
        counts = Counter(s.kind or "文件" for s in self.documents)
        return sorted(counts.items(), key=lambda kv: (authority(kv[0]), -kv[1], kv[0]))

    @property
    def issues(self) -> list[tuple[str, int]]:
        """`《今日浙江》2024年第2期` with its article count, in corpus order."""
        counts = Counter(f"《{publication_name(s)}》{issue_label(s)}" for s in self.articles)
        return list(counts.items())

    def brief(self) -> str:
        """One clause for the "no direct answer" line: 收录 5 份文件、《今日浙江》26 篇文章，2019年11月—2024年2月."""
        held = [f"{len(self.documents)}份文件"] if self.documents else []
        held += [f"{name}{n}篇文章" for name, n in self.issues]
        return "收录" + "、".join(held) + (f"，{self.span}" if self.span else "")

    def detail(self) -> str:
        """For /start: the kinds of documents and the periodical issues, and the date span."""
        kinds = "、".join(f"{kind}{n}份" for kind, n in self.kinds)
        parts = [f"{len(self.documents)}份文件（{kinds}）"] if self.documents else []
        parts += [f"{name}的{n}篇文章" for name, n in self.issues]
        return "收录" + "，".join(parts) + (f"，时间为{self.span}" if self.span else "") + "。"


def authority(kind: str) -> int:
    """Rank of a kind: 决定 before 方案 before 报告 …, others after (a 实施方案 is a 方案, a 办法 no 法)."""
    return next((i for i, k in enumerate(AUTHORITY) if kind.endswith(k) and not kind.endswith("办" + k)),
                len(AUTHORITY))


def coverage(sources: Sequence[Source]) -> Coverage:
    documents = tuple(s for s in sources if not s.publication)
    articles = tuple(s for s in sources if s.publication)
    dates = sorted(d for s in documents for d in [s.date] if d)
    # An issue's articles carry their own dates (a report delivered in January); the issue dates the set.
    dates += sorted(_issue_date(s) for s in articles if _issue_date(s))
    dates.sort()
    return Coverage(documents, articles, dates[0] if dates else "", dates[-1] if dates else "")


def _issue_date(article: Source) -> str:
    m = re.search(r"(\d{4})\s*年\s*(\d{1,2})\s*月", article.publication)
    return f"{m.group(1)}-{int(m.group(2)):02d}" if m else article.date


def example_candidates(sources: Sequence[Source], headings: dict[str, list[Sequence[str]]]) -> list[tuple[Source, str, str]]:
    """(source, heading, question) in the order examples are tried: authoritative documents first, each
    document's numbered items in order; the question asks 如何 + a clause of the item's heading that
    starts with a verb (完善…机制, 加快打造…高地)."""
    from jieba import posseg  # the part-of-speech dictionary loads in ~1 s: only when examples are built

    out = []
    documents = sorted((s for s in sources if not s.publication), key=lambda s: (authority(s.kind), s.position))
    for source in documents:
        for path in headings.get(source.id, []):
            m = _ITEM_HEADING.match(path[-1].strip())
            for clause in m.group(1).split("，") if m else ():
                words = list(posseg.cut(clause))
                short, long = QUESTION_WORDS
                if short <= len(clause) <= long and words[0].flag.startswith("v") and len(words[0].word) == 2:
                    out.append((source, path[-1], f"如何{clause}"))
    return out


def example_questions(searcher, n: int = EXAMPLES) -> list[str]:
    """`n` example questions, from different documents where possible, each one whose first body-sentence hit
    (in the top 3; the item heading may come first) is under the item heading it was made from and that the
    search counts as answered."""
    corpus = searcher.corpus
    headings: dict[str, list[Sequence[str]]] = {}
    for p in corpus.passages():
        if p.is_heading:
            headings.setdefault(p.source_id, []).append(p.section or (p.text,))
    first: dict[str, str] = {}  # source id -> its first good question
    more: list[str] = []
    for source, heading, question in example_candidates(corpus.sources(), headings):
        if len(first) == n:
            break
        if source.id in first and len(more) >= n:
            continue
        results = searcher.search(question, k=3)
        hit = next((h for h in results.hits if not h.passage.is_heading), None)  # the heading itself may lead
        if hit and getattr(results, "answered", True) and not hit.passage.is_heading and heading in hit.passage.section:
            (more.append(question) if source.id in first else first.setdefault(source.id, question))
    return [*first.values(), *more][:n]


# Examples of the query syntax (/help, the inline showcase, /start's inline button) --------------------------

KEYWORDS = 5  # keyword examples: the inline showcase shows one quote for each
MIN_PASSAGES = 3  # a keyword example is a word at least this many passages hold
NAME_CHARS = 4  # a keyword example names a thing: a word this long (营商环境; not 手续, 增长)
NAME_MAX = 12  # a document name longer than this is typed only when no document has a shorter one
TRIES = 12  # candidates tried (each one search) per example before giving up on it
_ARTICLE = re.compile(r"^第[零〇一二三四五六七八九十百千]+条$")  # 第十条: written as the document writes it
_NUMBERED = re.compile(r"^([0-9]{1,3})\s*[.．、]")  # "31. 建立…" is typed 第31条
_WHO = re.compile(r"(?:部门|机关|政府|机构|人员|单位|委员会|行政区域)$")  # who acts or where: no topic


@dataclass(frozen=True)
class Examples:
    """Query examples, each one the search answers on this corpus ("" / () where the corpus has none)."""
    keywords: tuple[str, ...] = ()  # 共同富裕, 八八战略 …: the inline showcase, 例如 …
    pair: str = ""  # 数字化改革 营商环境: two keywords one passage holds
    scoped: str = ""  # @共同富裕实施方案 山区26县: a document's name and a word found in it
    reference: str = ""  # 实施方案第31条: a numbered item of a document, quoted in full


def corpus_examples(searcher, preferred: Examples = Examples()) -> Examples:
    """The examples for a searcher's corpus: each of `preferred` (hand-written for one corpus) the search still
    answers here, else one computed by this rule. A document's keywords are the words the index holds whole, of
    NAME_CHARS or more characters and naming no one who acts (主管部门, 工作人员), in MIN_PASSAGES or more
    passages, ranked by how many of its passages hold one times log((documents + 1) / documents holding it)
    (its own words before words every document uses). `keywords` takes each document's best in turn, the most
    authoritative document (authority(), then corpus order) first; `pair` is the first keyword with the next
    keyword of its document that a passage also holds (of the next document when none); `scoped` is the name
    (简称, else its label; of NAME_MAX characters at most where one is) of the most authoritative document the
    name finds, with its best keyword not in `pair`; `reference` is that document's
    numbered item holding that keyword most often (its first item in a corpus without keywords), written
    简称第十条 (第31条 for an item numbered "31."). Each is kept only when the search answers it: a keyword's
    first quote holds it, the pair's first quote holds both, the scoped search's first quote is of that
    document and holds the word, the reference is quoted in full."""
    index = getattr(searcher, "index", None)
    if index is None:
        return preferred
    ranked = _document_keywords(searcher)
    check = _Checks(searcher)
    keywords = [k for k in preferred.keywords if check.keyword(k)]
    for word in _round_robin(list(ranked.values())):
        if len(keywords) >= KEYWORDS:
            break
        if not any(word in k or k in word for k in keywords) and check.keyword(word):
            keywords.append(word)
    pair = preferred.pair if preferred.pair and check.pair(preferred.pair) else _pair(ranked, keywords, check)
    scoped, reference = preferred.scoped, preferred.reference
    if not (scoped and check.scoped(scoped)) or not (reference and check.reference(reference)):
        found = _scoped(searcher, ranked, pair.split(), check)
        if not (scoped and check.scoped(scoped)):
            scoped = found[0]
        if not (reference and check.reference(reference)):
            reference = found[1]
    return Examples(tuple(keywords), pair, scoped, reference)


def _document_keywords(searcher) -> dict[str, list[str]]:
    """Per document (authority order; articles only in a corpus without documents): its keywords, best first."""
    import numpy as np

    index = searcher.index
    words = index.fields["words"]
    sources = {s.id: s for s in searcher.corpus.sources()}
    documents = [s for s in sources.values() if not s.publication] or list(sources.values())
    documents.sort(key=lambda s: (authority(s.kind), s.position))
    number = {sid: i for i, sid in enumerate(index.source_ids)}
    scaffolding, context = index.query_words.scaffolding, index.query_words.context
    candidates = [w for w in dict.fromkeys((*index.terms, *index.user_words))
                  if len(w) >= NAME_CHARS and not _WHO.search(w)
                  and w not in scaffolding and w not in context and words.df(w) >= MIN_PASSAGES
                  and not any(ch.isdigit() for ch in w[:1])]
    scores: dict[str, list[tuple[float, str]]] = {s.id: [] for s in documents}
    n = len(index.source_ids)
    for w in candidates:
        docs, _ = words.postings(w)
        per_source = np.bincount(index.passage_source[docs], minlength=n)
        weight = float(np.log((n + 1) / np.count_nonzero(per_source)))
        for s in documents:
            held = int(per_source[number[s.id]]) if s.id in number else 0
            if held:
                scores[s.id].append((-held * weight, w))
    return {sid: [w for _, w in sorted(found)] for sid, found in scores.items() if found}


def _round_robin(lists: list[list[str]]):
    for i in range(max(map(len, lists), default=0)):
        for words in lists:
            if i < len(words):
                yield words[i]


def _pair(ranked: dict[str, list[str]], keywords: list[str], check: "_Checks") -> str:
    """The first document's keyword (among `keywords`) with its next keyword a passage also holds."""
    for words in ranked.values():
        for first in [w for w in words if w in keywords][:1]:
            others = [w for w in words if w not in first and first not in w][:TRIES]
            if found := next((f"{first} {w}" for w in others if check.pair(f"{first} {w}")), ""):
                return found
    return ""


def _scoped(searcher, ranked: dict[str, list[str]], shown: list[str], check: "_Checks") -> tuple[str, str]:
    """(@name word, name + item) for the most authoritative document with a name that finds it; without a
    keyword in any document, ("", name + its first numbered item)."""
    corpus = searcher.corpus
    documents = [s for s in corpus.sources() if not s.publication] or corpus.sources()
    names = {s.id: next((n for n in (s.short, s.label) if n and searcher.resolve_source(n) == s.id), "")
             for s in documents}
    for source in sorted(documents, key=lambda s: (len(names[s.id]) > NAME_MAX, authority(s.kind), s.position)):
        name = names[source.id]
        if not name:
            continue
        words = ranked.get(source.id, [])
        for word in [w for w in words if w not in shown][:TRIES] or words[:1]:
            if check.scoped(f"@{name} {word}"):
                return f"@{name} {word}", _reference(searcher, source, name, word, check)
        if not ranked and (reference := _reference(searcher, source, name, "", check)):
            return "", reference
    return "", ""


def _reference(searcher, source: Source, name: str, word: str, check: "_Checks") -> str:
    """`name` and the numbered item of `source` holding `word` most often (the first such on a tie)."""
    held: Counter[str] = Counter()
    for p in searcher.corpus.passages(source.id):
        item = next((label for part in reversed(p.section) if (label := _item_label(part))), None)
        if item:
            held[item] += bool(word) and word in p.text
    for item, _ in held.most_common(TRIES):  # most_common keeps first-seen order on a tie
        if check.reference(f"{name}{item}"):
            return f"{name}{item}"
    return ""


def _item_label(heading: str) -> str:
    heading = heading.strip()
    if _ARTICLE.match(heading):
        return heading
    m = _NUMBERED.match(heading)
    return f"第{int(m.group(1))}条" if m else ""


class _Checks:
    """Whether the search answers an example the way it promises (see corpus_examples)."""

    def __init__(self, searcher) -> None:
        self.searcher = searcher

    def _first(self, query: str):
        results = self.searcher.search(query, k=1)
        return results, (results.hits[0] if results.hits else None)

    def keyword(self, word: str) -> bool:
        results, hit = self._first(word)
        return bool(hit) and results.answered and word in hit.passage.text

    def pair(self, query: str) -> bool:
        results, hit = self._first(query)
        return bool(hit) and results.answered and all(w in hit.passage.text for w in query.split())

    def scoped(self, query: str) -> bool:
        name, _, word = query.removeprefix("@").partition(" ")
        results, hit = self._first(query)
        return bool(hit) and hit.source.id == self.searcher.resolve_source(name) and word in hit.passage.text

    def reference(self, query: str) -> bool:
        results, hit = self._first(query)
        return bool(hit) and results.kind == "reference" and results.answered
