"""The topic a 摘编 button under a search answer offers: a distinctive word the user typed.

"丽水去年经济增速在全省排第几" must not offer 「摘编：全省」: context words (全省, 今年, 省里, years),
question words and words found in a large share of all sentences (建设, 发展) make poor topics. Among the
user's remaining words (a quoted phrase first), the one most of the answer's best hits contain wins; on a
tie one the hits hold in the user's longer wording, then the rarer in the corpus, then the longer; a word
counts as contained when the hit holds it or a wording the search expands it to
(共富 → 共同富裕). A short word the hits only hold as part of the user's longer wording takes that wording
(数字 → 数字鸿沟), unless that wording holds a name the user typed (优化营商环境: 营商环境). A topic is a name, not a measure: a compound of four or more characters, a short term the
corpus itself writes in quotes (“飞地”, “三服务”), or an abbreviation the search expands (共富); 增长, 强度,
目标 are none of these. No good word: no button.
"""
from __future__ import annotations

import re
import weakref
from collections.abc import Sequence

from assistant.search.engine import Hit, Searcher
from assistant.study.digest import MAX_TOPIC

CONTEXT_WORDS = frozenset(
    "全省 全市 全县 全国 全区 我省 本省 省里 省内 浙江 浙江省 今年 去年 明年 前年 当年 年份 目前 当前 现在 近年 近年来 "
    "省委 省政府 政府 工作报告 文件 政策 规定 要求 内容 情况 问题 方面 主要".split()
)
_QUESTION = re.compile(r"多少|第几|几[个年项家名倍成次]|什么|哪些|哪个|如何|怎么|怎样|为何|为什么|是否")
_YEAR = re.compile(r"(?:19|20)\d\d年?|\d+年")
_SHORT_QUOTED = re.compile(r"“([^“”]{2,3})”")
_HAN = re.compile(r"[\u4e00-\u9fff]{2}")  # a topic has words: not "31" from 第31条
WIDEN_CHARS = 3  # a word this short may be part of a longer name the user typed (中国式 of 中国式现代化)
TOPIC_CHARS = 4  # a compound this long names a thing (经济增速, 营商环境); shorter words must be known terms
COMMON_SHARE = 0.05  # a word in more than this share of all sentences says little (建设 22%, 发展 19%, 全省 5%)


def answer_topic(searcher: Searcher, query: str, hits: Sequence[Hit]) -> str | None:
    """The topic for a 摘编 button under the answer to `query` whose best hits are `hits`; None: no button."""
    parsed = searcher.parser.parse(query)
    best: tuple[tuple[bool, int, bool, float, int], str] | None = None
    for forms in parsed.concepts:
        word = forms[0]
        if not _distinctive(searcher, word):
            continue
        covered = sum(1 for h in hits if any(f in h.passage.text for f in forms))
        if not covered:
            continue
        widened = _widened(searcher, word, parsed.runs, hits, covered) if len(word) <= WIDEN_CHARS else word
        if widened != word and any(f[0] != word and len(f[0]) >= TOPIC_CHARS and f[0] in widened for f in parsed.concepts):
            continue  # 优化 → 优化营商环境 holds 营商环境, a name the user typed: that is the topic, not the verb's phrase
        # on a tie: a name the hits hold in the user's longer wording (中国式现代化), then the rarer word
        # (共富 before 示范区 when the hits hold both), then the longer
        rank = (word in parsed.phrases, covered, widened != word, -_share(searcher, word), len(word))
        word = widened
        if not _names_a_topic(searcher, word):
            continue
        if best is None or rank > best[0]:
            best = (rank, word)
    return best[1] if best else None


def _widened(searcher: Searcher, word: str, runs, hits: Sequence[Hit], covered: int) -> str:
    """`word` joined with its neighbours in the query when the hits only ever hold it so: 中国式 → 中国式现代化,
    数字 → 数字鸿沟, 单元 → 清廉单元; the longest such span wins, a word that stands alone stays as it is."""
    for run in runs:
        if word not in run:
            continue
        i = run.index(word)
        spans = [(a, b) for a in range(i + 1) for b in range(i + 1, len(run) + 1) if b - a > 1]
        for a, b in sorted(spans, key=lambda ab: ab[0] - ab[1]):
            parts = run[a:b]
            joined = "".join(parts)
            if len(joined) > MAX_TOPIC or any(_filler(searcher, w) for w in parts):
                continue
            if sum(1 for h in hits if joined in h.passage.text) == covered:
                return joined
    return word


def _filler(searcher: Searcher, word: str) -> bool:
    words = searcher.index.query_words
    return word in CONTEXT_WORDS or word in words.context or word in words.scaffolding or bool(_QUESTION.search(word))


def _distinctive(searcher: Searcher, word: str) -> bool:
    words = searcher.index.query_words
    if not 2 <= len(word) <= MAX_TOPIC or word in CONTEXT_WORDS or word in words.context or word in words.scaffolding:
        return False
    if _QUESTION.search(word) or _YEAR.fullmatch(word) or not _HAN.search(word):
        return False
    return _share(searcher, word) <= COMMON_SHARE


def _names_a_topic(searcher: Searcher, word: str) -> bool:
    return len(word) >= TOPIC_CHARS or word in searcher.index.synonyms or word in _quoted_terms(searcher)


_quoted: "weakref.WeakKeyDictionary[Searcher, frozenset[str]]" = weakref.WeakKeyDictionary()


def _quoted_terms(searcher: Searcher) -> frozenset[str]:
    """Short terms the corpus writes in quotes as a whole (“飞地”), read once per opened corpus (~10 ms)."""
    if searcher not in _quoted:
        _quoted[searcher] = frozenset(m for p in searcher.corpus.passages() for m in _SHORT_QUOTED.findall(p.text))
    return _quoted[searcher]


def _share(searcher: Searcher, word: str) -> float:
    """The share of all sentences holding `word` as an indexed word (0 for a word the index splits)."""
    postings = searcher.index.fields["words"].postings(word)
    return len(postings[0]) / max(searcher.index.size, 1) if postings else 0.0
