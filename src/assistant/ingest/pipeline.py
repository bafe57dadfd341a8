"""Ingest a corpus directory into the database: read → clean → structure → sentences → store."""
from __future__ import annotations

import hashlib
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from assistant import storage
from assistant.ingest import cleaning
from assistant.ingest.lines import Line, read_lines
from assistant.ingest.magazine import split_articles
from assistant.ingest.manifest import MANIFEST_NAME, Article, Entry, load_manifest
from assistant.ingest.removals import Removals
from assistant.ingest.sentences import split_clauses, split_sentences
from assistant.ingest.structure import Block, blocks, paragraphs, section_paths
from assistant.records import Passage, Source

Progress = Callable[[str], None]


class CorpusError(ValueError):
    """A corpus file cannot be read as text."""


@dataclass
class Summary:
    sources: int = 0
    sections: int = 0
    passages: int = 0
    dropped: int = 0  # pieces (lines, blocks, fragments) dropped as layout artifacts
    removed_chars: dict[str, int] = field(default_factory=dict)
    per_source: dict[str, int] = field(default_factory=dict)
    body_lengths: tuple[float, int, int] = (0, 0, 0)  # median, p95, max characters of non-heading passages
    removals: Removals = field(default_factory=Removals)  # every dropped piece, for reports and tests


@dataclass(frozen=True)
class Document:
    """One citable unit of text: a whole file, or one article of a magazine issue."""

    source: Source
    lines: list[Line]
    title_block: tuple[str, ...]
    column_labels: tuple[str, ...]


def passage_id(source_id: str, text: str, occurrence: int) -> str:
    """Content-derived id: unchanged input gives identical ids, and an edit elsewhere doesn't shift them."""
    return hashlib.blake2b(f"{source_id}\0{occurrence}\0{text}".encode(), digest_size=6).hexdigest()


def corpus_digest(corpus_dir: Path) -> str:
    """A digest of the manifest and every corpus file it names: equal digests, equal databases."""
    corpus_dir = Path(corpus_dir)
    h = hashlib.blake2b(digest_size=16)
    for name in [MANIFEST_NAME, *sorted(e.file for e in load_manifest(corpus_dir))]:
        h.update(name.encode() + b"\0" + (corpus_dir / name).read_bytes())
    return h.hexdigest()


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise CorpusError(f"语料文件 {path} 不是 UTF-8 文本（第 {exc.start} 字节处无法解码）") from exc
    except OSError as exc:
        raise CorpusError(f"无法读取语料文件 {path}：{exc.strerror or exc}") from exc


def documents(entry: Entry, lines: list[Line], position: int, removals: Removals) -> list[Document]:
    """The citable documents in one corpus file: the file itself, or each article of an issue."""
    if not entry.is_magazine:
        source = Source(
            id=entry.id, title=entry.title, short=entry.short, issuer=entry.issuer, date=entry.date,
            kind=entry.kind, url=entry.url, file=entry.file, position=position, passed=entry.passed,
            approved=entry.approved, promulgated=entry.promulgated, effective=entry.effective, revised=entry.revised,
            history=entry.history,
        )
        return [Document(source, lines, (entry.title,), entry.column_labels)]
    # A title may be printed anywhere in the issue (after the first page, before the byline, at the end
    # of the previous article), so every article's title block is an artifact wherever it appears.
    titles = tuple(t for article in entry.articles for t in article.title_block)
    return [
        Document(_article_source(entry, article, position + n), part, titles, entry.column_labels)
        for n, (article, part) in enumerate(split_articles(lines, entry.articles, entry.file, removals))
    ]


def _article_source(entry: Entry, article: Article, position: int) -> Source:
    return Source(
        id=f"{entry.id}-{article.key}", title=article.title, short=article.short, issuer=article.issuer or entry.issuer,
        date=article.date or entry.date, kind=article.kind, url=article.url, author=article.author,
        publication=entry.title, file=entry.file, position=position,
    )


def document_blocks(doc: Document, removals: Removals) -> list[Block]:
    rules = (cleaning.column_label_rule(doc.column_labels), cleaning.title_repeat_rule(doc.title_block))
    lines = cleaning.clean_lines(doc.lines, removals, extra=rules)
    return blocks(paragraphs(lines))


def passages_for(source: Source, items: list[Block]) -> list[Passage]:
    passages: list[Passage] = []
    seen: dict[str, int] = {}
    for block, section in zip(items, section_paths(items)):
        pieces = [block.text] if block.is_heading else [c for s in split_sentences(block.text) for c in split_clauses(s)]
        for piece in pieces:
            n = seen.get(piece, 0)
            seen[piece] = n + 1
            passages.append(
                Passage(
                    id=passage_id(source.id, piece, n), source_id=source.id, seq=len(passages), para=block.para,
                    section=section, text=piece, is_heading=block.is_heading,
                )
            )
    return passages


def length_stats(lengths: list[int]) -> tuple[float, int, int]:
    if not lengths:
        return (0, 0, 0)
    ordered = sorted(lengths)
    return statistics.median(ordered), ordered[int(0.95 * (len(ordered) - 1))], ordered[-1]


def build(corpus_dir: Path, progress: Progress = lambda _msg: None) -> tuple[list[Source], list[Passage], Summary]:
    """Everything ingest writes, computed in memory (no database involved)."""
    corpus_dir = Path(corpus_dir)
    entries = load_manifest(corpus_dir)
    summary = Summary()
    removals = summary.removals
    sources: list[Source] = []
    passages: list[Passage] = []
    for n, entry in enumerate(entries, 1):
        lines = read_lines(read_text(corpus_dir / entry.file), removals)
        docs = documents(entry, lines, len(sources), removals)
        for doc in docs:
            found = passages_for(doc.source, document_blocks(doc, removals))
            sources.append(doc.source)
            passages.extend(found)
            summary.per_source[doc.source.id] = len(found)
        progress(f"[{n}/{len(entries)}] {entry.file}：{len(docs)} 个来源，{sum(summary.per_source[d.source.id] for d in docs)} 条语句")
    summary.sources = len(sources)
    summary.passages = len(passages)
    summary.sections = len({(p.source_id, p.section) for p in passages if p.section})
    summary.body_lengths = length_stats([len(p.text) for p in passages if not p.is_heading])
    summary.dropped = sum(removals.pieces.values())
    summary.removed_chars = dict(sorted(removals.chars.items()))
    return sources, passages, summary


def ingest(corpus_dir: Path, db_path: Path, progress: Progress = lambda _msg: None) -> Summary:
    sources, passages, summary = build(corpus_dir, progress)
    progress("写入数据库与检索索引 …")
    with storage.atomic_database(db_path) as db:
        storage.write_corpus(db, sources, passages)
        storage.write_meta(db, corpus_digest=corpus_digest(corpus_dir), passages=str(len(passages)))
        from assistant.search.index import build_index

        build_index(db, Path(corpus_dir), progress)
    return summary
