"""Fit the query adapter (src/assistant/search/query_adapter.npz): a linear map that moves a question's sentence
vector toward the vectors of the sentences answering it.

Usage: python benchmarks/fit_adapter.py TUNE.jsonl [...] --db DB [--write]
       python benchmarks/fit_adapter.py TUNE.jsonl [...] --db DB --cv 5

The model (multilingual-e5-small) places a question near sentences worded like it; a cadre's question (居住证丢了去
哪里补办) and the regulation answering it (到居住地公安派出所…办理换领、补领手续) are worded apart. A 384 × 384 matrix W,
fitted on the tuning queries, maps the question's vector v to W·v before its cosines are taken (vectors.Encoder.query);
the passages' stored vectors are unchanged, so nothing is re-embedded. W = I + Δ minimises, over the answerable tuning
queries, the share a softmax (temperature TAU) over the summed cosines with a passage's two vectors (CONTEXT and
SENTENCE) gives the gold passages among the SHORTLIST passages nearest the unmapped question (and the gold ones),
plus L2/2·|Δ|² (a question's vector moves only as far as many questions agree).

--cv K judges it as a new batch of questions on new documents would: the tuning queries' batches (e-bN-…) are dealt
into K groups, each scored by the W fitted on the others, and the vectors' ranking alone (the summed cosines over every
passage) is printed before and after: R@1 and MRR. Only the tuning half of the labelled set may be passed here.
"""
from __future__ import annotations

import argparse
import json
import sys
import zlib
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from assistant.search import vectors  # noqa: E402
from assistant.search.engine import Searcher, asked_text  # noqa: E402
from assistant.search.evaluation import is_hit  # noqa: E402
from fit_ranking import batch_of  # noqa: E402

TAU = 0.005  # softmax temperature over cosines (e5's cosines of a question lie within ~0.15 of each other)
L2 = 100.0  # pull of W towards the identity (fold-held-out R@1 of the vectors alone, batch groups: 30 −, 100 best, 300 −)
SHORTLIST = 300  # passages nearest the unmapped question that the softmax runs over, with the gold ones
MAX_ITER = 200


def unit_rows(codes: np.ndarray) -> np.ndarray:
    m = codes.astype(np.float32)
    return m / np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-12)


