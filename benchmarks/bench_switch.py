"""Corpus hot switch under load: 20 questions/s through the chat core while the corpus file is replaced.

Prints failed requests and latency p50/p99 before, during (from the replacement until the new index is
installed, plus one second) and after the switch. Usage: python benchmarks/bench_switch.py [DB]
"""
from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from assistant.chat import Request, build_core
from assistant.search.engine import Searcher

RATE = 20.0
SECONDS = 14.0
SWITCH_AT = 4.0
QUERIES = ["共同富裕示范区", "山海协作", "数字化改革", "营商环境", "科技创新", "乡村振兴", "高质量发展", "数字经济"]


def pct(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * share + 0.999) - 1)] if ordered else float("nan")


def main() -> None:
    source = Path(sys.argv[1] if len(sys.argv) > 1 else "data/assistant.db")
    folder = Path(tempfile.mkdtemp())
    live = folder / "assistant.db"
    shutil.copy(source, live)
    core = build_core(Searcher.open(live), reopen=lambda: Searcher.open(live))
    switch = core.watch_corpus(live)
    first = core.searcher
    samples: list[tuple[float, float, bool]] = []  # (start offset, latency ms, ok)
    lock = threading.Lock()
    window = [float("inf"), float("inf")]

    def ask(i: int, t0: float) -> None:
        started = time.perf_counter()
        try:
            ok = bool(core.handle_message(Request(i % 200, i % 200, QUERIES[i % len(QUERIES)], channel="bench")).quotes())
        except Exception:  # noqa: BLE001 (counted as a failure)
            ok = False
        with lock:
            samples.append((started - t0, (time.perf_counter() - started) * 1000, ok))

    t0 = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        i = 0
        while (now := time.perf_counter() - t0) < SECONDS:
            if now >= SWITCH_AT and window[0] == float("inf"):
                tmp = folder / ".incoming"
                shutil.copy(source, tmp)
                tmp.replace(live)
                window[0] = now
            if core.searcher is not first and window[1] == float("inf"):
                window[1] = now + 1.0
            pool.submit(ask, i, t0)
            i += 1
            time.sleep(max(0.0, t0 + i / RATE - time.perf_counter()))
    switch.wait()
    shutil.rmtree(folder)
    failed = sum(1 for *_, ok in samples if not ok)
    print(f"{len(samples)} questions at {RATE:.0f}/s, {failed} failed; switched: {core.searcher is not first}, "
          f"new index installed {window[1] - 1.0 - window[0]:.2f} s after the file was replaced")
    for name, keep in (("before", lambda s: s < window[0]), ("during", lambda s: window[0] <= s < window[1]),
                       ("after", lambda s: s >= window[1])):
        lat = [ms for s, ms, _ in samples if keep(s)]
        if lat:
            print(f"  {name:6} n={len(lat):4}  p50 {statistics.median(lat):6.1f} ms  p99 {pct(lat, 0.99):6.1f} ms"
                  f"  max {max(lat):6.1f} ms")


if __name__ == "__main__":
    main()
