"""Numbered slogans (两个先行, 三大差距, 三服务): a count and a shared word standing for that many parts the
documents spell out elsewhere (共同富裕先行和省域现代化先行; 地区差距、城乡差距、收入差距; 服务企业服务群众服务
基层). Policy documents coin them by the dozen and cadres are quizzed on them, so "X是什么" / "X有哪些" wants the
sentence that spells the parts out, not one of the many that only repeat X.

Mined at index time from the corpus itself (a new document brings its own): a quoted “N…X” whose parts some
clause lists — N items, each ending with X (…先行和…先行) or each starting with it (服务企业、服务群众…), apart
by 、 (the last by 和/与/及/以及 too) or, for short items, written together. A curated entry (synonyms.toml)
counts as a slogan's parts when it lists as many values as the slogan's number says.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from typing import Callable, Iterable, Mapping

_NUMBERS = {"两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
# 两个先行, 三大差距, 三服务, 四下基层: a number, an optional measure word, the shared word
_SLOGAN = re.compile(r"([两二三四五六七八九十])([个大项条种类]?)([\u4e00-\u9fff]{1,4})")
_QUOTED = re.compile(r"“([两二三四五六七八九十][\u4e00-\u9fff]{1,5})”")
# a clause: text between punctuation (normalised: ，→ , and so on), its 、-lists kept whole
_CLAUSE = re.compile(r"[^，。；：！？,.;:!?、“”‘’《》（）()\s]+(?:、[^，。；：！？,.;:!?、“”‘’《》（）()\s]+)*")
_LAST_JOIN = ("以及", "和", "与", "及")  # what may stand before the last part instead of 、
MAX_PART = 24  # characters of a part apart from the others (萌发地 of 习近平新时代中国特色社会主义思想重要萌发地)
MAX_TOGETHER = 6  # characters of a part written together with the others (服务企业服务群众服务基层)


def count_and_word(key: str) -> tuple[int, str] | None:
    """The number a slogan states and the word its parts share (三大差距 → 3, 差距), None when `key` is none."""
    m = _SLOGAN.fullmatch(key)
    return (_NUMBERS[m.group(1)], m.group(3)) if m else None


def parts_of(key: str, values: Iterable[str]) -> tuple[str, ...]:
    """A table entry's values as the slogan's parts: only when there are as many as its number (two parts
    for 两个先行; 两山 → 绿水青山就是金山银山 is one wording, not its parts)."""
    found = count_and_word(key)
    values = tuple(values)
    return values if found is not None and found[0] == len(values) > 1 else ()


def mine_slogans(passages: Iterable[tuple[str, str]], words: Callable[[str], list[str]]) -> dict[str, tuple[str, ...]]:
    """Slogan → its parts, as the corpus most often lists them, from (document, normalised text) pairs: a list
    counts only in a document that quotes the slogan (a document coining 两个先行 spells it out; 知健康、享健康
    elsewhere is no 两个健康). `words` segments a text (whole words bound an outer part)."""
    passages = list(passages)
    quoted: dict[str, set[str]] = defaultdict(set)  # document → its slogans
    for source, text in passages:
        quoted[source].update(k for k in _QUOTED.findall(text) if count_and_word(k))
    shared = {source: [(key, count_and_word(key)[0], word) for key in sorted(keys) for word in _shared_words(key)]
              for source, keys in quoted.items() if keys}
    lists: dict[tuple[str, str], Counter[tuple[str, ...]]] = defaultdict(Counter)
    for source, text in passages:
        for key, n, word in shared.get(source, ()):
            # a part of what follows the number (治 of 四治融合) is shared by chance far more often (安全 ends in 全):
            # its list must stand beside the quoted slogan (自治、法治、德治、智治“四治融合”)
            shortened = word != count_and_word(key)[1]
            if text.count(word) >= n and not (shortened and f"“{key}”" not in text):
                for parts in _listed(text, word, n, words):
                    lists[key, word][parts] += 1
    found: dict[str, tuple[str, ...]] = {}
    for (key, _), counts in sorted(lists.items(), key=lambda kv: (kv[0][0], -len(kv[0][1]))):
        found.setdefault(key, counts.most_common(1)[0][0])  # the longest shared word that lists parts
    return found


def _shared_words(key: str) -> list[str]:
    """What the parts of a slogan may share, longest first: what follows its number, or a leading part of it
    (四治融合: 自治、法治、德治、智治 share 治; 三权分置: 所有权、承包权、经营权)."""
    tail = count_and_word(key)[1]
    return [tail[:i] for i in range(len(tail), 0, -1)]


def _listed(text: str, word: str, n: int, words: Callable[[str], list[str]]) -> Iterable[tuple[str, ...]]:
    """Lists of exactly n parts sharing `word` in the text's clauses (see the module doc)."""
    for clause in _CLAUSE.findall(text):
        if clause.count(word) >= n:
            for at_end in (True, False):
                found = _run(clause, word, n, at_end)
                if found is not None:
                    parts, edge = found
                    yield _trimmed(parts, word, words, at_end) if edge else tuple(parts)