def load(db: Path, files: list[Path]) -> tuple[np.ndarray, np.ndarray, list[list[int]], list[int]]:
    """The passages' summed unit vectors (CONTEXT + SENTENCE), the answerable queries' unmapped vectors, the gold
    passages of each, and each query's batch."""
    searcher = Searcher.open(db, semantic=False)
    found = vectors.load(searcher.corpus.conn, searcher.index.passage_rows)
    if found is None:
        raise SystemExit("embed the database first (python -m assistant embed)")
    width = found.codes.shape[1] // 2
    passages = unit_rows(found.codes[:, :width]) + unit_rows(found.codes[:, width:])
    rows = {r[0]: r[1] for r in searcher.corpus.db.execute("select rowid, text from passages")}
    texts = [rows[r] for r in searcher.index.passage_rows.tolist()]
    queries = [json.loads(line) for f in files for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
    queries = [q for q in queries if q["gold"]]
    gold = [[j for j, t in enumerate(texts) if is_hit(t, q["gold"])] for q in queries]
    model = vectors.Encoder()
    asks = [asked_text(q["query"]) for q in queries]
    raw = np.concatenate([model.raw(asks[i : i + 64]) for i in range(0, len(asks), 64)])
    keep = [i for i, g in enumerate(gold) if g]
    batches = [batch_of(queries[i]["id"]) for i in keep]
    return passages, raw[keep], [gold[i] for i in keep], batches


def fit(passages: np.ndarray, asked_vectors: np.ndarray, gold: list[list[int]], l2: float = L2,
        tau: float = TAU) -> np.ndarray:
    d = asked_vectors.shape[1]
    shortlists = []
    for v, g in zip(asked_vectors, gold):
        s = passages @ v
        near = np.argpartition(-s, SHORTLIST)[:SHORTLIST]
        c = np.unique(np.concatenate([near, g]))
        shortlists.append((passages[c], np.isin(c, g)))

    def loss(flat: np.ndarray) -> tuple[float, np.ndarray]:
        delta = flat.reshape(d, d).astype(np.float32)
        w = np.eye(d, dtype=np.float32) + delta
        total, grad = 0.5 * l2 * float((delta * delta).sum()), l2 * delta
        mapped = asked_vectors @ w.T
        for v, u, (cand, is_gold) in zip(asked_vectors, mapped, shortlists):
            s = cand @ u / tau
            every, golden = _softmax(s), _softmax(np.where(is_gold, s, -np.inf))
            total += float(_logsumexp(s) - _logsumexp(s[is_gold]))
            grad += np.outer(cand.T @ (every - golden) / tau, v)
        return total / len(gold), (grad / len(gold)).ravel().astype(np.float64)

    result = minimize(loss, np.zeros(d * d), jac=True, method="L-BFGS-B", options={"maxiter": MAX_ITER})
    return np.eye(d, dtype=np.float32) + result.x.reshape(d, d).astype(np.float32)


def _logsumexp(s: np.ndarray) -> float:
    top = s.max()
    return float(top + np.log(np.exp(s - top).sum()))


def _softmax(s: np.ndarray) -> np.ndarray:
    e = np.exp(s - s.max())
    return e / e.sum()


def ranks(passages: np.ndarray, asked_vectors: np.ndarray, gold: list[list[int]], w: np.ndarray | None) -> np.ndarray:
    out = []
    for v, g in zip(asked_vectors, gold):
        s = passages @ (v if w is None else w @ v)
        out.append(int((s > s[g].max()).sum()) + 1)
    return np.array(out)


def figures(r: np.ndarray) -> str:
    return f"R@1 {np.mean(r == 1):.3f}  MRR {np.mean(np.where(r <= 10, 1 / r, 0)):.3f}"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("files", nargs="+", type=Path)
    p.add_argument("--db", type=Path, required=True)
    p.add_argument("--cv", type=int, metavar="K", help="fold-held-out figures by groups of batches; write nothing")
    p.add_argument("--folds-out", type=Path, metavar="DIR",
                   help="with --cv: store each fold's W (fitted without its batches) for fit_ranking.py --adapter-folds")
    p.add_argument("--only-fold", type=int, metavar="k", help="with --cv: fit this fold alone (to run folds side by side)")
    p.add_argument("--l2", type=float, default=L2)
    p.add_argument("--tau", type=float, default=TAU)
    p.add_argument("--write", action="store_true", help=f"store W in {vectors.ADAPTER_FILE.name}")
    a = p.parse_args()
    passages, asked_vectors, gold, batches = load(a.db, a.files)
    print(f"{len(gold)} answerable queries, {len(passages)} passages")
    if a.cv:
        group = np.array([zlib.crc32(f"b{b}".encode()) % a.cv for b in batches])
        before, after = np.zeros(len(gold), dtype=int), np.zeros(len(gold), dtype=int)
        folds = range(a.cv) if a.only_fold is None else [a.only_fold]
        for k in folds:
            held = np.flatnonzero(group == k)
            rest = np.flatnonzero(group != k)
            w = fit(passages, asked_vectors[rest], [gold[i] for i in rest], a.l2, a.tau)
            if a.folds_out:
                a.folds_out.mkdir(parents=True, exist_ok=True)
                held_batches = sorted({batches[i] for i in held})
                vectors.save_adapter(w, " ".join(map(str, held_batches)), a.folds_out / f"fold{k}.npz")
            before[held] = ranks(passages, asked_vectors[held], [gold[i] for i in held], None)
            after[held] = ranks(passages, asked_vectors[held], [gold[i] for i in held], w)
            print(f"fold {k} ({len(held)} queries): {figures(before[held])} → {figures(after[held])}", flush=True)
        if a.only_fold is None:
            print(f"held out, all folds: {figures(before)} → {figures(after)}")
        return
    w = fit(passages, asked_vectors, gold, a.l2, a.tau)
    print(f"in sample: {figures(ranks(passages, asked_vectors, gold, None))} → {figures(ranks(passages, asked_vectors, gold, w))}")
    if a.write:
        vectors.save_adapter(w, f"fitted by benchmarks/fit_adapter.py on {', '.join(f.name for f in a.files)} "
                                f"({len(gold)} queries, L2 {a.l2}, TAU {a.tau})")
        print(f"→ {vectors.ADAPTER_FILE}")


if __name__ == "__main__":
    main()
