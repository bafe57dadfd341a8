"""Rendering a Reply: Telegram HTML (split into messages within Telegram's limits) and plain text.

Corpus and user text is always escaped; the only markup added is <b> around matched words,
<b> for bold Text and an expandable <blockquote> for Context. Quote text stays verbatim.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, replace

from assistant.chat.reply import Block, Button, Context, Poll, Quote, Reply, Text

MAX_MESSAGE_UNITS = 4096  # Telegram counts UTF-16 code units
MAX_ENTITIES = 100
MAX_BOLD_PER_QUOTE = 3  # a few bold spans guide the eye; more turn a sentence into noise
BLOCK_SEPARATOR = "\n\n"
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def shorten(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, an ellipsis marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


ELLIPSIS = "……"
LONG_QUOTE = 150  # characters: past this a quote shows its matched clauses on a phone
_CLAUSE_END = re.compile(r"[，；：。！？](?:[”’」』）)]*)")


def clauses(text: str) -> list[str]:
    """`text` cut after each clause mark (，；：。！？ with any closing quotes); the pieces join back to `text`."""
    cuts = [m.end() for m in _CLAUSE_END.finditer(text)]
    bounds = [0, *[c for c in cuts if c < len(text)], len(text)]
    return [text[a:b] for a, b in zip(bounds, bounds[1:]) if b > a]


def elide(text: str, terms: tuple[str, ...], limit: int = LONG_QUOTE) -> str:
    """A long sentence cut to the run of clauses holding most of `terms`, within `limit` characters, the
    cut parts marked …… (a clause mark before the cut is dropped, as in print). Short text comes back whole;
    the kept clauses are verbatim."""
    if len(text) <= limit:
        return text
    parts = clauses(text)
    if len(parts) < 2:
        return text
    hits = [sum(part.count(t) for t in terms if t) for part in parts]
    best = max(range(len(parts)), key=lambda i: (hits[i], -i))
    a, b = best, best + 1
    while True:  # widen towards the side with more matches, then towards the sentence's start
        grow = [(hits[i], i == a - 1, i) for i in (a - 1, b) if 0 <= i < len(parts)]
        grow = [g for g in grow if sum(len(p) for p in parts[min(a, g[2]):max(b, g[2] + 1)]) <= limit]
        if not grow:
            break
        i = max(grow)[2]
        a, b = min(a, i), max(b, i + 1)
    kept = "".join(parts[a:b])
    if b < len(parts):
        kept = kept.rstrip("，；：") + ELLIPSIS
    return (ELLIPSIS if a > 0 else "") + kept


def units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def ordinal(n: int) -> str:
    return CIRCLED[n - 1] if 1 <= n <= len(CIRCLED) else f"({n})"


def highlight(text: str, terms: tuple[str, ...], limit: int = MAX_BOLD_PER_QUOTE) -> list[tuple[str, bool]]:
    """Split `text` into (segment, matched) pieces; overlapping and adjacent matches merge."""
    spans: list[tuple[int, int]] = []
    for term in sorted({t for t in terms if t.strip()}, key=len, reverse=True):
        start = text.find(term)
        while start != -1:
            spans.append((start, start + len(term)))
            start = text.find(term, start + len(term))
    merged: list[list[int]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    pieces, pos = [], 0
    for a, b in merged[:limit]:
        if a > pos:
            pieces.append((text[pos:a], False))
        pieces.append((text[a:b], True))
        pos = b
    if pos < len(text):
        pieces.append((text[pos:], False))
    return pieces


# HTML ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Piece:
    html: str
    entities: int


def quote_html(q: Quote, number: int | None = None) -> Piece:
    pieces = highlight(q.shown or q.text, q.terms)
    body = "".join(f"<b>{html.escape(s)}</b>" if bold else html.escape(s) for s, bold in pieces)
    entities = sum(1 for _, bold in pieces if bold)
    head = ordinal(number) if number else ""
    out = f"{head}「{body}」"
    if q.citation:
        out += "\n" + html.escape(q.citation.line)
    if q.folded:
        return Piece(f"<blockquote expandable>{out}</blockquote>", entities + 1)
    return Piece(out, entities)


def context_html(c: Context) -> Piece:
    lines = [f"<b>{html.escape(t)}</b>" if i == c.focus else html.escape(t) for i, t in enumerate(c.lines)]
    out = "<blockquote expandable>" + "\n".join(lines) + "</blockquote>"
    if c.citation:
        out = html.escape(c.citation.line) + "\n" + out
    return Piece(out, 1 + (1 if 0 <= c.focus < len(c.lines) else 0))


def text_html(t: Text) -> list[Piece]:
    """A Text block, cut at line breaks (or hard, as a last resort) so each piece fits a message."""
    budget = MAX_MESSAGE_UNITS - 100

    def fits(text: str) -> bool:
        return units(html.escape(text)) <= budget

    chunks, current = [], ""
    for line in t.text.split("\n"):
        joined = f"{current}\n{line}" if current else line
        if fits(joined):
            current = joined
            continue
        if current:
            chunks.append(current)
        while not fits(line):
            cut = budget // 6  # an escaped character takes at most 6 units (&quot;)
            chunks.append(line[:cut])
            line = line[cut:]
        current = line
    chunks.append(current)
    wrap = (lambda s: f"<b>{s}</b>") if t.bold else (lambda s: s)
    return [Piece(wrap(html.escape(c)), int(t.bold)) for c in chunks]


def block_html(block: Block, number: int | None) -> list[Piece]:
    if isinstance(block, Quote):
        return [quote_html(block, number)]
    if isinstance(block, Context):
        return [context_html(block)]
    return text_html(block)


def numbered(reply: Reply) -> list[tuple[Block, int | None]]:
    """Blocks with the number shown before each quote that has its own buttons or a number of its own."""
    out, n = [], 0
    for block in reply.blocks:
        if isinstance(block, Quote) and block.number:
            out.append((block, block.number))
        elif isinstance(block, Quote) and block.buttons:
            n += 1
            out.append((block, n))
        else:
            out.append((block, None))
    return out


def html_messages(reply: Reply) -> list[str]:
    """The reply's text as Telegram HTML messages, split between blocks, never inside a quote."""
    messages: list[str] = []
    current, entities = "", 0
    for block, number in numbered(reply):
        for piece in block_html(block, number):
            joined = f"{current}{BLOCK_SEPARATOR}{piece.html}" if current else piece.html
            if current and (units(joined) > MAX_MESSAGE_UNITS or entities + piece.entities > MAX_ENTITIES):
                messages.append(current)
                current, entities = piece.html, piece.entities
            else:
                current, entities = joined, entities + piece.entities
    if current:
        messages.append(current)
    return messages


