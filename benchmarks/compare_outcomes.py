"""Compare two runs of the labelled set query by query.

Usage: python -m assistant eval tests/data/eval/test.jsonl --db DB --outcomes before.jsonl   (one run per code or corpus)
       python benchmarks/compare_outcomes.py before.jsonl after.jsonl

Prints each run's R@1/R@5/MRR@10 over the answerable queries, questions' R@1, how many unanswerable queries are
flagged and answerable ones answered, then every query whose first-hit rank or answered flag changed. A change to the
ranking is judged by these counts on the tuning half; the test half is measured once, after.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path


def load(path: Path) -> dict[str, dict]:
    return {d["id"]: d for d in map(json.loads, path.read_text(encoding="utf-8").splitlines()) if d}


def summary(runs: dict[str, dict]) -> str:
    some = [r for r in runs.values() if r["answerable"]]
    none = [r for r in runs.values() if not r["answerable"]]
    questions = [r for r in some if r["style"] == "question"]
    n = len(some) or 1
    first = sum(r["rank"] == 1 for r in some)
    return (f"R@1 {first / n:.3f} ({first}/{len(some)})  R@5 {sum((r['rank'] or 99) <= 5 for r in some) / n:.3f}  "
            f"MRR {sum(1 / r['rank'] for r in some if r['rank']) / n:.3f}  "
            f"questions R@1 {sum(r['rank'] == 1 for r in questions) / (len(questions) or 1):.3f}  "
            f"flagged {sum(not r['answered'] for r in none)}/{len(none)}  "
            f"answered {sum(r['answered'] for r in some)}/{len(some)}")


def main(before: Path, after: Path) -> None:
    a, b = load(before), load(after)
    print(f"before: {summary(a)}\nafter:  {summary(b)}")
    for qid, old in a.items():
        new = b.get(qid)
        if new is not None and (old["rank"], old["answered"]) != (new["rank"], new["answered"]):
            print(f"  {qid} {old['query'][:40]}  rank {old['rank']} → {new['rank']}  "
                  f"answered {old['answered']} → {new['answered']}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(Path(sys.argv[1]), Path(sys.argv[2]))
