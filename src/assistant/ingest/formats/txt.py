"""Plain text: hard-wrapped lines as extracted (the seeds), or one paragraph a line; layout decides which."""
from __future__ import annotations

from pathlib import Path

from assistant.ingest.formats import Element, decode_text


def read(path: Path) -> list[Element]:
    text = decode_text(path, Path(path).read_bytes())
    return [Element(line, wrapped=True) for line in text.splitlines()]
