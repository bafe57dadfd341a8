"""Issue 8's acceptance on the six regulation fixtures: `add` five .md and one .docx with no flags, then measure.

    .venv/bin/python benchmarks/bench_add.py

Prints per document what `add` read (title, kind, issuer, dates) and the share of body passages with 第X条 in
their section path; counts passages holding Markdown or header text and list items made headings; checks that
every 第X条 lookup (Chinese and Arabic numerals) returns that article first; and evaluates the labelled
queries (tests/data/eval/test.jsonl) on the regulations and on the seeds, plus the shared dev set.
"""
from __future__ import annotations

import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

from assistant.ingest.add import add
from assistant.ingest.legal import ITEM, article, parse_number
from assistant.search.engine import Searcher
from assistant.search.evaluation import evaluate, load_queries, report

ROOT = Path(__file__).resolve().parent.parent
REGULATIONS = ROOT / "tests" / "data" / "regulations"
FILES = ["beijing-food-waste.md", "family-education-law.md", "guangdong-domestic-services.md",
         "migrant-worker-wages.md", "shanghai-dog-keeping.md", "patriotic-education-law.docx"]
LEAK = re.compile(r"^#|<!|-->|INFO END|会议(?:通过|批准)|\*\*")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        corpus, db = Path(tmp) / "corpus", Path(tmp) / "a.db"
        shutil.copytree(ROOT / "corpus", corpus)
        start = time.perf_counter()
        reports = add([REGULATIONS / f for f in FILES], corpus, db)
        print(f"add of {len(FILES)} files: {time.perf_counter() - start:.1f} s")
        searcher = Searcher.open(db)
        lookups = misses = 0
        for r in reports:
            s = r.source
            ps = searcher.corpus.passages(s.id)
            body = [p for p in ps if not p.is_heading]
            in_article = sum(1 for p in body if p.section and article(p.section[-1]))
            leaks = [p.text for p in ps if LEAK.search(p.text)]
            item_headings = [p.text for p in ps if p.is_heading and ITEM.match(p.text)]
            dates = ", ".join(f"{k}={v}" for k in ("passed", "approved", "promulgated", "effective", "revised")
                              if (v := getattr(s, k)))
            print(f"{r.file}: 《{s.title}》 kind={s.kind} issuer={s.issuer or '-'} date={s.date or '-'} {dates}")
            print(f"  {r.articles} articles, {len(ps)} passages; body with 第X条 in path {in_article}/{len(body)}"
                  f" = {in_article / len(body):.1%}; markdown/header leaks {len(leaks)}; item headings {len(item_headings)}")
            firsts: dict[str, str] = {}
            for p in ps:
                if p.section and article(p.section[-1]):
                    firsts.setdefault(p.section[-1], p.id)
            for label, pid in firsts.items():
                for query in (f"{s.title}{label}", f"{s.title}第{parse_number(label[1:-1])}条"):
                    lookups += 1
                    hits = searcher.search(query, k=1).hits
                    misses += not (hits and hits[0].passage.id == pid)
        print(f"第X条 lookups returning that article first: {lookups - misses}/{lookups}")
        queries = load_queries([ROOT / "tests" / "data" / "eval" / "test.jsonl"])
        run = lambda q: [h.passage.text for h in searcher.search(q, k=10).hits]  # noqa: E731
        for name, keep in (("regulations", lambda d: d and not d.startswith("00")), ("seeds", lambda d: d and d.startswith("00"))):
            subset = [q for q in queries if keep(q.doc)]
            print(f"\ntests/data/eval/test.jsonl, {name}:\n" + "\n".join(report(evaluate(subset, run)).splitlines()[:2]))
        shared = sorted((ROOT.parent / "shared" / "eval").glob("*.jsonl"))
        if shared:
            print("\n/work/shared/eval:\n" + "\n".join(report(evaluate(load_queries(shared), run)).splitlines()[:2]))


if __name__ == "__main__":
    sys.exit(main())
