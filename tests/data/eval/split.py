"""Split all.jsonl into tune.jsonl and test.jsonl, so tuning never sees the queries its figures are reported on.

Rule: queries are grouped by stratum (batch × style × what answers them: a seed .txt, an added document such as a
regulation, or nothing); inside a stratum they are ordered by the SHA-256 of their id and alternate tune, test,
tune, … . From batch 6 on, the stratum is batch × the answering document itself (or nothing), ordered by style, by
the kind of query its note names (an unanswerable query's class) and then by hash, so each document's queries are
halved and its styles and classes spread over both halves; the dealing runs on from one document to the next, so
the batch as a whole is halved too. The split depends only on the records, so it is the same on every machine, and
each stratum is halved (before batch 6 tune gets the odd one out). A batch is a set of queries written
together: ids `e-b2-…` are batch 2, plain `e-…` batch 1; a later batch never moves a query of an earlier one between
halves. A line relabelled after its batch was dealt (DEALT_AS) keeps the stratum and the place it was dealt with, so a
relabelling moves no query between halves either.

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


BY_DOCUMENT = 6  # the first batch stratified by document rather than by style × kind of source

# Unanswerable lines relabelled as answered by a fixture added after their batch (the audit after batch 25, see the
# README's "Relabelled lines"): each is dealt as it was when its batch was split, by the document that answered it
# then (none) and the kind its note named then, so relabelling moves no query between halves.
DEALT_AS: dict[str, tuple[str | None, str]] = {
    "e-b3-none-036": (None, "topic absent (the family law only names 防诈骗 education)"),
    "e-b5-none-042": (None, "topic absent"),
    "e-b6-none-033": (None, "topic absent"),
    "e-b6-none-037": (None, "topic absent"),
    "e-b6-none-038": (None, "topic absent"),
    "e-b6-none-040": (None, "topic absent"),
    # relabelled when batch 33 added 中华人民共和国治安管理处罚法 (see the README's batch 33 paragraph)
    "e-b4-none-028": (None, "figure not stated"),
    # relabelled when batch 34 added 快递暂行条例 (see the README's batch 34 paragraph)
    "e-b10-none-029": (None, "topic absent"),
    # relabelled when batch 35 added 工伤保险条例 (see the README's batch 35 paragraph)
    "e-b6-none-039": (None, "topic absent"),
    "e-b8-none-023": (None, "figure not stated"),
    "e-b8-none-048": (None, "compound"),
    # relabelled when batch 38 added 上海市古树名木和古树后续资源保护条例 (see the README's batch 38 paragraph)
    "e-b11-none-030": (None, "topic absent"),
    "e-b29-none-037": (None, "compound"),
}


def stratum(record: dict) -> tuple[int, str, str]:
    doc = DEALT_AS[record["id"]][0] if record["id"] in DEALT_AS else record["doc"]
    if batch(record) >= BY_DOCUMENT:
        return batch(record), "any", doc or "none"
    source = "none" if doc is None else "seed" if doc.endswith(".txt") else "added"
    return batch(record), record["style"], source


def order(record: dict) -> tuple[str, str, str]:
    """Position inside a stratum: where the stratum mixes styles, by style and by the kind of query its note names
    (the words before a colon: an unanswerable query's class), then by the id's hash."""
    mixed = batch(record) >= BY_DOCUMENT
    style = record["style"] if mixed else ""
    if record["id"] in DEALT_AS:
        kind = DEALT_AS[record["id"]][1] if mixed else ""
    else:
        kind = record.get("note", "").split(":")[0] if mixed else ""
    return style, kind, hashlib.sha256(record["id"].encode("utf-8")).hexdigest()


def assign(records: list[dict]) -> dict[str, str]:
    """Map each id to "tune" or "test"."""
    groups: dict[tuple[int, str, str], list[dict]] = defaultdict(list)
    for record in records:
        groups[stratum(record)].append(record)
    halves = {}
    dealt: dict[int, int] = defaultdict(int)  # per batch stratified by document: queries dealt so far
    for key in sorted(groups):
        members = sorted(groups[key], key=order)
        start = dealt[key[0]] if key[0] >= BY_DOCUMENT else 0
        for position, record in enumerate(members, start):
            halves[record["id"]] = "tune" if position % 2 == 0 else "test"
        dealt[key[0]] = start + len(members)
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
