"""Split all.jsonl into tune.jsonl and test.jsonl, so tuning never sees the queries its figures are reported on.

Rule: queries are grouped by stratum (batch × style × what answers them: a seed .txt, an added document such as a
regulation, or nothing); inside a stratum they are ordered by the SHA-256 of their id and alternate tune, test,
tune, … . The split depends only on the ids, so it is the same on every machine, and each stratum is halved
(tune gets the odd one out). A batch is a set of queries written together: ids `e-b2-…` are batch 2, plain
`e-…` batch 1; a later batch never moves a query of an earlier one between halves.

    python tests/data/eval/split.py        # rewrites tune.jsonl and test.jsonl from all.jsonl
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent


def read(path: Path) -> list[dict]:
    """The records of a JSONL file, in file order."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def batch(record: dict) -> int:
    numbered = re.match(r"e-b(\d+)-", record["id"])
    return int(numbered.group(1)) if numbered else 1


def stratum(record: dict) -> tuple[int, str, str]:
    doc = record["doc"]
    source = "none" if doc is None else "seed" if doc.endswith(".txt") else "added"
    return batch(record), record["style"], source


def assign(records: list[dict]) -> dict[str, str]:
    """Map each id to "tune" or "test"."""
    groups: dict[tuple[int, str, str], list[str]] = defaultdict(list)
    for record in records:
        groups[stratum(record)].append(record["id"])
    halves = {}
    for ids in groups.values():
        ordered = sorted(ids, key=lambda id_: hashlib.sha256(id_.encode("utf-8")).hexdigest())
        for position, id_ in enumerate(ordered):
            halves[id_] = "tune" if position % 2 == 0 else "test"
    return halves


def write(path: Path, records: list[dict]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")


def main() -> None:
    records = read(HERE / "all.jsonl")
    halves = assign(records)
    for half in ("tune", "test"):
        write(HERE / f"{half}.jsonl", [r for r in records if halves[r["id"]] == half])


if __name__ == "__main__":
    main()
