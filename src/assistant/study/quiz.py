"""每日一题: a fill-in-the-blank question from a key sentence, with plausible distractors from the same corpus.

The blank is a slogan (“八八战略”), a figure (2025年, 80%) or a key term (数字化); the distractors are of the
same kind, drawn from the whole corpus and ranked by how much they look like the answer.
"""
from __future__ import annotations

import math
import random
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cached_property

from assistant import import_jieba
from assistant.chat.render import shorten
from assistant.records import Passage
from assistant.search.engine import Searcher
from assistant.study import daily
from assistant.study.digest import TopicError, clean_topic
from assistant.study.quotes import Quote, body_sentences

jieba = import_jieba("posseg")

# Telegram's quiz poll limits (characters); the adapter's tests check them against telegram.constants.PollLimit.
QUESTION_MAX = 300
OPTION_MAX = 100
EXPLANATION_MAX = 200
OPTIONS = 4
BLANK = "____"

_SLOGAN = re.compile(r"“([^“”]{2,12})”")
_ALNUM = re.compile(r"[0-9A-Za-z]")  # “315” or “5G” is no plausible option beside “加速键”
_FIGURE = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)(%|％|万亿|亿|万|个|家|项|条|倍|年|名|人|所|座|元|公里|亩)")
_TERM_FLAGS = {"n", "nz", "vn", "j", "ns", "nt"}  # nouns: idioms and set phrases make poor blanks
_GENERIC_SHARE = 0.02  # a word in more than 2% of sentences (建设, 发展) is too generic to blank
_TRIES = 60
_CHOICE = 6  # distractors are drawn from this many of the most alike candidates, for variety


class QuizError(ValueError):
    """No question can be made; the message is the Chinese answer for the user."""


@dataclass(frozen=True)
class Blank:
    kind: str  # "slogan" | "figure" | "term"
    answer: str
    distractors: tuple[str, ...]  # the most alike candidates, best first; a quiz uses three of them


@dataclass(frozen=True)
class TermStats:
    flag: str  # jieba part of speech
    sentences: int  # how many body sentences hold the word
    sources: frozenset[str]

    def likeness(self, word: str, other_word: str, other: "TermStats") -> tuple[bool, bool, float]:
        """Sort key, most alike first: a word with the same head (改革 in 国企改革), from the same documents
        and about as common reads as plausible."""
        return (
            word[-1] != other_word[-1],
            not (self.sources & other.sources),
            abs(math.log(other.sentences / self.sentences)),
        )


@dataclass(frozen=True)
class Quiz:
    question: str
    options: tuple[str, ...]
    correct: int
    explanation: str
    quote: Quote
    kind: str

    @property
    def answer(self) -> str:
        return self.options[self.correct]


