"""Which places a province's rules bind: places.txt beside this module, read once per process.

A provincial regulation (浙江省…条例, …办法) applies in every city and county of the province, so a question on
杭州 is answered by it though it never names 杭州 (answered.py's place condition). Reports and plans are not:
what a 浙江省 report says of the province (全省生产总值…) is no figure of 宁波. The table also names places that
jieba's word list tags otherwise (嘉兴, 义乌: only 嘉兴市, 义乌市 are tagged places there).
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

PLACES_FILE = Path(__file__).with_name("places.txt")
# The kinds of document that bind throughout their territory (实施办法 and 实施细则 end with one).
RULE_KINDS = ("条例", "规定", "办法", "细则", "规则")


EVERYDAY_MARK = "~"  # a name that is also an everyday word (天台, 开封): named only with its 市/县/区


@lru_cache(maxsize=1)
def _table() -> dict[str, tuple[str, ...]]:
    """Province name → its places as listed (a name marked EVERYDAY_MARK keeps its mark)."""
    table = {}
    for line in PLACES_FILE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            province, *places = line.split()
            table[province] = tuple(places)
    return table


@lru_cache(maxsize=1)
def provinces() -> dict[str, frozenset[str]]:
    """Province name (as titles begin with it: 浙江, 内蒙古) → the bare names of the places in it."""
    return {province: frozenset(p.lstrip(EVERYDAY_MARK) for p in places) for province, places in _table().items()}


@lru_cache(maxsize=1)
def listed_places() -> frozenset[str]:
    """The places a question names by their bare name alone: every province and every place of the table but
    those that are also everyday words."""
    return frozenset(_table()).union(p for places in _table().values() for p in places
                                     if not p.startswith(EVERYDAY_MARK))


def bound_places(title: str, kind: str) -> frozenset[str]:
    """The places a document binds beyond those its title names: a province's rule, the places in the province."""
    if not kind.endswith(RULE_KINDS):
        return frozenset()
    return next((places for province, places in provinces().items() if title.startswith(province)), frozenset())
