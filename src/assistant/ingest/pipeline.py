"""Ingest a corpus directory into the database: the orchestration of all ingestion steps.

FIRST CUT: plain-text reading with whitespace removal and numbered-heading detection; the
cleaning of PDF/newspaper artifacts and magazine splitting are to be filled in.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from assistant import storage
from assistant.ingest.manifest import Entry, load_manifest
from assistant.ingest.sentences import split_clauses, split_sentences
from assistant.records import Passage, Source

Progress = Callable[[str], None]

_HEADING = re.compile(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d{1,2}[.．])")


@dataclass
class Summary:
    sources: int = 0
    sections: int = 0
    passages: int = 0
    dropped: int = 0
    removed_chars: dict[str, int] = field(default_factory=dict)


def passage_id(source_id: str, text: str, occurrence: int) -> str:
    """Content-derived id: unchanged input gives identical ids, and an edit elsewhere doesn't shift them."""
    digest = hashlib.blake2b(f"{source_id}\0{occurrence}\0{text}".encode(), digest_size=6).hexdigest()
    return digest


def _paragraphs(raw: str) -> list[str]:
    return [re.sub(r"\s+", "", p) for p in re.split(r"\n\s*\n", raw) if p.strip()]


def source_from_entry(entry: Entry, position: int) -> Source:
    return Source(
        id=entry.id, title=entry.title, short=entry.short, issuer=entry.issuer, date=entry.date,
        kind=entry.kind, url=entry.url, file=entry.file, position=position,
    )


def passages_for(source: Source, raw: str) -> list[Passage]:
    passages: list[Passage] = []
    section: list[str] = []
    seen: dict[str, int] = {}
    for para_no, para in enumerate(_paragraphs(raw)):
        pieces = [c for s in split_sentences(para) for c in split_clauses(s)]
        for piece in pieces:
            is_heading = bool(_HEADING.match(piece)) and piece is pieces[0] and len(piece) < 60
            if is_heading:
                section = [piece]
            n = seen.get(piece, 0)
            seen[piece] = n + 1
            passages.append(
                Passage(
                    id=passage_id(source.id, piece, n), source_id=source.id, seq=len(passages),
                    para=para_no, section=tuple(section), text=piece, is_heading=is_heading,
                )
            )
    return passages


def ingest(corpus_dir: Path, db_path: Path, progress: Progress = lambda _msg: None) -> Summary:
    entries = load_manifest(corpus_dir)
    summary = Summary()
    sources: list[Source] = []
    passages: list[Passage] = []
    for position, entry in enumerate(entries):
        progress(f"[{position + 1}/{len(entries)}] {entry.file}")
        raw = (Path(corpus_dir) / entry.file).read_text(encoding="utf-8")
        source = source_from_entry(entry, position)
        sources.append(source)
        passages.extend(passages_for(source, raw))
    summary.sources = len(sources)
    summary.passages = len(passages)
    summary.sections = len({(p.source_id, p.section) for p in passages})
    progress("写入数据库与检索索引 …")
    with storage.atomic_database(db_path) as db:
        storage.write_corpus(db, sources, passages)
        from assistant.search.index import build_index

        build_index(db)
    return summary