def _run(clause: str, word: str, n: int, at_end: bool) -> tuple[list[str], bool] | None:
    """The clause's n consecutive items each ending (at_end) or starting with the word, apart by 、 (the last by
    和/与/及/以及 too) or, starting with it, written together (服务企业服务群众服务基层); None unless there are
    exactly n. An item at the clause's far edge is cut at the word (…重要萌发地的使命担当 → …重要萌发地; 构建服务
    企业… → 服务企业…); with whether the run reaches the near edge, where its outer item runs on past its part
    (实现…共同富裕先行, 服务基层长效机制) to be cut by _trimmed."""
    if not at_end and len(word) < 2:  # 高水平、高等教育: a part starting with one character is any word
        return None
    items = _split_last_join(clause.split("、"), word, at_end)
    if at_end and word in items[-1]:
        items[-1] = items[-1][: items[-1].rfind(word) + len(word)]
    if not at_end and word in items[0]:
        items[0] = items[0][items[0].find(word):]
    if len(items) == 1 and not at_end:  # written together: cut before each use of the word
        starts = [m.start() for m in re.finditer(re.escape(word), items[0])]
        items = [items[0][a:b] for a, b in zip(starts, [*starts[1:], len(items[0])])]
        if not all(len(i) <= MAX_TOGETHER for i in items[:-1]):
            return None
    shares = "".join("x" if (i.endswith(word) if at_end else i.startswith(word)) and len(i) > len(word) else "."
                     for i in items)
    if [len(r) for r in shares.split(".") if r] != [n]:
        return None
    start = shares.index("x")
    run = items[start : start + n]
    inner = run[1:] if at_end else run[:-1]
    if not all(len(i) <= MAX_PART for i in inner):
        return None
    return run, (start == 0 if at_end else start + n == len(items))


def _split_last_join(items: list[str], word: str, at_end: bool) -> list[str]:
    """The last item split at a 和/与/及/以及 that joins two parts (…先行和省域…: after the word; 服务群众和服务
    基层: before it)."""
    last = items[-1]
    for join in _LAST_JOIN:
        mark = word + join if at_end else join + word
        at = last.find(mark)
        if at > 0:
            cut = at + len(word) if at_end else at
            return [*items[:-1], last[:cut], last[cut + len(join):]]
    return items


def _trimmed(parts: list[str], word: str, words: Callable[[str], list[str]], at_end: bool) -> tuple[str, ...]:
    """The outer part (the first of parts ending with the word, the last of parts starting with it) cut at whole
    words to the longest piece no longer than the shortest other part (parallel parts are of a length): 在高质量
    发展中实现共同富裕先行 → 共同富裕先行 beside 省域现代化先行; the shortest piece when none is that short."""
    outer = 0 if at_end else len(parts) - 1
    most = min(len(p) for i, p in enumerate(parts) if i != outer)
    segmented = words(parts[outer])
    pieces = ["".join(segmented[i:]) if at_end else "".join(segmented[: len(segmented) - i])
              for i in range(len(segmented))]
    pieces = [p for p in pieces if len(p) > len(word)] or [parts[outer]]
    short = [p for p in pieces if len(p) <= most]
    cut = list(parts)
    cut[outer] = max(short, key=len) if short else min(pieces, key=len)
    return tuple(cut)


def slogan_parts(keys: Mapping[str, tuple[str, ...]]) -> tuple[str, ...]:
    """The parts of the first slogan among a query's expansion keys (key → values), () when none is one."""
    for key, values in keys.items():
        parts = parts_of(key, values)
        if parts:
            return parts
    return ()
