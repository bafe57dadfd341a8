"""A Reply is plain data: what to say, never how a given messenger shows it.

The core builds Replies; adapters render them (HTML for Telegram, plain text for the console).
Blocks keep corpus text verbatim: highlighting is a list of terms, applied only when rendering.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Union

MAX_CALLBACK_BYTES = 64  # Telegram's limit on callback data
MAX_COPY_UNITS = 256  # Telegram's limit on a copy button's text (CopyTextButton: 1-256 characters)


@dataclass(frozen=True)
class Button:
    """A button under a message. Exactly one of `data` (a callback "action:arg"), `url`,
    `switch_inline` (open inline mode in the current chat with this query), `copy` (text put on the
    clipboard, at most MAX_COPY_UNITS) is set."""

    label: str
    data: str = ""
    url: str = ""
    switch_inline: str | None = None
    copy: str = ""

    def __post_init__(self) -> None:
        if len(self.data.encode("utf-8")) > MAX_CALLBACK_BYTES:
            raise ValueError(f"callback data over {MAX_CALLBACK_BYTES} bytes: {self.data!r}")
        if len(self.copy.encode("utf-16-le")) // 2 > MAX_COPY_UNITS:
            raise ValueError(f"copy text over {MAX_COPY_UNITS} characters: {self.copy!r}")


@dataclass(frozen=True)
class Citation:
    """Where a quote is from, in the two forms chat.citation builds from a Source."""

    line: str  # under a quote in an answer: ——《简称》第三部分第12条（2021年7月）
    standard: str = ""  # pasted after the quote: （《全称》，2021年7月）


@dataclass(frozen=True)
class Text:
    """A paragraph of plain text (escaped when rendered)."""

    text: str
    bold: bool = False


@dataclass(frozen=True)
class Quote:
    """A verbatim corpus sentence (or run of sentences) with the words to bold and where it is from.

    `buttons` are the quote's own actions (上下文, 来源, a feature's ⭐); renderers number them
    after the quote. `citation` None means the quote is part of a longer excerpt cited elsewhere.
    `number` shows an ordinal before a quote whose actions live in the reply's own rows; `folded`
    quotes are shown collapsed (one tap opens them); `shown` is what a long quote shows on a phone:
    its matched clauses, the elided parts marked ……, the verbatim `text` one tap away.
    """

    text: str
    passage_id: str = ""
    source_id: str = ""
    terms: tuple[str, ...] = ()
    citation: Citation | None = None
    buttons: tuple[Button, ...] = ()
    number: int = 0
    folded: bool = False
    shown: str = ""


@dataclass(frozen=True)
class Context:
    """Sentences around a quote, in document order; `focus` indexes the quoted one.
    Rendered folded (an expandable blockquote on Telegram)."""

    lines: tuple[str, ...]
    focus: int = -1
    citation: Citation | None = None


Block = Union[Text, Quote, Context]


@dataclass(frozen=True)
class Document:
    """A file to send along with the reply (e.g. a 摘编 as .docx or .md)."""

    filename: str
    data: bytes
    caption: str = ""


@dataclass(frozen=True)
class Poll:
    """A poll; a quiz when `correct` is the index of the right option."""

    question: str
    options: tuple[str, ...]
    correct: int | None = None
    explanation: str = ""
    anonymous: bool = True
    key: str = ""  # the feature's id for it: the adapter emits ("poll_sent", key, messenger poll id) once sent


@dataclass
class Reply:
    """What the bot says in answer to one message, button press or job.

    `buttons` are rows shown under the last message (after the quotes' own buttons).
    `edit` asks the adapter to replace the message whose button was pressed instead of sending
    a new one. `notice` is a short toast for a button press (shown alone when there are no blocks).
    `sent`, on a scheduled job's reply, is called by the adapter once the reply was delivered (a daily
    quote's lease is completed then, so another replica re-sends only what was never delivered).
    """

    blocks: list[Block] = field(default_factory=list)
    buttons: list[list[Button]] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)
    poll: Poll | None = None
    edit: bool = False
    notice: str = ""
    sent: Callable[[], None] | None = field(default=None, repr=False, compare=False)

    @property
    def empty(self) -> bool:
        return not (self.blocks or self.documents or self.poll)

    def quotes(self) -> list[Quote]:
        return [b for b in self.blocks if isinstance(b, Quote)]


@dataclass(frozen=True)
class InlineItem:
    """One inline-mode result: the quote with its standard 出处 (citation.pasteable) is what gets inserted."""

    id: str
    title: str
    description: str
    quote: Quote


@dataclass(frozen=True)
class InlinePage:
    items: tuple[InlineItem, ...] = ()
    next_offset: str = ""  # "" when there is no further page
    help_text: str = ""  # a button above the results that opens a private chat with the bot
    cache_seconds: int = 3600
    personal: bool = False
