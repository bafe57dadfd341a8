"""Bot latency and throughput through the fake Bot API server, with `python bot.py` as a real process.

    .venv/bin/python benchmarks/bench_bot.py [--db data/assistant.db]

1. latency: 200 questions at a steady 20/s (distinct users), rate limiter on as deployed,
   server enforcing Telegram's flood limits: p50/p99 from update available to reply received.
2. throughput: rate limiter off, no server limits: 1000 questions at once, answers per second.
3. burst: rate limiter on, server limits on (30/s overall, 1/s per chat): 300 questions from
   300 users at once; all must be answered with no 429 served.
4. stall: the first /digest and /quiz after start-up while others ask at 20/s: the questions must not wait.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from fake_bot_api import FakeBotApi  # noqa: E402

QUESTIONS = [
    "共同富裕示范区的发展目标", "山海协作工程", "数字化改革", "营商环境", "山区26县跨越式发展", "中等收入群体",
    "八八战略", "两个先行", "公共服务优质共享", "基层治理", "新质生产力", "乡村振兴", "生态文明建设",
    "如何缩小城乡差距", "高质量发展", "法治浙江", "人才强省", "文化强省", "党的全面领导", "数字经济",
]


def start_bot(api: FakeBotApi, db: Path, rate_limit: bool) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
    env.update(api.env(ASSISTANT_DB=str(db), LOG_LEVEL="WARNING", TELEGRAM_RATE_LIMIT="on" if rate_limit else "off",
                       PYTHONPATH=str(ROOT / "src")))
    log = tempfile.TemporaryFile("w+")
    proc = subprocess.Popen([sys.executable, str(ROOT / "bot.py")], env=env, cwd=ROOT, stderr=log)
    try:
        api.wait_for("setMyCommands", timeout=60)  # post_init done; polling starts next
    except TimeoutError:
        proc.kill()
        log.seek(0)
        raise SystemExit(f"bot did not start:\n{log.read()[-3000:]}") from None
    for i in range(10):  # warm-up: code paths, caches, connection pool
        api.message(QUESTIONS[i], user_id=9_000_000 + i)
    for i in range(10):
        api.wait_for("sendMessage", lambda c, u=9_000_000 + i: c.params["chat_id"] == u, timeout=30)
    return proc


def stop_bot(proc: subprocess.Popen) -> None:
    proc.terminate()
    proc.wait(timeout=30)


def replies_by_chat(api: FakeBotApi) -> dict[int, float]:
    first: dict[int, float] = {}
    for c in api.find("sendMessage"):
        first.setdefault(c.params["chat_id"], c.at)
    return first


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def latency(db: Path, n: int = 200, rate: float = 20.0) -> None:
    with FakeBotApi(flood_limits=True) as api:
        proc = start_bot(api, db, rate_limit=True)
        pushed = {}
        start = time.monotonic()
        for i in range(n):
            time.sleep(max(0.0, start + i / rate - time.monotonic()))
            update = api.message(QUESTIONS[i % len(QUESTIONS)], user_id=100_000 + i)
            pushed[100_000 + i] = api.pushed_at(update["update_id"])
        api.wait_for("sendMessage", lambda c: c.params["chat_id"] == 100_000 + n - 1, timeout=60)
        got = replies_by_chat(api)
        ms = [(got[u] - t) * 1000 for u, t in pushed.items() if u in got]
        stop_bot(proc)
        print(f"latency  {len(ms)}/{n} answered at {rate:.0f}/s: p50 {percentile(ms, 50):.1f} ms, "
              f"p99 {percentile(ms, 99):.1f} ms, max {max(ms):.1f} ms (target p99 <= 30 ms); 429s served: {api.rejected}")


def ask_all(api: FakeBotApi, first_user: int, n: int) -> tuple[float, dict[int, float]]:
    """Push n questions from n users at once; wait for every answer. Returns (start, user -> first reply time)."""
    start = time.monotonic()
    for i in range(n):
        api.message(QUESTIONS[i % len(QUESTIONS)], user_id=first_user + i)
    users = range(first_user, first_user + n)
    api.wait_for("sendMessage", lambda c: c.params["chat_id"] in users, count=n, timeout=120)
    return start, {u: t for u, t in replies_by_chat(api).items() if u in users}


def throughput(db: Path, n: int = 1000) -> None:
    with FakeBotApi() as api:
        proc = start_bot(api, db, rate_limit=False)
        start, got = ask_all(api, 200_000, n)
        elapsed = max(got.values()) - start
        stop_bot(proc)
        print(f"throughput  {len(got)} questions answered in {elapsed:.2f} s = {len(got) / elapsed:.0f}/s "
              f"(rate limiter off; target >= 150/s)")


def burst(db: Path, n: int = 300) -> None:
    with FakeBotApi(flood_limits=True) as api:
        proc = start_bot(api, db, rate_limit=True)
        start, got = ask_all(api, 300_000, n)
        elapsed = time.monotonic() - start
        stop_bot(proc)
        print(f"burst  {len(got)}/{n} users answered in {elapsed:.1f} s ({len(got) / elapsed:.1f}/s) with the limiter on; "
              f"429s served by the server: {api.rejected}")


def stall(db: Path, n: int = 20, rate: float = 20.0) -> None:
    """The first /digest and /quiz after start-up while other users ask questions at `rate`/s."""
    with FakeBotApi() as api:
        proc = start_bot(api, db, rate_limit=True)
        slow = {400_001: "/digest 共同富裕", 400_002: "/quiz 数字化改革"}
        start = time.monotonic()
        for user, command in slow.items():
            api.message(command, user_id=user)
        pushed = {}
        for i in range(n):
            time.sleep(max(0.0, start + i / rate - time.monotonic()))
            update = api.message(QUESTIONS[i % len(QUESTIONS)], user_id=410_000 + i)
            pushed[410_000 + i] = api.pushed_at(update["update_id"])
        api.wait_for("sendMessage", lambda c: c.params["chat_id"] == 400_001, timeout=60)
        api.wait_for("sendPoll", lambda c: c.params["chat_id"] == 400_002, timeout=60)
        api.wait_for("sendMessage", lambda c: c.params["chat_id"] in pushed, count=n, timeout=60)
        got = replies_by_chat(api)
        digest_ms = (got[400_001] - start) * 1000
        quiz_ms = (api.find("sendPoll")[0].at - start) * 1000
        ms = [(got[u] - t) * 1000 for u, t in pushed.items()]
        stop_bot(proc)
        print(f"stall  first /digest answered in {digest_ms:.0f} ms, first /quiz in {quiz_ms:.0f} ms; meanwhile {n} "
              f"questions at {rate:.0f}/s: p50 {percentile(ms, 50):.1f} ms, max {max(ms):.1f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=ROOT / "data" / "assistant.db")
    parser.add_argument("--only", choices=["latency", "throughput", "burst", "stall"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as state:  # the bots' user data (sessions behind buttons) stays out of data/
        os.environ["ASSISTANT_STATE_DB"] = str(Path(state) / "state.db")
        for name, run in (("latency", latency), ("throughput", throughput), ("burst", burst), ("stall", stall)):
            if args.only in (None, name):
                run(args.db.resolve())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
