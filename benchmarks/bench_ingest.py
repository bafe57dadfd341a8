"""Ingestion report: what the corpus became, and what cleaning removed.

    .venv/bin/python benchmarks/bench_ingest.py [CORPUS_DIR]

Prints build time (in memory, without the search index), passages and headings per source, the body
passage length distribution, characters and pieces removed per cleaning rule, and how many gold spans
of the developers' evaluation sets lie inside a single passage.
"""
from __future__ import annotations

import json
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EVAL_DIR = ROOT.parent / "shared" / "eval"

from assistant.ingest.pipeline import build  # noqa: E402


def main() -> None:
    corpus_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "corpus"
    started = time.perf_counter()
    sources, passages, summary = build(corpus_dir)
    elapsed = time.perf_counter() - started
    print(f"build: {elapsed:.1f} s, {summary.sources} sources, {summary.sections} sections, {summary.passages} passages")

    print("\npassages per source (body + headings):")
    for s in sources:
        mine = [p for p in passages if p.source_id == s.id]
        heads = sum(p.is_heading for p in mine)
        print(f"  {len(mine) - heads:5d} + {heads:3d}  {s.id:45s} {s.short}")

    lengths = sorted(len(p.text) for p in passages if not p.is_heading)
    p95 = lengths[int(0.95 * len(lengths))]
    print(
        f"\nbody passage length (characters): median {statistics.median(lengths):.0f}, p95 {p95}, max {lengths[-1]}, "
        f"over 160: {sum(n > 160 for n in lengths)} of {len(lengths)} ({sum(n > 160 for n in lengths) / len(lengths):.1%}), "
        f"over 400: {sum(n > 400 for n in lengths)}, under 8: {sum(n < 8 for n in lengths)}"
    )

    print(f"\nremoved by cleaning ({summary.dropped} pieces dropped):")
    for rule, chars in sorted(summary.removed_chars.items(), key=lambda kv: -kv[1]):
        print(f"  {rule:22s} {chars:6d} chars  {summary.removals.pieces.get(rule, 0):4d} pieces")

    texts = [re.sub(r"\s+", "", p.text) for p in passages]
    spans = [g for path in sorted(EVAL_DIR.glob("dev_*.jsonl")) for line in path.read_text(encoding="utf-8").splitlines()
             for g in json.loads(line)["gold"]]
    inside = sum(any(g in t for t in texts) for g in spans)
    print(f"\ndev gold spans inside one passage: {inside}/{len(spans)}")


if __name__ == "__main__":
    main()