def keyboard(reply: Reply) -> list[list[Button]]:
    """Button rows: the actions of each numbered quote that is not folded (labels prefixed with its number
    when several quotes show theirs), then the reply's rows. A folded quote's actions are reached through
    the reply's own rows (the answer's ② ③)."""
    shown = [(block, number) for block, number in numbered(reply) if number and block.buttons and not block.folded]
    prefix = (lambda n: ordinal(n)) if len(shown) > 1 else (lambda n: "")
    rows = [[replace(b, label=prefix(number) + b.label) for b in block.buttons] for block, number in shown]
    return rows + [list(r) for r in reply.buttons if r]


def quiz_html(poll: Poll) -> str:
    """A quiz as a text message, for when the messenger sent no poll: the options numbered, the answer and
    its 出处 hidden under a spoiler until tapped."""
    options = "\n".join(f"{chr(ord('A') + i)}. {html.escape(o)}" for i, o in enumerate(poll.options))
    text = f"{html.escape(poll.question)}\n{options}"
    if poll.correct is not None:
        answer = f"答案：{chr(ord('A') + poll.correct)}" + (f"。{poll.explanation}" if poll.explanation else "")
        text += f"\n<tg-spoiler>{html.escape(answer)}</tg-spoiler>"
    return text


# Plain text (console) ------------------------------------------------------------------------


def block_plain(block: Block, number: int | None) -> str:
    if isinstance(block, Quote):
        head = ordinal(number) if number else ""
        tail = "\n" + block.citation.line if block.citation else ""
        return f"{head}「{block.shown or block.text}」{tail}"
    if isinstance(block, Context):
        lines = [("▶ " if i == block.focus else "  ") + t for i, t in enumerate(block.lines)]
        head = block.citation.line + "\n" if block.citation else ""
        return head + "\n".join(lines)
    return block.text


def plain_text(reply: Reply) -> str:
    """The reply as plain text: same blocks, no markup; button hints are the adapter's business."""
    parts = [block_plain(b, n) for b, n in numbered(reply)]
    if reply.notice:
        parts.insert(0, reply.notice)
    return BLOCK_SEPARATOR.join(parts)
