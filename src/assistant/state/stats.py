"""Statistics over the query log, for `python -m assistant stats` and the admins' `/stats`.

Questions per day and channel, the most asked queries, the questions the search could not answer
directly (the maintainers' to-do list: a missing document or synonym), and latency percentiles.
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass

from assistant.state.base import StateDB
from assistant.state.querylog import day_of


@dataclass(frozen=True)
class DayCount:
    day: str
    channel: str
    questions: int
    answered: int
    users: int


@dataclass(frozen=True)
class QueryCount:
    query: str
    count: int
    results: int  # the most results it got


@dataclass(frozen=True)
class Stats:
    since: str  # first day counted (Asia/Shanghai)
    days: int
    questions: int
    answered: int
    users: int
    per_day: list[DayCount]
    top: list[QueryCount]
    unanswered: list[QueryCount]  # every distinct question not answered directly, most asked first
    p50_ms: float | None
    p99_ms: float | None

    def to_dict(self) -> dict:
        return asdict(self)


def _percentile(db: StateDB, since: str, n: int, share: float) -> float | None:
    """Nearest-rank percentile of the latencies, sorted by the database."""
    if n == 0:
        return None
    rank = max(1, -(-n * share // 1))  # ceil(n * share)
    row = db.one("select latency_ms from query_log where day >= ? order by latency_ms limit 1 offset ?",
                 [since, int(rank) - 1])
    return float(row["latency_ms"])


def _counts(db: StateDB, since: str, where: str, limit: int | None) -> list[QueryCount]:
    rows = db.query(
        f"select query, count(*) as n, max(results) as results from query_log where day >= ? {where} "
        "group by query order by n desc, query" + (" limit ?" if limit else ""),
        [since, limit] if limit else [since],
    )
    return [QueryCount(r["query"], int(r["n"]), int(r["results"])) for r in rows]


def collect(db: StateDB, days: int = 7, top: int = 20, unanswered: int | None = None,
            now: float | None = None) -> Stats:
    """The last `days` calendar days (today included); `unanswered` limits that list (None: all)."""
    now = time.time() if now is None else now
    since = day_of(now - (days - 1) * 86400)
    per_day = [
        DayCount(r["day"], r["channel"], int(r["n"]), int(r["ok"]), int(r["users"]))
        for r in db.query(
            "select day, channel, count(*) as n, sum(answered) as ok, count(distinct user_hash) as users "
            "from query_log where day >= ? group by day, channel order by day, channel", [since])
    ]
    total = db.one("select count(*) as n, coalesce(sum(answered), 0) as ok, count(distinct user_hash) as users "
                   "from query_log where day >= ?", [since])
    n = int(total["n"])
    return Stats(
        since=since, days=days, questions=n, answered=int(total["ok"]), users=int(total["users"]), per_day=per_day,
        top=_counts(db, since, "", top), unanswered=_counts(db, since, "and answered = 0", unanswered),
        p50_ms=_percentile(db, since, n, 0.50), p99_ms=_percentile(db, since, n, 0.99),
    )


def render(stats: Stats) -> str:
    """Plain Chinese text, for the terminal and the chat alike."""
    def ms(value: float | None) -> str:
        return "—" if value is None else f"{value:.1f} 毫秒"

    share = f"{stats.answered / stats.questions:.0%}" if stats.questions else "—"
    lines = [
        f"统计：{stats.since} 起 {stats.days} 天，共 {stats.questions} 个问题，{stats.users} 位用户，"
        f"直接答到 {stats.answered} 个（{share}）；耗时 p50 {ms(stats.p50_ms)}，p99 {ms(stats.p99_ms)}。",
        "",
        "按日期与渠道（问题数 / 直接答到 / 用户数）：",
    ]
    lines += [f"  {d.day} {d.channel}：{d.questions} / {d.answered} / {d.users}" for d in stats.per_day] or ["  （无）"]
    lines += ["", "问得最多："]
    lines += [f"  {i}. {q.query}（{q.count} 次）" for i, q in enumerate(stats.top, 1)] or ["  （无）"]
    lines += ["", "没有直接答案的问题（待补充文件或同义词）："]
    lines += [f"  {i}. {q.query}（{q.count} 次，{q.results} 条结果）"
              for i, q in enumerate(stats.unanswered, 1)] or ["  （无）"]
    return "\n".join(lines)
