"""The search entry point used by the CLI, the chat core and the study features.

A query is parsed (query.py: words, expansions, intent, year), checked for a reference to a numbered
item (reference.py), then scored: s = BM25 on the word field plus weighted BM25 on the
character-bigram field (query terms weighted by idf^IDF_SHARPEN, expansions below the user's words),
times the ranking features' multiplier (ranking.py: coverage, adjacency, intent, year, authority …).
candidates.py returns the exact top k of that score with MaxScore pruning: no query word is dropped
and the page equals scoring every passage that shares a term with the query. Exact repeats of a
sentence are shown once; `@简称` keeps one source, `@文件` (a group in corpus/ranking.toml) some kinds.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache, partial, reduce
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from assistant.records import HEADNOTE, Passage, Source
from assistant.search import reference
from assistant.search.bm25 import Field
from assistant.search.crossrefs import Document, Row, cited, names_provisions, provisions
from assistant.search.candidates import ADMITTED, MAX_BITS, TermList, TopK, best_first, count_matches, top_k
from assistant.search.index import SearchIndex, load_index
from assistant.search.normalize import fold, normalize, strip_markup
from assistant.search.numerals import to_chinese
from assistant.search.query import ParsedQuery, QueryParser
from assistant.search.answered import ANSWERED_DEPTH, Answerer, TopPassage, load_model, quotes
from assistant.search.places import bound_places, place_names
from assistant.search.everyday import is_everyday
from assistant.ingest.lists import CLAUSE_CUT, LEAD_REACH, LIST_ITEM, lead_in, lead_span, list_after
from assistant.search.ranking import FIGURE, SANCTION, PassageTable, QueryRanker, cosine_scale, defined_term, load_weights, passage_flags
from assistant.search.reference import ITEM_UNITS
from assistant.search.slogans import count_and_word
from assistant.search.tokenizer import bigrams
from assistant.search import vectors
from assistant.storage import Corpus, explained

BIGRAM_WEIGHT = 0.5  # character-bigram field relative to the word field
CITED_WEIGHT = 0.5  # the words of the provisions a passage names, relative to its own, for a question on a penalty
IDF_SHARPEN = 0.5  # query terms weighted by idf**this on top of BM25: the rarest word is the topic
NAMED_THRESHOLD = 0.5  # how well words must name a source to resolve to it (reference.source_match)
SHORTLIST = 10  # the page is cut from the exact top max(SHORTLIST, offset + k)
TOTAL_CAP = 100  # `total` counts matches up to this many: a total of TOTAL_CAP means "this many or more"
REFERENCE_LIMIT = 1000  # passages read after a referenced heading, at most
ROW_CACHE = 8192  # passage rows kept (~4 MB): the cache starts again when it holds more
TERM_CACHE = 16384  # terms kept with their postings (_term): the cache starts again when it holds more
TERM_CACHE_POSTINGS = 1 << 22  # … or more postings than this (their documents are expanded copies: ≤ 32 MB)
CITED_CACHE = 1024  # passages kept with the provisions they name (_cited)
SOURCE_ROWS = 16384  # passages of whole sources kept for resolving what a passage cites (_document; ~8 MB)
SUGGESTIONS = 5
MIN_TITLE = 4  # characters of a title or 简称 that scope a query naming it (_titled) …
MIN_TITLE_REST = 2  # … when this many characters of it are left to search for
_CJK = re.compile(r"[\u4e00-\u9fff]")
RESPELT_KEY = 12  # longest mined key a query is respelt by (a declared 简称 has at most 12 characters)
# A query sharing no word with any passage is shown the passages nearest it in meaning, at most this far (the
# dissimilar feature: 0 a near-paraphrase, 1 a typical unrelated pair). 93 % of the answering passages of the tuning
# questions lie within it; chit-chat does not (今天天气怎么样 is 0.9 from everything in a regulation on green spaces,
# 弄坏了公园草地怎么办 0.5 from its 损坏城市绿地的…).
NEAREST = 0.6
_YEAR = re.compile(r"((?:19|20)\d\d)")
_SYNTAX = re.compile(r"(?:^|\s)[@-]\S+")  # a query's source (@简称, @文件) and excluded words (-排除)


@dataclass(frozen=True)
class Hit:
    passage: Passage
    source: Source
    score: float
    terms: tuple[str, ...] = ()  # query words present in the passage, for highlighting
    lead: str = ""  # a list item's lead-in, shown before it ("……" ending it when items lie between; ingest.lists)
    list: str = ""  # a lead-in's first items, shown after it ("……" ending it when more follow)
    # the provisions of its document the passage names by number, each (第二十二条第六项, its text): crossrefs.cited
    cited: tuple[tuple[str, str], ...] = ()
    item: Passage | None = None  # the list item shown after the lead-in clause that is the hit (_penalty_first)

    @property
    def list_item(self) -> Passage | None:
        """The list item the quote ends with: the passage itself after its lead-in, or the item after the
        lead-in's clause stating a penalty; None when the quote does not end with an item."""
        return self.item or (self.passage if self.lead and LIST_ITEM.match(self.passage.text) else None)


@dataclass
class Results:
    query: str
    hits: list[Hit] = field(default_factory=list)
    # passages the query can return (holding a query word or character pair, passing its filters), counted
    # up to TOTAL_CAP (a reference: the passages of the item); what paging may reach, shown as 共 N 处
    total: int = 0
    kind: str = "search"  # "search"; "reference" when the query named a numbered item; "choice" when it named
    # an item (第31条) but no document: hits are that item's heading in each document that has it
    # Whether the top hits answer the query (its key concepts found together); False is when the product
    # says there is no direct answer and shows the nearest quotes.
    answered: bool = False
    answer_score: float = 0.0  # what `answered` thresholds: the logit of answered.AnswerModel
    answer_features: tuple[float, ...] = ()  # its inputs (answered.ANSWER_FEATURES), for fitting and explaining
    # when not answered: what the question asks of that the top passages do not concern (a place their documents do
    # not name, a clause of a compound question none of them answers)
    untouched: tuple[str, ...] = ()
    missing: str = ""  # a numbered item asked of a document that has none such (物业管理条例第七十条), as asked
    held: str = ""  # how many of that item's unit the document named has (共六十七条): why it has none such

    @property
    def capped(self) -> bool:
        """`total` stopped counting at TOTAL_CAP: there may be more (shown as 共 100+ 处)."""
        return self.kind == "search" and self.total >= TOTAL_CAP


