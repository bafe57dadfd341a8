"""Places: the names a question may state (jieba's place list and places.txt beside this module) and which places
a document's rules bind.

A provincial regulation (浙江省…条例, …办法) applies in every city and county of the province, so a question on
杭州 is answered by it though it never names 杭州 (answered.py's place condition), as a question on 萧山 is by a
杭州市 regulation (the table lists Zhejiang's counties and districts by city). Reports and plans are not:
what a 浙江省 report says of the province (全省生产总值…) is no figure of 宁波. A national rule (a law, a State
Council regulation: its title names no place) binds everywhere, and answers the questions of the corpus's home
province (ranking.toml `home`: its users say 浙江 or 杭州 of what holds for them); a question naming another place is
asked of that place's own rules (广州 and 劳动合同法: no direct answer). The table also names places that jieba's
word list tags otherwise (嘉兴, 义乌: only 嘉兴市, 义乌市 are tagged places there).
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from assistant.search.dictionary import word_table

PLACES_FILE = Path(__file__).with_name("places.txt")
NATIONAL = frozenset({"中国", "中华人民共和国"})  # contains every place: a national law or a province's plan lies in it
# The kinds of document that bind throughout their territory (实施办法 and 实施细则 end with one); a 法 is national.
RULE_KINDS = ("条例", "规定", "办法", "细则", "规则")
LAW = "法"
CITY_FORM = "市"  # a line of places.txt naming a city (杭州市) lists its county-level divisions
SPECIAL_ZONE = "经济特区"  # 深圳经济特区…条例, 汕头经济特区…条例: the city's own rules, binding its districts as 深圳市… would
EVERYDAY_MARK = "~"  # a name that is also an everyday word (天台, 开封): named only with its 市/县/区
_LOCAL_FORMS = ("省", "市", "县", "区", "州", "自治区", "自治州")  # a place's administrative forms heading a title
# A title opening with a province the table does not know (a made-up 某江省, a misspelt one): no national rule
_PROVINCE_TITLE = re.compile(r"^[\u4e00-\u9fff]{1,3}(?:省|自治区)")
_MUNICIPALITIES = ("北京", "上海", "天津", "重庆", "香港", "澳门", "台湾")  # local, whether the table lists them or not
# A division the table writes in full (商城县, 文登区, 荣成市): named only so; its bare name is the rest
_FULL_FORM = re.compile(r"(?:自治县|自治旗|林区|特区|区|县|市|旗)$")
_FULL_FORM_END = re.compile(r"[区县市旗]")  # the last character of each suffix _FULL_FORM ends with
_SUFFIXES = ("区", "县", "市", "旗", "自治县", "自治旗", "林区", "特区")  # those of _FULL_FORM


@lru_cache(maxsize=1)
def place_names() -> frozenset[str]:
    """Place names of jieba's dictionary (tag ns, 2+ characters), read once per process (dictionary.py keeps them)."""
    return frozenset(w for w in word_table().places if len(w) > 1 and w not in NATIONAL)


@lru_cache(maxsize=1)
def _table() -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    """Province name → its places as listed, with the divisions of its cities' lines; city name (bare) → its
    divisions (a name marked EVERYDAY_MARK keeps its mark)."""
    table: dict[str, tuple[str, ...]] = {}
    cities: dict[str, tuple[str, ...]] = {}
    province = ""
    for line in PLACES_FILE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, *places = line.split()
            if name.endswith(CITY_FORM):  # a city of the province above, with its county-level divisions
                cities[name.removesuffix(CITY_FORM)] = tuple(places)
                table[province] += tuple(places)
            else:
                province = name
                table[province] = tuple(places)
    return table, cities


@lru_cache(maxsize=1)
def provinces() -> dict[str, frozenset[str]]:
    """Province name (as titles begin with it: 浙江, 内蒙古) → the bare names of the places in it."""
    return {province: _bare(places) for province, places in _table()[0].items()}


@lru_cache(maxsize=1)
def cities() -> dict[str, frozenset[str]]:
    """City name (杭州) → the bare names of its county-level divisions, for the cities the table lists them of."""
    return {city: _bare(places) for city, places in _table()[1].items()}


