"""The corpus manifest (corpus/manifest.toml): one entry per corpus file with its metadata.

A file whose kind is 期刊 is a magazine issue: its entry lists the articles it contains
(`[[source.article]]`), each with its own metadata and the verbatim opening words (`start`)
that locate the article in the issue's text. Unknown facts stay empty; nothing is invented.
"""
from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path

MANIFEST_NAME = "manifest.toml"
# Curated search data kept beside the documents (search/lexicon.py): never documents themselves.
CURATED_FILES = (MANIFEST_NAME, "dictionary.txt", "synonyms.toml", "query_words.toml")
MAGAZINE_KIND = "期刊"


class ManifestError(ValueError):
    """The manifest is missing, malformed, or names a file that is not there."""


@dataclass(frozen=True)
class Article:
    """One article of a magazine issue; becomes its own Source."""

    key: str  # stable per-article key: the article's source id is f"{issue id}-{key}"
    title: str
    start: str  # verbatim opening words of the article (whitespace ignored); unique in the issue
    short: str = ""
    author: str = ""
    issuer: str = ""
    date: str = ""
    kind: str = "期刊文章"
    url: str = ""
    kicker: str = ""  # line printed above the title (引题)
    subtitle: str = ""  # line printed below the title (副题)
    byline: str = ""  # other printed title-block text, e.g. "浙江省省长 王浩"

    @property
    def title_block(self) -> tuple[str, ...]:
        """Everything printed as the article's title block; repeats of it inside the body are artifacts."""
        return tuple(t for t in (self.kicker, self.title, self.subtitle, self.byline, self.author) if t)


@dataclass(frozen=True)
class Entry:
    file: str
    id: str
    title: str
    short: str = ""
    issuer: str = ""
    date: str = ""
    kind: str = ""
    url: str = ""
    passed: str = ""  # the dates below: see records.Source
    approved: str = ""
    promulgated: str = ""
    effective: str = ""
    revised: str = ""
    history: str = ""
    column_labels: tuple[str, ...] = ()  # page headers / column names printed inside the text
    articles: tuple[Article, ...] = field(default_factory=tuple)

    @property
    def is_magazine(self) -> bool:
        return self.kind == MAGAZINE_KIND


def _strict(cls: type, raw: dict, where: str, required: set[str]) -> dict:
    known = {f.name for f in fields(cls)}
    unknown = set(raw) - known
    missing = required - set(raw)
    if unknown or missing:
        raise ManifestError(f"{where} 缺少字段 {sorted(missing)} 或含未知字段 {sorted(unknown)}")
    bad = [k for k, v in raw.items() if not (_is_text_list(v) if k == "column_labels" else isinstance(v, str))]
    if bad:
        raise ManifestError(f"{where} 的字段 {bad} 应为文本（column_labels 为文本列表）")
    return raw


def _is_text_list(value) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _article(raw: dict, where: str) -> Article:
    return Article(**_strict(Article, raw, where, {"key", "title", "start"}))


def _entry(raw: dict, i: int, corpus_dir: Path) -> Entry:
    where = f"清单第 {i} 项"
    fields_only = _strict(Entry, {k: v for k, v in raw.items() if k != "article"}, where, {"file", "id", "title"})
    raw_list = raw.get("article", [])
    if not isinstance(raw_list, list) or not all(isinstance(a, dict) for a in raw_list):
        raise ManifestError(f"{where} 的文章列表格式错误")
    articles = tuple(_article(a, f"{where}的第 {j} 篇文章") for j, a in enumerate(raw_list, 1))
    entry = Entry(**{**fields_only, "column_labels": tuple(raw.get("column_labels", ())), "articles": articles})
    if Path(entry.file).is_absolute() or not (corpus_dir / entry.file).resolve().is_relative_to(corpus_dir.resolve()):
        raise ManifestError(f"{where} 的文件路径不在语料目录内：{entry.file}")
    if not (corpus_dir / entry.file).is_file():
        raise ManifestError(f"{where} 的文件不存在：{entry.file}")
    if entry.is_magazine and not entry.articles:
        raise ManifestError(f"{where} 是期刊，但没有列出文章（[[source.article]]）")
    keys = [a.key for a in entry.articles]
    if len(keys) != len(set(keys)):
        raise ManifestError(f"{where} 中有重复的文章 key")
    return entry


def load_manifest(corpus_dir: Path) -> list[Entry]:
    corpus_dir = Path(corpus_dir)
    path = corpus_dir / MANIFEST_NAME
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ManifestError(f"找不到清单文件 {path}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ManifestError(f"清单文件 {path} 格式错误：{exc}") from exc
    entries = []
    for i, raw in enumerate(data.get("source", []), 1):
        if not isinstance(raw, dict):
            raise ManifestError(f"清单第 {i} 项格式错误")
        entries.append(_entry(raw, i, corpus_dir))
    if not entries:
        raise ManifestError(f"清单文件 {path} 中没有任何来源（[[source]]）")
    ids = [e.id for e in entries] + [f"{e.id}-{a.key}" for e in entries for a in e.articles]
    if len(ids) != len(set(ids)):
        raise ManifestError("清单中有重复的 id")
    return entries


_ENTRY_HEADER = "[[source]]"


def _toml_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def append_entry(corpus_dir: Path, entry: Entry, comment: str = "") -> None:
    """Add `entry` at the end of the manifest (created when missing), keeping everything written before."""
    path = Path(corpus_dir) / MANIFEST_NAME
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    lines = [f"# {line}" for line in comment.splitlines()] + [_ENTRY_HEADER]
    for f in fields(Entry):
        value = getattr(entry, f.name)
        if isinstance(value, str) and (value or f.name in ("file", "id", "title")):
            lines.append(f"{f.name} = {_toml_string(value)}")
    path.write_text(text.rstrip("\n") + ("\n\n" if text.strip() else "") + "\n".join(lines) + "\n", encoding="utf-8")


def remove_entry(corpus_dir: Path, source_id: str) -> Entry:
    """Take the entry with id `source_id` out of the manifest (its text block and the comments above it)."""
    path = Path(corpus_dir) / MANIFEST_NAME
    entries = {e.id: e for e in load_manifest(corpus_dir)}
    if source_id not in entries:
        raise ManifestError(f"清单中没有 id 为“{source_id}”的来源（期刊文章须随整期移除）")
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if line.strip() == _ENTRY_HEADER]
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        if tomllib.loads("".join(lines[start:end])).get("source", [{}])[0].get("id") == source_id:
            while end > start and lines[end - 1].lstrip().startswith("#"):
                end -= 1  # comments just above the next entry belong to it
            while start > 0 and lines[start - 1].lstrip().startswith("#"):
                start -= 1
            del lines[start:end]
            path.write_text("".join(lines).rstrip("\n") + "\n", encoding="utf-8")
            return entries[source_id]
    raise ManifestError(f"清单中找不到 id 为“{source_id}”的条目")
