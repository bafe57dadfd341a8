"""The search entry point used by the CLI, the chat core and the study features.

FIRST CUT: plain BM25 over jieba tokens, built in memory at load. The interface (Searcher,
Results, Hit) is what the rest of the product relies on; keep it stable.
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from assistant.records import Passage, Source
from assistant.search.index import tokenize
from assistant.storage import Corpus


@dataclass(frozen=True)
class Hit:
    passage: Passage
    source: Source
    score: float
    terms: tuple[str, ...] = ()  # query words present in the passage, for highlighting


@dataclass
class Results:
    query: str
    hits: list[Hit] = field(default_factory=list)
    total: int = 0  # how many passages matched in all, for paging
    kind: str = "search"  # "search", or "reference" when the query named a numbered item


class Searcher:
    def __init__(self, corpus: Corpus) -> None:
        self.corpus = corpus
        self._passages = corpus.passages()
        rows = {r["id"]: r["tokens"].split() for r in corpus.db["passage_tokens"].rows}
        self._docs = [Counter(rows[p.id]) for p in self._passages]
        self._lens = [sum(d.values()) for d in self._docs]
        self._avg = sum(self._lens) / max(len(self._lens), 1)
        df: Counter[str] = Counter()
        for d in self._docs:
            df.update(d.keys())
        n = len(self._docs)
        self._idf = {t: math.log((n - f + 0.5) / (f + 0.5) + 1) for t, f in df.items()}

    @classmethod
    def open(cls, db_path: Path | str) -> "Searcher":
        return cls(Corpus(db_path))

    def search(self, query: str, k: int = 10, offset: int = 0, source_id: str | None = None) -> Results:
        terms = [t for t in dict.fromkeys(tokenize(query)) if t in self._idf]
        scored = []
        for i, (doc, length) in enumerate(zip(self._docs, self._lens)):
            p = self._passages[i]
            if source_id and p.source_id != source_id:
                continue
            s = sum(
                self._idf[t] * doc[t] * 2.5 / (doc[t] + 1.5 * (0.25 + 0.75 * length / self._avg))
                for t in terms
                if t in doc
            )
            if s > 0:
                scored.append((s, i))
        scored.sort(key=lambda x: -x[0])
        hits = []
        for s, i in scored[offset : offset + k]:
            p = self._passages[i]
            hits.append(Hit(p, self.corpus.source(p.source_id), s, tuple(t for t in terms if t in self._docs[i])))
        return Results(query=query, hits=hits, total=len(scored))
