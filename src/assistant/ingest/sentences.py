"""Sentence splitting: sentence-level passages that fit a phone screen, verbatim."""
from __future__ import annotations

import re

# A sentence ends at 。！？… (or a run of them), followed by any closing quotes/brackets.
_SENTENCE_END = re.compile(r"[。！？!?…]+[”’」』）)】]*")
_CLAUSE_END = re.compile(r"；[”’」』）)】]*")

MAX_PASSAGE = 160


def split_sentences(text: str) -> list[str]:
    """Split a paragraph into sentences; concatenating the result gives back `text` exactly."""
    out, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        if _inside_title(text, m.start()):
            continue
        out.append(text[start : m.end()])
        start = m.end()
    if start < len(text):
        out.append(text[start:])
    return [s for s in out if s]


def split_clauses(sentence: str, limit: int = MAX_PASSAGE) -> list[str]:
    """Split an over-long sentence at ； into clauses, merging short neighbours back up to `limit`."""
    if len(sentence) <= limit:
        return [sentence]
    parts, start = [], 0
    for m in _CLAUSE_END.finditer(sentence):
        parts.append(sentence[start : m.end()])
        start = m.end()
    if start < len(sentence):
        parts.append(sentence[start:])
    merged: list[str] = []
    for part in parts:
        if merged and len(merged[-1]) + len(part) <= limit:
            merged[-1] += part
        else:
            merged.append(part)
    return merged


def _inside_title(text: str, pos: int) -> bool:
    """True when `pos` lies inside an open 《…》 title, where punctuation never ends a sentence."""
    return text.rfind("《", 0, pos) > text.rfind("》", 0, pos)
