"""How a quote is cited: the standard 出处 form cadres paste into 材料, and the short line under a quote.

Standard form (copy button, inline mode, `search --cite`, 摘编, other channels)::

    “……。”（《中共浙江省委关于……的决定》，2022年12月19日）
    “……。”（《加快发展新质生产力 扎实推进高质量发展》，《今日浙江》2024年第2期）

A magazine article is cited by its own title and the issue that printed it, never by a 简称.
The short line under a quote in answers names the 简称 and the section as people say it::

    ——《共同富裕实施方案》第三部分第12条（2021年7月）
    ——《今日浙江》文章《政府工作报告》第二部分（2024年第2期）

Everything here is computed from a Source (and a passage's heading path); nothing knows a messenger.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Sequence

from assistant.ingest.formats import TABLE_CELL
from assistant.records import HEADNOTE, SECTION_SEPARATOR, Source, book_title

if TYPE_CHECKING:  # the search JSON cites sources without the Reply types (imported where a Citation is made)
    from assistant.chat.reply import Citation, Quote

UNTITLED = "原文未见标题"  # the manifest's note on an article whose printed title is missing
_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?$")
_ISSUE_DATE = re.compile(r"\s*(\d{4})\s*年\s*(?:第\s*(\d+)\s*期|(\d{1,2})\s*月)")
_CN_NUM = "零一二三四五六七八九十百"


def format_date(date: str) -> str:
    """ISO `2022-12-19` / `2021-07` / `2019` as written in Chinese text: 2022年12月19日 / 2021年7月 / 2019年."""
    m = _DATE.match(date.strip())
    if not m:
        return date.strip()
    year, month, day = m.groups()
    return f"{year}年" + (f"{int(month)}月" if month else "") + (f"{int(day)}日" if day else "")


def is_article(source: Source) -> bool:
    """A piece printed in a periodical (its own Source, `publication` naming the issue)."""
    return bool(source.publication)


def publication_name(source: Source) -> str:
    """The periodical's name without the issue: `今日浙江 2024年2月` → `今日浙江`."""
    m = _ISSUE_DATE.search(source.publication)
    return (source.publication[: m.start()] if m else source.publication).strip()


def issue_label(source: Source) -> str:
    """The issue as cited: `2024年第2期` (an issue number printed in the publication's name wins; else the
    issue's month stands for its number, as for a monthly)."""
    m = _ISSUE_DATE.search(source.publication)
    if not m:
        return ""
    year, number, month = m.groups()
    return f"{year}年第{int(number or month)}期"


def article_title(source: Source) -> str:
    """The article's printed title; empty when the manifest says the title is not printed."""
    return "" if UNTITLED in source.title else source.title


def cite(source: Source) -> str:
    """The standard 出处 in full-width brackets: full title and date, or article title and issue."""
    if is_article(source):
        issue = f"《{publication_name(source)}》{issue_label(source)}"
        title = article_title(source)
        return f"（{book_title(title)}，{issue}）" if title else f"（{issue}{source.short}）"
    date = format_date(source.date)
    return f"（{book_title(source.title)}，{date}）" if date else f"（{book_title(source.title)}）"


def heading(source: Source) -> str:
    """A source named once above its quotes (摘编, saved quotes): 《title》（date） or 《title》（《今日浙江》2024年第2期）."""
    standard = cite(source)
    if standard.startswith("（《") and "》，" in standard:  # （《title》，when） → 《title》（when）
        title, when = standard[1:-1].split("》，", 1)
        return f"{title}》（{when}）"
    return standard[1:-1]


def quote_with_citation(text: str, source: Source) -> str:
    """The verbatim quote in quotation marks followed by its standard 出处, ready to paste."""
    return quoted(text, cite(source))


def quoted(text: str, standard: str) -> str:
    return f"“{text}”{standard}"


def pasteable(quote: Quote, text: str = "") -> str:
    """A quote block as pasted into 材料: its verbatim text (or the elided `text` given) and standard 出处."""
    return quoted(text or quote.text, quote.citation.standard if quote.citation else "")


# Sections as people say them -----------------------------------------------------------------

