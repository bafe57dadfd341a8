"""摘编: the most relevant sentences on a topic across all sources, grouped by source, newest source first."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

import jieba.posseg

from assistant.search.engine import Searcher
from assistant.study.quotes import Quote, body_sentences, today

PER_SOURCE = 8
LIMIT = 40  # quotes in all: a compilation to read in a session, not every mention
MAX_TOPIC = 20
_CANDIDATES = 400  # search hits examined; far more than any digest shows
_NOT_WORD = re.compile(r"[\W_]+")


class TopicError(ValueError):
    """The topic cannot make a digest; the message is the Chinese answer for the user."""


@dataclass(frozen=True)
class SourceGroup:
    title: str
    date: str
    publication: str
    quotes: tuple[Quote, ...]


@dataclass(frozen=True)
class Digest:
    topic: str
    date: str  # compilation date, Chinese
    groups: tuple[SourceGroup, ...] = field(default_factory=tuple)

    @property
    def title(self) -> str:
        return f"关于“{self.topic}”的论述摘编"

    @property
    def quotes(self) -> list[Quote]:
        return [q for g in self.groups for q in g.quotes]


# jieba part-of-speech flags of words that carry no topic: particles, prepositions, conjunctions, pronouns.
_FUNCTION_WORDS = ("u", "p", "c", "r", "y", "e", "x")


def topic_terms(topic: str) -> list[str]:
    """The words a sentence must contain to be on the topic (punctuation and function words dropped)."""
    words = [
        pair.word for pair in jieba.posseg.lcut(topic)
        if _NOT_WORD.sub("", pair.word) and not pair.flag.startswith(_FUNCTION_WORDS)
    ]
    return list(dict.fromkeys(words))


def clean_topic(raw: str) -> str:
    topic = raw.strip().strip("“”\"'「」《》")
    if not topic:
        raise TopicError("请在命令后写上主题，例如：/digest 共同富裕")
    if len(topic) > MAX_TOPIC:
        raise TopicError(f"主题太长了（最多 {MAX_TOPIC} 个字），请换一个简短的关键词。")
    return topic


def build_digest(
    searcher: Searcher, topic: str, per_source: int = PER_SOURCE, limit: int = LIMIT, now: datetime | None = None
) -> Digest:
    """The `limit` most relevant on-topic body sentences, at most `per_source` from each source, deduplicated.

    A sentence is on the topic when it contains every word of the topic; within a source the chosen
    sentences are shown in document order, so the compilation reads like the original.
    """
    topic = clean_topic(topic)
    terms = topic_terms(topic)
    if not terms:
        raise TopicError("请输入一个有实际意义的主题词，例如：/digest 共同富裕")
    corpus = searcher.corpus
    hits = searcher.search(topic, k=_CANDIDATES).hits
    complete = _complete_sentence_ids(corpus, {h.passage.source_id for h in hits})
    chosen: dict[str, list[Quote]] = {}
    seen: list[str] = []
    for hit in hits:
        if len(seen) >= limit:
            break
        p = hit.passage
        if p.id not in complete or not all(t in p.text for t in terms):
            continue
        bucket = chosen.setdefault(p.source_id, [])
        if len(bucket) >= per_source:
            continue
        key = _NOT_WORD.sub("", p.text)
        if any(key in s or s in key for s in seen):
            continue
        seen.append(key)
        bucket.append(Quote.of(p, hit.source))
    if not chosen:
        raise TopicError(_not_found(searcher, topic))
    sources = sorted((corpus.source(sid) for sid in chosen), key=lambda s: (s.date, -s.position), reverse=True)
    groups = tuple(
        SourceGroup(s.title, s.date, s.publication, tuple(sorted(chosen[s.id], key=lambda q: q.seq))) for s in sources
    )
    return Digest(topic, today(now), groups)


def _complete_sentence_ids(corpus, source_ids: set[str]) -> set[str]:
    return {p.id for sid in source_ids for p in body_sentences(corpus.passages(sid))}


def _not_found(searcher: Searcher, topic: str) -> str:
    message = f"没有找到关于“{topic}”的论述。"
    related = searcher.suggest(topic)[:5]
    if related:
        message += "可以试试：" + "、".join(related)
    else:
        message += "请换一个关键词，例如：共同富裕、数字化改革。"
    return message


def pages(digest: Digest, per_page: int = 5) -> list[list[tuple[SourceGroup, tuple[Quote, ...]]]]:
    """Split a digest into chat pages of about `per_page` quotes, each page a list of (source group, quotes)."""
    result: list[list[tuple[SourceGroup, tuple[Quote, ...]]]] = []
    page: list[tuple[SourceGroup, tuple[Quote, ...]]] = []
    room = per_page
    for group in digest.groups:
        quotes = group.quotes
        while quotes:
            if room == 0:
                result.append(page)
                page, room = [], per_page
            page.append((group, quotes[:room]))
            room -= len(quotes[:room])
            quotes = quotes[len(page[-1][1]):]
    if page:
        result.append(page)
    return result
