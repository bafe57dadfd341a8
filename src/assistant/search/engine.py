"""The search entry point used by the CLI, the chat core and the study features.

A query is parsed (query.py), checked for a reference to a numbered item (reference.py), then scored
against the stored index: BM25 on the word field plus weighted BM25 on the character-bigram field,
touching only the postings of the query terms; candidates get a boost from their title/section
context, a penalty when they are bare headings, and the best of them are re-ranked on their text
(query words adjacent, whole phrases present). Exact repeats of a sentence are shown once.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import re

import numpy as np

from assistant.records import Passage, Source
from assistant.search import reference
from assistant.search.index import SearchIndex, load_index
from assistant.search.normalize import fold, normalize
from assistant.search.query import ParsedQuery, QueryParser
from assistant.search.tokenizer import bigrams
from assistant.storage import Corpus

# Ranking weights, chosen on the dev evaluation set (see `python -m assistant eval`).
BIGRAM_WEIGHT = 0.5  # character-bigram field relative to the word field
CONTEXT_WEIGHT = 0.3  # title/section words relative to the sentence's own words
HEADING_FACTOR = 0.6  # a bare heading ranks below a body sentence that scores the same
ADJACENT_BONUS = 0.5  # share of the user's consecutive words found adjacent in the passage
PHRASE_BONUS = 0.3  # a whole run of the user's words found verbatim
NUMBER_BONUS = 0.3  # the question asks 多少/几/比例 and the passage holds a figure
RERANK_DEPTH = 50  # candidates re-ranked on their text
SUGGESTIONS = 5
_DIGIT = re.compile(r"[0-9]")


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
    def __init__(self, corpus: Corpus, index: SearchIndex) -> None:
        self.corpus = corpus
        self.index = index
        self.tokenizer = index.tokenizer()
        self.parser = QueryParser(self.tokenizer, index.synonyms, index.query_words)
        self._source_no = {sid: i for i, sid in enumerate(index.source_ids)}
        self._headings: dict[str, list[Passage]] | None = None
        self._n_contexts = int(index.passage_context.max(initial=-1)) + 1

    @classmethod
    def open(cls, db_path: Path | str) -> "Searcher":
        corpus = Corpus(db_path)
        return cls(corpus, load_index(corpus.db))

    # -- public API -------------------------------------------------------------------------

    def search(self, query: str, k: int = 10, offset: int = 0, source_id: str | None = None) -> Results:
        k, offset = max(k, 0), max(offset, 0)
        parsed = self.parser.parse(query)
        if parsed.source and source_id is None:
            source_id = self.resolve_source(parsed.source)
            if source_id is None:
                return Results(query=query)
        ref = self._reference(query, source_id)
        if ref is not None:
            passages = ref[offset : offset + k]
            return Results(query=query, hits=[self._hit(p, 1.0, ()) for p in passages], total=len(ref), kind="reference")
        if parsed.empty:
            return Results(query=query)
        cand, scores = self._candidates(parsed, source_id)
        matched = len(cand)
        depth = max(RERANK_DEPTH, offset + k)
        if matched > depth:
            top = np.argpartition(-scores, depth - 1)[:depth]
            cand, scores = cand[top], scores[top]
        ranked = self._rerank(parsed, cand, scores)
        total = matched - (len(cand) - len(ranked))  # minus candidates the text check rejected
        page = ranked[offset : offset + k]
        hits = [self._hit(p, s, terms) for p, (_, s, terms) in zip(self._fetch([r[0] for r in page]), page)]
        return Results(query=query, hits=hits, total=total)

    def suggest(self, query: str) -> list[str]:
        """Corpus terms related to the query (synonym expansions, dictionary words sharing its characters)."""
        parsed = self.parser.parse(query)
        content = "".join("".join(r) for r in parsed.runs) or normalize(query)
        words = self.index.fields["words"]
        out: dict[str, None] = {}
        for key, values in self.index.synonyms.items():
            if key in content or content in key:
                out.update((v, None) for v in values if words.df(v) or self._bigram_df(v))
        grams = set(bigrams(content))
        scored = []
        for w in self.index.user_words:
            shared = len(grams & set(bigrams(w)))
            if shared and w != content and words.df(w):
                scored.append((-shared, -words.df(w), w))
        out.update((w, None) for *_, w in sorted(scored))
        out.pop(content, None)
        return list(out)[:SUGGESTIONS]

    def resolve_source(self, name: str) -> str | None:
        """A source id from its id, 简称 or title words (best match, None when nothing fits)."""
        best = max(self.corpus.sources(), key=lambda s: reference.source_match(normalize(name), _normalized(s)), default=None)
        if best is None or reference.source_match(normalize(name), _normalized(best)) < 0.5:
            return None
        return best.id

    # -- scoring ----------------------------------------------------------------------------

    def _candidates(self, q: ParsedQuery, source_id: str | None) -> tuple[np.ndarray, np.ndarray]:
        idx = self.index
        acc = np.zeros(idx.size, dtype=np.float32)
        for name, terms, scale in (("words", q.words, 1.0), ("bigrams", q.bigrams, BIGRAM_WEIGHT)):
            f = idx.fields[name]
            for term, weight in terms.items():
                post = f.postings(term)
                if post is not None:
                    acc[post[0]] += (scale * weight) * post[1]
        cand = np.flatnonzero(acc)
        if source_id is not None:
            sno = self._source_no.get(source_id, -1)
            cand = cand[idx.passage_source[cand] == sno]
            cand = cand[~idx.dup_in_source[cand]]
        else:
            cand = cand[~idx.dup_global[cand]]
        for phrase in q.phrases:
            cand = cand[self._has_all_bigrams(cand, phrase)]
        for word in q.excluded:
            cand = cand[~self._has_all_bigrams(cand, word)]
        scores = acc[cand]
        if q.context:
            ctx = np.zeros(self._n_contexts, dtype=np.float32)
            cf = idx.fields["context"]
            for term, weight in q.context.items():
                post = cf.postings(term)
                if post is not None:
                    ctx[post[0]] += weight * post[1]
            scores = scores + CONTEXT_WEIGHT * ctx[idx.passage_context[cand]]
        scores = np.where(idx.is_heading[cand], scores * HEADING_FACTOR, scores)
        return cand, scores

    def _has_all_bigrams(self, cand: np.ndarray, text: str) -> np.ndarray:
        mask = np.ones(len(cand), dtype=np.bool_)
        f = self.index.fields["bigrams"]
        for gram in set(bigrams(text)):
            post = f.postings(gram)
            if post is None:
                return np.zeros(len(cand), dtype=np.bool_)
            mask &= np.isin(cand, post[0], assume_unique=True)
        return mask

    def _rerank(self, q: ParsedQuery, cand: np.ndarray, scores: np.ndarray) -> list[tuple[str, float, tuple[str, ...]]]:
        """(passage id, score, matched words) of the candidates that pass the text checks, best first."""
        ids = [self.index.passage_ids[i] for i in cand]
        texts = dict(self.corpus.db.conn.execute(f"select id, text from passages where id in ({','.join('?' * len(ids))})", ids).fetchall())
        out = []
        for pid, base in zip(ids, scores.tolist()):
            text = fold(texts[pid])
            if any(ph not in text for ph in q.phrases) or any(w in text for w in q.excluded):
                continue
            out.append((pid, base * (1 + self._text_bonus(q, text)), tuple(w for w in q.highlight if w in text)))
        out.sort(key=lambda x: -x[1])
        return out

    @staticmethod
    def _text_bonus(q: ParsedQuery, text: str) -> float:
        """Query words adjacent in the passage (in query order, across dropped scaffolding), a whole
        run of the user's words verbatim, and a number when the question asks for a quantity."""
        words = [w for run in q.runs for w in run]
        pairs = list(zip(words, words[1:]))
        adjacent = sum((a + b) in text for a, b in pairs) / len(pairs) if pairs else 0.0
        phrase = any(len(run) > 1 and "".join(run) in text for run in q.runs)
        number = q.wants_number and _DIGIT.search(text) is not None
        return ADJACENT_BONUS * adjacent + PHRASE_BONUS * phrase + NUMBER_BONUS * number

    # -- reference lookup -------------------------------------------------------------------

    def _reference(self, query: str, source_id: str | None) -> list[Passage] | None:
        ref = reference.parse_reference(normalize(query))
        if ref is None:
            return None
        if source_id is not None:
            candidates = [s for s in self.corpus.sources() if s.id == source_id]
        else:
            scored = [(reference.source_match(ref.source_text, _normalized(s)), s) for s in self.corpus.sources()]
            best = max((m for m, _ in scored), default=0.0)
            candidates = [s for m, s in scored if m >= 0.6 and m == best]
        for source in candidates:
            headings = self._source_headings().get(source.id, [])
            heading = reference.item_passages(headings, ref.numbers)
            if heading is not None:
                return reference.under(heading, self.corpus.passages(source.id))
        return None

    def _source_headings(self) -> dict[str, list[Passage]]:
        if self._headings is None:
            self._headings = {}
            for p in self._query_passages("is_heading = 1 order by source_id, seq", []):
                self._headings.setdefault(p.source_id, []).append(p)
        return self._headings

    # -- fetching ---------------------------------------------------------------------------

    def _fetch(self, ids: list[str]) -> list[Passage]:
        if not ids:
            return []
        rows = {p.id: p for p in self._query_passages(f"id in ({','.join('?' * len(ids))})", ids)}
        return [rows[i] for i in ids]

    def _query_passages(self, where: str, args: list) -> list[Passage]:
        cur = self.corpus.db.conn.execute(
            f"select id, source_id, seq, para, section, text, is_heading from passages where {where}", args
        )
        return [
            Passage(id=r[0], source_id=r[1], seq=r[2], para=r[3], section=tuple(json.loads(r[4])), text=r[5],
                    is_heading=bool(r[6]))
            for r in cur
        ]

    def _hit(self, p: Passage, score: float, terms: tuple[str, ...]) -> Hit:
        return Hit(p, self.corpus.source(p.source_id), float(score), terms)


def _normalized(source: Source) -> Source:
    return Source(id=source.id, title=normalize(source.title), short=normalize(source.short))
