"""The search entry point used by the CLI, the chat core and the study features.

A query is parsed (query.py), checked for a reference to a numbered item (reference.py), then scored
against the stored index: BM25 on the word field plus weighted BM25 on the character-bigram field
(query terms weighted by idf^IDF_SHARPEN, expansions below the user's words), touching only the
postings of the query terms; candidates get a boost from their title/section context, a penalty
when they are bare headings, and the best of them are re-ranked on their text (query words
adjacent, whole runs of them verbatim, a figure when the question asks 多少) and scaled by how much of
the idf mass of the user's words the sentence or its title/section covers (a named term counting
double), so a sentence on the rare, specific word beats one on a generic word. Exact repeats of a
sentence are shown once. A question's hit that only echoes the asked words is demoted, and a
definition question (是啥) prefers the passage naming the term in “…”. Each constant below was kept
because the dev evaluation measured a gain without lowering the total over dev and the held-out
sets (tests/data/heldout.jsonl, heldout2.jsonl).
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from assistant.records import Passage, Source
from assistant.search import reference
from assistant.search.index import SearchIndex, load_index
from assistant.search.normalize import fold, fold_words, normalize
from assistant.search.query import ParsedQuery, QueryParser
from assistant.search.tokenizer import bigrams
from assistant.storage import Corpus, explained

# Ranking weights, chosen on the dev evaluation set (see `python -m assistant eval`), checked on held-out queries.
BIGRAM_WEIGHT = 0.5  # character-bigram field relative to the word field
CONTEXT_WEIGHT = 0.3  # title/section words relative to the sentence's own words
HEADING_FACTOR = 0.6  # a bare heading ranks below a body sentence that scores the same
ADJACENT_BONUS = 0.5  # share of the user's consecutive words found adjacent in the passage
PHRASE_BONUS = 0.3  # a whole run of the user's words found verbatim
NUMBER_BONUS = 0.3  # the question asks 多少/几/比例 and the passage holds a figure
IDF_SHARPEN = 0.5  # query terms weighted by idf**this on top of BM25: the rarest word is the topic
RERANK_DEPTH = 20  # candidates re-ranked on their text; later pages follow in score order
COMMON_SHARE = 0.01  # a term in more passages than this share (and the rarest typed word) only adds to scores
SHORTLIST = 100  # best passages by distinctive terms that common terms, context and headings refine
REFERENCE_LIMIT = 1000  # passages read after a referenced heading, at most
COVERAGE_FLOOR = 0.5  # a candidate covering none of the idf mass of the user's words keeps this share
TERM_WEIGHT = 2.0  # a named term (quoted slogan, curated word) counts this much more than a plain word
QUOTE_BONUS = 0.3  # a definition question (是啥): share of its words the passage names in “…”, stating the term
ECHO_CHARS = 6  # a question's hit adding fewer characters than this to the asked words only echoes them …
ECHO_FACTOR = 0.7  # … and keeps this share of its score (一要健全为民办实事长效机制 vs the mechanism itself)
ANSWERED_DEPTH = 3  # the query counts as answered when one of this many top hits …
ANSWERED_COVERAGE = 0.75  # … covers this share of the idf mass of its words (sentence, title or section)
SUGGESTIONS = 5
_DIGIT = re.compile(r"[0-9]")
_CONTENT = re.compile(r"[\u3400-\u9fffa-z0-9]")
_QUOTED = re.compile(r"“([^“”]{1,30})”")


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
    kind: str = "search"  # "search"; "reference" when the query named a numbered item; "choice" when it named
    # an item (第31条) but no document: hits are that item's heading in each document that has it
    # Whether the top hits answer the query (its key concepts found together); False is when the product
    # says there is no direct answer and shows the nearest quotes.
    answered: bool = False


class Searcher:
    def __init__(self, corpus: Corpus, index: SearchIndex) -> None:
        self.corpus = corpus
        self.index = index
        self.tokenizer = index.tokenizer()
        self.parser = QueryParser(self.tokenizer, index.synonyms, index.query_words)
        self._source_no = {sid: i for i, sid in enumerate(index.source_ids)}
        self._headings: dict[str, list[Passage]] | None = None
        self._contexts: dict[tuple[str, str], str] = {}  # (source id, section JSON) → title + section text
        self._names = {s.id: _normalized(s) for s in corpus.sources()}  # for matching 简称/title words
        self._n_contexts = int(index.passage_context.max(initial=-1)) + 1
        self._first_anywhere = ~index.dup_global  # exact repeats are shown once
        self._first_in_source = ~index.dup_in_source

    @classmethod
    def open(cls, db_path: Path | str) -> "Searcher":
        corpus = Corpus(db_path)
        with explained(corpus.path):
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
            kind, found = ("choice", ref.choices) if ref.choices else ("reference", ref.passages)
            hits = [self._hit(p, 1.0, ()) for p in found[offset : offset + k]]
            return Results(query=query, hits=hits, total=len(found), kind=kind, answered=bool(hits))
        if parsed.empty:
            return Results(query=query)
        cand, scores, matched = self._candidates(parsed, source_id, max(SHORTLIST, offset + k))
        # One global order for every page: the best RERANK_DEPTH re-ranked on their text, then the rest
        # by score. (Re-ranking a page-dependent number would let page 2 disagree with page 1.)
        head = min(len(cand), RERANK_DEPTH)
        top = _best(scores, min(len(cand), max(head, offset + k)))
        ranked = self._rerank(parsed, cand[top[:head]], scores[top[:head]])
        if offset + k > len(ranked) and len(top) > head:
            ranked += self._rerank(parsed, cand[top[head:]], scores[top[head:]], rescore=False)
        total = matched - (len(top) - len(ranked))  # minus candidates the text check rejected
        page = ranked[offset : offset + k]
        hits = [self._hit(_passage(row), s, tuple(w for w in parsed.highlight if w in text)) for row, s, text, _ in page]
        answered = any(cover >= ANSWERED_COVERAGE for *_, cover in ranked[:ANSWERED_DEPTH])
        return Results(query=query, hits=hits, total=total, answered=answered)

    def suggest(self, query: str) -> list[str]:
        """Corpus terms related to the query, for a “nothing found” reply: expansions of abbreviations it
        contains, then dictionary terms sharing its character pairs (most shared, most frequent first)."""
        parsed = self.parser.parse(query)
        content = "".join(w for run in parsed.runs for w in run)
        if not content:
            return []
        out: dict[str, None] = {}
        for key, values in self.index.synonyms.items():
            if key in content or (len(content) > 1 and content in key):
                out.update((v, None) for v in values if self._in_corpus(v))
        words = self.index.fields["words"]
        grams = set(bigrams(content))
        scored = []
        for w in self.index.user_words:
            shared = len(grams & set(bigrams(w)))
            if shared and w != content and words.df(w):
                scored.append((-shared, -words.df(w), w))
        out.update((w, None) for *_, w in sorted(scored))
        out.pop(content, None)
        return list(out)[:SUGGESTIONS]

    def _in_corpus(self, text: str) -> bool:
        return bool(self.index.fields["words"].df(text)) or bool(self._has_all_bigrams(text).any())

    def resolve_source(self, name: str) -> str | None:
        """A source id from its id, 简称 or title words (best match, None when nothing fits)."""
        name = normalize(name)
        scored = [(reference.source_match(name, s), s.id) for s in self._names.values()]
        score, best = max(scored, default=(0.0, None))
        return best if score >= 0.5 else None

    # -- scoring ----------------------------------------------------------------------------

    def _candidates(self, q: ParsedQuery, source_id: str | None, shortlist: int) -> tuple[np.ndarray, np.ndarray, int]:
        """Matching passage numbers and their scores before re-ranking.

        A passage matches when it holds a distinctive query term: one found in at most COMMON_SHARE of
        all passages, or no more often than the rarest word the user typed (so a rare expansion never
        narrows a query made of common words). Common terms only add to the scores of
        the `shortlist` best matches (at least the page asked for), looked up by binary search, so a
        query never walks their long postings; title/section context and the heading penalty are applied to those too.
        Returns (passage numbers, scores, how many passages match in all).
        """
        idx = self.index
        postings = []
        for name, terms, scale in (("words", q.words, 1.0), ("bigrams", q.bigrams, BIGRAM_WEIGHT)):
            f = idx.fields[name]
            for term, weight in terms.items():
                post = f.postings(term)
                if post is not None:
                    sharpen = math.log((idx.size + 1) / (len(post[0]) + 0.5)) ** IDF_SHARPEN
                    postings.append((post[0], post[1], scale * weight * f.scale * sharpen, term in q.own))
        limit = max(COMMON_SHARE * idx.size, min((len(p[0]) for p in postings if p[3]), default=idx.size))
        rare = [p for p in postings if len(p[0]) <= limit]
        common = [p for p in postings if len(p[0]) > limit] if len(rare) < len(postings) else []
        if not rare:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32), 0
        acc = np.bincount(
            np.concatenate([p[0] for p in rare]), np.concatenate([p[1] * p[2] for p in rare]), minlength=idx.size
        )
        mask = acc > 0
        if source_id is not None:
            mask &= idx.passage_source == self._source_no.get(source_id, -1)
            mask &= self._first_in_source
        else:
            mask &= self._first_anywhere
        for phrase in q.phrases:
            mask &= self._has_all_bigrams(phrase)
        for word in q.excluded:
            mask &= ~self._has_all_bigrams(word)
        cand = np.nonzero(mask)[0]
        total = len(cand)
        scores = acc[cand]
        if len(cand) > shortlist:  # the rest cannot climb into the page: common terms and context add little
            top = np.sort(np.argpartition(scores, len(cand) - shortlist)[-shortlist:])  # sorted: faster lookups
            cand, scores = cand[top], scores[top]
        keys = cand.astype(np.int32)  # the postings' dtype: searchsorted would otherwise copy each posting list
        for docs, weights, factor, _own in common:
            pos = np.searchsorted(docs, keys)
            found = docs.take(pos, mode="clip") == keys
            scores[found] += factor * weights[pos[found]]
        if q.context:
            ctx = np.zeros(self._n_contexts)
            cf = idx.fields["context"]
            for term, weight in q.context.items():
                post = cf.postings(term)
                if post is not None:
                    ctx[post[0]] += (weight * cf.scale) * post[1]
            scores += CONTEXT_WEIGHT * ctx[idx.passage_context[cand]]
        scores[idx.is_heading[cand]] *= HEADING_FACTOR
        return cand, scores, total

    def _has_all_bigrams(self, text: str) -> np.ndarray:
        """Mask of the passages holding every bigram of `text` (the index-side test for “…” and -词)."""
        grams = set(bigrams(text))
        f = self.index.fields["bigrams"]
        lists = [f.postings(g) for g in grams]
        if not grams or any(p is None for p in lists):
            return np.zeros(self.index.size, dtype=np.bool_)
        counts = np.bincount(np.concatenate([p[0] for p in lists]), minlength=self.index.size)
        return counts == len(grams)

    def _rerank(
        self, q: ParsedQuery, cand: np.ndarray, scores: np.ndarray, rescore: bool = True
    ) -> list[tuple[tuple, float, str, float]]:
        """(database row, score, folded text, share of the query's concepts covered) of the candidates that pass the text checks, best first
        (in the given order, scores unchanged, when not `rescore`).

        Bonuses: the user's consecutive words adjacent in the passage (in query order, across dropped
        scaffolding), a whole run of the user's words verbatim, a figure when the question asks for one.
        """
        rows = self.index.passage_rows[cand].tolist()
        found = {r[0]: r for r in self._execute(f"{_SELECT} where rowid in ({','.join('?' * len(rows))})", rows)}
        # found[row][6] is the text; the full row becomes a Passage only if it is shown
        concepts = self._concept_weights(q) if rescore else []
        total_weight = sum(w for _, w in concepts)
        words = [w for run in q.runs for w in run]
        pairs = [a + b for a, b in zip(words, words[1:])]
        runs = ["".join(run) for run in q.runs if len(run) > 1]
        strict = bool(q.phrases or q.excluded)  # these compare punctuation too
        out = []
        for row, base in zip(rows, scores.tolist()):
            raw = found[row][6]
            text = fold(raw) if strict else fold_words(raw)
            if strict and (any(ph not in text for ph in q.phrases) or any(w in text for w in q.excluded)):
                continue
            if not rescore:
                out.append((found[row], base, text, 0.0))
                continue
            bonus = ADJACENT_BONUS * sum(p in text for p in pairs) / len(pairs) if pairs else 0.0
            if any(r in text for r in runs):
                bonus += PHRASE_BONUS
            if q.wants_number and _DIGIT.search(text):
                bonus += NUMBER_BONUS
            if q.wants_definition and total_weight and "“" in text:
                quoted = "".join(_QUOTED.findall(text))
                named = sum(w for variants, w in concepts if any(v in quoted for v in variants))
                bonus += QUOTE_BONUS * named / total_weight
            score = base * (1 + bonus)
            share = 1.0
            if total_weight:
                context = self._context_text(found[row])
                covered = sum(w for variants, w in concepts if any(v in text or v in context for v in variants))
                share = covered / total_weight
                score *= COVERAGE_FLOOR + (1 - COVERAGE_FLOOR) * share
                if q.is_question:
                    present = [v for variants, _ in concepts for v in variants if v in text]
                    if _new_characters(text, present) < ECHO_CHARS:
                        score *= ECHO_FACTOR
            out.append((found[row], score, text, share))
        if rescore:
            out.sort(key=lambda x: -x[1])
        return out

    def _concept_weights(self, q: ParsedQuery) -> list[tuple[tuple[str, ...], float]]:
        """The query's concepts with their idf: the word's own, or (not an indexed word) the idf of its
        rarest character pair, since the phrase is at most as common as that pair."""
        words, grams = self.index.fields["words"], self.index.fields["bigrams"]
        n = self.index.size
        out = []
        for variants in q.concepts:
            df = words.df(variants[0]) or min((grams.df(g) for g in bigrams(variants[0])), default=0)
            weight = math.log((n + 1) / (df + 0.5))
            if variants[0] in self.index.user_words:
                weight *= TERM_WEIGHT
            out.append((variants, weight))
        return out

    def _context_text(self, row: tuple) -> str:
        """The title and section path of a database row: the words a sentence inherits from them."""
        key = (row[2], row[5])
        text = self._contexts.get(key)
        if text is None:
            text = self._contexts[key] = self._names[row[2]].title + "".join(json.loads(row[5]))
        return text

    # -- reference lookup -------------------------------------------------------------------

    def _reference(self, query: str, source_id: str | None) -> reference.Lookup | None:
        return reference.lookup(
            query, list(self._names.values()), lambda sid: self._source_headings().get(sid, []),
            lambda heading: self._query_passages(
                f"source_id = ? and seq >= ? order by seq limit {REFERENCE_LIMIT}", [heading.source_id, heading.seq]
            ),
            source_id,
        )

    def _source_headings(self) -> dict[str, list[Passage]]:
        """Per source, the passages a reference can land on: headings, and the first passage of a section
        that has no heading passage (a regulation's article: 第十条 is structure only)."""
        if self._headings is None:
            self._headings = {}
            seen: set[tuple] = set()
            for p in self._query_passages("1 order by source_id, seq", []):
                key = (p.source_id, p.section)
                if p.is_heading or (p.section and key not in seen):
                    self._headings.setdefault(p.source_id, []).append(p)
                seen.add(key)
        return self._headings

    # -- fetching ---------------------------------------------------------------------------

    def _query_passages(self, where: str, args: list) -> list[Passage]:
        return [_passage(r) for r in self._execute(f"{_SELECT} where {where}", args)]

    def _execute(self, sql: str, args: list):
        return self.corpus.db.conn.execute(sql, args).fetchall()

    def _hit(self, p: Passage, score: float, terms: tuple[str, ...]) -> Hit:
        return Hit(p, self.corpus.source(p.source_id), float(score), terms)


def _new_characters(text: str, words: list[str]) -> int:
    """How many content characters the text holds beyond `words`."""
    for w in sorted(words, key=len, reverse=True):
        text = text.replace(w, "")
    return len(_CONTENT.findall(text))


def _best(scores: np.ndarray, n: int) -> np.ndarray:
    """Positions of the `n` highest scores, highest first."""
    if n <= 0:
        return np.empty(0, dtype=np.int64)
    top = np.argpartition(-scores, n - 1)[:n] if n < len(scores) else np.arange(len(scores))
    return top[np.argsort(-scores[top], kind="stable")]


_SELECT = "select rowid, id, source_id, seq, para, section, text, is_heading from passages"


def _passage(r: tuple) -> Passage:
    """A Passage from a row of _SELECT."""
    return Passage(id=r[1], source_id=r[2], seq=r[3], para=r[4], section=tuple(json.loads(r[5])), text=r[6],
                   is_heading=bool(r[7]))


def _normalized(source: Source) -> Source:
    return Source(id=source.id, title=normalize(source.title), short=normalize(source.short))
