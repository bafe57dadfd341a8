"""Abbreviations the corpus itself defines or uses, mined at index time, so a new document brings its own
expansions with no hand-edited file.

- 简称: “《中华人民共和国家庭教育促进法》（以下简称“家庭教育促进法”）” or “某某委员会（简称某委）”: the
  abbreviation ↔ the name before it.
- Abbreviations made of one character of each word of a phrase of three or four words, in order (公共|租赁|
  住房 → 公租房, 长期|护理|保险 → 长护险: each word's first character, the last word's first or last one),
  kept one way (abbreviation → phrase) when the corpus also writes the abbreviation (公租房 beside
  公共租赁住房) or when two or more documents use the phrase (a term, not one author's wording; at most
  MAX_TERMS such phrases, those most documents use, so the table is as small for a 100× corpus).
- Abbreviations of a phrase of two words (安全|检查 → 安检, 业主|委员会 → 业委会: each word's first character,
  a last word of three or more characters also its last one), which match by chance far more often (高发 is
  no 高质量发展), so kept only on three kinds of evidence: a document uses the phrase as a term (MIN_USES
  times or more), the corpus writes the abbreviation as a word of its own (安检口) less often than the phrase,
  and a two-character abbreviation is of a phrase jieba's general dictionary knows as one word and is not a
  far commoner general word itself (中学 is no 中小学校).
- Kinds a definition lists: “本条例所称互联网上网服务营业场所，是指…的网吧、电脑休闲室等营业性场所”: 网吧 → the term
  defined, kept one way. Users name the kind (网吧), the regulation the term (its title too); the list is of kinds of
  the term only when what follows its 等 is of the term's kind (营业性场所 ends as 营业场所 does) or nothing does
  (…水箱、水泵、阀门等。 of 二次供水设施), not the means or parts of an act (殴打、捆绑…等方式 of 家庭暴力).
The result is a small table (key → corpus wordings) stored with the index; the query parser looks up the
query's words, and runs of them, in it.

Beside it, the corpus's terms (`terms`: runs of one to four words of three or more characters that a document
uses MIN_USES times or more, those most used first), where the query parser looks for what a word no passage
holds abbreviates (query.py: 物业费 → 物业服务费用, 交警 → 交通警察).
"""
from __future__ import annotations

import heapq
import re
from collections import Counter, defaultdict
from typing import Iterable, Mapping

from assistant.search.tokenizer import new_jieba

_CLAUSE = re.compile(r"[\u4e00-\u9fff]+")
_CJK_WORD = re.compile(r"[\u4e00-\u9fff]{2,}")
# 《名称》（以下简称“简称”） / 名称（简称“简称”） / 名称（以下简称简称）
_SHORT = re.compile(r"(《[^《》]{2,40}》|[\u4e00-\u9fff]{2,40})[（(](?:以下)?简称(?:为)?[“\"「]?([\u4e00-\u9fffA-Za-z0-9]{2,12})[”\"」]?[）)]")
# 所称X，是指…  /  “X”，是指…: the term defined and the rest of its clause
_DEFINED = re.compile(r"(?:所称|“)([\u4e00-\u9fff]{2,20})”?[，,]?(?:是指|指)([^。；]*)")
# a 、-list closed by 等, and what follows 等 up to the clause's end
_KINDS = re.compile(r"((?:[\u4e00-\u9fff]{2,16}、)+[\u4e00-\u9fff]{2,16})等([\u4e00-\u9fff]*)")
_LAST_ITEM = re.compile(r"和|或者|以及|及")
MAX_KIND = 6  # characters of a kind kept: a longer item is a description, not a name a user types
_NAME_PREFIX = re.compile(r"^(?:中华人民共和国|[\u4e00-\u9fff]{2,3}(?:省|市|自治区))")

# Two characters shared by chance are common (出更 in 出更多 is no 出行更加), so an abbreviation has three
# or more: two-character ones (共富, 双碳) are curated in synonyms.toml.
MIN_WORDS, MAX_WORDS = 3, 4
MIN_SOURCES = 2  # documents using a phrase for its unwritten abbreviation to be kept
MAX_TERMS = 2000  # of those, the phrases most documents use: the table stays small whatever the corpus size
MAX_EXPANSIONS = 3  # wordings kept per key (the phrases most documents use)
MIN_USES = 3  # times one document uses a two-word phrase for its abbreviation to be considered
GENERAL_RATIO = 20  # a two-character abbreviation this many times commoner in jieba's dictionary is a word itself
_ORDINAL = "第"  # 第十八条 is numbered, never abbreviated (第八)
TERM_WORDS = 4  # longest run of words kept as a term (婚前|孕前|医学|检查: 婚检 names its last word)
MAX_LOOKUP_TERMS = 8000  # terms kept (those most used): as many for a 100× corpus


def abbreviations_of(words: tuple[str, ...]) -> set[str]:
    """The abbreviations of a phrase given as its words: each word's first character, the last word's
    first or last character."""
    head = "".join(w[0] for w in words[:-1])
    return {head + words[-1][0], head + words[-1][-1]}


def pair_abbreviations(first: str, last: str) -> set[str]:
    """The abbreviations of a phrase of two words: their first characters, and with a last word of three or
    more characters its last one too (业主|委员会 → 业委会)."""
    head = first[0] + last[0]
    return {head, head + last[-1]} if len(last) >= 3 else {head}


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


