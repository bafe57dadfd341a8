"""每日一句: which quote a subscribed chat gets today, and the `/daily` argument syntax."""
from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass
from datetime import time

from assistant.search.engine import Searcher
from assistant.study.digest import TopicError, clean_topic, topic_hits
from assistant.study.quotes import SHANGHAI, Quote, body_sentences
from assistant.study.state import StateStore

# A body sentence with normative force ("坚持…", "加快…") or naming a slogan reads as a key statement;
# reportage ("从业人员超2000人。") does not.
_KEY_SENTENCE = re.compile(
    r"^(坚持|必须|要|推进|推动|加快|深化|深入|加强|健全|完善|强化|打造|构建|建设|实施|全面|大力|着力|持续|积极|始终|努力|率先)"
    r"|“[^”]{2,12}”"
)
_TIME = re.compile(r"^([01]?\d|2[0-3])[:：]([0-5]\d)$")


class DailyError(ValueError):
    """Bad `/daily` input; the message is the Chinese answer for the user."""


@dataclass(frozen=True)
class DailyRequest:
    """What `/daily …` asks for: "show" the setting, turn it "off", or "set" a time (and topic)."""

    action: str
    time: str = ""  # "HH:MM"
    topic: str = ""


USAGE = "用法：/daily 08:30 [主题] 订阅每日一句；/daily off 取消；/daily 查看当前设置。"


def parse_request(args: str) -> DailyRequest:
    words = args.split()
    if not words:
        return DailyRequest("show")
    if words[0].lower() in ("off", "stop", "取消", "关闭"):
        return DailyRequest("off")
    m = _TIME.match(words[0])
    if not m:
        raise DailyError(f"时间格式不对：“{words[0]}”。请写成 24 小时制的 时:分，例如 08:30。\n{USAGE}")
    topic = clean_topic(" ".join(words[1:])) if len(words) > 1 else ""
    return DailyRequest("set", f"{int(m[1]):02d}:{m[2]}", topic)


def send_time(hhmm: str) -> time:
    """The Asia/Shanghai wall-clock time of a subscription, as the scheduler wants it."""
    hour, minute = (int(x) for x in hhmm.split(":"))
    return time(hour, minute, tzinfo=SHANGHAI)


def pool(searcher: Searcher, topic: str = "") -> list[Quote]:
    """The quotes a subscription draws from: the sentences on the topic, or else the corpus's key sentences."""
    if topic:
        try:
            return [Quote.of(h.passage, h.source) for h in topic_hits(searcher, topic)]
        except TopicError:
            return []  # a topic of particles only ("的") matches nothing rather than everything
    corpus = searcher.corpus
    return [
        Quote.of(p, corpus.source(p.source_id))
        for p in body_sentences(corpus.passages())
        if _KEY_SENTENCE.search(p.text)
    ]


def quote_key(quote: Quote) -> str:
    """Identity of a quote for "already sent": its text, so a re-ingest with new passage ids changes nothing."""
    return hashlib.blake2b(quote.text.encode(), digest_size=8).hexdigest()


def next_quote(store: StateStore, chat_id: int, quotes: list[Quote], rng: random.Random) -> Quote | None:
    """A quote the chat has not had yet; a new round starts once the pool is used up.

    The caller records it with `mark_sent` once it was delivered, so a failed send doesn't use it up.
    """
    if not quotes:
        return None
    sent = store.sent_keys(chat_id)
    fresh = [q for q in quotes if quote_key(q) not in sent]
    if not fresh:
        store.reset_sent(chat_id)
        fresh = quotes
    return rng.choice(fresh)


def mark_sent(store: StateStore, chat_id: int, quote: Quote) -> None:
    store.mark_sent(chat_id, quote_key(quote))