class QuizMaker:
    """Makes quizzes from one corpus; the corpus-wide distractor pools are built once, on first use."""

    def __init__(self, searcher: Searcher) -> None:
        self.searcher = searcher

    @cached_property
    def _sentences(self) -> list[Passage]:
        return list(body_sentences(self.searcher.corpus.passages()))

    @cached_property
    def _slogans(self) -> Counter[str]:
        return Counter(m[1] for p in self.searcher.corpus.passages() for m in _SLOGAN.finditer(p.text))

    @cached_property
    def _figures(self) -> dict[str, Counter[str]]:
        by_unit: dict[str, Counter[str]] = defaultdict(Counter)
        for p in self.searcher.corpus.passages():
            for m in _FIGURE.finditer(p.text):
                by_unit[m[2]][m[0]] += 1
        return by_unit

    @cached_property
    def _term_stats(self) -> dict[str, TermStats]:
        """Blankable corpus words and how they occur; words too generic to test anything are left out."""
        jieba.posseg.dt.makesure_userdict_loaded()
        tags = jieba.posseg.dt.word_tag_tab
        counts: Counter[str] = Counter()
        sources: dict[str, set[str]] = defaultdict(set)
        for p in self._sentences:
            words = set(jieba.lcut(p.text))
            counts.update(words)
            for w in words:
                sources[w].add(p.source_id)
        limit = max(2, _GENERIC_SHARE * len(self._sentences))
        return {
            word: TermStats(tags[word], n, frozenset(sources[word]))
            for word, n in counts.items()
            if len(word) >= 2 and tags.get(word) in _TERM_FLAGS and n <= limit
        }

    @cached_property
    def _term_classes(self) -> dict[tuple[str, int], list[str]]:
        """Words by (part of speech, length): the distractors for a word come from its own class."""
        classes: dict[tuple[str, int], list[str]] = defaultdict(list)
        for word, stats in sorted(self._term_stats.items()):
            classes[(stats.flag, len(word))].append(word)
        return classes

    def make(self, topic: str = "", rng: random.Random | None = None) -> Quiz:
        rng = rng or random.Random()
        if topic:
            topic = clean_topic(topic)
        quotes = daily.pool(self.searcher, topic)
        if not quotes:
            raise TopicError(f"没有找到关于“{topic}”的语句，换个主题试试，例如：/quiz 共同富裕")
        candidates = [q for q in quotes if len(q.text) + len("填空：") <= QUESTION_MAX]
        rng.shuffle(candidates)
        for quote in candidates[:_TRIES]:
            blanks = self.blanks(quote.text)
            if blanks:
                return self._quiz(quote, rng.choice(blanks), rng)
        raise QuizError(f"暂时无法就“{topic or '全部文件'}”出题，换个主题试试。")

    def blanks(self, text: str) -> list[Blank]:
        """Every way to blank this sentence that has enough plausible distractors, slogans first."""
        found: list[Blank] = []
        for kind, answers in (("slogan", self._slogan_answers(text)), ("figure", self._figure_answers(text)),
                              ("term", self._term_answers(text))):
            for answer in answers:
                if text.count(answer) != 1:
                    continue
                others = tuple(d for d in self._distractors(kind, answer) if d not in text)[:_CHOICE]
                if len(others) >= OPTIONS - 1:
                    found.append(Blank(kind, answer, others))
            if found:
                return found  # the most telling kind present wins: a slogan over a figure over a term
        return found

    def _slogan_answers(self, text: str) -> list[str]:
        return [m[1] for m in _SLOGAN.finditer(text)]

    def _figure_answers(self, text: str) -> list[str]:
        return [m[0] for m in _FIGURE.finditer(text)]

    def _term_answers(self, text: str) -> list[str]:
        """The sentence's blankable words, the longest (most specific) first; two-character words only if needed."""
        words = sorted({w for w in jieba.lcut(text) if w in self._term_stats}, key=lambda w: (-len(w), w))
        return [w for w in words if len(w) >= 3] or words

    def _distractors(self, kind: str, answer: str) -> list[str]:
        """Candidates most like `answer`, best first."""
        if kind == "slogan":
            def likeness(s: str) -> tuple:
                return (len(s) == len(answer)) * 2 + (s[0] == answer[0]) + (s[-1] == answer[-1]), self._slogans[s]
            alnum = bool(_ALNUM.search(answer))
            pool = [s for s in self._slogans if s != answer and bool(_ALNUM.search(s)) == alnum]
            return sorted(pool, key=likeness, reverse=True)
        if kind == "figure":
            m = _FIGURE.fullmatch(answer)
            value = float(m[1])
            pool = [f for f in self._figures[m[2]] if f != answer]
            return sorted(pool, key=lambda f: abs(float(_FIGURE.fullmatch(f)[1]) - value) / max(value, 1))
        stats = self._term_stats[answer]
        pool = [w for w in self._term_classes[(stats.flag, len(answer))] if w != answer]
        return sorted(pool, key=lambda w: stats.likeness(answer, w, self._term_stats[w]))

    def _quiz(self, quote: Quote, blank: Blank, rng: random.Random) -> Quiz:
        options = [blank.answer, *rng.sample(blank.distractors, OPTIONS - 1)]
        rng.shuffle(options)
        question = shorten("填空：" + quote.text.replace(blank.answer, BLANK, 1), QUESTION_MAX)
        return Quiz(
            question=question,
            options=tuple(shorten(o, OPTION_MAX) for o in options),
            correct=options.index(blank.answer),
            explanation=shorten("出处" + quote.short_citation.removeprefix("——"), EXPLANATION_MAX),
            quote=quote,
            kind=blank.kind,
        )