def mine_kinds(texts: Iterable[str]) -> dict[str, set[str]]:
    """Kinds a definition lists (module doc): kind → the terms defined."""
    out: dict[str, set[str]] = defaultdict(set)
    for text in texts:
        for d in _DEFINED.finditer(text):
            term = d.group(1)
            for m in _KINDS.finditer(d.group(2)):
                if m.group(2) and m.group(2)[-2:] != term[-2:]:
                    continue
                first, *rest = m.group(1).split("、")
                last = _LAST_ITEM.split(rest.pop())
                for kind in [first.rsplit("的", 1)[-1], *rest, *last]:  # (the first item after the clause's 的)
                    if 2 <= len(kind) <= MAX_KIND and kind not in term and term not in kind:
                        out[kind].add(term)
    return out


class AbbreviationMiner:
    """Collects the phrases of each passage as the index cuts it (no second segmentation pass), then
    gives the table: declared 简称 both ways, and word-initial abbreviations (see the module doc).

    Whether an abbreviation is a general word (一流, 专业: far more likely that word) is asked of jieba's
    general dictionary, and a four-character word of two such words is two words here (保险制度 →
    保险|制度), so 长护险 is found for 长期护理保险制度."""

    def __init__(self, general: Mapping[str, int] | None = None) -> None:
        self._general = new_jieba().FREQ if general is None else general
        self._sources: dict[tuple[str, ...], set[str]] = defaultdict(set)  # phrase → documents using it
        self._runs: Counter[tuple[tuple[str, ...], str]] = Counter()  # (run of 1–3 words, document) → uses
        self._words: Counter[str] = Counter()  # segments of two or three characters → uses

    def add(self, source: str, text: str, segments: list[str]) -> None:
        """One passage: its normalised text and its segments in order (punctuation dropped)."""
        words: list[str] = []
        end = 0
        for w in [*segments, ""]:
            at = text.find(w, end) if w else len(text)
            # a phrase never spans punctuation, digits or a one-character word
            if at != end or not w or not _CJK_WORD.fullmatch(w):
                self._phrases(source, words)
                words = []
            if w and _CJK_WORD.fullmatch(w):
                if len(w) <= 3:
                    self._words[w] += 1
                halves = (w[:2], w[2:])
                words.extend(halves if len(w) == 4 and all(self._general.get(h) for h in halves) else (w,))
            end = at + len(w) if at >= 0 else end

    def _phrases(self, source: str, words: list[str]) -> None:
        for i in range(len(words)):
            if len(words[i]) >= 3:  # a term of one word (a shorter one is no term)
                self._runs[((words[i],), source)] += 1
            for n in range(2, min(TERM_WORDS, len(words) - i) + 1):
                self._runs[(tuple(words[i : i + n]), source)] += 1
        for i in range(len(words)):
            for n in range(MIN_WORDS, min(MAX_WORDS, len(words) - i) + 1):
                self._sources[tuple(words[i : i + n])].add(source)

    def table(self, texts: list[str]) -> dict[str, tuple[str, ...]]:
        """Key → corpus wordings, given every passage's text."""
        by_abbreviation: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for run, used_by in self._sources.items():
            for a in abbreviations_of(run):
                if not self._general.get(a):
                    by_abbreviation[a].append((len(used_by), "".join(run)))
        # the phrases most documents use (two at least), at most MAX_TERMS of them
        widespread = heapq.nsmallest(MAX_TERMS, ((-len(used_by), run) for run, used_by in self._sources.items()
                                                 if len(used_by) >= MIN_SOURCES))
        terms = {"".join(run) for _, run in widespread}
        written = _written(texts, by_abbreviation)
        pairs: dict[str, set[str]] = defaultdict(set)
        for a in written | {a for _, run in widespread for a in abbreviations_of(run)}:
            found = sorted(by_abbreviation.get(a, ()), reverse=True)
            pairs[a].update([p for _, p in found if a in written or p in terms][:MAX_EXPANSIONS])
        for key, phrase in self._pair_table():
            pairs[key].add(phrase)
        for kind, defined in mine_kinds(texts).items():
            pairs[kind].update(defined)
        for short, names in mine_short_names(texts).items():
            for name in names:
                pairs[short].add(name)
                pairs[name].add(short)
        return {k: tuple(sorted(v)) for k, v in sorted(pairs.items()) if v}

    def _pair_table(self) -> list[tuple[str, str]]:
        """(abbreviation, phrase) of two-word phrases, on the evidence the module doc names."""
        out = []
        for run, n in self._most_uses().items():
            if len(run) != 2 or run[0].startswith(_ORDINAL):
                continue
            first, last = run
            phrase = first + last
            for key in pair_abbreviations(first, last):
                if not 0 < self._words[key] < n:
                    continue
                if len(key) == 2 and not (self._general.get(phrase)
                                          and self._general.get(key, 0) <= GENERAL_RATIO * self._general[phrase]):
                    continue
                out.append((key, phrase))
        return out

    def terms(self) -> tuple[str, ...]:
        """The corpus's terms (see the module doc), those most used first."""
        found = {"".join(run): n for run, n in self._most_uses().items()}
        ranked = sorted((-n, t) for t, n in found.items() if len(t) >= 3 and not t.startswith(_ORDINAL))
        return tuple(t for _, t in ranked[:MAX_LOOKUP_TERMS])

    def _most_uses(self) -> dict[tuple[str, ...], int]:
        """Runs some document uses MIN_USES times or more → the most uses in one document."""
        uses: Counter[tuple[str, ...]] = Counter()
        for (run, _), n in self._runs.items():
            if n >= MIN_USES:
                uses[run] = max(uses[run], n)
        return uses


def _written(texts: Iterable[str], keys: Iterable[str]) -> set[str]:
    """The keys (of 3–4 characters) some text holds."""
    wanted = set(keys)
    found: set[str] = set()
    for clause in {c for text in texts for c in _CLAUSE.findall(text)}:
        for n in (3, 4):
            found.update(s for s in (clause[i : i + n] for i in range(len(clause) - n + 1)) if s in wanted)
    return found
