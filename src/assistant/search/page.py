"""How a page of hits is quoted: items of one list found on the page join the first one's quote under their lead-in,
and a quote saying nothing the quotes before it do not is left out. One rule for the chat (three quotes an answer)
and the search page (`/api/search` marks each result `shown`, and gives a joined quote as `joined`)."""
from __future__ import annotations


def unrepeated(hits, positions: list[int], around: dict[int, tuple[str, str]]) -> list[int]:
    """Of the page positions, those whose quote says something the quotes before it on the page do not: a list item
    (…（三）电动自行车产品合格证) after its lead-in quoted with its whole list (应当提交下列材料：（一）…（三）…) is
    read there already. `around`: the (lead, list) a quote shows in place of its hit's (merged)."""
    def parts(i: int) -> tuple[str, str, str]:
        lead, listed = around.get(i, (hits[i].lead, hits[i].list))
        return lead, hits[i].passage.text, listed

    kept: list[int] = []
    shown: list[str] = []  # the quotes kept so far
    every = ""  # … joined by a character no text holds: a sentence alone is in one of them when it is in this
    for i in positions:
        lead, text, listed = parts(i)
        if lead or listed:
            own = (lead.removesuffix("……"), text, listed.removesuffix("……"))
            repeated = any(all(part in seen for part in own) for seen in shown)
        else:
            repeated = text in every
        if not repeated:
            kept.append(i)
            shown.append(lead + text + listed)
            every += "\x00" + shown[-1]
    return kept


def _list_key(hit) -> tuple[str, tuple[str, ...], str] | None:
    """(source, section, lead-in) of the list whose item the hit's quote ends with; None when it ends with none."""
    if not (hit.lead or hit.list or hit.item):
        return None  # (a quote without its list's context ends with no item; most hits: no regex run)
    item = hit.list_item
    shown = hit.lead + hit.passage.text + hit.list
    if item is None or not shown.endswith(item.text):
        return None
    lead = shown[: -len(item.text)].removesuffix("……")
    return (hit.source.id, item.section, lead) if lead else None


def merged(hits, kept: list[int]) -> tuple[list[int], dict[int, tuple[str, str]]]:
    """Items of one list quoted once: the items of a list found on a page (……（二）接纳未成年人…；……（五）未悬挂…的)
    join the quote of the first of them, in the list's order, "……" between two when items lie between, so a long
    lead-in is read once on a phone. The positions left, and the (lead, list) each joined quote shows around its
    hit's passage."""
    keys = {i: _list_key(hits[i]) for i in kept}
    lists: dict[tuple, list[int]] = {}
    for i, key in keys.items():
        if key is not None:
            lists.setdefault(key, []).append(i)
    left: list[int] = []
    around: dict[int, tuple[str, str]] = {}
    for i in kept:
        members = lists.get(keys[i], [i])
        if members[0] != i:
            continue  # quoted with the first item of its list on the page
        left.append(i)
        if len(members) > 1:
            around[i] = _around_items(hits[i], [hits[j] for j in members])
    return left, around


def _around_items(hit, members) -> tuple[str, str]:
    """(lead, list) that quote `hit`'s passage inside its list's lead-in followed by the members' items."""
    by_seq = {m.list_item.seq: m for m in members}
    seqs = sorted(by_seq)
    first = by_seq[seqs[0]]
    text = (first.lead + first.passage.text + first.list)[: -len(first.list_item.text)]  # lead-in (and ……)
    for n, seq in enumerate(seqs):
        text += ("" if n == 0 or seq == seqs[n - 1] + 1 else "……") + by_seq[seq].list_item.text
    at = len(hit.lead) if hit.item is not None else text.rindex(hit.passage.text)  # (the clause, or the item)
    return text[:at], text[at + len(hit.passage.text):]
