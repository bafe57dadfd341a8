"""What the meaning-level experiments share (semantic_experiments.py, static_experiments.py): opening the tuning
data with the blind batches refused, and judging a candidate feature as fit_ranking.py judges one — 5-fold out of
fold (mean of several shuffles), each --held-batch held out of the fit, the --check files ranked by the weights
fitted on all of the tuning file.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import fit_ranking as fr  # noqa: E402
from assistant.search.engine import Searcher  # noqa: E402
from assistant.search.evaluation import EvalQuery, load_queries  # noqa: E402
from assistant.search.ranking import FEATURES  # noqa: E402

BLIND = ("e-b7-", "e-b8-")
NAMES = ("R@1", "R@5", "MRR", "questions R@1")


def trial_arguments(description: str) -> argparse.ArgumentParser:
    """The arguments every trial takes: tuning files, --db, --check files, --held-batch, --repeats."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("files", nargs="+", type=Path)
    p.add_argument("--db", type=Path, required=True)
    p.add_argument("--check", nargs="+", type=Path, default=[])
    p.add_argument("--held-batch", nargs="+", type=int, default=[4, 5, 6])
    p.add_argument("--repeats", type=int, default=10)
    return p


def open_trial(db: Path, files: list[Path], check: list[Path]) -> tuple[Searcher, list[str], list[EvalQuery],
                                                                         list[EvalQuery]]:
    """The searcher, its passage texts in index order, the tuning queries and the check queries."""
    searcher = Searcher.open(db)
    rows = {r[0]: r[1] for r in searcher.corpus.db.execute("select rowid, text from passages")}
    texts = [rows[r] for r in searcher.index.passage_rows.tolist()]
    tune = load_queries(files)
    checked = load_queries(check) if check else []
    if any(q.id.startswith(BLIND) for q in tune + checked):
        raise SystemExit("blind batches (e-b7-, e-b8-) are not for tuning: filter them out")
    return searcher, texts, tune, checked


def with_feature(name: str) -> None:
    """Judge one more feature column after the engine's (fit_ranking fits it with no prior)."""
    fr.FEATURES = FEATURES + (name,)
    fr.PRIOR[name] = 0.0


def judge(scored: list[fr.Scored], checked: list[fr.Scored], fit: Callable[[list[fr.Scored]], object],
          rank: Callable[[fr.Scored, object], int | None], repeats: int, held_batches: list[int]) -> list[str]:
    """Report lines: out of fold (mean of `repeats` shuffles of 5 folds), each batch held out, the check set.
    `fit` makes a model of training queries, `rank` the gold's rank of one query under it."""
    runs = []
    for seed in range(repeats):
        order = np.random.default_rng(seed).permutation(len(scored))
        ranks = []
        for k in range(5):
            held = set(order[k::5].tolist())
            model = fit([sc for i, sc in enumerate(scored) if i not in held])
            ranks += [(scored[i].query, rank(scored[i], model)) for i in sorted(held)]
        runs.append(fr.figures(ranks))
    out = [f"5-fold out-of-fold, mean of {repeats} shuffles: "
           + "  ".join(f"{n} {v:.3f}" for n, v in zip(NAMES, np.mean(runs, axis=0)))]
    for batch in held_batches:
        model = fit([sc for sc in scored if fr.batch_of(sc.query.id) != batch])
        out.append(f"batch {batch} held out " + fr.summary(
            [(sc.query, rank(sc, model)) for sc in scored if fr.batch_of(sc.query.id) == batch]))
    if checked:
        model = fit(scored)
        out.append("check          " + fr.summary([(sc.query, rank(sc, model)) for sc in checked]))
    return out
