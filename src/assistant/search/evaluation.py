"""Retrieval evaluation with the hit rule of /work/shared/eval/FORMAT.md: Recall@1/3/5 and MRR@10 over the
answerable queries, and how often the answered flag is right: a query with `"gold": []` (nothing in the
documents answers it) should come back flagged not answered, every other one flagged answered."""
from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

_WS = re.compile(r"\s+")
MIN_CONTAINED = 8
CUTOFFS = (1, 3, 5)
MRR_DEPTH = 10


@dataclass(frozen=True)
class EvalQuery:
    id: str
    query: str
    style: str
    gold: tuple[str, ...]
    doc: str = ""


@dataclass
class Outcome:
    query: EvalQuery
    rank: int | None  # 1-based rank of the first hit, None when not in the list
    top: list[str] = field(default_factory=list)  # the returned texts
    answered: bool = True  # the search's answered flag


@dataclass
class Metrics:
    n: int
    recall: dict[int, float]
    mrr: float


def load_queries(paths: Iterable[Path]) -> list[EvalQuery]:
    out = []
    for path in paths:
        for no, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                d = json.loads(line)
                out.append(EvalQuery(d["id"], d["query"], d.get("style", ""), tuple(d["gold"]), d.get("doc") or ""))
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise ValueError(f"{path} 第 {no} 行格式错误：{exc}") from exc
    return out


def is_hit(text: str, gold: Iterable[str]) -> bool:
    """The passage contains a gold span, or is itself (≥ 8 characters) contained in one."""
    t = _WS.sub("", text)
    return any(g in t or (len(t) >= MIN_CONTAINED and t in g) for g in gold)


def first_hit(texts: list[str], gold: Iterable[str]) -> int | None:
    gold = tuple(gold)
    return next((r for r, t in enumerate(texts, 1) if is_hit(t, gold)), None)


def evaluate(queries: list[EvalQuery], search: Callable[[str], tuple[list[str], bool]]) -> list[Outcome]:
    """Run each query through `search` (query → ranked passage texts and the answered flag)."""
    outcomes = []
    for q in queries:
        texts, answered = search(q.query)
        outcomes.append(Outcome(q, first_hit(texts[:MRR_DEPTH], q.gold), texts, answered))
    return outcomes


def outcome_line(o: Outcome) -> str:
    """One query's outcome as a JSON line (eval --outcomes): two runs' files compare query by query
    (benchmarks/compare_outcomes.py)."""
    return json.dumps({"id": o.query.id, "style": o.query.style, "answerable": bool(o.query.gold), "rank": o.rank,
                       "answered": o.answered, "query": o.query.query, "first": o.top[0] if o.top else ""},
                      ensure_ascii=False)


def metrics(outcomes: list[Outcome]) -> Metrics:
    """Recall and MRR over the answerable queries among `outcomes`."""
    outcomes = [o for o in outcomes if o.query.gold]
    n = len(outcomes)
    recall = {c: sum(o.rank is not None and o.rank <= c for o in outcomes) / n if n else 0.0 for c in CUTOFFS}
    mrr = sum(1 / o.rank for o in outcomes if o.rank is not None and o.rank <= MRR_DEPTH) / n if n else 0.0
    return Metrics(n, recall, mrr)


@dataclass
class Flags:
    unanswerable: int
    flagged: int  # unanswerable queries flagged not answered
    answerable: int
    answered: int  # answerable queries flagged answered


def flags(outcomes: list[Outcome]) -> Flags:
    none = [o for o in outcomes if not o.query.gold]
    some = [o for o in outcomes if o.query.gold]
    return Flags(len(none), sum(not o.answered for o in none), len(some), sum(o.answered for o in some))


def by_style(outcomes: list[Outcome]) -> dict[str, Metrics]:
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        if o.query.gold:
            groups[o.query.style].append(o)
    return {style: metrics(group) for style, group in sorted(groups.items())}


def report(outcomes: list[Outcome]) -> str:
    """A plain-text table (overall and per style) followed by the misses (not first)."""
    header = f"{'style':<10}{'n':>4}" + "".join(f"{'R@' + str(c):>8}" for c in CUTOFFS) + f"{'MRR@10':>8}"
    lines = [header]
    for name, m in [("overall", metrics(outcomes)), *by_style(outcomes).items()]:
        lines.append(f"{name:<10}{m.n:>4}" + "".join(f"{m.recall[c]:>8.2f}" for c in CUTOFFS) + f"{m.mrr:>8.2f}")
    f = flags(outcomes)
    lines.append("")
    if f.unanswerable:
        lines.append(f"无法回答的查询标为“无直接回答”：{f.flagged}/{f.unanswerable}（{f.flagged / f.unanswerable:.0%}）")
    if f.answerable:
        lines.append(f"可回答的查询标为“已回答”：{f.answered}/{f.answerable}（{f.answered / f.answerable:.0%}）")
    misses = [o for o in outcomes if o.query.gold and o.rank != 1]
    if misses:
        lines.append("")
        lines.append(f"未排第一的查询（{len(misses)}）：")
    for o in misses:
        where = f"第 {o.rank} 位" if o.rank else "前 10 未命中"
        lines.append(f"  {o.query.id} [{o.query.style}] {o.query.query} → {where}{'' if o.answered else '（标为无直接回答）'}")
        lines.append(f"      期望：{o.query.gold[0]}")
        if o.top:
            lines.append(f"      首条：{o.top[0][:60]}")
    wrong = [o for o in outcomes if not o.query.gold and o.answered]
    if wrong:
        lines.append("")
        lines.append(f"无法回答却标为已回答（{len(wrong)}）：")
        lines.extend(f"  {o.query.id} {o.query.query} → {o.top[0][:50] if o.top else '（无结果）'}" for o in wrong)
    return "\n".join(lines)