_PART = re.compile(rf"^([{_CN_NUM}]+)、")  # 一、
_ITEM = re.compile(rf"^[（(]([{_CN_NUM}]+)[）)]")  # （一）
_POINT = re.compile(r"^([0-9０-９]+)\s*[.．、]")  # 1.
_ORDINAL = re.compile(rf"^第([{_CN_NUM}]+)[，,、]")  # 第一，
_LEGAL = re.compile(rf"^第[{_CN_NUM}0-9]+[编章节条款项部分]")  # 第三章 / 第十二条 / 第二部分
_ATTACHMENT = re.compile(rf"^附件[0-9０-９{_CN_NUM}]*")  # 附件 / 附件2 (ingest/structure.py ATTACHMENT)


def _spoken(heading: str, parent: str) -> tuple[str, str]:
    """(kind, words) for one heading: its number as people say it; ("", "") when it is not numbered."""
    heading = heading.strip()
    if heading == HEADNOTE:
        return HEADNOTE, HEADNOTE
    if m := _LEGAL.match(heading):
        return "法" + m.group(0)[-1], m.group(0)
    if m := _PART.match(heading):
        return "部分", f"第{m.group(1)}部分"
    if m := _ITEM.match(heading):  # inside a law's article an item is a 项
        return ("项", f"第（{m.group(1)}）项") if parent.startswith("法") else ("条", f"第（{m.group(1)}）条")
    if m := _POINT.match(heading):
        number = int(m.group(1).translate(str.maketrans("０１２３４５６７８９", "0123456789")))
        return ("项", f"第{number}项") if parent == "条" else ("条", f"第{number}条")
    if m := _ORDINAL.match(heading):
        return "点", f"第{m.group(1)}点"
    if m := _ATTACHMENT.match(heading):  # 附件2 重点任务分工表 → 附件2
        return "附件", m.group(0)
    return "", ""


def spoken_section(section: Sequence[str] | str) -> str:
    """The numbered levels of a heading path as people cite them, from the one whose numbers run through the
    whole document: `三、… › 12. …` → 第三部分第12条; `二、… › （一）… › 1. …` → 第二部分第（一）条第1项 (every
    part has its own （一）, so the part is always said); a law's `第三章 … › 第二十条` → 第二十条 (article numbers
    run through a law). Unnumbered headings are left to the 来源 view."""
    heads = section.split(SECTION_SEPARATOR) if isinstance(section, str) else list(section)
    levels: list[tuple[str, str]] = []
    for heading in heads:
        kind, words = _spoken(heading, levels[-1][0] if levels else "")
        if kind:
            levels.append((kind, words))
    article = next((i for i, (kind, _) in enumerate(levels) if kind == "法条"), None)
    if article is not None:  # 第X条 of a law: the article and what lies inside it
        return "".join(words for _, words in levels[article:][-2:])
    part = next((i for i, (kind, _) in enumerate(levels) if kind == "部分"), None)
    return "".join(words for _, words in (levels[part:] if part is not None else levels[-2:]))


def answer_line(source: Source, section: Sequence[str] | str = ()) -> str:
    """The citation under a quote in an answer: ——《简称》section（date）; an article shows as one."""
    where = spoken_section(section)
    if is_article(source):
        title = article_title(source)
        name = f"《{publication_name(source)}》" + (f"文章{book_title(title)}" if title else source.short)
        when = issue_label(source)
    else:
        name, when = book_title(source.label), format_date(source.date)
    heads = section.split(SECTION_SEPARATOR) if isinstance(section, str) else list(section)
    # a table row is read with its column names (轻度失能|二百元|服务券: 失能等级 | 每月补贴 | 发放方式)
    columns = f"，表头：{heads[-1]}" if heads and TABLE_CELL in heads[-1] else ""
    return f"——{name}{where}" + (f"（{when}）" if when else "") + columns


def citation(source: Source, section: Sequence[str] | str = ()) -> Citation:
    """Both forms for a quote from `source` under the heading path `section`."""
    from assistant.chat.reply import Citation

    return Citation(answer_line(source, section), cite(source))
