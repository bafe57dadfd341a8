"""Issue 8's acceptance on the six regulation fixtures: `add` five .md and one .docx with no flags, then measure.

    .venv/bin/python benchmarks/bench_add.py [--word]

With --word the six regulations are added as Word files typed with automatic numbering (第%1章, 第%1条, （%1）
from numbering.xml, not text), made from their Markdown by tests/data/regulations/make_docx.py.

Prints per document what `add` read (title, kind, issuer, dates) and the share of body passages with 第X条 in
their section path; counts passages holding Markdown or header text and list items made headings; checks that
every 第X条 lookup (Chinese and Arabic numerals) returns that article first; and evaluates the labelled
queries (tests/data/eval/test.jsonl) on the regulations and on the seeds, plus the shared dev set.
"""
from __future__ import annotations

import importlib.util
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


def numbered_copy(source: Path, folder: Path) -> Path:
    """A Word copy of a Markdown regulation whose numbers are Word's automatic numbering."""
    spec = importlib.util.spec_from_file_location("make_docx", REGULATIONS / "make_docx.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.markdown_to_numbered_docx(source, folder / f"{source.stem}.docx")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        corpus, db = Path(tmp) / "corpus", Path(tmp) / "a.db"
        shutil.copytree(ROOT / "corpus", corpus)
        files = [REGULATIONS / f for f in FILES]
        if "--word" in sys.argv:
            files = [numbered_copy(REGULATIONS / f"{Path(f).stem}.md", Path(tmp)) for f in FILES]
        start = time.perf_counter()
        reports = add(files, corpus, db)
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
        def run(query: str) -> tuple[list[str], bool]:
            results = searcher.search(query, k=10)
            return [h.passage.text for h in results.hits], results.answered

        for name, keep in (("regulations", lambda d: d and not d.startswith("00")), ("seeds", lambda d: d and d.startswith("00"))):
            subset = [q for q in queries if keep(q.doc)]
            print(f"\ntests/data/eval/test.jsonl, {name}:\n" + "\n".join(report(evaluate(subset, run)).splitlines()[:2]))
        shared = sorted((ROOT.parent / "shared" / "eval").glob("*.jsonl"))
        if shared:
            print("\n/work/shared/eval:\n" + "\n".join(report(evaluate(load_queries(shared), run)).splitlines()[:2]))


if __name__ == "__main__":
    sys.exit(main())
