"""Ingest a corpus directory into the database: read → clean → structure → sentences → store."""
from __future__ import annotations

import hashlib
import statistics
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from assistant import storage
from assistant.ingest import cleaning, formats, legal
from assistant.ingest.formats import FormatError
from assistant.ingest.lines import Line, element_lines
from assistant.ingest.magazine import split_articles
from assistant.ingest.metadata import history_events, leading_history
from assistant.ingest.manifest import CURATED_FILES, MANIFEST_NAME, Article, Entry, load_manifest
from assistant.ingest.removals import Removals
from assistant.ingest.sentences import split_clauses, split_sentences
from assistant.ingest.structure import Block, blocks, paragraphs, section_paths
from assistant.records import HEADNOTE, Passage, Source

Progress = Callable[[str], None]


class CorpusError(ValueError):
    """A corpus file cannot be read as text."""


class RebuildRefused(ValueError):
    """A rebuild would drop documents the database holds that its corpus folder lacks (nothing was changed)."""


EMPTY = "empty"  # Summary.skipped reason: the file holds no text

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
    unlisted: list[str] = field(default_factory=list)  # document files in the folder without a manifest entry
    warnings: list[str] = field(default_factory=list)  # files skipped (empty), each named


@dataclass(frozen=True)
class Document:
    """One citable unit of text: a whole file, or one article of a magazine issue."""

    source: Source
    lines: list[Line]
    title_block: tuple[str, ...]
    column_labels: tuple[str, ...]
    header: tuple[str, ...] = ()  # the document's header lines, kept as metadata

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


def read_elements(path: Path) -> list[formats.Element]:
    """A corpus file's elements, whatever its format (formats/)."""
    try:
        return formats.read(path)
    except FormatError as exc:
        raise CorpusError(f"语料文件无法读取：{exc}") from exc
    except OSError as exc:
        raise CorpusError(f"无法读取语料文件 {path}：{exc.strerror or exc}") from exc


def unlisted_files(corpus_dir: Path, entries: list[Entry]) -> list[str]:
    """Document files in the corpus folder that the manifest does not list (ingest names them in a warning)."""
    listed = {e.file for e in entries} | set(CURATED_FILES)
    return sorted(
        p.name for p in Path(corpus_dir).iterdir()
        if p.is_file() and p.suffix.lower() in formats.SUFFIXES and p.name not in listed and not p.name.startswith(".")
    )


def documents(entry: Entry, lines: list[Line], position: int, removals: Removals) -> list[Document]:
    """The citable documents in one corpus file: the file itself, or each article of an issue."""
    if not entry.is_magazine:
        source = Source(
            id=entry.id, title=entry.title, short=entry.short, issuer=entry.issuer, date=entry.date,
            kind=entry.kind, url=entry.url, file=entry.file, position=position, passed=entry.passed,
            approved=entry.approved, promulgated=entry.promulgated, effective=entry.effective, revised=entry.revised,
            history=entry.history,
        )
        return [Document(source, lines, (entry.title,), entry.column_labels, tuple(entry.history.splitlines()))]
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
    """Headings and body of a document: a regulation (第X条) by its legal structure, anything else by layout."""
    rules = (
        cleaning.column_label_rule(doc.column_labels), cleaning.title_repeat_rule(doc.title_block),
        cleaning.header_rule(doc.header),
    )
    lines = cleaning.clean_lines(doc.lines, removals, extra=rules)
    if legal.is_legal([ln.text for ln in lines]):
        return legal.blocks(paragraphs(lines, opens=legal.starts_unit), removals)
    return blocks(paragraphs(lines))


def document_passages(doc: Document, removals: Removals) -> list[Passage]:
    """A document's passages: the history lines of its header, or printed at the top of its text (not an
    article of a periodical), first under 题注, then its text."""
    items = document_blocks(doc, removals)
    lead = 0 if doc.source.publication else leading_history([b.text for b in items])
    printed = [b.text for b in items[:lead]]
    return passages_for(doc.source, items[lead:], history_events(doc.header) + history_events(printed))