class Searcher:
    def __init__(self, corpus: Corpus, index: SearchIndex, semantic: bool = True) -> None:
        self.corpus = corpus
        self.index = index
        self.tokenizer = index.tokenizer()
        sources = {s.id: s for s in corpus.sources()}
        years = [_year(sources[sid]) if sid in sources else 0 for sid in index.source_ids]
        self.parser = QueryParser(self.tokenizer, index.synonyms, index.query_words,
                                  newest_year=_this_year(index, years), related=index.related,
                                  terms=index.terms, holds=partial(_held, index.fields["words"], index.fields["bigrams"]))
        self._source_no = {sid: i for i, sid in enumerate(index.source_ids)}
        self._kinds = np.array([sources[sid].kind if sid in sources else "" for sid in index.source_ids], dtype=object)
        self._outlines: dict[str, reference.Outline] = {}  # per source, its numbered places (_outline)
        self._divisions: dict[str, list[reference.Division]] | None = None  # chapters by title (_titled_division)
        self._division_names: frozenset[str] | None = None  # their titles, from the contexts (_titled_division)
        self._row_cache: dict[int, tuple[tuple, str]] = {}  # see _rows
        # the rows shown as hits, read into Passages once, with what a hit of each shows around it (_around)
        self._passages: dict[int, tuple[Passage, tuple[Source, str, str, tuple[tuple[str, str], ...]]]] = {}
        self._cited_cache: dict[str, tuple[tuple[str, str], ...]] = {}  # see _cited
        self._documents: dict[str, Document] = {}  # see _document
        self._terms: dict[tuple[str, str], tuple[np.ndarray, np.ndarray, float, int]] = {}  # see _term
        self._term_postings = 0  # postings held by self._terms
        self._names = {sid: _normalized(s) for sid, s in sources.items()}  # for matching 简称/title words
        names = {n for s in self._names.values() for n in (s.title, s.short) if len(n) >= MIN_TITLE}
        # titles and 简称 as one pattern, longest first (_titled): one pass over a query, whatever the corpus's size
        self._title_names = re.compile("|".join(map(re.escape, sorted(names, key=len, reverse=True))) or "(?!)")
        self._first_anywhere = ~index.dup_global  # exact repeats are shown once
        self._first_in_source = ~index.dup_in_source
        # a document's history lines (题注: …会议通过, …修正), searched only by a query mentioning such an event
        # (reference.mentions_history): else a place or year they name puts them first (威海哪家大排档好吃)
        history = np.array([c.endswith(normalize(HEADNOTE)) for c in index.contexts], dtype=np.bool_)
        history = history[index.passage_context] if len(history) else np.zeros(index.size, dtype=np.bool_)
        self._text_anywhere, self._text_in_source = self._first_anywhere & ~history, self._first_in_source & ~history
        # sentence vectors, when the corpus is embedded and the model installed (vectors.py): ranking by meaning too
        self.vectors = vectors.load(corpus.conn, index.passage_rows) if semantic else None
        self.encoder = vectors.encoder() if self.vectors is not None else None
        self.semantic = self.encoder is not None
        self.weights = load_weights(semantic=self.semantic)
        self.answer_model = load_model(semantic=self.semantic)
        self.cosine_scale = cosine_scale() if self.semantic else (0.0, 1.0)
        self.sentence_scale = cosine_scale(entry="sentence_cosine") if self.semantic else (0.0, 1.0)
        bound = tuple(bound_places(sources[sid].title, sources[sid].kind, index.ranking.home) if sid in sources
                      else frozenset() for sid in index.source_ids)
        self.table = table = PassageTable(
            words=index.fields["words"], bigrams=index.fields["bigrams"], flags=index.flags,
            is_heading=index.is_heading,
            context_of=index.passage_context.astype(np.intp), contexts=index.contexts, source_of=index.passage_source,
            source_year=np.array(years, dtype=np.int32),
            source_prior=np.array([index.ranking.prior(k) for k in self._kinds], dtype=np.float64),
            size=index.size, user_words=frozenset(index.user_words), places=place_names(), bound=bound,
        )
        # (the share reads the table, not the searcher: no reference cycle keeps a replaced corpus alive)
        self.answerer = Answerer([normalize(f"{sources[sid].title} {sources[sid].short}") if sid in sources else ""
                                  for sid in index.source_ids], sorted({s.kind for s in sources.values()}), bound,
                                 lambda word: float(table.sources_holding(word).mean()), index.ranking.home)

    @classmethod
    def open(cls, db_path: Path | str, semantic: bool = True) -> "Searcher":
        """The searcher of a corpus database; `semantic=False` ranks by words alone even when it is embedded."""
        corpus = Corpus(db_path)
        with explained(corpus.path):
            return cls(corpus, load_index(corpus.conn), semantic)

    # -- public API -------------------------------------------------------------------------

    def search(self, query: str, k: int = 10, offset: int = 0, source_id: str | None = None) -> Results:
        k, offset = max(k, 0), max(offset, 0)
        query = strip_markup(query)
        parsed = self.parser.parse(query)
        kinds = None
        if parsed.source and source_id is None:
            kinds = self.index.ranking.groups.get(parsed.source)
            if kinds is None:
                source_id = self.resolve_source(parsed.source)
                if source_id is None:
                    return Results(query=query)
        history = self._history(query, source_id)
        if history:  # a document's history lines (…会议通过, …修正), asked when it was passed or amended
            hits = [self._hit(p, 1.0, ()) for p in history[offset : offset + k]]
            answered = reference.history_answers(query, [p.text for p in history])
            return Results(query=query, hits=hits, total=len(history), kind="reference", answered=answered)
        ref = self._reference(query, source_id)
        if ref is not None:
            kind, found = ("choice", ref.choices) if ref.choices else ("reference", ref.passages)
            item = self._hit(found[0], 1.0, ()) if found else None
            # 杭州养犬条例第十条 finds 上海市养犬管理条例's article, 居住证暂行条例第二章 its 第二条: not what was asked
            answered = (item is not None and ref.complete and self.answerer.names_places_of(parsed, normalize(item.source.title))
                        and (kind == "choice" or reference.holds_divisions(ref.asked, found[0].section))
                        and reference.version_held(query, item.source))
            if kind == "reference" and found and parsed.wants_sanction and ref.asked and ref.asked.units[:1] == ("条",):
                found = [*self._penalties_citing(found[0].source_id, ref.asked.numbers[0], found), *found]
            hits = [self._hit(p, 1.0, ()) for p in found[offset : offset + k]]
            # 第200条: no document has it; 居住证暂行条例第三章: its 第三条 is shown, the chapter is missing (不分章)
            lacking = not found or kind == "reference" and not reference.holds_divisions(ref.asked, found[0].section)
            asked = reference.parse_reference(normalize(query)) if lacking else None
            missing = reference.item_named(asked, normalize(query)) if asked else ""
            held = self._held(found[0].source_id, asked.units) if missing and found else ""
            return Results(query=query, hits=hits, total=len(found), kind=kind, answered=answered,
                           untouched=(missing,) if found and missing else (), missing=missing, held=held)
        if parsed.empty:
            return Results(query=query)
        if source_id is None and kinds is None and (titled := self._titled(query)) is not None:
            source_id, parsed = titled[0], self.parser.parse(titled[1], whole=query)
        lists, gram_bits = self.term_lists(parsed)
        ranker = QueryRanker(parsed, self.table, self.weights, gram_bits, self.meaning(query))
        allowed, among = self._filter(parsed, source_id, kinds)
        ranked = partial(self._ranked, query, parsed, lists, allowed, source_id, kinds, offset == 0)
        top, spelled = ranked(ranker, max(SHORTLIST, offset + k), among)
        # a document named, none of its passages holding a word asked: those fitting what is asked (its penalties),
        # by meaning too when embedded; asking nothing else, its first passages (爱国主义教育法第五十条 of a law of 40
        # articles: the law, not nothing)
        fitting = source_id is not None
        nearest = (not len(top.docs) and not (parsed.phrases or parsed.excluded)
                   and (ranker.meaning is not None or fitting))
        if nearest:  # no passage shares a word with it: the nearest, shown as such, never as an answer
            n = max(SHORTLIST, offset + k)
            top = (_fitting(ranker, np.flatnonzero(allowed(np.arange(self.index.size))), n) if fitting
                   else _nearest(self._judging(ranker.meaning), allowed, n))
        page = top.docs[offset : offset + k]
        judged = top if nearest or not len(page) else self._judged(top, ranker, ranked)
        rows = self._rows(np.array(sorted({*page.tolist(), *judged.docs[:ANSWERED_DEPTH].tolist()}), dtype=np.int64))
        hits = []
        for doc, score in zip(page.tolist(), top.scores[offset : offset + k].tolist()):
            row, text = rows[doc]
            shown = self._passages.get(doc)
            if shown is None:
                passage = _passage(row)
                shown = self._passages[doc] = (passage, self._around(passage))
            hits.append(Hit(shown[0], shown[1][0], float(score), tuple(w for w in parsed.highlight if w in text),
                            *shown[1][1:]))
        if parsed.wants_sanction and hits and offset == 0:
            hits[0] = self._penalty_first(hits[0], parsed.highlight)
        # a numbered item (第五十条) no document has is asked about: what is shown cannot be it. (Not one a pasted
        # clause names as its own document's: 违反本条例第二十二条规定的 quotes a penalty, it asks for no article.)
        asked_item = ((r := reference.parse_reference(normalize(query))) is not None and r.units[0] in ITEM_UNITS
                      and not provisions(normalize(query)) and reference.item_asked(r, self._names.values()))
        score, x, checked = -math.inf, None, []
        if hits and not asked_item and not nearest:
            checked = self._top_passages(judged.docs[:ANSWERED_DEPTH], rows, parsed.wants_sanction)
            x = self._answer_features(parsed, ranker, checked, judged.scores[:ANSWERED_DEPTH])
            score = self.answer_model.score(x) if x is not None else math.inf
        # (known from top_k when it read every list: the same passages, the same filters)
        total = count_matches(lists, allowed, TOTAL_CAP) if top.matches is None else min(top.matches, TOTAL_CAP)
        # an everyday request (今天天气怎么样) shares a word with some passage, never its subject
        # a slogan spelled out answers what it stands for, however few of the question's words it holds; a passage
        # quoted answers its quotation
        answered = (score >= self.answer_model.threshold or spelled is not None
                    or bool(hits) and quotes(query, hits[0].passage.text)) and not is_everyday(query)
        missing = reference.item_named(r, normalize(query)) if asked_item else ""  # (第七十条 of a regulation of 67)
        held = self._held(source_id, r.units) if missing and source_id is not None else ""
        # (the item missing is all there is to say: the quotes after it are no answer to anything else asked)
        untouched = () if answered else (missing,) if missing else (
            *self.answerer.unnamed_places(parsed, checked),
            *self.answerer.unanswered_clauses(parsed, ranker.concepts, self._concepts_found(ranker), checked))
        return Results(query=query, hits=hits, total=total, answered=answered, answer_score=score,
                       answer_features=tuple(x.tolist()) if x is not None else (), untouched=untouched, missing=missing,
                       held=held)

    def _ranked(self, query: str, q: ParsedQuery, lists: list[TermList], allowed, source_id: str | None,
                kinds: tuple[str, ...] | None, first_page: bool, ranker: QueryRanker, n: int,
                among: np.ndarray | None) -> tuple[TopK, TopK | None]:
        """The exact top n by the ranker's F (of the passages `among`, when given), a slogan's spelling-out first
        (returned too: it answers) or, on the first page, the passage defining the term a question asks about."""
        top = top_k(lists, n, self.index.size, allowed, ranker, among)
        spelled = self._spelling_out(q, lists, len(top.docs), source_id, kinds, ranker) if q.parts else None
        if spelled is not None:
            top = _first(spelled, top)
        elif q.wants_definition and len(top.docs) > 1 and first_page:
            top = self._defining_first(top, query)
        return top, spelled

    def _judged(self, top: TopK, ranker: QueryRanker, ranked: Callable[..., tuple[TopK, TopK | None]]) -> TopK:
        """The passages the answered model reads: the shortlist shown ranked anew by the answered model's own
        ranking (answered.AnswerModel; its exact top of all passages measured alike and cost a second search),
        or `top` as shown."""
        if self.answer_model.ranking is None:
            return top
        judge = ranker.reweighted(self.answer_model.ranking, self._judging(ranker.meaning))
        return ranked(judge, SHORTLIST, np.sort(top.docs[:SHORTLIST]))[0]

    def _judging(self, meaning: vectors.Meaning | None) -> vectors.Meaning | None:
        """`dissimilar` on the scale the answered model was fitted with: what it reads, and how near in meaning a
        passage sharing no word with the query must be to be shown at all (NEAREST)."""
        cosine = self.answer_model.cosine
        return meaning if meaning is None or cosine is None else replace(meaning, low=cosine[0], high=cosine[1])

    def _spelling_out(self, q: ParsedQuery, lists: list[TermList], n: int, source_id: str | None,
                      kinds: tuple[str, ...] | None, ranker: QueryRanker) -> TopK | None:
        """The best passages spelling out every part of the slogan asked about (they hold each verbatim, as a
        “phrase” is held), None when none does: the sentence listing 共同富裕先行和省域现代化先行 answers
        两个先行是什么; the many that repeat 两个先行 do not (slogans.py). A slogan quoted (“三个优先”包括哪些) is
        asked about, not required verbatim."""
        spelled = replace(q, phrases=(*(p for p in q.phrases if count_and_word(p) is None), *q.parts))
        allowed, among = self._filter(spelled, source_id, kinds)
        found = top_k(lists, n, self.index.size, allowed, ranker, among)
        return found if len(found.docs) else None

    def meaning(self, query: str) -> vectors.Meaning | None:
        """The `dissimilar` feature of a query (None when search is lexical)."""
        if not self.semantic:
            return None
        return vectors.Meaning(self.vectors, self.encoder.query(asked_text(query)), *self.cosine_scale, self.sentence_scale)

    def embed_queries(self, queries: list[str]) -> None:
        """Embed the meaning of queries about to be searched in batches (search --batch; the same vectors as one
        at a time, in ~0.7 of the time)."""
        if self.semantic:
            self.encoder.prime([asked_text(q) for q in queries])

    def _top_passages(self, top: np.ndarray, rows: dict[int, tuple[tuple, str]], sanction: bool) -> list[TopPassage]:
        """The top passages as the answered check reads them; with the provisions they name for a question asking
        the penalty, as the ranking's `cited` field is searched for it."""
        t = self.table
        return [TopPassage(rows[d][1], t.contexts[t.context_of[d]], int(t.source_year[t.source_of[d]]),
                           int(t.source_of[d]), self._lead(d) if LIST_ITEM.match(rows[d][1]) else "",
                           fold("".join(text for _, text in self._cited(_passage(rows[d][0])))) if sanction else "")
                for d in top.tolist()]

    def _answer_features(self, q: ParsedQuery, ranker: QueryRanker, passages: list[TopPassage],
                         scores: np.ndarray) -> np.ndarray | None:
        """The answered model's inputs for the top passages; None when the query has no concept to check."""
        if not ranker.concepts:
            return None
        return self.answerer.features(q, ranker.concepts, self._concepts_found(ranker), passages, scores.tolist())

    @staticmethod
    def _concepts_found(ranker: QueryRanker) -> list[bool]:
        """Whether each concept of the query is in the corpus: a passage or a title/section holds it (上海市 only
        in the title)."""
        return [bool(v) or named for v, named in zip(ranker.variants, ranker.concept_ctx.any(axis=1).tolist())]

    def _lead(self, item: int) -> str:
        """The sentence leading into the list a passage is an item of, in its section ("" when none is found
        within LEAD_REACH passages): it states what holds for every item (ranking.section_flags reads it too),
        in all its clauses when it was cut at ； (lists.sentence_start)."""
        section, context = self.index.context_section, self.table.context_of
        clauses: list[str] = []
        for d in range(item - 1, max(item - LEAD_REACH, -1), -1):
            if section[context[d]] != section[context[item]]:
                break
            text = self._rows(np.array([d]))[d][1]
            if clauses and not (CLAUSE_CUT.search(text) and not LIST_ITEM.match(text)):
                break  # the sentence began after this passage
            if clauses or not LIST_ITEM.match(text):
                clauses.append(text)
        return "".join(reversed(clauses))

    def term_lists(self, q: ParsedQuery) -> tuple[list[TermList], dict[str, int]]:
        """The query's terms as posting lists with their factors (every term the query holds, none
        dropped), and the bit of each character pair the ranking features test."""
        out = []
        gram_bits: dict[str, int] = {}
        fields = [("words", q.words, 1.0), ("bigrams", q.bigrams, BIGRAM_WEIGHT)]
        if q.wants_sanction:  # 楼道停电瓶车罚多少: the penalty names the rule (违反本办法第四条规定的) but not 楼道
            fields.append(("cited", q.words, CITED_WEIGHT))
        for name, terms, scale in fields:
            f = self.index.fields[name]
            for term, weight in terms.items():
                found = self._term(name, term)
                if found is not None:
                    docs, weights, sharpen, largest = found
                    factor = scale * weight * f.scale * sharpen
                    bit = len(gram_bits) if name == "bigrams" and len(gram_bits) < MAX_BITS else -1
                    if bit >= 0:
                        gram_bits[term] = bit
                    out.append(TermList(docs, weights, factor, factor * largest, bit))
        return out, gram_bits

    def _term(self, field_name: str, term: str) -> tuple[np.ndarray, np.ndarray, float, int] | None:
        """A term's postings, its idf sharpening and its largest stored weight (None: no passage holds it), kept
        per term: queries share terms, and looking them up cost more than the rest of term_lists."""
        found = self._terms.get((field_name, term))
        if found is None:
            post = self.index.fields[field_name].entry(term, np.intp)  # (numpy converts int32 indices on every use)
            if post is None:
                return None
            if len(self._terms) > TERM_CACHE or self._term_postings > TERM_CACHE_POSTINGS:
                self._terms.clear()
                self._term_postings = 0
            self._term_postings += len(post[0])
            sharpen = math.log((self.index.size + 1) / (len(post[0]) + 0.5)) ** IDF_SHARPEN
            found = self._terms[field_name, term] = (post[0], post[1], sharpen, post[2])
        return found

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
        return _held(self.index.fields["words"], self.index.fields["bigrams"], text)

    def _titled(self, query: str) -> tuple[str, str] | None:
        """(source, the rest of the query) when the query names one document by its full title or 简称 and asks more
        of it (互联网上网服务营业场所管理条例从哪天开始施行): it is searched in that document, as @简称 is, without the
        title's words, which every passage of the document repeats (互联网上网服务营业场所) and would rank by."""
        q = normalize(query)
        named = {m.group() for m in self._title_names.finditer(q)}  # the longest name at each place: 河南省物业管理条例
        if len(named) != 1:
            return None
        (name,) = named
        sources = [sid for sid, src in self._names.items() if name in (src.title, src.short)]
        if len(sources) != 1 or any(name in other for o, src in self._names.items() if o != sources[0]
                                    for other in (src.title, src.short)):
            return None  # 物业管理条例 is also a part of 河南省物业管理条例's title: which one is asked is not said
        sid, rest = sources[0], q.replace(name, " ")
        return (sid, rest) if len(_CJK.findall(rest)) >= MIN_TITLE_REST else None

    def resolve_source(self, name: str) -> str | None:
        """A source id from its id, 简称 or title words (best match, None when nothing fits)."""
        named = reference.named_sources(normalize(name), self._names.values(), NAMED_THRESHOLD)
        return named[0] if named else None

    # -- filters ----------------------------------------------------------------------------

    def _allowed(self, q: ParsedQuery, source_id: str | None, kinds: tuple[str, ...] | None):
        """The test a candidate must pass to be shown: first of its text (in its source, when one is
        asked for), of the asked kinds, holding every “phrase” verbatim and no -excluded word."""
        return self._test(q, self._mask(q, source_id, kinds))

    def _filter(self, q: ParsedQuery, source_id: str | None, kinds: tuple[str, ...] | None) -> tuple[Callable, np.ndarray | None]:
        """_allowed, with the passages its index-side test admits when a source, kinds or a “phrase” narrow them
        to at most candidates.ADMITTED (None otherwise): top_k scores each of those rather than pruning."""
        mask = self._mask(q, source_id, kinds)
        narrow = source_id is not None or kinds is not None or bool(q.phrases)
        among = np.flatnonzero(mask) if narrow and np.count_nonzero(mask) <= ADMITTED else None
        return self._test(q, mask), among

    def _mask(self, q: ParsedQuery, source_id: str | None, kinds: tuple[str, ...] | None) -> np.ndarray:
        """The index-side part of _allowed: a passage's source, kind and first occurrence, whether it is a history
        line, and the character pairs of each “phrase” (all held) and -excluded word (not all held)."""
        idx = self.index
        lines = reference.mentions_history(normalize(q.raw))
        if source_id is not None:
            first = self._first_in_source if lines else self._text_in_source
            mask = (idx.passage_source == self._source_no.get(source_id, -1)) & first
        else:  # (not copied, so never changed in place: a copy cost ~60 µs at 100× corpus)
            mask = self._first_anywhere if lines else self._text_anywhere
        if kinds is not None:
            mask = mask & np.array([self.index.ranking.in_group(k, kinds) for k in self._kinds], dtype=np.bool_)[idx.passage_source]
        for phrase in q.phrases:
            mask = mask & self._has_all_bigrams(phrase)
        for word in q.excluded:
            mask = mask & ~self._has_all_bigrams(word)
        return mask

    def _test(self, q: ParsedQuery, mask: np.ndarray) -> Callable:
        """_allowed from its index-side part: `mask`, then the text of those it admits when “phrase”s or -excluded
        words are asked (each read once)."""
        if not (q.phrases or q.excluded):
            return mask.take
        verified: dict[int, bool] = {}

        def allowed(cand: np.ndarray) -> np.ndarray:
            ok = mask.take(cand)
            todo = [d for d in cand[ok].tolist() if d not in verified]
            for d, (_, text) in self._rows(np.array(todo, dtype=np.int64)).items():
                verified[d] = all(ph in text for ph in q.phrases) and not any(w in text for w in q.excluded)
            ok[ok] = [verified[d] for d in cand[ok].tolist()]
            return ok

        return allowed

    def _has_all_bigrams(self, text: str) -> np.ndarray:
        """Mask of the passages holding every bigram of `text` (the index-side test for “…” and -词)."""
        grams = set(bigrams(text))
        f = self.index.fields["bigrams"]
        lists = [f.postings(g) for g in grams]
        if not grams or any(p is None for p in lists):
            return np.zeros(self.index.size, dtype=np.bool_)
        counts = np.bincount(np.concatenate([p[0] for p in lists]), minlength=self.index.size)
        return counts == len(grams)

    def _rows(self, docs: np.ndarray) -> dict[int, tuple[tuple, str]]:
        """Database rows of passage numbers, by passage number: each row of _SELECT with its text folded (what
        matching reads). Kept, as a batch or a chat meets the same passages again (60% of the rows the labelled
        queries read were read before); a row becomes a Passage only when shown (self._passages)."""
        out: dict[int, tuple[tuple, str]] = {}
        missing = []
        for d in docs.tolist():
            row = self._row_cache.get(d)
            if row is None:
                missing.append(d)
            else:
                out[d] = row
        if missing:
            if len(self._row_cache) > ROW_CACHE:
                self._row_cache.clear()
                self._passages.clear()
            rowids = self.index.passage_rows[missing].tolist()
            found = {r[0]: r for r in self._execute(f"{_SELECT} where rowid in ({','.join('?' * len(rowids))})", rowids)}
            for d, r in zip(missing, rowids):
                out[d] = self._row_cache[d] = (found[r], fold(found[r][6]))
        return out

    # -- reference lookup -------------------------------------------------------------------

    def _reference(self, query: str, source_id: str | None) -> reference.Lookup | None:
        """The numbered item the query asks for (reference.lookup), its document named in the query's words or, when
        those name none, in the register's wording of them (养狗条例第十条 → 养犬条例: _respelled)."""
        def look_up(text: str) -> reference.Lookup | None:
            return reference.lookup(
                text, list(self._names.values()), self._outline,
                lambda heading: self._iter_passages(
                    f"source_id = ? and seq >= ? order by seq limit {REFERENCE_LIMIT}", [heading.source_id, heading.seq]
                ),
                source_id,
            )
        found = look_up(query)
        if found is not None:
            return found
        ref = reference.parse_reference(normalize(query))
        if ref is None:
            return self._titled_division(query, source_id)
        if len(ref.source_text) >= 2 and reference.named_sources(ref.source_text, self._names.values(),
                                                                 reference.MATCH_THRESHOLD):
            return None  # the document named lacks the item (农民工工资条例第七十条): no other found by respelling it
        respelled = self._respelled(query)
        return look_up(respelled) if respelled else None

    def _titled_division(self, query: str, source_id: str | None) -> reference.Lookup | None:
        """A chapter asked for by its title (道交法法律责任那一章), whole and in order as 道交法第七章 is. The headings
        are read only for a query holding a chapter's title (reading them all costs ~150 MB at 100× corpus)."""
        if self._division_names is None:
            self._division_names = reference.division_names(self.table.contexts)
        text = normalize(query)
        if not any(name in text for name in self._division_names):
            return None
        if self._divisions is None:
            self._divisions = reference.division_titles({sid: self._outline(sid) for sid in self._names})
        division = reference.titled_division(query, self._divisions, list(self._names.values()), source_id)
        if division is None:
            return None
        following = self._iter_passages(f"source_id = ? and seq >= ? order by seq limit {REFERENCE_LIMIT}",
                                        [division.source_id, division.heading.seq])
        asked = reference.ReferenceQuery(normalize(query), (division.number,), (False,), (division.unit,))
        return reference.Lookup(passages=reference.under(division.heading, following, division.path), asked=asked)

    def _respelled(self, query: str) -> str | None:
        """The query with each everyday word the register lists in its first wording (养狗 → 养犬, 租房 → 租赁, 家暴 →
        家庭暴力, longest first), and each word the corpus itself names its terms by (abbreviations.py: 网吧 → 互联网上网
        服务营业场所, a kind its definition lists): people name a regulation the way they name its subject. None when
        nothing changes. Only tried when the words as typed name no document."""
        text = out = normalize(query)
        for key in (k for k in self.parser.plain_keys_in((text,)) if len(k) > 1 and self.parser.synonyms[k]):
            out = out.replace(key, self.parser.synonyms[key][0])
        related = self.parser.related
        held = {out[i : i + n] for i in range(len(out)) for n in range(2, RESPELT_KEY + 1) if i + n <= len(out)}
        for key in sorted(held & related.keys(), key=len, reverse=True):
            out = out.replace(key, related[key][0])
        return out if out != text else None

    def _history(self, query: str, source_id: str | None) -> list[Passage]:
        """The history lines (题注) of the document a history question names (reference.history_source; in the
        register's wording when the words as typed name none), in order (reference.history_order); none when it
        names none, or one without them. Asked when it takes effect: its 施行 article, then a 施行 line of its
        history (reference.effect_lines)."""
        if not reference.asks_history(normalize(query)):
            return []
        named = reference.history_source(query, list(self._names.values()))
        if named is None and (respelled := self._respelled(query)):
            named = reference.history_source(respelled, list(self._names.values()))
        if named is None or source_id not in (None, named):
            return []
        headnote = json.dumps([HEADNOTE], ensure_ascii=False)
        if reference.asks_effect(normalize(query)):
            stated = [*self._iter_passages("source_id = ? and section != ? and (text like '%施行%' or text like '%起实施%' "
                                           "or text like '%起执行%') order by seq", [named, headnote]),
                      *self._iter_passages("source_id = ? and section = ? order by seq", [named, headnote])]
            return [stated[i] for i in reference.effect_lines([p.text for p in stated])]
        lines = list(self._iter_passages("source_id = ? and section = ? order by seq", [named, headnote]))
        return [lines[i] for i in reference.history_order(query, [p.text for p in lines])]

    def _held(self, source_id: str, units: tuple[str, ...]) -> str:
        """共四十条 for an article (or 共六章, 不分章 for a chapter) asked of a document that has fewer: said beside what
        is missing, the quotes after it are explained. Nothing for a narrower item (第二章第九节): its count is per
        chapter; nor for an article of a text not numbered so (a plan)."""
        if len(units) != 1 or units[0] not in ("条", "章"):
            return ""
        last = self._outline(source_id).last(units[0])
        return f"共{to_chinese(last)}{units[0]}" if last else "不分章" if units[0] == "章" else ""

    def warm_up(self) -> Searcher:
        """Read every source's outline now, so that no user waits for it: the first reference to a source reads
        it (a bare 第十条 reads them all: 0.16 s for 126 sources, 2.7 s and +53 MB at the 100× corpus), memory
        the running searcher would hold after that reference anyway."""
        for source_id in self._names:
            self._outline(source_id)
        return self

    def _outline(self, source_id: str) -> reference.Outline:
        """A source's numbered places (reference.Outline), read and indexed on the first reference to it: the
        passages a reference can land on are its headings and the first passage of each section that has no heading
        passage (a regulation's article: 第十条 is structure only)."""
        outline = self._outlines.get(source_id)
        if outline is None:
            anchors, seen = [], set()
            for r in self._execute(f"{_SELECT} where source_id = ? order by seq", [source_id]):
                if r[7] or (r[5] != "[]" and r[5] not in seen):  # (section as stored: JSON, the same path the same text)
                    anchors.append(_passage(r))
                seen.add(r[5])
            outline = self._outlines[source_id] = reference.Outline.of(anchors)
        return outline

    # -- fetching ---------------------------------------------------------------------------

    def _iter_passages(self, where: str, args: list) -> Iterator[Passage]:
        """The passages of the rows selected, each read when the caller gets to it (a reference stops at its
        item's end, long before REFERENCE_LIMIT)."""
        for r in self.corpus.conn.execute(f"{_SELECT} where {where}", args):
            yield _passage(r)

    def _execute(self, sql: str, args: list):
        return self.corpus.conn.execute(sql, args).fetchall()

    def _hit(self, p: Passage, score: float, terms: tuple[str, ...]) -> Hit:
        source, *around = self._around(p)
        return Hit(p, source, float(score), terms, *around)

    def _around(self, p: Passage) -> tuple[Source, str, str, tuple[tuple[str, str], ...]]:
        """What a hit of the passage shows besides it: its source, list context and the provisions it cites
        (search keeps them with the passage: a batch or a chat shows the same passages again)."""
        return (self.corpus.source(p.source_id), *self._list_context(p), self._cited(p))

    def _penalties_citing(self, source_id: str, article: int, shown: list[Passage]) -> list[Passage]:
        """The sentences of a document that state the penalty for breaching its article (违反本条例第二十五条规定的，…处
        …罚款), in document order: 违反…第二十五条怎么罚 asks for them, not for the article's own rule (shown after them)."""
        numeral = to_chinese(article)
        found = self._iter_passages("source_id = ? and text like ? order by seq", [source_id, f"%第{numeral}条%"])
        def states_penalty(p: Passage) -> bool:  # (an item names the breach; its list's lead-in, the penalty)
            said = p.text if not LIST_ITEM.match(p.text) else self._hit(p, 1.0, ()).lead + p.text
            return bool(passage_flags(normalize(said)) & SANCTION)
        return [p for p in found if p not in shown and any(c.article == article for c in provisions(p.text))
                and states_penalty(p)]

    def _defining_first(self, top: TopK, query: str) -> TopK:
        """A question asking what a term is gets the passage defining that term first: of the shortlist's defining
        passages, the one whose term the question names, the longest such (院前医疗急救机构是什么意思 is answered by
        所称院前医疗急救机构，是指…, not by 所称院前医疗急救服务，是指…院前医疗急救机构… though both hold its words)."""
        asked = "".join(normalize(query).split())
        docs = top.docs[:SHORTLIST]
        rows = self._rows(docs)
        named = [len(t) if (t := defined_term(rows[d][0][6])) and _asked_term(t).search(asked) else 0  # (as printed)
                 for d in docs.tolist()]
        best = int(np.argmax(named))
        if named[best] <= named[0]:
            return top
        return _first(replace(top, docs=docs[best:best + 1], scores=top.scores[best:best + 1]), top)

    def _penalty_first(self, hit: Hit, highlight: tuple[str, ...]) -> Hit:
        """A question asking the penalty is answered by the clause stating it. An item naming the breach
        (（二）接纳未成年人进入营业场所的；) found first is shown as the clause of its lead-in that states the penalty
        (…可以并处15000元以下的罚款), with the rest of the sentence and the item after it: the same quote, the
        answering clause as its text. An item stating its own penalty, or with no lead-in stating one, is kept."""
        p = hit.passage
        if not LIST_ITEM.match(p.text) or passage_flags(p.text) & SANCTION:
            return hit
        before = [n for n in self.corpus.neighbours(p, LEAD_REACH, 0) if n.seq < p.seq and n.section == p.section]
        span = lead_span([n.text for n in before], p.text)
        if span is None:
            return hit
        clauses = before[span[0] : span[1] + 1]
        flags = [passage_flags(c.text) for c in clauses]
        stating = [i for i, f in enumerate(flags) if f & SANCTION]
        if not stating:
            return hit
        at = next((i for i in stating if flags[i] & FIGURE), stating[0])  # the fine, not 处罚机关 alone
        clause = clauses[at]
        rest = "".join(c.text for c in clauses[at + 1 :]) + ("……" if span[2] else "") + p.text
        return Hit(clause, hit.source, hit.score, tuple(w for w in highlight if w in clause.text),
                   "".join(c.text for c in clauses[:at]), rest, self._cited(clause), p)

    def _cited(self, p: Passage) -> tuple[tuple[str, str], ...]:
        """What the provisions a passage names say (违反本条例第二十二条第六项规定的…): a penalty alone does not
        say what it is for. Its source's passages are read only for a passage naming one."""
        if not names_provisions(p.text):
            return ()
        found = self._cited_cache.get(p.id)
        if found is None:
            if len(self._cited_cache) > CITED_CACHE:
                self._cited_cache.clear()
            row = Row(p.source_id, p.section, p.para, p.text)
            found = self._cited_cache[p.id] = tuple(cited(self._document(p.source_id), row))
        return found

    def _document(self, source_id: str) -> Document:
        """A source's passages as crossrefs reads them, kept while they are few (SOURCE_ROWS): the passages citing
        provisions cluster in a few regulations' penalty chapters, and reading a source and finding its articles
        cost ~2–4 ms each time."""
        doc = self._documents.get(source_id)
        if doc is None:
            doc = Document.of([Row(q.source_id, q.section, q.para, q.text) for q in self.corpus.passages(source_id)])
            if sum(len(d.rows) for d in self._documents.values()) + len(doc.rows) > SOURCE_ROWS:
                self._documents.clear()
            if len(doc.rows) <= SOURCE_ROWS:
                self._documents[source_id] = doc
        return doc

    def _list_context(self, p: Passage) -> tuple[str, str]:
        """(lead, list): a list item's lead-in ("……" after it when items lie between), a lead-in's first items
        ("……" after them when more follow); "" otherwise: an item alone does not say what holds for it, a
        lead-in alone (应当提供下列材料：) not what is listed."""
        if LIST_ITEM.match(p.text):
            found = lead_in(self.corpus.section_texts(p, LEAD_REACH, 0)[0], p.text)
            return ("" if found is None else found[0] + ("……" if found[1] else "")), ""
        if p.text.endswith(("：", ":")):
            return "", list_after(p.text, self.corpus.section_texts(p, 0, LEAD_REACH)[1])
        return "", ""


