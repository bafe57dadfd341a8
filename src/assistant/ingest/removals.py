"""Book-keeping of what cleaning removed: characters per rule and pieces dropped, for the ingest summary."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Removals:
    chars: Counter = field(default_factory=Counter)  # rule name -> characters removed
    pieces: Counter = field(default_factory=Counter)  # rule name -> lines/blocks/fragments dropped
    texts: list[tuple[str, str]] = field(default_factory=list)  # (rule, text) of every dropped piece

    def add(self, rule: str, chars: int, pieces: int = 0) -> None:
        if chars or pieces:
            self.chars[rule] += chars
            self.pieces[rule] += pieces

    def drop(self, rule: str, text: str) -> None:
        """Record one dropped piece of text (a line, a block, a fragment)."""
        self.add(rule, len(text), 1)
        self.texts.append((rule, text))
