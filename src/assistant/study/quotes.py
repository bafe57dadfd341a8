"""Quotes as the study features hand them around: verbatim text plus everything needed to cite it."""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from assistant.chat.citation import answer_line, quote_with_citation, spoken_section
from assistant.records import Passage, Source

SHANGHAI = ZoneInfo("Asia/Shanghai")

# A complete sentence ends with one of these, optionally followed by closing quotes or brackets.
_SENTENCE_END = re.compile(r"[。！？；!?…][”’」』）)】]*$")
_PAIRS = ("“”", "（）", "《》", "「」", "()", "【】")
MIN_SENTENCE = 15
MAX_SENTENCE = 200


@dataclass(frozen=True)
class Quote:
    """A verbatim sentence with its citation data; self-contained so it survives a corpus rebuild."""

    text: str
    title: str  # full source title, for print
    short: str = ""  # 简称, for phone screens
    section: str = ""  # heading path, " › "-joined
    date: str = ""  # source date (ISO prefix) or empty
    publication: str = ""  # the magazine issue an article appeared in, or empty
    passage_id: str = ""
    source_id: str = ""
    seq: int = 0

    @classmethod
    def of(cls, passage: Passage, source: Source) -> "Quote":
        return cls(
            text=passage.text, title=source.title, short=source.short, section=passage.section_path,
            date=source.date, publication=source.publication, passage_id=passage.id, source_id=source.id,
            seq=passage.seq,
        )

    @property
    def source(self) -> Source:
        """As much of its Source as a citation needs (the quote outlives the corpus it came from)."""
        return Source(self.source_id, self.title, self.short, date=self.date, publication=self.publication)

    @property
    def citation(self) -> str:
        """The quote as pasted into 材料: “text”（《full title》，date）."""
        return quote_with_citation(self.text, self.source)

    @property
    def short_citation(self) -> str:
        """The line under a quote on a phone: ——《简称》第三部分第12条（2021年7月）."""
        return answer_line(self.source, self.section)

    @property
    def location(self) -> str:
        """Where in its source, as people cite it (第三部分第12条); empty when the headings are unnumbered."""
        return spoken_section(self.section)


def format_date(iso: str) -> str:
    """'2021-07' → '2021年7月'; '2022-12-19' → '2022年12月19日'; unknown stays empty."""
    parts = [p for p in iso.split("-") if p.isdigit()]
    units = ("年", "月", "日")
    return "".join(f"{int(p)}{u}" for p, u in zip(parts, units))


def today(now: datetime | None = None) -> str:
    """The date of a compilation, in Chinese, on the Asia/Shanghai calendar."""
    now = (now or datetime.now(SHANGHAI)).astimezone(SHANGHAI)
    return f"{now.year}年{now.month}月{now.day}日"


def body_sentences(passages: Iterable[Passage]) -> Iterator[Passage]:
    """The passages that are complete body sentences: not headings and not fragments.

    `passages` must be in document order: a passage only starts a sentence if the passage before it
    (in the same source) ended one, which catches the tail halves of sentences split by a line wrap.
    """
    previous: Passage | None = None
    for p in passages:
        starts = previous is None or previous.source_id != p.source_id or previous.is_heading or _ends(previous.text)
        if starts and not p.is_heading and _is_sentence(p.text):
            yield p
        previous = p


def _ends(text: str) -> bool:
    return bool(_SENTENCE_END.search(text.strip()))


def _is_sentence(text: str) -> bool:
    text = text.strip()
    return (
        MIN_SENTENCE <= len(text) <= MAX_SENTENCE
        and _ends(text)
        and text[0] not in "，、。；：！？”’）」』】…"
        and all(text.count(a) == text.count(b) for a, b in _PAIRS)
    )
