"""摘编: the most relevant sentences on a topic across all sources, grouped by source: the authoritative
documents first (决定, 方案, 报告 — by how their kind ends), then the rest, newest first within each rank.
A sentence that opens by pointing back (这是……, 其……, 此外……) cannot stand alone in print and is left out."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from assistant import import_jieba
from assistant.chat.coverage import authority
from assistant.search.engine import Hit, Searcher
from assistant.study.quotes import Quote, body_sentences, today

jieba = import_jieba("posseg")

PER_SOURCE = 8
LIMIT = 40  # quotes in all: a compilation to read in a session, not every mention
MAX_TOPIC = 20
CANDIDATES = 1000  # search hits examined: every on-topic sentence of the corpus, far more than a digest shows
_NOT_WORD = re.compile(r"[\W_]+")
# Openings that refer to what came before: 这是……的新成效, 其中……, 此外……, 该方案……, 为此……
_POINTS_BACK = re.compile(r"^(?:这|那|此|其|该|上述|以上|对此|为此|由此|因此|此外|另外|同时[，,]|但|而)")


def stands_alone(text: str) -> bool:
    """Whether a sentence reads on its own: it does not open by pointing back to the sentence before."""
    return not _POINTS_BACK.match(text.lstrip("“‘「"))


class TopicError(ValueError):
    """The topic cannot make a digest; the message is the Chinese answer for the user."""


@dataclass(frozen=True)
class SourceGroup:
    title: str
    date: str
    publication: str
    quotes: tuple[Quote, ...]
    kind: str = ""


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
    """The phrases a sentence must contain to be on the topic: runs of content words, as written.

    Spaces and function words end a run, so "关于共同富裕的" needs 共同富裕, "两个先行" needs 两个先行
    (not 两个 and 先行 anywhere), and "数字化 营商环境" needs both.
    """
    runs: list[str] = []
    current = ""
    for pair in jieba.posseg.lcut(topic):
        if _NOT_WORD.sub("", pair.word) and not pair.flag.startswith(_FUNCTION_WORDS):
            current += pair.word
        else:
            runs.append(current)
            current = ""
    runs.append(current)
    return list(dict.fromkeys(r for r in runs if r))


def clean_topic(raw: str) -> str:
    topic = raw.strip().strip("“”\"'「」《》")
    if not topic:
        raise TopicError("请在命令后写上主题，例如：/digest 共同富裕")
    if len(topic) > MAX_TOPIC:
        raise TopicError(f"主题太长了（最多 {MAX_TOPIC} 个字），请换一个简短的关键词。")
    return topic


def topic_hits(searcher: Searcher, topic: str, k: int = CANDIDATES) -> list[Hit]:
    """Search hits on the topic that are complete body sentences, most relevant first.

    A sentence is on the topic when it contains every phrase of the topic (topic_terms). A one-phrase
    topic also matches the wording the documents use for it, as the search expands it (共富 → 共同富裕,
    千万工程 → 千村示范、万村整治): those are the matched terms that are not part of the topic itself.
    """
    topic = clean_topic(topic)
    terms = topic_terms(topic)
    if not terms:
        raise TopicError("请输入一个有实际意义的主题词，例如：/digest 共同富裕")
    hits = searcher.search(topic, k=k).hits
    complete = _complete_sentence_ids(searcher.corpus, {h.passage.source_id for h in hits})
    one_phrase = len(terms) == 1

    def on_topic(hit: Hit) -> bool:
        text = hit.passage.text
        if all(t in text for t in terms):
            return True
        return one_phrase and any(t not in topic and t in text for t in hit.terms)

    return [h for h in hits if h.passage.id in complete and stands_alone(h.passage.text) and on_topic(h)]


def build_digest(
    searcher: Searcher, topic: str, per_source: int = PER_SOURCE, limit: int = LIMIT, now: datetime | None = None
) -> Digest:
    """The `limit` most relevant on-topic body sentences, at most `per_source` from each source, deduplicated.

    Within a source the chosen sentences are shown in document order, so the compilation reads like the original.
    """
    topic = clean_topic(topic)
    chosen: dict[str, list[Quote]] = {}
    seen: list[str] = []
    for hit in topic_hits(searcher, topic):
        if len(seen) >= limit:
            break
        p = hit.passage
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
    corpus = searcher.corpus
    sources = sorted((corpus.source(sid) for sid in chosen), key=lambda s: (-authority(s.kind), s.date, -s.position),
                     reverse=True)
    groups = tuple(
        SourceGroup(s.title, s.date, s.publication, tuple(sorted(chosen[s.id], key=lambda q: q.seq)), s.kind)
        for s in sources
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
