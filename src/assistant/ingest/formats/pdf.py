"""Text PDFs through pypdf (chosen by measurement: benchmarks/bench_pdf.py extracts a generated Chinese
PDF as accurately as pdfminer.six, about four times faster). Lines are hard-wrapped: paragraphs are inferred
from layout like any extracted text; each page's first line is marked so the running-header rule can find
headers and footers. A PDF without a text layer (a scan) is an error, not an empty document."""
from __future__ import annotations

import logging
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import PdfReadError

from assistant.ingest.formats import Element, FormatError, strip_controls

MIN_CHARS_PER_PAGE = 5  # fewer readable characters than this per page: no text layer


def read(path: Path) -> list[Element]:
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # font warnings are noise for a reader of the text
    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            raise FormatError(f"PDF 已加密，无法读取文字：{path}")
        pages = [strip_controls(page.extract_text() or "")[0] for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, OSError) as exc:
        raise FormatError(f"无法作为 PDF 读取：{path}（{exc}）") from exc
    chars = sum(len("".join(p.split())) for p in pages)
    if not pages or chars < MIN_CHARS_PER_PAGE * len(pages):
        raise FormatError(f"PDF 没有文字层（可能是扫描件）：{path}。请先做文字识别（OCR），另存为文字版 PDF 或 .docx 再添加")
    out: list[Element] = []
    for text in pages:
        lines = [ln for ln in text.splitlines() if ln.strip()]
        out.extend(Element(ln, wrapped=True, page_start=i == 0) for i, ln in enumerate(lines))
    return out
