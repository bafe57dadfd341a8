"""Build a Word copy of a regulation fixture, so .docx ingestion is tested on the same text as the Markdown.

The Markdown shape is the one law collections share: `# title`, header lines (通过/施行 dates), an
`<!-- INFO END -->` comment, `## 第X章` headings and one paragraph per article or item. In the Word copy the
title takes the Title style, chapters take Heading 1, the comment is dropped and every other line is a
normal paragraph, as a document typed in Word would have it.

    python tests/data/regulations/make_docx.py [SOURCE.md [TARGET.docx]]
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx import Document

HERE = Path(__file__).resolve().parent
DEFAULT_SOURCE = HERE / "patriotic-education-law.md"


def markdown_to_docx(source: Path, target: Path) -> Path:
    """Write `target` from the Markdown regulation `source`; return `target`."""
    document = Document()
    for line in source.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("<!--"):
            continue
        if line.startswith("## "):
            document.add_heading(line[3:].strip(), level=1)
        elif line.startswith("# "):
            document.add_heading(line[2:].strip(), level=0)
        else:
            document.add_paragraph(line)
    document.save(target)
    return target


def main(argv: list[str]) -> int:
    source = Path(argv[1]) if len(argv) > 1 else DEFAULT_SOURCE
    target = Path(argv[2]) if len(argv) > 2 else source.with_suffix(".docx")
    print(markdown_to_docx(source, target))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
