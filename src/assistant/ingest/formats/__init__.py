"""Format readers: a file in, the same Element records out, so everything after this layer is format-blind.

One module per format (txt, markdown, docx, doc, pdf, html), each with `read(path) -> list[Element]`. Markdown, Word
and web pages state their paragraphs and headings; plain text and PDF are hard-wrapped lines whose paragraphs the layout
rules infer (`Element.wrapped`). Anything a reader cannot turn into text is a FormatError with a message
for the user, never an empty document.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from pathlib import Path


class FormatError(ValueError):
    """A file that cannot be read as a document: the message says why, in Chinese, for the user."""


@dataclass(frozen=True)
class Element:
    text: str  # as in the file; a wrapped line keeps its leading whitespace (a layout cue)
    heading: int = 0  # heading level the format states (Markdown #, Word Title/Heading N); 0 = not a heading
    wrapped: bool = False  # a line of hard-wrapped text (txt, pdf): paragraphs are inferred from layout
    page_start: bool = False  # first line of a page (pdf): where running headers and footers sit
    table: str = ""  # one table row, cells separated by TABLE_CELL: TABLE_HEAD (the column names) or TABLE_ROW


TABLE_HEAD = "head"
TABLE_ROW = "row"

TABLE_CELL = " | "
SUFFIXES = (".txt", ".md", ".docx", ".doc", ".wps", ".pdf", ".html", ".htm")
_WORD_LEGACY = (".rtf", ".odt")  # documents an office suite opens and saves as .docx
# C0 controls (but tab, newline, carriage return), DEL, and the byte-order mark anywhere in the text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufeff]")
_CJK = re.compile(r"[\u3400-\u9fff]")


def strip_controls(text: str) -> tuple[str, int]:
    """Text without control characters and byte-order marks (never part of a quote); returns (text, removed)."""
    out = _CONTROL.sub("", text)
    return out, len(text) - len(out)


def decode_text(path: Path, data: bytes, encoding: str = "") -> str:
    """The text of a file: in the `encoding` the file declares (a web page's charset) when its bytes decode
    so, else UTF-8, or GB18030 (GBK), which Chinese Windows editors still save text as ("ANSI"); a clear
    error for empty files and binary junk."""
    if not data.strip():
        raise FormatError(f"文件为空：{path}")
    try:
        text = data.decode(encoding or "utf-8")
    except (UnicodeDecodeError, LookupError):
        text = None  # a charset the bytes do not match (or Python does not know): read as if undeclared
    if text is None:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            text = _chinese_legacy(data)
            if text is None:
                raise FormatError(f"文件 {path} 不是 UTF-8 或 GBK 文本（第 {exc.start} 字节处无法解码），可能是二进制文件"
                                  ) from exc
    printable = strip_controls(text)[0]
    if len(text) - len(printable) > max(16, 0.05 * len(text)):
        raise FormatError(f"文件 {path} 含大量控制字符，不像文本文件")
    if not printable.strip():
        raise FormatError(f"文件为空：{path}")
    return printable


def _chinese_legacy(data: bytes) -> str | None:
    """The text of GB18030 bytes when they read as Chinese (a third of the characters CJK, no NULs):
    binary junk also decodes as GB18030 now and then, but not as mostly ideographs. UTF-8 with a few bad
    bytes (a truncated or damaged file) is not GBK: read as GB18030 it would become plausible mojibake."""
    broken = data.decode("utf-8", errors="replace").count("\ufffd")
    if broken < 0.05 * len(data) / 3:
        return None
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        return None
    if "\x00" in text or len(_CJK.findall(text)) <= 0.3 * len(text.strip()):
        return None
    return text


_CACHE_SIZE = 8
_cache: dict[str, list[Element]] = {}  # content digest → elements: `add` checks a file, then ingests its copy


def read(path: Path) -> list[Element]:
    """The elements of a document file, by its suffix (a file read before with the same content is not
    parsed again: a 100-page PDF takes seconds)."""
    from assistant.ingest.formats import doc, docx, html, markdown, pdf, txt
    from assistant.ingest.formats.radicals import RADICAL, unify_radicals

    readers = {".txt": txt.read, ".md": markdown.read, ".docx": docx.read, ".doc": doc.read, ".wps": doc.read,
               ".pdf": pdf.read, ".html": html.read, ".htm": html.read}
    path = Path(path)
    reader = readers.get(path.suffix.lower())
    if reader is None:
        hint = "，请用 Word 或 WPS 另存为 .docx" if path.suffix.lower() in _WORD_LEGACY else ""
        raise FormatError(f"不支持的文件类型：{path.name}（支持 {'、'.join(SUFFIXES)}）{hint}")
    if not path.is_file():
        raise FormatError(f"找不到文件：{path}")
    if path.stat().st_size == 0:
        raise FormatError(f"文件为空：{path}")
    key = path.suffix.lower() + hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest()
    if key not in _cache:
        elements = [replace(e, text=unify_radicals(e.text)) if RADICAL.search(e.text) else e for e in reader(path)]
        if not any(e.text.strip() for e in elements):
            raise FormatError(f"文件中没有可读的文字：{path}")
        if len(_cache) >= _CACHE_SIZE:
            _cache.pop(next(iter(_cache)))
        _cache[key] = elements
    return list(_cache[key])
