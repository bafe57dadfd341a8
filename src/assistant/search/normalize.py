"""Text normalisation shared by indexing and querying, so both sides compare like with like."""
from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache

from opencc import OpenCC

_T2S = OpenCC("t2s")


@lru_cache(maxsize=1024)
def normalize(text: str) -> str:
    """Full-width → half-width (NFKC), traditional → simplified, lower case (cached: a search normalises its
    query in several places)."""
    return _T2S.convert(unicodedata.normalize("NFKC", text)).lower()


_FOLD = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_FOLD |= {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}
_FOLD |= {c: c - 0xFEE0 + 32 for c in range(0xFF21, 0xFF3B)}  # full-width capitals → lower ASCII


_FOLDS_WORDS = re.compile(r"[Ａ-Ｚａ-ｚ０-９A-Z\u3000]")


def fold(text: str) -> str:
    """The cheap part of `normalize` (full-width → ASCII, lower case) for texts already in simplified
    Chinese, e.g. the corpus passages being re-ranked: a table lookup, far cheaper than NFKC."""
    return text.translate(_FOLD)


def fold_words(text: str) -> str:
    """`fold` limited to what changes words (letters, digits), leaving punctuation: cheaper still,
    as most passages need no change at all. Enough wherever only words are compared."""
    return text.translate(_FOLD) if _FOLDS_WORDS.search(text) else text


_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")


def strip_markup(query: str) -> str:
    """A query as typed, without HTML pasted along with it (`<b>共同富裕</b>`, `&amp;`, `&nbsp;`): its tag names
    and entity names are not words asked. Angle brackets around Chinese (`<家庭教育促进法>`) are kept: people type
    them as title marks."""
    if "<" not in query and "&" not in query:
        return query
    return html.unescape(_TAG.sub(" ", query)).replace("\xa0", " ")