_SELECT = "select rowid, id, source_id, seq, para, section, text, is_heading from passages"


def asked_text(query: str) -> str:
    """What a query asks, embedded for its meaning: not its @文件 / -排除 syntax."""
    query = normalize(strip_markup(query))
    return _SYNTAX.sub(" ", query).strip() or query


def _held(words: Field, pairs: Field, text: str) -> bool:
    """Whether some passage holds the word, or every character pair of it. (A function of the index's fields,
    not a Searcher method: the parser keeps it, and must not keep the Searcher alive.)"""
    if words.df(text):
        return True
    lists = [pairs.postings(g) for g in set(bigrams(text))]
    if not lists or any(p is None for p in lists):
        return False
    return reduce(np.intersect1d, sorted((p[0] for p in lists), key=len)).size > 0


def _nearest(meaning: vectors.Meaning, allowed, n: int) -> TopK:
    """The n passages nearest a query in meaning among those at most NEAREST from it (弄坏了公园草地怎么办 shares no
    word with 损坏城市绿地的，由…责令限期恢复原状); none for a query near nothing (今天天气怎么样, asdf)."""
    far = meaning.everywhere()
    cand = np.flatnonzero(far <= NEAREST)
    cand = cand[allowed(cand)]
    order = np.lexsort((cand, far[cand]))[:n]
    return TopK(cand[order], 1 - far[cand[order]], len(cand))


