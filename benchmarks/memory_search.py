"""Where a searcher's memory goes: RSS after each step of opening a corpus and over the bench's queries, then by what.

Usage: python benchmarks/memory_search.py DB [--lexical] [--passes 4]

bench_search.py gives one figure, the peak (VmHWM); this says what makes it up, to decide what is worth
shrinking: RSS by mapping (the sbrk heap; anonymous maps, numpy's large arrays among them; each file mapped: the
model's weights, jieba's word table), the index's and the sentence vectors' arrays (those of 1 MB or more named), the
term cache, and glibc malloc's bytes in use and free (mallinfo2: memory freed but kept resident shows as free). The
queries are bench_search's, searched `--passes` times with the query vectors forgotten, as its timing loop does, so
the peak is the one it reports.
"""
from __future__ import annotations

import argparse
import ctypes
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))
import numpy as np  # noqa: E402

from bench_search import queries  # noqa: E402

MB = 1 << 20
FIELDS = ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")


class MallInfo(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in FIELDS]


def status(key: str) -> float:
    """A /proc/self/status figure in MB (VmRSS, VmHWM, RssAnon, RssFile)."""
    with open("/proc/self/status", encoding="ascii") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(key + ":")) / 1024


def malloc_line() -> str:
    """glibc's heap: sbrk'd, in use and free bytes, and what it mapped for large blocks ("" elsewhere)."""
    mallinfo2 = getattr(ctypes.CDLL(None), "mallinfo2", None)
    if mallinfo2 is None:
        return ""
    mallinfo2.restype = MallInfo
    m = mallinfo2()
    return (f"  malloc: heap {m.arena / MB:.1f}, in use {m.uordblks / MB:.1f}, free {m.fordblks / MB:.1f}, "
            f"large blocks mapped {m.hblkhd / MB:.1f} MB")


def step(label: str) -> None:
    print(f"{label:<22} RSS {status('VmRSS'):6.1f}  peak {status('VmHWM'):6.1f}  anonymous {status('RssAnon'):6.1f}  "
          f"files {status('RssFile'):5.1f} MB", flush=True)


def mappings(top: int = 10) -> None:
    """Resident MB by mapping (smaps), largest first."""
    rss: dict[str, int] = defaultdict(int)
    name = "[anon]"
    with open("/proc/self/smaps", encoding="utf-8", errors="replace") as f:
        for line in f:
            parts = line.split()
            if not line[0].isupper():  # a mapping's header: address range, perms, offset, device, inode [path]
                name = parts[5] if len(parts) > 5 else "[anon]"
            elif parts[0] == "Rss:":
                rss[name] += int(parts[1])
    print("resident by mapping:")
    for name, kb in sorted(rss.items(), key=lambda item: -item[1])[:top]:
        print(f"  {kb / 1024:7.1f} MB  {name}")


def arrays(searcher) -> None:
    """The index's arrays (each field's, then per passage), the vectors' and the term cache's, in MB."""
    index = searcher.index
    fields = {f"{name}.{k}": v for name, f in index.fields.items() for k, v in vars(f).items()
              if isinstance(v, np.ndarray)}
    passages = {k: v for k, v in vars(index).items() if isinstance(v, np.ndarray)}
    table = {f"table.{k}": v for k, v in vars(searcher.table).items() if isinstance(v, np.ndarray) and v.nbytes >= MB}
    print(f"index fields {sum(v.nbytes for v in fields.values()) / MB:.1f} MB: " + ", ".join(
        f"{k} {v.nbytes / MB:.1f}" for k, v in fields.items() if v.nbytes >= MB))
    print(f"per passage {sum(v.nbytes for v in passages.values()) / MB:.1f} MB ({index.size} passages); " + ", ".join(
        f"{k} {v.nbytes / MB:.1f}" for k, v in table.items()))
    if searcher.vectors is not None:
        v = searcher.vectors
        print(f"sentence vectors {v.codes.nbytes / MB:.1f} MB ({v.codes.dtype} {v.codes.shape}), "
              f"scale {v.scale.nbytes / MB:.1f}")
    cached = sum(docs.nbytes for docs, *_ in searcher._terms.values())
    print(f"term cache {len(searcher._terms)} terms, their documents {cached / MB:.1f} MB; "
          f"rows cached {len(searcher._row_cache)}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("db", type=Path)
    p.add_argument("--lexical", action="store_true", help="words alone, even when the corpus is embedded")
    p.add_argument("--passes", type=int, default=4, help="times the queries are searched (bench_search: 1 + 3)")
    a = p.parse_args()
    step("start")
    from assistant.search.engine import Searcher

    step("imports")
    searcher = Searcher.open(a.db, semantic=not a.lexical)
    step(f"open ({'with' if searcher.semantic else 'without'} vectors)")
    searcher.search("预热")
    step("first query")
    qs = queries()
    for n in range(a.passes):
        for q in qs:
            if searcher.semantic:
                searcher.encoder.query.cache_clear()
            searcher.search(q, k=10)
        step(f"{len(qs)} queries, pass {n + 1}")
    print(malloc_line())
    arrays(searcher)
    mappings()


if __name__ == "__main__":
    main()
