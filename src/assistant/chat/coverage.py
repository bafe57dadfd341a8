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

AUTHORITY = ("决定", "方案", "意见", "条例", "报告")  # the kinds cadres cite first, by how their titles end
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
        return f"{format_date(self.first[:7])}—{format_date(self.last[:7])}" if self.first else ""

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
    """Rank of a kind: 决定 before 方案 before 报告 …, others after (a 实施方案 is a 方案)."""
    return next((i for i, k in enumerate(AUTHORITY) if kind.endswith(k)), len(AUTHORITY))


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
