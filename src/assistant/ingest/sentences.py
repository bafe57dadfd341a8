"""Sentence splitting: sentence-level passages that fit a phone screen, verbatim.

Every function here only cuts: concatenating its output gives back its input exactly.
"""
from __future__ import annotations

import re

# A sentence ends at 。！？… (or a run of them), followed by any closing quotes/brackets.
_SENTENCE_END = re.compile(r"[。！？!?…]+[”’」』）)】]*")
_CLAUSE_END = re.compile(r"；[”’」』）)】]*")
_OPENERS = "“‘「『"
_CLOSERS = "”’」』"
_ONLY_PUNCT = re.compile(r"^[\W_]+$")
# An address to the audience opening a paragraph of a speech (`各位代表！`, `同志们，`).
ADDRESS = re.compile(r"^(?:各位代表|各位委员|同志们|朋友们)[！!：:，,]")
_BARE_ADDRESS = re.compile(r"^(?:各位代表|各位委员|同志们|朋友们)[！!]$")
# A speaker tag after a quotation (`“……。”杨海波说。`, `86岁的夏阿婆连连称赞。`): it finishes the quoted sentence.
_SPEECH_TAG = re.compile(r"^[^，。！？；：]{1,30}(?:说|表示|介绍|指出|强调|坦言|感慨|感叹|称赞|感言|而言)[。！]$")

MAX_PASSAGE = 160  # a quote that fits a phone screen


def split_sentences(text: str, limit: int = MAX_PASSAGE) -> list[str]:
    """Split a paragraph into sentences.

    Never inside 《…》. Not inside an open quotation either (“完成！这个项目…”), unless the quoted
    run would make a sentence longer than `limit`: then it is cut inside the quote too.
    """
    cuts = [(m.end(), _quote_depth(text, m.end()) > 0) for m in _SENTENCE_END.finditer(text) if not _inside_title(text, m.start())]
    pieces = _cut(text, [end for end, quoted in cuts if not quoted])
    out: list[str] = []
    start = 0
    for piece in pieces:
        inner = [end - start for end, quoted in cuts if quoted and start < end < start + len(piece)]
        out.extend(_cut(piece, inner) if len(piece) > limit and inner else [piece])
        start += len(piece)
    return _attach_fragments(_attach_stray_punctuation(out), limit)


def split_clauses(sentence: str, limit: int = MAX_PASSAGE) -> list[str]:
    """Split an over-long sentence at ； into clauses, merging short neighbours back up to `limit`."""
    if len(sentence) <= limit:
        return [sentence]
    parts = _cut(sentence, [m.end() for m in _CLAUSE_END.finditer(sentence)])
    merged: list[str] = []
    for part in parts:
        if merged and len(merged[-1]) + len(part) <= limit:
            merged[-1] += part
        else:
            merged.append(part)
    return merged


def _cut(text: str, ends: list[int]) -> list[str]:
    out, start = [], 0
    for end in ends:
        if end > start:
            out.append(text[start:end])
            start = end
    if start < len(text):
        out.append(text[start:])
    return out


def _attach_stray_punctuation(pieces: list[str]) -> list[str]:
    """A piece of punctuation alone (a closing quote cut off) belongs to the sentence before it."""
    out: list[str] = []
    for piece in pieces:
        if out and _ONLY_PUNCT.match(piece):
            out[-1] += piece
        else:
            out.append(piece)
    return out


def _attach_fragments(pieces: list[str], limit: int) -> list[str]:
    """Pieces that are not sentences of their own: a bare address (`各位代表！`) joins the sentence it
    introduces, a speaker tag (`杨海波说。`) the quotation it closes."""
    out: list[str] = []
    for piece in pieces:
        if out and (_BARE_ADDRESS.match(out[-1]) or _is_speech_tag(out[-1], piece, limit)):
            out[-1] += piece
        else:
            out.append(piece)
    return out


def _is_speech_tag(quote: str, piece: str, limit: int) -> bool:
    return quote[-1] in _CLOSERS and len(quote) + len(piece) <= limit and bool(_SPEECH_TAG.match(piece))


def _inside_title(text: str, pos: int) -> bool:
    """True when `pos` lies inside an open 《…》 title, where punctuation never ends a sentence."""
    return text.rfind("《", 0, pos) > text.rfind("》", 0, pos)


def _quote_depth(text: str, pos: int) -> int:
    depth = 0
    for ch in text[:pos]:
        if ch in _OPENERS:
            depth += 1
        elif ch in _CLOSERS and depth:
            depth -= 1
    return depth