def _fitting(ranker: QueryRanker, cand: np.ndarray, n: int) -> TopK:
    """The n passages of a document the question names that none of its words reach, by what the question asks
    (the ranking's features, meaning included, with the words' score alike for all): 违反重庆市地质灾害防治条例会怎么处罚
    finds no 违反 nor 处罚 in it (its penalties say 由…责令…处…罚款), and its penalties come first, not its first lines."""
    f = ranker.rescore(cand, np.ones(len(cand)), np.zeros(len(cand), dtype=np.int64))
    order = best_first(cand, f, n)
    return TopK(cand[order], f[order], len(cand))


@lru_cache(maxsize=1024)
def _asked_term(term: str) -> re.Pattern:
    """The term as a definition question asks it: whole, followed by what asks its meaning or by the end (急救机构是什么
    意思, 什么叫急救机构), not as the head of a longer name (养老服务爱心卡是什么制度 does not ask what 养老服务 is)."""
    return re.compile(re.escape(normalize(term)) + r"(?=是|指|包括|包含|的定义|的含义|的意思|什么|啥|怎么|如何|属于|算|到底|究竟"
                                                r"|[,，?？。!！]|$)")


def _first(leading: TopK, top: TopK) -> TopK:
    """`leading`'s passages, then top's others, as many as top holds (each in its own score order)."""
    rest = ~np.isin(top.docs, leading.docs)
    n = len(top.docs)
    return replace(top, docs=np.concatenate([leading.docs, top.docs[rest]])[:n],
                   scores=np.concatenate([leading.scores, top.scores[rest]])[:n])


def _passage(r: tuple) -> Passage:
    """A Passage from a row of _SELECT."""
    return Passage(id=r[1], source_id=r[2], seq=r[3], para=r[4], section=tuple(json.loads(r[5])), text=r[6],
                   is_heading=bool(r[7]))


def _this_year(index, years: list[int]) -> int | None:
    """The year a user's 今年 means: the newest year of the documents that speak of 今年 themselves (a work report,
    a speech), else of any. A regulation of 2025 added to a corpus whose newest report is 2024's was taking 今年
    to 2025, away from the report (今年GDP增长目标是多少 then quoted a five-year plan)."""
    said = index.fields["words"].postings("今年")
    speaking = [years[s] for s in np.unique(index.passage_source[said[0]]).tolist()] if said is not None else []
    return max(speaking, default=0) or max(years, default=0) or None


def _year(source: Source) -> int:
    """The year a source is dated (or its title states), 0 when unknown."""
    m = _YEAR.search(source.date) or _YEAR.search(source.title)
    return int(m.group(1)) if m else 0


def _normalized(source: Source) -> Source:
    return Source(id=source.id, title=normalize(source.title), short=normalize(source.short))
