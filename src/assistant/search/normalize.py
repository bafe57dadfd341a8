"""Text normalisation shared by indexing and querying, so both sides compare like with like."""
from __future__ import annotations

import unicodedata
from functools import lru_cache

from opencc import OpenCC

_T2S = OpenCC("t2s")


def normalize(text: str) -> str:
    """Full-width → half-width (NFKC), traditional → simplified, lower case."""
    return _T2S.convert(unicodedata.normalize("NFKC", text)).lower()


@lru_cache(maxsize=4096)
def normalize_cached(text: str) -> str:
    return normalize(text)