def _bare(places: tuple[str, ...]) -> frozenset[str]:
    """The names as questions state them: 天台 of ~天台; a division written in full stays so (文登区: its bare name
    may be an everyday word, 商城 a mall, which a question on malls must not find bound by 河南省's rules)."""
    return frozenset(p.lstrip(EVERYDAY_MARK) for p in places)


def _named_as_written(place: str) -> bool:
    return place.startswith(EVERYDAY_MARK) or _FULL_FORM.search(place) is not None


@lru_cache(maxsize=1)
def listed_places() -> frozenset[str]:
    """The places a question names by their bare name alone: every province and every place of the table but
    those that are also everyday words or written in full (see written_places)."""
    table = _table()[0]
    return frozenset(table).union(p for places in table.values() for p in places if not _named_as_written(p))


@lru_cache(maxsize=1)
def _full_forms() -> tuple[frozenset[str], tuple[int, ...]]:
    """The divisions the table writes in full, and the lengths of their names."""
    full = frozenset(p for places in _table()[0].values() for p in places if _FULL_FORM.search(p))
    return full, tuple(sorted({len(p) for p in full}, reverse=True))


def written_places(text: str) -> list[str]:
    """The divisions the table writes in full (商城县, 文登区) that the text names: jieba's word list knows few of
    them, and their bare names are often everyday words (商城, 新华). Each ends with a suffix's last character
    (_FULL_FORM_END), so only the stretches ending at one of those are looked up, by length, and kept as a search
    from the left keeps them: the longest of those starting first, then the next starting after it ends (a pattern
    of the some 2,000 names cost ~20 µs a text holding such a character; this, 1–2 µs)."""
    ends = [m.end() for m in _FULL_FORM_END.finditer(text)]
    if not ends:
        return []
    full, lengths = _full_forms()
    found = [(end - n, end) for end in ends for n in lengths if n <= end and text[end - n : end] in full]
    out, reached = [], 0
    for start, end in sorted(found, key=lambda f: (f[0], -f[1])):
        if start >= reached:
            out.append(text[start:end])
            reached = end
    return list(dict.fromkeys(out))


def written_as(place: str, written: list[str]) -> bool:
    """Whether a place a question names (商城, as jieba cuts 商城县) is the bare name of a division it writes in full."""
    return any(w != place and w.startswith(place) and _FULL_FORM.fullmatch(w[len(place):]) for w in written)


def binds(bound: frozenset[str], place: str) -> bool:
    """Whether a document binding the places `bound` binds a place a question names: by that name, or by its bare
    name when the table writes it in full (万州 of 万州区: a question naming a place knows it is one), or in full
    when the table writes it bare (杭州市 of 杭州, as Zhejiang's divisions are listed)."""
    return (place in bound or any(place + suffix in bound for suffix in _SUFFIXES)
            or any(place.endswith(suffix) and len(place) - len(suffix) >= 2 and place[: -len(suffix)] in bound
                   for suffix in _SUFFIXES))


def is_local(title: str) -> bool:
    """Whether a title begins with a place below the country (浙江省, 广州市, 昆山市, 上海市, or any 某某省): a local
    document."""
    known = (*provinces(), *(p for places in provinces().values() for p in places), *_MUNICIPALITIES)
    return (title.startswith(known) or _PROVINCE_TITLE.match(title) is not None
            or any(title[:n] in place_names() and title[:n].endswith(_LOCAL_FORMS) for n in range(3, min(len(title), 9))))


def bound_places(title: str, kind: str, home: str = "") -> frozenset[str]:
    """The places a document binds beyond those its title names: a province's rule, the places in the province;
    a city's rule, its counties and districts (where the table lists them: Zhejiang's); a national rule, the home province and its places (see the module doc)."""
    if not kind.endswith((*RULE_KINDS, LAW)):
        return frozenset()
    province = next((p for p in provinces() if title.startswith(p)), None)
    if province is not None:
        return provinces()[province] if kind.endswith(RULE_KINDS) else frozenset()
    city = next((c for c in cities() if title.startswith((c + CITY_FORM, c + SPECIAL_ZONE))), None)
    if city is not None:
        return cities()[city] if kind.endswith(RULE_KINDS) else frozenset()
    if is_local(title) or home not in provinces():
        return frozenset()
    return provinces()[home] | {home}
