"""Abbreviations the corpus itself defines or uses, mined at index time, so a new document brings its own
expansions with no hand-edited file.

- 简称: “《中华人民共和国家庭教育促进法》（以下简称“家庭教育促进法”）” or “某某委员会（简称某委）”: the
  abbreviation ↔ the name before it.
- Abbreviations made of one character of each word of a phrase of three or four words, in order (公共|租赁|
  住房 → 公租房, 长期|护理|保险 → 长护险: each word's first character, the last word's first or last one).
  Kept one way, abbreviation → phrase, for the user who types it: when the corpus also writes the
  abbreviation (公租房 beside 公共租赁住房), or else when the phrase is a term the corpus repeats.
The result is a small table (abbreviation or phrase → corpus wordings) stored with the index; the query
parser looks up every substring of the query's content in it.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from typing import Callable, Iterable

from assistant.search.tokenizer import new_jieba

_CLAUSE = re.compile(r"[\u4e00-\u9fff]+")
_CJK_WORD = re.compile(r"[\u4e00-\u9fff]{2,}")
# 《名称》（以下简称“简称”） / 名称（简称“简称”） / 名称（以下简称简称）
_SHORT = re.compile(r"(《[^《》]{2,40}》|[\u4e00-\u9fff]{2,40})[（(](?:以下)?简称(?:为)?[“\"「]?([\u4e00-\u9fffA-Za-z0-9]{2,12})[”\"」]?[）)]")
_NAME_PREFIX = re.compile(r"^(?:中华人民共和国|[\u4e00-\u9fff]{2,3}(?:省|市|自治区))")

# Two characters shared by chance are common (出更 in 出更多 is no 出行更加), so an abbreviation has three
# or more: two-character ones (共富, 双碳) are curated in synonyms.toml.
MIN_WORDS, MAX_WORDS = 3, 4
MIN_REPEATS = 2  # a phrase used this often is a term (for a one-way abbreviation the corpus never writes)
MAX_EXPANSIONS = 3  # wordings kept per key (the most frequent phrases)


def abbreviations_of(words: tuple[str, ...]) -> set[str]:
    """The abbreviations of a phrase given as its words: each word's first character, the last word's
    first or last character."""
    head = "".join(w[0] for w in words[:-1])
    return {head + words[-1][0], head + words[-1][-1]}


def mine_short_names(texts: Iterable[str]) -> dict[str, set[str]]:
    """简称 the texts declare: abbreviation → names (a 《title》 without its quotes and without the
    中华人民共和国 / 某省 prefix too, as users cite laws)."""
    out: dict[str, set[str]] = defaultdict(set)
    for text in texts:
        for m in _SHORT.finditer(text):
            name, short = m.group(1), m.group(2)
            if name.startswith("《"):
                name = name[1:-1]
            else:  # the clause's tail from the abbreviation's first character (浙江省人民政府 → 省人民政府)
                start = name.rfind(short[0])
                if start < 0:
                    continue
                name = name[start:]
            if name != short:
                out[short].add(name)
                bare = _NAME_PREFIX.sub("", name)
                if bare != name and len(bare) > len(short):
                    out[short].add(bare)
    return out


def mine_abbreviations(texts: list[str]) -> dict[str, tuple[str, ...]]:
    """Key → corpus wordings: declared 简称 both ways, and word-initial abbreviations (see the module doc).
    Phrases are cut into words of jieba's general dictionary (公共|租赁|住房, whatever the corpus's own
    terms); an abbreviation that is itself a word of it (一流, 专业) is far more likely that word."""
    general = new_jieba()
    return _mine(texts, lambda clause: general.lcut(clause, HMM=False), lambda w: bool(general.FREQ.get(w)))


def _mine(texts: list[str], segment: Callable[[str], list[str]],
          is_word: Callable[[str], bool]) -> dict[str, tuple[str, ...]]:
    phrases: Counter[tuple[str, ...]] = Counter()
    for text in texts:
        for clause in _CLAUSE.findall(text):
            words = segment(clause)
            for i in range(len(words)):
                for n in range(MIN_WORDS, MAX_WORDS + 1):
                    run = tuple(words[i : i + n])
                    if len(run) == n and all(_CJK_WORD.fullmatch(w) for w in run):
                        phrases[run] += 1
    by_abbreviation: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for run, count in phrases.items():
        for a in abbreviations_of(run):
            if not is_word(a):
                by_abbreviation[a].append((count, "".join(run)))
    used = _substrings_used(texts, by_abbreviation.keys())
    pairs: dict[str, set[str]] = defaultdict(set)
    for a, found in by_abbreviation.items():
        found.sort(reverse=True)
        if used[a]:  # one way: three characters may meet by chance inside the phrase's passages
            pairs[a].update(p for _, p in found[:MAX_EXPANSIONS])
        else:
            pairs[a].update(p for c, p in found[:MAX_EXPANSIONS] if c >= MIN_REPEATS)
    for short, names in mine_short_names(texts).items():
        for name in names:
            pairs[short].add(name)
            pairs[name].add(short)
    return {k: tuple(sorted(v)) for k, v in sorted(pairs.items()) if v}


def _substrings_used(texts: list[str], keys: Iterable[str]) -> Counter[str]:
    """How many times each key occurs in the texts as a substring (keys of 2–4 characters)."""
    wanted = set(keys)
    counts: Counter[str] = Counter()
    for text in texts:
        for clause in _CLAUSE.findall(text):
            for n in (2, 3, 4):
                for i in range(len(clause) - n + 1):
                    s = clause[i : i + n]
                    if s in wanted:
                        counts[s] += 1
    return counts
