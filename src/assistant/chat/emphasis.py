"""Which matched words a quote bolds: kept apart from rendering so the search JSON (search/output.py) reads it
without importing the renderers and the Reply types (a command's start)."""
from __future__ import annotations

BOLD_TERMS = 2  # distinct words bolded per answer: the rarest the user typed
BOLD_SHARE = 0.015  # a word in more than this share of all sentences (目标 2%, 示范区 2.7%) is not bolded …


def bold_terms(terms: tuple[str, ...], share=lambda term: 0.0) -> tuple[str, ...]:
    """The matched words worth bolding: the user's distinctive words, at most BOLD_TERMS of them, rarest
    first. Single characters only when nothing longer matched (a lone 建 lit up in every 建设 is noise), and
    words found in many sentences (增长, 目标) only when nothing rarer did. `share(term)` is the share of
    all sentences holding the term."""
    longer = [t for t in dict.fromkeys(terms) if len(t) > 1] or list(dict.fromkeys(terms))
    rare = [t for t in longer if share(t) <= BOLD_SHARE] or sorted(longer, key=share)[:1]
    return tuple(sorted(rare, key=share)[:BOLD_TERMS])