def passages_for(source: Source, items: list[Block], history: list[str] = ()) -> list[Passage]:
    """The passages of a document: its history lines first (section 题注, each a paragraph of its own), then
    each block's sentences and clauses (a heading whole)."""
    units = [(line, i - len(history), (HEADNOTE,), False) for i, line in enumerate(history)]
    for block, section in zip(items, section_paths(items)):
        if block.is_heading and not block.text:
            continue  # a heading that is structure only (a regulation's 第X章, 第X条): it names the section
        pieces = [block.text] if block.is_heading else [c for s in split_sentences(block.text) for c in split_clauses(s)]
        units += [(piece, block.para, section, block.is_heading) for piece in pieces]
    passages: list[Passage] = []
    seen: dict[str, int] = {}
    for text, para, section, heading in units:
        n = seen.get(text, 0)
        seen[text] = n + 1
        passages.append(Passage(id=passage_id(source.id, text, n), source_id=source.id, seq=len(passages), para=para,
                                section=section, text=text, is_heading=heading))
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
    summary.unlisted = unlisted_files(corpus_dir, entries)
    for n, entry in enumerate(entries, 1):
        path = corpus_dir / entry.file
        if path.stat().st_size == 0:
            summary.warnings.append(f"语料文件为空，已跳过：{entry.file}")
            progress(f"[{n}/{len(entries)}] {entry.file}：文件为空，已跳过")
            continue
        lines = element_lines(read_elements(path), removals)
        docs = documents(entry, lines, len(sources), removals)
        for doc in docs:
            found = document_passages(doc, removals)
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


def ingest(corpus_dir: Path, db_path: Path, progress: Progress = lambda _msg: None, embed: bool = False,
           drop_missing: bool = False) -> Summary:
    """Rebuild the database from the corpus folder; refused when the database holds documents the folder lacks,
    unless `drop_missing` (they were taken out on purpose)."""
    sources, passages, summary = build(corpus_dir, progress)
    if not drop_missing:
        check_keeps(db_path, corpus_dir, sources)
    write(corpus_dir, db_path, sources, passages, progress, embed)
    return summary


def check_keeps(db_path: Path, corpus_dir: Path, sources: list[Source], removed: str = "") -> None:
    """Refuse a rebuild that would drop documents of the database other than `removed`'s: they were read from
    another corpus folder (a forgotten --corpus, or `ingest` with the default corpus/ after documents were added
    elsewhere), and the bot serving the database would lose them without a word."""
    if not Path(db_path).exists():
        return
    try:
        corpus = storage.Corpus(db_path)
    except storage.NotACorpus:
        return  # not a corpus database (or one whose index is out of date): its documents are read below anyway
    with closing(corpus.conn):
        before = corpus.sources()
    files = {s.file for s in sources} | {removed}
    dropped = sorted({s.file for s in before if s.file not in files})
    if dropped:
        raise RebuildRefused(
            f"数据库 {db_path} 中有 {len(dropped)} 个文件不在语料目录 {corpus_dir} 中"
            f"（{'、'.join(dropped[:3])}{' 等' if len(dropped) > 3 else ''}），重建会删去它们，数据库未作改动。"
            f"请指定建立该数据库的语料目录（add、remove 用 --corpus，ingest 写作第一个参数）；若确是有意删去，运行 "
            f"`python -m assistant ingest {corpus_dir} --db {db_path} --drop-missing`")


def write(corpus_dir: Path, db_path: Path, sources: list[Source], passages: list[Passage], progress: Progress,
          embed: bool = False) -> None:
    """Replace the database atomically with these sources and passages, their search index and sentence vectors
    (those of the database it replaces, the new ones embedded; all of them with `embed`, see vectors.carry_over)."""
    progress("写入数据库与检索索引 …")
    with storage.atomic_database(db_path) as db:
        storage.write_corpus(db, sources, passages)
        storage.write_meta(db, corpus_digest=corpus_digest(corpus_dir), passages=str(len(passages)))
        from assistant.search import vectors
        from assistant.search.index import build_index

        build_index(db, Path(corpus_dir), progress)
        vectors.carry_over(Path(db_path), db.conn, progress, embed_all=embed)
