"""Study features: how long a 摘编, its documents, a quiz and a daily quote take, and state-store throughput.

Usage: python benchmarks/bench_study.py [--db data/assistant.db] [--topics 共同富裕 数字化改革 …]

These run inside chat handlers on the bot's event loop, so each must stay well under a second;
the first quiz and the first daily pool build corpus-wide tables once per corpus (printed apart).
"""
from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from assistant.search.engine import Searcher
from assistant.study import daily, document
from assistant.study.digest import TopicError, build_digest
from assistant.study.quiz import QuizMaker
from assistant.study.quotes import Quote
from assistant.study.state import StateStore

TOPICS = ["共同富裕", "数字化改革", "山海协作", "营商环境", "八八战略", "乡村振兴", "两个先行", "高质量发展"]


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, default=Path("data/assistant.db"))
    parser.add_argument("--topics", nargs="+", default=TOPICS)
    args = parser.parse_args()
    searcher, opened = timed(lambda: Searcher.open(args.db))
    print(f"open searcher: {ms(opened)}")

    print("\n摘编 (per topic): build, .docx render, .md render, quotes / sources")
    for topic in args.topics:
        try:
            digest, built = timed(lambda: build_digest(searcher, topic))
        except TopicError:
            print(f"  {topic}: no quotes")
            continue
        comp = document.from_digest(digest)
        data, docx_time = timed(lambda: document.render(comp, "docx"))
        _, md_time = timed(lambda: document.render(comp, "md"))
        print(f"  {topic}: {ms(built)}, {ms(docx_time)} ({len(data) // 1024} KB), {ms(md_time)}, "
              f"{len(digest.quotes)} / {len(digest.groups)}")

    maker = QuizMaker(searcher)
    _, first = timed(lambda: maker.make("", random.Random(0)))
    later = [timed(lambda: maker.make(t, random.Random(i)))[1] for i, t in enumerate(["", *args.topics[:4]] * 4)]
    print(f"\nquiz: first {ms(first)} (builds distractor pools), then median {ms(statistics.median(later))}, "
          f"max {ms(max(later))}")

    pool, pool_time = timed(lambda: daily.pool(searcher))
    print(f"daily pool (no topic): {len(pool)} key sentences in {ms(pool_time)}")

    with tempfile.TemporaryDirectory() as tmp:
        store = StateStore(Path(tmp) / "state.db")
        quote = Quote(text="坚持以人民为中心。", title="t", section="s")
        n = 500
        _, saving = timed(lambda: [store.save_quote(u, quote) for u in range(n)])
        _, picking = timed(lambda: [daily.mark_sent(store, u, daily.next_quote(store, u, pool, random.Random(u)))
                                    for u in range(n)])
        print(f"state store: save quote {saving / n * 1000:.2f} ms each, pick+mark daily quote "
              f"{picking / n * 1000:.2f} ms each ({n} users)")
        store.close()


if __name__ == "__main__":
    main()
