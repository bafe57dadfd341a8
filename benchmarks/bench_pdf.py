"""PDF reading: pypdf against pdfminer.six on a generated Chinese text PDF, then `add` of a 100-page PDF.

    .venv/bin/python benchmarks/bench_pdf.py [--pages 100]

Prints, per library, the characters recovered (difflib ratio of extracted to drawn text, whitespace
ignored) and the extraction time; then the wall time and peak memory (max RSS of the child process) of
`python -m assistant add` of that PDF into a copy of the corpus (which re-ingests the whole folder).
pdfminer.six is measured only when installed (it is not a dependency).
"""
from __future__ import annotations

import argparse
import difflib
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from regulation_support import pdf_pages, write_pdf  # noqa: E402

_SPACE = re.compile(r"\s+")


def recovered(expected: str, got: str) -> float:
    return difflib.SequenceMatcher(None, _SPACE.sub("", expected), _SPACE.sub("", got), autojunk=False).ratio()


def extract_pypdf(path: Path) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(str(path)).pages]


def extract_pdfminer(path: Path) -> list[str]:
    from pdfminer.high_level import extract_text

    return extract_text(str(path)).split("\f")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        pdf = write_pdf(tmp / "regulation.pdf", pages=args.pages)
        pages = pdf_pages(args.pages)
        print(f"{args.pages} 页，{sum(len(_SPACE.sub('', ''.join(p))) for p in pages)} 字正文，文件 {pdf.stat().st_size // 1024} KB")
        for name, extract in (("pypdf", extract_pypdf), ("pdfminer.six", extract_pdfminer)):
            try:
                start = time.perf_counter()
                got = extract(pdf)
                seconds = time.perf_counter() - start
            except ImportError:
                print(f"{name:13s} 未安装，跳过")
                continue
            sample = range(0, args.pages, max(1, args.pages // 10))  # difflib is quadratic: every tenth page
            ratio = sum(recovered("".join(pages[i]), got[i]) for i in sample) / len(sample)
            print(f"{name:13s} 提取 {seconds:6.2f} s，正文还原 {ratio:.4f}（含页眉页码）")
        corpus = tmp / "corpus"
        shutil.copytree(ROOT / "corpus", corpus)
        start = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "assistant", "add", str(pdf), "--corpus", str(corpus), "--db", str(tmp / "a.db"), "--lexical"],
            capture_output=True, text=True, cwd=ROOT,
        )
        seconds = time.perf_counter() - start
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        if proc.returncode:
            sys.exit(f"add 失败：{proc.stderr}")
        summary = [ln for ln in proc.stdout.splitlines() if ln.strip().startswith(("结构", "语句"))]
        print(f"add {args.pages} 页 PDF（并重建整个语料库）：{seconds:.1f} s，峰值内存 {peak_mb:.0f} MB")
        print("\n".join(summary))


if __name__ == "__main__":
    main()
