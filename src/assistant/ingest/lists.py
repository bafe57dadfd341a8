"""Numbered list items and the sentence introducing their list (有下列行为之一的，处…罚款：（一）…（二）…).

An item alone (（二）出借居住证；) does not say what holds for it; its lead-in does, for every item under it.
And a lead-in alone (应当提供下列材料：) does not say what is listed. Ranking reads the lead-in's cues for an item
(ranking.section_flags), the answered check reads its words, and search shows a found item after its lead-in and a
found lead-in before the start of its list (engine.Hit.lead / Hit.list).
"""
from __future__ import annotations

import re
from typing import Sequence

LIST_ITEM = re.compile(r"[（(][一二三四五六七八九十]+[）)]|[0-9]+[.．、]|[①-⑳]")  # matched at a passage's start
# A clause an over-long sentence was cut after (ingest.sentences.split_clauses): the sentence goes on in the next passage.
CLAUSE_CUT = re.compile(r"；[”’」』）)】]*$")
LEAD_REACH = 40  # passages looked back for a list item's lead-in (a list of 39 items)
LIST_SHOWN = 120  # characters of items shown after a lead-in: the first items, whole, on a phone screen


def lead_in(before: Sequence[str], item: str) -> tuple[str, int] | None:
    """The lead-in of a list item and how many items lie between them, from the texts before the item in its
    section (nearest last); None when `item` is no item or the sentence before its list does not end with a
    colon (only a colon introduces a list: 享有下列便利。 is a sentence of its own). A lead-in too long for one
    passage was cut at ；: it is the whole sentence (…处以五十万元以下的罚款；情节严重的，责令停业整顿、吊销营业执照：
    alone would say the items are punished by a licence revoked only)."""
    span = lead_span(before, item)
    return None if span is None else ("".join(before[span[0] : span[1] + 1]), span[2])


def lead_span(before: Sequence[str], item: str) -> tuple[int, int, int] | None:
    """(start, end, gap): lead_in's clauses are before[start : end + 1], `gap` items lie between them and `item`."""
    if not LIST_ITEM.match(item):
        return None
    for gap in range(min(len(before), LEAD_REACH)):
        end = len(before) - 1 - gap
        if not LIST_ITEM.match(before[end]):
            if not before[end].endswith(("：", ":")):
                return None
            reach = len(before) - min(len(before), LEAD_REACH)
            return reach + sentence_start(before[reach:], end - reach), end, gap
    return None


def sentence_start(texts: Sequence[str], end: int) -> int:
    """Where the sentence ending with texts[end] begins: at the first of the clauses before it that an over-long
    sentence was cut into (each ends with ；; never a list item)."""
    start = end
    while start > 0 and CLAUSE_CUT.search(texts[start - 1]) and not LIST_ITEM.match(texts[start - 1]):
        start -= 1
    return start


def list_after(lead: str, after: Sequence[str]) -> str:
    """The start of the list a lead-in introduces, from the texts after it in its section: whole items up to
    LIST_SHOWN characters (at least one), "……" ending it when items are left out; "" when `lead` ends with no
    colon or no item follows."""
    if not lead.endswith(("：", ":")):
        return ""
    items = []
    for text in after[:LEAD_REACH]:
        if not LIST_ITEM.match(text):
            break
        if items and sum(map(len, items)) + len(text) > LIST_SHOWN:
            return "".join(items) + "……"
        items.append(text)
    return "".join(items)
