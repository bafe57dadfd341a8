"""Records that travel between the stages: a Source (one citable document) and its Passages."""
from __future__ import annotations

from dataclasses import dataclass, field

SECTION_SEPARATOR = " › "
HEADNOTE = "题注"  # the section of a document's history lines (…会议通过, …修正), quoted like its text


def book_title(name: str) -> str:
    """A title in book-title marks, a title inside it in single ones, as Chinese is typeset (GB/T 15834):
    《浙江省实施〈中华人民共和国某某法〉办法》. Nested 《》 read as two titles, the first cut short."""
    return f"《{name.replace('《', '〈').replace('》', '〉')}》"


@dataclass(frozen=True)
class Source:
    """One citable document. A magazine article is its own Source; `publication` names the issue."""

    id: str
    title: str
    short: str = ""  # 简称 for phone screens
    issuer: str = ""
    date: str = ""  # ISO date, or year-month, or empty when unknown; for a regulation its current version's date
    kind: str = ""  # 决定 / 实施方案 / 报告 / 讲话 / 期刊文章 / 条例 / 办法 …
    url: str = ""
    author: str = ""
    publication: str = ""
    file: str = ""  # corpus file it was read from
    position: int = 0  # order within the corpus, for stable listings
    # Dates a document states about itself (ISO, empty when not stated), kept apart because a regulation is
    # passed by one body, approved by another, promulgated, takes effect and is revised on different days.
    passed: str = ""  # 通过
    approved: str = ""  # 批准
    promulgated: str = ""  # 公布 / 发布 / 印发
    effective: str = ""  # 施行 / 实施
    revised: str = ""  # 修订 / 修正 / 修改: the latest
    history: str = ""  # the document's own header lines as printed (one per line), e.g. "2020年…会议通过"

    @property
    def label(self) -> str:
        return self.short or self.title

    def dated_events(self) -> list[tuple[str, str]]:
        """(event, ISO date) of each date the document states, in the order of its life. The latest change is
        named 修改, which covers both kinds: a law amended (修正) and one revised whole (修订) differ, and one date
        field cannot say which it was."""
        events = (("通过", self.passed), ("批准", self.approved), ("公布", self.promulgated), ("施行", self.effective),
                  ("修改", self.revised))
        return [(name, date) for name, date in events if date]


@dataclass(frozen=True)
class Passage:
    """A verbatim sentence (or clause, or heading) of a Source, with its place in the document."""

    id: str
    source_id: str
    seq: int  # order within the source
    para: int  # paragraph number within the source
    section: tuple[str, ...] = field(default_factory=tuple)  # heading path, outermost first
    text: str = ""
    is_heading: bool = False

    @property
    def section_path(self) -> str:
        return SECTION_SEPARATOR.join(self.section)
