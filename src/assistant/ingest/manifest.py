"""The corpus manifest (corpus/manifest.toml): one entry per corpus file with its metadata."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

MANIFEST_NAME = "manifest.toml"


class ManifestError(ValueError):
    """The manifest is missing, malformed, or names a file that is not there."""


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

    @property
    def is_magazine(self) -> bool:
        return self.kind == "期刊"


def load_manifest(corpus_dir: Path) -> list[Entry]:
    path = Path(corpus_dir) / MANIFEST_NAME
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ManifestError(f"找不到清单文件 {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(f"清单文件 {path} 格式错误：{exc}") from exc
    entries = []
    known = set(Entry.__dataclass_fields__)
    for i, raw in enumerate(data.get("source", []), 1):
        unknown = set(raw) - known
        if unknown or not {"file", "id", "title"} <= set(raw):
            raise ManifestError(f"清单第 {i} 项缺少 file/id/title 或含未知字段：{sorted(unknown)}")
        entry = Entry(**raw)
        if not (Path(corpus_dir) / entry.file).is_file():
            raise ManifestError(f"清单第 {i} 项的文件不存在：{entry.file}")
        entries.append(entry)
    ids = [e.id for e in entries]
    if len(ids) != len(set(ids)):
        raise ManifestError("清单中有重复的 id")
    return entries
