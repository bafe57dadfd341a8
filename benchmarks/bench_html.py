"""Web pages: the reader (lxml and a punctuation heuristic) against trafilatura and readability-lxml.

    .venv/bin/python benchmarks/bench_html.py

On the generated portal pages of tests/html_support.py, per extractor: the document sentences recovered verbatim
(whitespace ignored), the furniture strings that got through (breadcrumb, ICP, 打印本页 …), whether the title is the
document's, and the time per page. trafilatura and readability-lxml are measured only when installed (neither is a
dependency).
"""
from __future__ import annotations

import re
import sys
import tempfile
import time
from pathlib import Path

import lxml.html

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import html_support as hs  # noqa: E402

_SPACE = re.compile(r"\s+")
_CJK = re.compile(r"[\u3400-\u9fff]")
_CONTENT = "//*[contains(@class,'TRS_Editor') or @id='zoom' or @class='content' or @class='bd']"


def expected(page: Path) -> tuple[str, list[str]]:
    """The document's title and its sentences, from the fixture's own markup (the content element it names)."""
    root = lxml.html.document_fromstring(page.read_bytes())
    title = {"rule.html": hs.RULE_TITLE, "dogs.htm": hs.GBK_TITLE, "waste.html": hs.BR_TITLE,
             "culture.html": hs.H1_TITLE, "notice.htm": hs.NOTICE_TITLE}[page.name]
    text = "\n".join(t for el in root.xpath(_CONTENT) for t in el.itertext())  # (a cell, a bold run: pieces)
    if page.name == "notice.htm":
        text += "\n某市人民政府办公室\n2025年4月1日"
    sentences = [s for s in re.split(r"(?<=[。；：])|\n", _SPACE.sub(lambda m: "\n" if "\n" in m.group() else "", text))
                 if len(_CJK.findall(s)) >= 4]
    return title, sentences


def ours(page: Path) -> tuple[str, str]:
    from assistant.ingest.formats import html

    elements = html.read(page)
    title = next((e.text for e in elements if e.heading == 1), "")
    return title, "\n".join(e.text for e in elements)


def trafilatura_(page: Path) -> tuple[str, str]:
    import trafilatura

    doc = trafilatura.bare_extraction(page.read_bytes(), include_tables=True, with_metadata=True, favor_precision=False)
    if doc is None:
        return "", ""
    doc = doc.as_dict() if hasattr(doc, "as_dict") else doc
    return doc.get("title") or "", doc.get("text") or ""


def readability_(page: Path) -> tuple[str, str]:
    from readability import Document

    doc = Document(page.read_bytes())
    body = lxml.html.fromstring(doc.summary(html_partial=True))
    return doc.short_title(), "\n".join(t for t in body.itertext())


def main() -> None:
    extractors = {"ours (lxml)": ours}
    for name, fn, module in (("trafilatura", trafilatura_, "trafilatura"), ("readability", readability_, "readability")):
        try:
            __import__(module)
            extractors[name] = fn
        except ImportError:
            print(f"({module} not installed: skipped)")
    with tempfile.TemporaryDirectory() as tmp:
        pages = [*hs.write_pages(Path(tmp)).values(), hs.write_notice(Path(tmp))]
        print(f"{'extractor':14} {'page':13} {'sentences':>9} {'furniture':>9} {'title':>5} {'ms':>7}")
        for name, fn in extractors.items():
            totals = [0, 0, 0, 0, 0.0]
            for page in pages:
                title, sentences = expected(page)
                t0 = time.perf_counter()
                for _ in range(5):
                    got_title, text = fn(page)
                ms = (time.perf_counter() - t0) / 5 * 1000
                flat = _SPACE.sub("", text)
                found = sum(_SPACE.sub("", s) in flat for s in sentences)
                leaked = [f for f in hs.FURNITURE if f in flat and f not in title]
                ok = _SPACE.sub("", got_title) == title
                print(f"{name:14} {page.name:13} {found:>4}/{len(sentences):<4} {len(leaked):>9} {'yes' if ok else 'no':>5} "
                      f"{ms:7.1f}  {' '.join(leaked[:6])}")
                totals = [totals[0] + found, totals[1] + len(sentences), totals[2] + len(leaked), totals[3] + ok,
                          totals[4] + ms]
            print(f"{name:14} {'ALL':13} {totals[0]:>4}/{totals[1]:<4} {totals[2]:>9} {totals[3]:>3}/{len(pages)} "
                  f"{totals[4] / len(pages):7.1f}")


if __name__ == "__main__":
    main()
